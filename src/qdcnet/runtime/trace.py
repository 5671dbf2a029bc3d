"""What one executed shot of a distributed program leaves behind.

The scheduler predicts it (:func:`qdcnet.runtime.jobs.nominal_trace` builds
the trace from a schedule's first shot), the runtime measures it, and the
physics engines read it: when every
instruction started, and for every ebit when it was asked for, when it was
ready, when it was used and in what state. Idle intervals of the data qubits
follow from the instruction times and durations, so they are derived, not
stored.

Times are integer picoseconds on the event kernel's clock; instruction
``i`` is the ``i``-th instruction of the program in operation order (the
order :func:`instruction_index` gives).

>>> trace = ShotTrace(shot=0, start_ps=0, end_ps=10, instr_start_ps=(0, 4), ebits=())
>>> trace.makespan_ps
10
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdcnet.compiler.program import DistributedProgram, Instruction
    from qdcnet.schedule.timing import ProgramTiming

__all__ = ["EbitUse", "ShotTrace", "TimeBreakdown", "idle_intervals", "instruction_index",
           "time_breakdown"]


@dataclass(frozen=True, slots=True)
class EbitUse:
    """One ebit of one shot: who asked, when it came, how old and how good it was at use.

    ``ebit`` is the ebit's index in program order (operation order, then the
    order of the operation's ``ebit_slots``); ``slots`` are the logical
    communication slots it opened at each end. ``state`` holds the Bell
    coefficients (Φ+, Ψ+, Ψ-, Φ-) at use: for a pair ``(I, X, Y, Z)`` on the
    second half, the convention of :class:`qdcnet.quantum.bell.BellDiagonal`.
    """

    ebit: int
    qpus: tuple[str, str]
    slots: tuple[int, int]
    requested_ps: int
    ready_ps: int
    used_ps: int
    state: tuple[float, float, float, float]
    #: the pair's own identity in the network (None for predicted traces)
    pair_id: int | None = None
    #: time the pair's state was last updated: age at use is ``used_ps - born_ps``
    born_ps: int | None = None
    #: time the consuming operation was ready for the ebit (its data side done)
    needed_ps: int | None = None
    #: the pair waited in storage qubits (data memories), not communication qubits
    stored: bool = False

    @property
    def wait_ps(self) -> int:
        """Time the consuming operation waited for this ebit (0 if it was there first).

        Without ``needed_ps``, the time from the request to the arrival.
        """
        since = self.requested_ps if self.needed_ps is None else self.needed_ps
        return max(0, self.ready_ps - since)

    @property
    def age_ps(self) -> int:
        """Time from the pair's heralding (or last update) to its use."""
        return self.used_ps - (self.ready_ps if self.born_ps is None else self.born_ps)

    @property
    def fidelity(self) -> float:
        return self.state[0]

    def to_dict(self) -> dict[str, Any]:
        return {"ebit": self.ebit, "qpus": list(self.qpus), "slots": list(self.slots),
                "requested_ps": self.requested_ps, "ready_ps": self.ready_ps,
                "used_ps": self.used_ps, "wait_ps": self.wait_ps, "age_ps": self.age_ps,
                "fidelity": self.fidelity, "state": list(self.state), "pair_id": self.pair_id,
                "stored": self.stored}


@dataclass(frozen=True, slots=True)
class ShotTrace:
    """One shot as executed (or as predicted): instruction start times and ebits."""

    shot: int
    start_ps: int
    end_ps: int
    #: start time of every instruction, in program order (see :func:`instruction_index`)
    instr_start_ps: Sequence[int]
    ebits: tuple[EbitUse, ...]

    @property
    def makespan_ps(self) -> int:
        return self.end_ps - self.start_ps

    def to_dict(self) -> dict[str, Any]:
        return {"shot": self.shot, "start_ps": self.start_ps, "end_ps": self.end_ps,
                "makespan_ps": self.makespan_ps,
                "ebits": [e.to_dict() for e in self.ebits]}


def instruction_index(program: DistributedProgram) -> list[tuple[int, Instruction]]:
    """Every instruction of ``program`` with its operation's id, in the order traces use."""
    return [(op.id, ins) for op in program.operations for ins in op.instructions]


def idle_intervals(program: DistributedProgram, trace: ShotTrace, durations_ps: Sequence[int]
                   ) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Every data qubit's idle intervals in one shot: ``(qpu, slot) -> [(start, end), ...]``.

    A data qubit idles between the end of one instruction on it and the start
    of the next (from its first instruction of the shot to its last; times in
    ps on the shot's clock). Communication slots are left out: their pairs'
    age at use is in the ebits.
    """
    data = {q.name: q.data for q in program.qpus}
    last_end: dict[tuple[str, int], int] = {}
    out: dict[tuple[str, int], list[tuple[int, int]]] = {}
    index = instruction_index(program)
    order = sorted(range(len(index)), key=lambda i: trace.instr_start_ps[i])
    for i in order:
        _, ins = index[i]
        start = int(trace.instr_start_ps[i])
        for slot in ins.slots:
            if slot >= data[ins.qpu]:
                continue
            key = (ins.qpu, slot)
            previous = last_end.get(key)
            if previous is not None and start > previous:
                out.setdefault(key, []).append((previous, start))
            last_end[key] = max(previous or 0, start + int(durations_ps[i]))
    return out


@dataclass(frozen=True, slots=True)
class TimeBreakdown:
    """Where one shot's makespan went, along its critical path (ps; the parts sum to it).

    * ``compute_ps``: instructions (gates, measurements, the local halves of
      remote operations) on the path;
    * ``ebit_wait_ps``: the path stood still until an ebit arrived;
    * ``classical_ps``: measurement results in flight to another QPU
      (feed-forward latency on a condition or on an operation's input);
    * ``other_ps``: the path stood still for something else: a communication
      qubit or data qubit still held by the previous shot when shots overlap.
    """

    makespan_ps: int
    compute_ps: int
    ebit_wait_ps: int
    classical_ps: int
    other_ps: int

    def fractions(self) -> dict[str, float]:
        """Each part as a share of the makespan (zeros for an empty shot)."""
        total = self.makespan_ps or 1
        return {"compute": self.compute_ps / total, "ebit_wait": self.ebit_wait_ps / total,
                "classical": self.classical_ps / total, "other": self.other_ps / total}

    def to_dict(self) -> dict[str, Any]:
        return {"makespan_ps": self.makespan_ps, "compute_ps": self.compute_ps,
                "ebit_wait_ps": self.ebit_wait_ps, "classical_ps": self.classical_ps,
                "other_ps": self.other_ps, "fractions": self.fractions()}


def time_breakdown(timing: ProgramTiming, trace: ShotTrace) -> TimeBreakdown:
    """Split ``trace``'s makespan into compute, ebit wait, classical latency and other.

    The walk starts at the instruction that ends last and steps back, each
    time to the dependency that released the current instruction latest
    (its slot predecessors, the measurements of its condition plus their
    latency, and for an ebit's first touch the ebit's ``need_deps``).
    The instruction's own duration is compute; a latency on the releasing
    edge is classical; a gap after the latest release is ebit wait when one
    of the ebits the instruction first touches arrived at its start, other
    wait otherwise. Ties go to the edge with the longest latency, then the
    lowest index, so the split is a function of the trace alone.

    >>> from qdcnet.compiler import CompileTarget, compile_circuit
    >>> from qdcnet.network.qpu import QPU
    >>> from qdcnet.schedule.timing import ProgramTiming
    >>> qpus = {n: QPU(n, 1e-6, 1e-5, 1e-5, data_qubits=1, comm_qubits=1) for n in ("m0", "m1")}
    >>> program = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
    ... cx q[0],q[1];''', CompileTarget(tuple(qpus.values()), ((0, 1), (1, 0)))).program
    >>> timing = ProgramTiming.build(program, qpus, lambda a, b: 0.0)
    >>> trace = ShotTrace(0, 0, 0, (0,) * timing.num_instructions, ())
    >>> time_breakdown(timing, trace).makespan_ps
    0
    """
    starts = trace.instr_start_ps
    durations = timing.duration_ps
    n = len(durations)
    if n == 0 or trace.end_ps <= trace.start_ps:
        return TimeBreakdown(max(0, trace.makespan_ps), 0, 0, 0, max(0, trace.makespan_ps))
    ready = {use.ebit: use.ready_ps for use in trace.ebits}
    need: dict[int, list[tuple[int, int]]] = {}
    for i, ebits in timing.ebit_first.items():
        for e in ebits:
            need.setdefault(i, []).extend(timing.ebits[e].need_deps)
    current = max(range(n), key=lambda i: (starts[i] + durations[i], -i))
    compute = ebit_wait = classical = other = 0
    tail = trace.end_ps - (starts[current] + durations[current])
    other += max(0, tail)
    while True:
        compute += durations[current]
        start = starts[current]
        edges = [(j, 0) for j in timing.slot_deps[current]]
        edges += list(timing.bit_deps[current]) + need.get(current, [])
        releaser: tuple[int, int] | None = None
        released = trace.start_ps
        for j, lag in edges:
            at = starts[j] + durations[j] + lag
            if at > start:
                continue  # not a dependency of this shot's run (or a later instruction)
            if (releaser is None or at > released
                    or (at == released and (lag, -j) > (releaser[1], -releaser[0]))):
                releaser, released = (j, lag), at
        gap = start - released
        if gap > 0:
            arrived = any(ready.get(e, -1) == start
                          for e in timing.ebit_first.get(current, ()))
            if arrived:
                ebit_wait += gap
            else:
                other += gap
        if releaser is None:
            break
        classical += releaser[1]
        current = releaser[0]
    return TimeBreakdown(trace.makespan_ps, compute, ebit_wait, classical, other)
