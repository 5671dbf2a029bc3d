"""The ``remote_ops`` pass: turn a partition into a DAG of local and remote operations.

Given where each segment's qubit lives and where each two-qubit gate runs,
the pass walks the circuit layer by layer and inserts:

* **cat-entangle** (Eisert et al. 2000): one ebit makes a read-only copy of a
  qubit on another QPU (``cx`` onto the local half, measure it, send the bit,
  correct the far half with ``X``); every gate of the segment that runs there
  uses the copy. A copy serving one gate is the textbook remote gate (gate
  teleportation); serving many, it is the cat-entangler of Yimsiriwattana &
  Lomonaco. Anti-diagonal gates on the qubit are mirrored on its copies as
  ``X`` (the embedding of Wu et al. 2023).
* **cat-disentangle**: ``H`` and measure the copy, send the bit, ``Z`` on the
  original; it ends a copy at its segment's end, or earlier when the QPU runs
  out of communication qubits (the copy whose next use is farthest goes, as
  in Belady's rule, and costs a second ebit if it is needed again).
* **teleport** (when qubits may move): the qubit's state goes to the other
  QPU's communication qubit, then into a free data slot (``transfer``) as
  soon as one frees up.
* **classical**: a measured bit sent to a QPU whose conditional gate needs it.

Communication qubits are measured and reset right after use. Each ebit (and
each teleported qubit parked until a data slot frees) opens a fresh *logical*
communication slot, so reusing a physical communication qubit adds no
dependency; the physical qubit the walk gave each logical slot is kept in
``DistributedProgram.comm_binding``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qdcnet.compiler.frontend import CircuitError
from qdcnet.compiler.hypergraph import CircuitSegments
from qdcnet.compiler.ir import Circuit, Gate
from qdcnet.compiler.program import (
    BitCondition,
    DistributedProgram,
    Instruction,
    Message,
    Operation,
    QPUSlots,
)
from qdcnet.compiler.target import CompileTarget

if TYPE_CHECKING:
    from qdcnet.compiler.passes import CompileState

__all__ = ["Assignment", "RemoteOps"]


@dataclass(frozen=True)
class Assignment:
    """Where everything goes: output of the ``partition`` pass.

    ``segment_block[s]`` is the QPU index holding segment ``s``'s qubit,
    ``gate_block[g]`` the QPU running two-qubit gate ``g``, ``initial_block[q]``
    where qubit ``q`` starts.
    """

    model: str
    segment_block: tuple[int, ...]
    gate_block: dict[int, int]
    initial_block: tuple[int, ...]
    planned_cost: float
    planned_ebits: int
    seed: int = 0
    details: dict[str, float] = field(default_factory=dict)


class _Builder:
    """Emits operations and tracks dependencies on slots and bits."""

    def __init__(self) -> None:
        self.ops: list[Operation] = []
        self.last_slot: dict[tuple[str, int], int] = {}
        self.last_bit: dict[str, int] = {}

    def emit(self, kind: str, qubits: tuple[int, ...], instructions: list[Instruction], *,
             ebits: tuple[tuple[str, str, int], ...] = (),
             ebit_slots: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = (),
             messages: tuple[Message, ...] = (), source: int | None = None,
             extra_qpus: tuple[str, ...] = (), reads: tuple[str, ...] = ()) -> int:
        op_id = len(self.ops)
        preds: set[int] = set()
        touched_slots: set[tuple[str, int]] = set()
        touched_bits: set[str] = set(reads)
        for ins in instructions:
            for s in ins.slots:
                touched_slots.add((ins.qpu, s))
            if ins.bit is not None:
                touched_bits.add(ins.bit)
            if ins.condition is not None:
                touched_bits.update(ins.condition.bits)
        for pair in ebit_slots:
            touched_slots.update(pair)
        for key in touched_slots:
            if key in self.last_slot:
                preds.add(self.last_slot[key])
        for bit in touched_bits:
            if bit in self.last_bit:
                preds.add(self.last_bit[bit])
        for key in touched_slots:
            self.last_slot[key] = op_id
        for bit in touched_bits:
            self.last_bit[bit] = op_id
        qpus = tuple(dict.fromkeys([i.qpu for i in instructions] + list(extra_qpus)))
        self.ops.append(Operation(op_id, kind, qpus, qubits, tuple(instructions),
                                  tuple(sorted(preds)), 0.0, ebits, ebit_slots, messages,
                                  source))
        return op_id


@dataclass(frozen=True)
class RemoteOps:
    """Insert remote operations for an :class:`Assignment` (see the module doc)."""

    name = "remote_ops"

    def run(self, state: CompileState) -> CompileState:
        """The state's assignment made into its ``untranslated`` (and latest) ``program``."""
        program = self.build(state.need("normalized", self.name),
                             state.need("segments", self.name),
                             state.need("assignment", self.name), state.target)
        return dataclasses.replace(state, untranslated=program, program=program)

    def build(self, circuit: Circuit, segments: CircuitSegments, assignment: Assignment,
              target: CompileTarget) -> DistributedProgram:
        """The program that runs normalized ``circuit`` as ``assignment`` places it."""
        return _Walk(circuit, segments, assignment, target).run()


class _Walk:
    def __init__(self, circuit: Circuit, segs: CircuitSegments, assignment: Assignment,
                 target: CompileTarget) -> None:
        self.circuit = circuit
        self.segs = segs
        self.assignment = assignment
        self.target = target
        self.names = [q.name for q in target.qpus]
        self.data_size = [q.data_qubits for q in target.qpus]
        self.b = _Builder()
        k = len(target.qpus)
        self.data_free = [list(range(q.data_qubits)) for q in target.qpus]
        self.comm_free = [list(range(q.data_qubits, q.data_qubits + q.comm_qubits))
                          for q in target.qpus]
        # Logical communication slots: every ebit (or parked teleport) opens a fresh id,
        # counted from data + comm upwards per QPU, so reusing a physical comm qubit adds
        # no dependency; ``binding`` records the physical qubit this walk gave each one.
        self.next_logical = [q.data_qubits + q.comm_qubits for q in target.qpus]
        self.physical: list[dict[int, int]] = [{} for _ in target.qpus]
        self.binding: dict[tuple[str, int], int] = {}
        self.parked: list[list[int]] = [[] for _ in range(k)]
        n = circuit.num_qubits
        self.home_block = list(assignment.initial_block)
        self.home_slot = [0] * n
        self.copies: list[dict[int, int]] = [{} for _ in range(n)]
        #: comm slot on block X -> qubit whose copy sits there
        self.copy_owner: list[dict[int, int]] = [{} for _ in range(k)]
        self.bit_names = itertools.count()
        self.bit_home: dict[int, int] = {}
        self.bit_known: dict[int, set[int]] = defaultdict(set)
        self.current_segment = [-1] * n
        self.stats: dict[str, int] = defaultdict(int)
        # Program order: circuits are written with locality (a QFT row, a QAOA edge
        # sweep), so copies live briefly; an ASAP-layer order interleaves rows and
        # makes many copies live at once, which communication qubits cannot hold.
        order = list(range(len(circuit.gates)))
        self.order = order
        self.position = {g: p for p, g in enumerate(order)}
        # For Belady eviction: positions at which segment s needs a copy on block X.
        self.uses: dict[tuple[int, int], list[int]] = defaultdict(list)
        for g, (s0, s1) in segs.gate_segments.items():
            x = assignment.gate_block[g]
            for s in (s0, s1):
                if assignment.segment_block[s] != x:
                    self.uses[(s, x)].append(self.position[g])
        for positions in self.uses.values():
            positions.sort()

    # -- resources ------------------------------------------------------------------------

    def fresh_bit(self) -> str:
        return f"m{next(self.bit_names)}"

    def home(self, q: int) -> tuple[str, int]:
        return self.names[self.home_block[q]], self.home_slot[q]

    def next_use(self, q: int, x: int, now: int) -> float:
        positions = self.uses.get((self.current_segment[q], x), [])
        i = bisect.bisect_right(positions, now)
        return positions[i] if i < len(positions) else float("inf")

    def take_comm(self, x: int, now: int, protect: set[int]) -> int:
        """A fresh logical communication slot on block ``x``, bound to a free physical one."""
        physical = self._take_physical(x, now, protect)
        logical = self.next_logical[x]
        self.next_logical[x] += 1
        self.physical[x][logical] = physical
        self.binding[(self.names[x], logical)] = physical
        return logical

    def _take_physical(self, x: int, now: int, protect: set[int]) -> int:
        free = self.comm_free[x]
        if free:
            return free.pop(0)
        # Ties broken on the physical qubit, as before slots became logical.
        victims = [(self.next_use(q, x, now), self.physical[x][slot], q)
                   for slot, q in self.copy_owner[x].items() if slot not in protect]
        if not victims:
            qpu = self.target.qpus[x]
            raise CircuitError(
                f"QPU {qpu.name} has {qpu.comm_qubits} communication qubit(s), all busy when "
                "one more is needed; give it more (communication_qubits in the scenario)")
        _, _slot, q = max(victims)
        self.close_copy(q, x, evicted=True)
        return self.comm_free[x].pop(0)

    def release_comm(self, x: int, slot: int) -> None:
        """End logical slot ``slot`` on block ``x``: its physical qubit is free again."""
        bisect.insort(self.comm_free[x], self.physical[x].pop(slot))

    # -- classical bits -------------------------------------------------------------------

    def ensure_bits(self, x: int, clbits: tuple[int, ...]) -> None:
        by_source: dict[int, list[int]] = defaultdict(list)
        for c in clbits:
            if c in self.bit_home and x not in self.bit_known[c]:
                by_source[self.bit_home[c]].append(c)
        for src, bits in by_source.items():
            names = tuple(f"c{c}" for c in bits)
            self.b.emit("classical", (), [], messages=(Message(self.names[src], self.names[x],
                                                               names),),
                        extra_qpus=(self.names[src], self.names[x]), reads=names)
            for c in bits:
                self.bit_known[c].add(x)

    @staticmethod
    def condition_of(gate: Gate) -> BitCondition | None:
        if gate.condition is None:
            return None
        return BitCondition(tuple(f"c{c}" for c in gate.condition.bits), gate.condition.value,
                            gate.condition.equal)

    # -- cat copies -----------------------------------------------------------------------

    def open_copy(self, q: int, x: int, now: int, protect: set[int]) -> int:
        a = self.home_block[q]
        qpu_a, slot = self.names[a], self.home_slot[q]
        qpu_x = self.names[x]
        cb = self.take_comm(x, now, protect)
        ca = self.take_comm(a, now, set())
        m = self.fresh_bit()
        self.b.emit("cat_entangle", (q,), [
            Instruction(qpu_a, "cx", (slot, ca)),
            Instruction(qpu_a, "measure", (ca,), bit=m),
            Instruction(qpu_a, "reset", (ca,)),
            Instruction(qpu_x, "x", (cb,), condition=BitCondition((m,), 1)),
        ], ebits=((qpu_a, qpu_x, 1),), ebit_slots=(((qpu_a, ca), (qpu_x, cb)),),
            messages=(Message(qpu_a, qpu_x, (m,)),))
        self.release_comm(a, ca)
        self.copies[q][x] = cb
        self.copy_owner[x][cb] = q
        self.stats["cat_links"] += 1
        return cb

    def close_copy(self, q: int, x: int, *, evicted: bool = False) -> None:
        cb = self.copies[q].pop(x)
        del self.copy_owner[x][cb]
        qpu_a, slot = self.home(q)
        qpu_x = self.names[x]
        m = self.fresh_bit()
        self.b.emit("cat_disentangle", (q,), [
            Instruction(qpu_x, "h", (cb,)),
            Instruction(qpu_x, "measure", (cb,), bit=m),
            Instruction(qpu_x, "reset", (cb,)),
            Instruction(qpu_a, "z", (slot,), condition=BitCondition((m,), 1)),
        ], messages=(Message(qpu_x, qpu_a, (m,)),))
        self.release_comm(x, cb)
        if evicted:
            self.stats["evictions"] += 1

    def close_all(self, q: int) -> None:
        for x in sorted(self.copies[q]):
            self.close_copy(q, x)

    def slot_on(self, q: int, x: int, now: int, protect: set[int]) -> int:
        if self.home_block[q] == x:
            return self.home_slot[q]
        if x in self.copies[q]:
            return self.copies[q][x]
        return self.open_copy(q, x, now, protect)

    def where_to_run(self, qubits: tuple[int, ...], planned: int) -> int:
        """The planned QPU, unless another needs fewer new copies now or the plan cannot fit.

        The partition assumes a copy lives for its whole segment; when
        communication qubits ran short and copies were closed early, running the
        gate where fewer copies must be (re)made saves ebits. A QPU can run the
        gate only if it can hold a copy of every qubit that is not at home there.
        """
        def shared(x: int) -> int:
            return sum(1 for q in qubits if self.home_block[q] != x)

        def missing(x: int) -> int:
            return sum(1 for q in qubits if self.home_block[q] != x and x not in self.copies[q])

        options = [planned] + [self.home_block[q] for q in qubits]
        feasible = [x for x in options if shared(x) <= self.target.qpus[x].comm_qubits]
        if not feasible:
            names = ", ".join(self.names[x] for x in dict.fromkeys(options))
            raise CircuitError(f"no QPU among {names} has the communication qubits to share "
                               "a qubit for a two-qubit gate; give them some")
        return min(feasible, key=lambda x: (missing(x), x != planned))

    # -- moving qubits --------------------------------------------------------------------

    def teleport(self, q: int, dest: int, now: int) -> None:
        self.close_all(q)
        a = self.home_block[q]
        qpu_a, slot = self.home(q)
        qpu_b = self.names[dest]
        cb = self.take_comm(dest, now, set())
        ca = self.take_comm(a, now, set())
        m1, m2 = self.fresh_bit(), self.fresh_bit()
        self.b.emit("teleport", (q,), [
            Instruction(qpu_a, "cx", (slot, ca)),
            Instruction(qpu_a, "h", (slot,)),
            Instruction(qpu_a, "measure", (slot,), bit=m1),
            Instruction(qpu_a, "measure", (ca,), bit=m2),
            Instruction(qpu_a, "reset", (slot,)),
            Instruction(qpu_a, "reset", (ca,)),
            Instruction(qpu_b, "x", (cb,), condition=BitCondition((m2,), 1)),
            Instruction(qpu_b, "z", (cb,), condition=BitCondition((m1,), 1)),
        ], ebits=((qpu_a, qpu_b, 1),), ebit_slots=(((qpu_a, ca), (qpu_b, cb)),),
            messages=(Message(qpu_a, qpu_b, (m1, m2)),))
        self.release_comm(a, ca)
        self.stats["teleports"] += 1
        self.home_block[q] = dest
        self.home_slot[q] = cb
        if slot >= self.data_size[a]:
            # It left from a communication slot it was parked in.
            self.parked[a].remove(q)
            self.release_comm(a, slot)
        else:
            self.free_data(a, slot)
        self.parked[dest].append(q)
        self.settle(dest)

    def free_data(self, x: int, slot: int) -> None:
        bisect.insort(self.data_free[x], slot)
        self.settle(x)

    def settle(self, x: int) -> None:
        """Move parked qubits from communication slots into free data slots."""
        while self.parked[x] and self.data_free[x]:
            q = self.parked[x].pop(0)
            d = self.data_free[x].pop(0)
            cb = self.home_slot[q]
            self.b.emit("transfer", (q,), [Instruction(self.names[x], "swap", (cb, d))])
            self.home_slot[q] = d
            self.release_comm(x, cb)

    # -- the walk -------------------------------------------------------------------------

    def run(self) -> DistributedProgram:
        circuit, segs, assignment = self.circuit, self.segs, self.assignment
        initial: dict[int, tuple[str, int]] = {}
        for q in range(circuit.num_qubits):
            x = self.home_block[q]
            if not self.data_free[x]:
                raise CircuitError(f"QPU {self.names[x]} holds {self.data_size[x]} data qubits; "
                                   "the assignment put more there")
            self.home_slot[q] = self.data_free[x].pop(0)
            initial[q] = self.home(q)
        # A qubit moves just before the gate that opens its next segment elsewhere.
        moves: dict[int, list[int]] = defaultdict(list)
        for q in range(circuit.num_qubits):
            chain = segs.by_qubit[q]
            for prev, s in itertools.pairwise(chain):
                if assignment.segment_block[s] != assignment.segment_block[prev]:
                    moves[segs.segments[s].opened_by].append(s)
        for now, g in enumerate(self.order):
            for s in moves.get(g, ()):
                seg = segs.segments[s]
                self.current_segment[seg.qubit] = -1
                self.teleport(seg.qubit, assignment.segment_block[s], now)
            self.gate(g, now)
        for q in range(circuit.num_qubits):
            self.close_all(q)
        for x in range(len(self.names)):
            if self.parked[x]:  # pragma: no cover - the partition respects capacity
                raise CircuitError(f"QPU {self.names[x]} ends with qubits in communication slots")
        final = {q: self.home(q) for q in range(circuit.num_qubits)}
        qpus = tuple(QPUSlots(q.name, q.data_qubits, q.comm_qubits, q.native_gates)
                     for q in self.target.qpus)
        metadata = dict(self.stats)
        return DistributedProgram(
            name=circuit.name, num_qubits=circuit.num_qubits, num_clbits=circuit.num_clbits,
            model=assignment.model, qpus=qpus, operations=tuple(self.b.ops),
            initial_layout=initial, final_layout=final,
            planned_ebits=assignment.planned_ebits, metadata=metadata,
            comm_binding=dict(self.binding))

    def gate(self, g: int, now: int) -> None:
        gate = self.circuit.gates[g]
        segs = self.segs
        condition = self.condition_of(gate)
        if gate.is_two_qubit:
            x = self.assignment.gate_block[g]
            s0, s1 = segs.gate_segments[g]
            for q, s in zip(gate.qubits, (s0, s1), strict=True):
                if self.current_segment[q] != s:
                    self.close_all(q)
                    self.current_segment[q] = s
            x = self.where_to_run(gate.qubits, x)
            if gate.condition is not None:
                self.ensure_bits(x, gate.condition.bits)
            first = self.slot_on(gate.qubits[0], x, now, set())
            protect = {first} if self.home_block[gate.qubits[0]] != x else set()
            second = self.slot_on(gate.qubits[1], x, now, protect)
            shared = any(self.home_block[q] != x for q in gate.qubits)
            self.stats["two_qubit_gates_shared" if shared else "two_qubit_gates_local"] += 1
            self.b.emit("gate", gate.qubits, [Instruction(self.names[x], gate.name,
                                                          (first, second), gate.params,
                                                          condition=condition)], source=g)
            return
        q = gate.qubits[0]
        x = self.home_block[q]
        qpu, slot = self.home(q)
        if g in segs.boundaries:
            self.close_all(q)
            self.current_segment[q] = -1
        if gate.condition is not None:
            self.ensure_bits(x, gate.condition.bits)
        if gate.name == "measure":
            c = gate.clbits[0]
            self.b.emit("measure", (q,), [Instruction(qpu, "measure", (slot,), bit=f"c{c}",
                                                      condition=condition, origin=g)], source=g)
            self.bit_home[c] = x
            self.bit_known[c] = {x}
            return
        if gate.name == "reset":
            self.b.emit("reset", (q,), [Instruction(qpu, "reset", (slot,), condition=condition,
                                                    origin=g)], source=g)
            return
        self.stats["one_qubit_gates"] += 1
        self.b.emit("gate", (q,), [Instruction(qpu, gate.name, (slot,), gate.params,
                                               condition=condition)], source=g)
        if g in segs.flips:
            for y, cb in sorted(self.copies[q].items()):
                self.b.emit("gate", (q,), [Instruction(self.names[y], "x", (cb,))], source=g)
