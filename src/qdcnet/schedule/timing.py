"""The instruction DAG of a program, timed: what both the scheduler and the runtime walk.

Instruction ``i`` is the ``i``-th instruction of the program in operation
order. Its start waits for

* the end of the previous instruction on each of its slots (``slot_deps``);
* the end of the measurement that wrote each bit of its condition, plus the
  classical latency when that measurement ran on another QPU (``bit_deps``);
  a measurement also waits for earlier readers and writers of its bit on its
  own QPU;
* for the first instruction on each end of an ebit (its *first touch*): the
  ebit, and every outside input of the ebit's operation and of the later
  instructions that use its far half (``ebit.need_deps``), so a pair is
  engaged only when both ends can use it and its age at use is the time it
  waited for that.

``classical`` operations have no instructions and cost nothing: the latency
sits on the bit dependencies. A conditional instruction is timed as if it
runs (the QPU keeps the slot for the pulse). Instructions on disjoint slots
of one QPU run in parallel.

>>> from qdcnet.compiler import CompileTarget, compile_circuit
>>> from qdcnet.network.qpu import QPU
>>> qpus = {n: QPU(n, 1e-6, 1e-5, 1e-5, data_qubits=1, comm_qubits=1) for n in ("m0", "m1")}
>>> program = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
... h q[0]; cx q[0],q[1];''', CompileTarget(tuple(qpus.values()), ((0, 1), (1, 0)))).program
>>> timing = ProgramTiming.build(program, qpus, lambda a, b: 1e-6)
>>> len(timing.ebits), timing.critical_path_ps() > 0
(1, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from qdcnet.compiler.program import DistributedProgram
from qdcnet.compiler.translate import instruction_duration_s
from qdcnet.errors import ParameterError
from qdcnet.network.qpu import QPU
from qdcnet.units import s_to_ps

__all__ = ["EbitNeed", "ProgramTiming"]


def _far_need(need: tuple[tuple[int, int], ...], uses: list[int], span: tuple[int, int],
              slot_deps: list[tuple[int, ...]],
              bit_deps: list[tuple[tuple[int, int], ...]]) -> tuple[tuple[int, int], ...]:
    """``need`` plus the inputs before ``span`` of the far-half ``uses`` of an ebit.

    An input inside the operation is already covered by ``need``; one after it
    is followed back to its own inputs before the operation.
    """
    begin, stop = span
    extra = list(need)
    seen = set(uses)
    todo = [i for i in uses if i >= stop]
    while todo:
        i = todo.pop()
        for j in slot_deps[i]:
            if j < begin:
                extra.append((j, 0))
            elif j >= stop and j not in seen:
                seen.add(j)
                todo.append(j)
        for j, lag in bit_deps[i]:
            if j < begin:
                extra.append((j, lag))
            elif j >= stop and j not in seen:
                seen.add(j)
                todo.append(j)
    return tuple(dict.fromkeys(extra)) if len(extra) > len(need) else need


@dataclass(frozen=True, slots=True)
class EbitNeed:
    """One ebit of the program: its operation, logical slots, first touch and last use.

    ``first``/``last`` are instruction indices at the A and B ends;
    ``need_deps`` the ``(instruction, lag_ps)`` before the operation that
    must end before the pair is of use: the operation's outside inputs, and
    those of the instructions that use its far half (a cat-entangler's copy,
    a teleported qubit) up to ``last[1]``, reached directly or through
    instructions after the operation. All come earlier in program order than
    the operation, so waiting on them cannot deadlock.
    """

    index: int
    op: int
    qpus: tuple[str, str]
    slots: tuple[int, int]
    first: tuple[int, int]
    last: tuple[int, int]
    need_deps: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ProgramTiming:
    """The program's instructions as flat per-instruction tables (see the module docstring)."""

    program: DistributedProgram
    op_of: tuple[int, ...]
    qpu_of: tuple[str, ...]
    duration_ps: tuple[int, ...]
    slot_deps: tuple[tuple[int, ...], ...]
    bit_deps: tuple[tuple[tuple[int, int], ...], ...]
    #: instruction -> ebits whose first touch it is
    ebit_first: dict[int, tuple[int, ...]]
    ebits: tuple[EbitNeed, ...]
    #: per operation, (first instruction index, one past its last)
    op_span: tuple[tuple[int, int], ...]
    #: per operation, the ebits it consumes
    op_ebits: tuple[tuple[int, ...], ...]
    #: first and last instruction on each (qpu, slot) over the whole program
    slot_first: dict[tuple[str, int], int]
    slot_last: dict[tuple[str, int], int]
    #: per instruction, the data slots it touches first in the program (cross-shot chaining)
    data_first: dict[int, tuple[tuple[str, int], ...]]
    #: per operation without instructions (``classical``): (measurement, latency) of each
    #: bit its messages carry, so it can be drawn from the bits' readout to their arrival
    messages_of: dict[int, tuple[tuple[int, int], ...]]

    @property
    def num_instructions(self) -> int:
        return len(self.op_of)

    @classmethod
    def build(cls, program: DistributedProgram, qpus: Mapping[str, QPU],
              latency_s: Callable[[str, str], float]) -> ProgramTiming:
        """Time ``program`` on ``qpus`` with ``latency_s(src, dst)`` between QPUs."""
        data = {q.name: q.data for q in program.qpus}
        for name in data:
            if name not in qpus:
                raise ParameterError("qpus", sorted(qpus), f"a QPU record for {name}")
        latency: dict[tuple[str, str], int] = {}
        op_of: list[int] = []
        qpu_of: list[str] = []
        duration: list[int] = []
        slot_deps: list[tuple[int, ...]] = []
        bit_deps: list[tuple[tuple[int, int], ...]] = []
        op_span: list[tuple[int, int]] = []
        op_ebits: list[tuple[int, ...]] = []
        last_on: dict[tuple[str, int], int] = {}
        slot_first: dict[tuple[str, int], int] = {}
        writer: dict[str, int] = {}
        readers: dict[tuple[str, str], list[int]] = {}
        durations: dict[tuple[str, str, int], int] = {}
        ebits: list[EbitNeed] = []
        ebit_first: dict[int, list[int]] = {}
        # ebit end currently owning a comm key (a hand-built program may reuse keys)
        owner: dict[tuple[str, int], tuple[int, int]] = {}
        firsts: list[list[int]] = []
        lasts: list[list[int]] = []
        far: list[list[int]] = []  # per ebit, the instructions on its far (B) slot
        span_of: list[tuple[int, int]] = []  # per ebit, its operation's op_span
        data_first: dict[int, tuple[tuple[str, int], ...]] = {}
        messages_of: dict[int, tuple[tuple[int, int], ...]] = {}
        i = 0
        for op in program.operations:
            begin = i
            mine: list[int] = []
            for (qa, sa), (qb, sb) in op.ebit_slots:
                e = len(ebits) + len(mine)
                mine.append(e)
                owner[(qa, sa)] = (e, 0)
                owner[(qb, sb)] = (e, 1)
                firsts.append([-1, -1])
                lasts.append([-1, -1])
                far.append([])
            outside: list[tuple[int, int]] = []
            for ins in op.instructions:
                q = ins.qpu
                key_d = (q, ins.name, len(ins.slots))
                d = durations.get(key_d)
                if d is None:
                    d = durations[key_d] = s_to_ps(instruction_duration_s(ins, qpus[q]))
                deps: list[int] = []
                touched_first: list[tuple[str, int]] = []
                for s in ins.slots:
                    key = (q, s)
                    j = last_on.get(key)
                    if j is None:
                        slot_first[key] = i
                        if s < data[q]:
                            touched_first.append(key)
                    else:
                        deps.append(j)
                        if j < begin:
                            outside.append((j, 0))
                    last_on[key] = i
                    held = owner.get(key)
                    if held is not None:
                        e, end = held
                        if firsts[e][end] < 0:
                            firsts[e][end] = i
                            ebit_first.setdefault(i, []).append(e)
                        lasts[e][end] = i
                        if end:
                            far[e].append(i)
                bdeps: list[tuple[int, int]] = []
                if ins.condition is not None:
                    for bit in ins.condition.bits:
                        j = writer.get(bit)
                        if j is None:
                            continue  # never written: reads its initial 0
                        src = qpu_of[j]
                        lag = 0
                        if src != q:
                            lag = latency.get((src, q), -1)
                            if lag < 0:
                                lag = latency[(src, q)] = s_to_ps(latency_s(src, q))
                        bdeps.append((j, lag))
                        if j < begin:
                            outside.append((j, lag))
                        readers.setdefault((bit, q), []).append(i)
                if ins.bit is not None:
                    # A measurement overwrites its bit only after this QPU's earlier
                    # readers and the previous write (messages already carry old values).
                    previous = writer.get(ins.bit)
                    if previous is not None and qpu_of[previous] == q:
                        deps.append(previous)
                    deps.extend(readers.pop((ins.bit, q), ()))
                    writer[ins.bit] = i
                op_of.append(op.id)
                qpu_of.append(q)
                duration.append(d)
                slot_deps.append(tuple(dict.fromkeys(deps)))
                bit_deps.append(tuple(bdeps))
                if touched_first:
                    data_first[i] = tuple(touched_first)
                i += 1
            need = tuple(dict.fromkeys(outside))
            for e in mine:
                (qa, sa), (qb, sb) = op.ebit_slots[e - len(ebits)]
                if min(firsts[e]) < 0:
                    raise ParameterError("program", program.name,
                                         f"operation {op.id} opens an ebit in {qa}:{sa} and "
                                         f"{qb}:{sb} that no instruction of it touches")
            ebits.extend(EbitNeed(e, op.id, (op.ebit_slots[k][0][0], op.ebit_slots[k][1][0]),
                                  (op.ebit_slots[k][0][1], op.ebit_slots[k][1][1]),
                                  (firsts[e][0], firsts[e][1]), (-1, -1), need)
                         for k, e in enumerate(mine))
            if not op.instructions and op.messages:
                sent = [(writer[b], m.src, m.dst) for m in op.messages for b in m.bits
                        if b in writer]
                messages_of[len(op_span)] = tuple(
                    (j, s_to_ps(latency_s(src, dst)) if src != dst else 0)
                    for j, src, dst in sent)
            op_span.append((begin, i))
            op_ebits.append(tuple(mine))
            span_of.extend([(begin, i)] * len(mine))
        ebits = [EbitNeed(e.index, e.op, e.qpus, e.slots, e.first,
                          (lasts[e.index][0], lasts[e.index][1]),
                          _far_need(e.need_deps, far[e.index], span_of[e.index], slot_deps,
                                    bit_deps))
                 for e in ebits]
        slot_last = dict(last_on)
        return cls(program, tuple(op_of), tuple(qpu_of), tuple(duration), tuple(slot_deps),
                   tuple(bit_deps), {k: tuple(v) for k, v in ebit_first.items()}, tuple(ebits),
                   tuple(op_span), tuple(op_ebits), slot_first, slot_last, data_first,
                   messages_of)

    def critical_path_ps(self) -> int:
        """Longest path through the DAG with instant ebits and free communication qubits."""
        end = [0] * len(self.op_of)
        need = self._need_of_first()
        best = 0
        for i, d in enumerate(self.duration_ps):
            t = 0
            for j in self.slot_deps[i]:
                if end[j] > t:
                    t = end[j]
            for j, lag in self.bit_deps[i]:
                if end[j] + lag > t:
                    t = end[j] + lag
            for j, lag in need.get(i, ()):
                if end[j] + lag > t:
                    t = end[j] + lag
            end[i] = t + d
            if end[i] > best:
                best = end[i]
        return best

    def _need_of_first(self) -> dict[int, tuple[tuple[int, int], ...]]:
        out: dict[int, tuple[tuple[int, int], ...]] = {}
        for i, es in self.ebit_first.items():
            deps: list[tuple[int, int]] = []
            for e in es:
                deps.extend(self.ebits[e].need_deps)
            out[i] = tuple(deps)
        return out
