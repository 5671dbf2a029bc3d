"""What the scheduler returns: every instruction and ebit placed in time, and the bounds.

A :class:`Schedule` is the *prediction* the runtime executes against and
reports beside. It cannot build a :class:`qdcnet.runtime.trace.ShotTrace`
itself (the runtime is the layer above), so it keeps the data one needs, in
the trace's conventions: :attr:`Schedule.instr_start_ps` holds, per shot,
the start of every instruction in program order (the order of
``qdcnet.runtime.trace.instruction_index``), and each :class:`EbitPlacement`
holds what an ``EbitUse`` holds (``requested_ps = need_ps``, ``ready_ps``,
``used_ps = use_ps``, ``state = expected_state``, ``born_ps = ready_ps``).
The runtime writes the nominal trace of shot ``k`` as
``ShotTrace(k, *schedule.shot_span_ps[k], schedule.instr_start_ps[k], uses)``.

Times are integer picoseconds from the start of the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdcnet.compiler.program import DistributedProgram
    from qdcnet.schedule.supply import ErrorBudget, PairSupply

__all__ = ["EbitPlacement", "LowerBounds", "Schedule", "ScheduledOp"]


@dataclass(frozen=True, slots=True)
class EbitPlacement:
    """One ebit of one shot: where it lands, when it is made, when it is used.

    ``index`` is the ebit's index within its shot in program order (operation
    order, then the order of the operation's ``ebit_slots``); ``logical`` the
    logical communication slots it opens; ``physical`` the communication
    qubit the scheduler bound at each end. ``gen_ps``: generation starts (the
    communication qubits are held from here); ``ready_ps``: the pair is
    there; ``need_ps``: the operation's other inputs are ready; ``use_ps``:
    the operation engages the pair, ``max(ready, need)``; ``release_ps``: the
    end of the last instruction on each logical slot. ``expected_state`` is
    the plan's delivered state aged by ``use - ready`` in the communication
    memories (the stock rule).

    A **stored** pair (``stored_ps`` set) moved into a storage qubit at each
    end on arrival: ``storage`` holds the storage qubit index at each end,
    the communication qubits are free from ``stored_ps`` (the end of the
    transfer) and the storage qubits until ``release_ps``; the operation
    works on the stored ends. Its ``expected_state`` is the moved state
    aged by ``use - stored_ps`` in the storage memories
    (:meth:`PairSupply.expected_state <qdcnet.schedule.supply.PairSupply.expected_state>`
    with ``stored=True``).
    """

    index: int
    shot: int
    op: int
    qpus: tuple[str, str]
    logical: tuple[int, int]
    physical: tuple[int, int]
    gen_ps: int
    ready_ps: int
    need_ps: int
    use_ps: int
    release_ps: tuple[int, int]
    expected_state: tuple[float, float, float, float]
    target_fidelity: float | None = None
    rounds: int = 0
    path: tuple[str, ...] = ()
    #: end of the move to storage (None: held in the communication qubits)
    stored_ps: int | None = None
    #: storage qubit index at each end while stored
    storage: tuple[int, int] | None = None

    @property
    def stored(self) -> bool:
        """The pair waited in storage qubits, not in communication qubits."""
        return self.stored_ps is not None

    @property
    def comm_release_ps(self) -> tuple[int, int]:
        """When each end's communication qubit is free again."""
        if self.stored_ps is not None:
            return (self.stored_ps, self.stored_ps)
        return self.release_ps

    @property
    def expected_fidelity(self) -> float:
        return self.expected_state[0]

    @property
    def age_ps(self) -> int:
        return self.use_ps - self.ready_ps

    @property
    def wait_ps(self) -> int:
        """Time the operation waited for this pair once it was otherwise ready."""
        return max(0, self.ready_ps - self.need_ps)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "shot": self.shot, "op": self.op, "qpus": list(self.qpus),
                "logical": list(self.logical), "physical": list(self.physical),
                "gen_ps": self.gen_ps, "ready_ps": self.ready_ps, "need_ps": self.need_ps,
                "use_ps": self.use_ps, "release_ps": list(self.release_ps),
                "age_ps": self.age_ps, "wait_ps": self.wait_ps,
                "expected_fidelity": self.expected_fidelity,
                "expected_state": list(self.expected_state),
                "target_fidelity": self.target_fidelity, "rounds": self.rounds,
                "path": list(self.path), "stored": self.stored, "stored_ps": self.stored_ps,
                "storage": None if self.storage is None else list(self.storage)}


@dataclass(frozen=True, slots=True)
class ScheduledOp:
    """One operation of one shot: when its first instruction starts and its last ends.

    A ``classical`` operation (no instructions) spans from its bits' readout to
    their arrival at the receiving QPU.
    """

    op: int
    shot: int
    kind: str
    qpus: tuple[str, ...]
    start_ps: int
    end_ps: int
    #: EbitPlacement indices (into :attr:`Schedule.ebits`) the operation consumes
    ebits: tuple[int, ...] = ()
    #: the (qpu, slot) it touches: data slots and logical communication slots
    slots: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "shot": self.shot, "kind": self.kind, "qpus": list(self.qpus),
                "start_ps": self.start_ps, "end_ps": self.end_ps, "ebits": list(self.ebits),
                "slots": [list(s) for s in self.slots]}


@dataclass(frozen=True)
class LowerBounds:
    """Lower bounds on a schedule's total time (see :mod:`qdcnet.schedule.bounds`)."""

    critical_path_ps: int
    per_pair_ps: dict[tuple[str, str], int] = field(default_factory=dict)
    per_qpu_ps: dict[str, int] = field(default_factory=dict)

    @property
    def largest(self) -> tuple[str, int]:
        """The binding bound's name (``critical_path``, ``pair a-b`` or ``qpu a``) and value."""
        best = ("critical_path", self.critical_path_ps)
        for (a, b), value in self.per_pair_ps.items():
            if value > best[1]:
                best = (f"pair {a}-{b}", value)
        for name, value in self.per_qpu_ps.items():
            if value > best[1]:
                best = (f"qpu {name}", value)
        return best

    def to_dict(self) -> dict[str, Any]:
        name, value = self.largest
        return {"critical_path_ps": self.critical_path_ps,
                "per_pair_ps": {f"{a}-{b}": v for (a, b), v in self.per_pair_ps.items()},
                "per_qpu_ps": dict(self.per_qpu_ps), "largest": name, "largest_ps": value}


@dataclass(frozen=True)
class Schedule:
    """A program placed in time on a data center, for ``shots`` shots.

    ``makespan_ps`` is the first shot's (start of its first instruction, at
    0, to the end of its last); ``total_ps`` the end of the last shot;
    ``shot_period_ps`` the gap between the last two shots' ends (``None``
    for one shot), so a job of ``n`` shots takes about
    ``makespan_ps + (n - 1) * shot_period_ps``.
    """

    program: DistributedProgram
    policy: str
    shots: int
    ops: tuple[ScheduledOp, ...]
    ebits: tuple[EbitPlacement, ...]
    #: per shot, the start of every instruction in program order
    instr_start_ps: tuple[tuple[int, ...], ...]
    #: per shot, (start of its first instruction, end of its last)
    shot_span_ps: tuple[tuple[int, int], ...]
    makespan_ps: int
    total_ps: int
    shot_period_ps: int | None
    bounds: LowerBounds
    supplies: Mapping[tuple[str, str], PairSupply]
    budget: ErrorBudget | None = None

    @property
    def ratio(self) -> float:
        """Total time over the largest lower bound (1 is optimal; inf if every bound is 0)."""
        largest = self.bounds.largest[1]
        if largest == 0:
            return 1.0 if self.total_ps == 0 else float("inf")
        return self.total_ps / largest

    @property
    def stored(self) -> int:
        """How many ebits wait in storage qubits."""
        return sum(1 for e in self.ebits if e.stored)

    @property
    def violations(self) -> tuple[EbitPlacement, ...]:
        """Ebits whose expected fidelity at use falls below their target."""
        return tuple(e for e in self.ebits if e.target_fidelity is not None
                     and e.expected_fidelity < e.target_fidelity - 1e-12)

    def to_dict(self) -> dict[str, Any]:
        return {"program": self.program.name, "policy": self.policy, "shots": self.shots,
                "makespan_ps": self.makespan_ps, "total_ps": self.total_ps,
                "shot_period_ps": self.shot_period_ps, "ratio": self.ratio,
                "bounds": self.bounds.to_dict(),
                "supplies": {f"{a}-{b}": s.to_dict() for (a, b), s in self.supplies.items()},
                "budget": None if self.budget is None else self.budget.to_dict(),
                "violations": len(self.violations), "stored_ebits": self.stored,
                "ops": [o.to_dict() for o in self.ops],
                "ebits": [e.to_dict() for e in self.ebits]}
