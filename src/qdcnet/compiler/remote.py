"""The ``remote_ops`` pass: turn a partition into a DAG of local and remote operations.

Given where each segment's qubit lives and where each two-qubit gate runs,
the pass walks the circuit in an order it chooses over the commutation DAG
(:mod:`.commute`): gates that need no new copy first, then the copy that its
segment's remaining gates on that QPU can all use at once (so it is used up
and closed), else the one that unblocks most. Ties are broken on the gates'
content (:mod:`.order`), so the same circuit and partition cost the same
ebits whatever order commuting gates were written in
(``RemoteOps(reorder=False)`` walks program order instead). It inserts:

* **cat-entangle** (Eisert et al. 2000): one ebit makes a read-only copy of a
  qubit on another QPU (``cx`` onto the local half, measure it, send the bit,
  correct the far half with ``X``); every gate of the segment that runs there
  uses the copy. A copy serving one gate is the textbook remote gate (gate
  teleportation); serving many, it is the cat-entangler of Yimsiriwattana &
  Lomonaco. Anti-diagonal gates on the qubit are mirrored on its copies as
  ``X`` (the embedding of Wu et al. 2023).
* **cat-disentangle**: ``H`` and measure the copy, send the bit, ``Z`` on the
  original; it ends a copy once no gate of its segment is left on that QPU
  (at its segment's end in program order), or earlier when the QPU runs out
  of communication qubits (the copy whose next use is farthest goes, as in
  Belady's rule; with reordering, "next" is the lowest DAG level of its
  remaining uses), and costs a second ebit if it is needed again.
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
import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qdcnet.compiler.commute import Frontier, commutation_windows
from qdcnet.compiler.frontend import CircuitError
from qdcnet.compiler.hypergraph import CircuitSegments
from qdcnet.compiler.ir import Circuit, Gate
from qdcnet.compiler.order import content_ranks, window_levels
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
    """Insert remote operations for an :class:`Assignment` (see the module doc).

    ``reorder=True`` (the default) runs the gates in the order a scheduler
    picks over the commutation DAG, so the ebits do not depend on how
    commuting gates were written; ``reorder=False`` walks program order.
    """

    reorder: bool = True

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
        return _Walk(circuit, segments, assignment, target, reorder=self.reorder).run()


class _Walk:
    def __init__(self, circuit: Circuit, segs: CircuitSegments, assignment: Assignment,
                 target: CompileTarget, *, reorder: bool = True) -> None:
        self.reorder = reorder
        self.circuit = circuit
        self.segs = segs
        self.assignment = assignment
        self.target = target
        self.names = [q.name for q in target.qpus]
        self.data_size = [q.data_qubits for q in target.qpus]
        self.comm_size = [q.comm_qubits for q in target.qpus]
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
        # Uses of segment s on block x (planned) not yet run; a copy with none left closes.
        self.remaining: dict[tuple[int, int], int] = defaultdict(int)
        #: qubits whose copies or home changed since the scheduler last looked
        self.dirty: set[int] = set()
        if reorder:
            self._init_scheduler()
            return
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

    def _init_scheduler(self) -> None:
        circuit, segs, assignment = self.circuit, self.segs, self.assignment
        self.order = []
        self.windows = commutation_windows(circuit)
        self.levels = window_levels(self.windows)
        self.rank = content_ranks(circuit, self.windows, assignment.gate_block)
        self.done = [False] * len(circuit.gates)
        # Eviction looks ahead by DAG level, the order-free stand-in for Belady's next use.
        self.use_levels: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for g, (s0, s1) in segs.gate_segments.items():
            x = assignment.gate_block[g]
            for s in (s0, s1):
                if assignment.segment_block[s] != x:
                    self.remaining[(s, x)] += 1
                    self.use_levels[(s, x)].append((self.levels[g], g))
        for heap in self.use_levels.values():
            heapq.heapify(heap)

    # -- resources ------------------------------------------------------------------------

    def fresh_bit(self) -> str:
        return f"m{next(self.bit_names)}"

    def home(self, q: int) -> tuple[str, int]:
        return self.names[self.home_block[q]], self.home_slot[q]

    def next_use(self, q: int, x: int, now: int) -> float:
        if self.reorder:
            heap = self.use_levels.get((self.current_segment[q], x))
            if not heap:
                return float("inf")
            while heap and self.done[heap[0][1]]:
                heapq.heappop(heap)
            return heap[0][0] if heap else float("inf")
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
        self.dirty.add(q)
        self.copy_owner[x][cb] = q
        self.stats["cat_links"] += 1
        return cb

    def close_copy(self, q: int, x: int, *, evicted: bool = False) -> None:
        cb = self.copies[q].pop(x)
        self.dirty.add(q)
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
        # Hot (every two-qubit gate, and the scheduler asks again): plain loops, no closures.
        q0, q1 = qubits
        h0, h1 = self.home_block[q0], self.home_block[q1]
        c0, c1 = self.copies[q0], self.copies[q1]
        best, best_key = -1, (3, True)
        for x in (planned, h0, h1):
            if (h0 != x) + (h1 != x) > self.comm_size[x]:
                continue
            key = ((h0 != x and x not in c0) + (h1 != x and x not in c1), x != planned)
            if key < best_key:
                best, best_key = x, key
        if best < 0:
            names = ", ".join(self.names[x] for x in dict.fromkeys((planned, h0, h1)))
            raise CircuitError(f"no QPU among {names} has the communication qubits to share "
                               "a qubit for a two-qubit gate; give them some")
        return best

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
        self.dirty.add(q)
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
        if self.reorder:
            self.schedule(moves)
        else:
            for now, g in enumerate(self.order):
                self.step(g, now, moves)
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

    def step(self, g: int, now: int, moves: dict[int, list[int]]) -> None:
        """Run gate ``g``, after teleporting the qubits whose next segment it opens."""
        for s in moves.get(g, ()):
            seg = self.segs.segments[s]
            self.current_segment[seg.qubit] = -1
            self.teleport(seg.qubit, self.assignment.segment_block[s], now)
        self.gate(g, now)

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
            if self.reorder:
                self.retire(g, x)
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

    # -- the scheduler (reorder=True) -----------------------------------------------------

    def retire(self, g: int, x: int) -> None:
        """Count two-qubit gate ``g`` (run on ``x``) done; close copies with no use left.

        A copy that no remaining gate of its segment needs would only hold a
        communication qubit that another copy could use.
        """
        planned = self.assignment.gate_block[g]
        gate = self.circuit.gates[g]
        for q, s in zip(gate.qubits, self.segs.gate_segments[g], strict=True):
            if self.assignment.segment_block[s] != planned:
                self.remaining[(s, planned)] -= 1
            for y in {planned, x}:
                if y in self.copies[q] and not self.remaining.get((s, y), 0):
                    self.close_copy(q, y)

    def missing(self, g: int) -> tuple[int, list[int]]:
        """Where two-qubit gate ``g`` would run now and the qubits it would need copied there."""
        gate = self.circuit.gates[g]
        x = self.where_to_run(gate.qubits, self.assignment.gate_block[g])
        return x, [q for q in gate.qubits if self.home_block[q] != x and x not in self.copies[q]]

    def schedule(self, moves: dict[int, list[int]]) -> None:
        """Run every gate, choosing the order over the commutation DAG.

        Gates that need no new copy run first (local gates, gates whose copies
        exist, one-qubit gates: a boundary closes its segment's copies), those
        that teleport a qubit last among them (a parked qubit holds a
        communication qubit); so does a copy that every remaining gate of its
        segment on that block can use now and that evicts nothing (it is made,
        used up and closed at once). Among these the lowest DAG level goes
        first, so the program stays close to ASAP. When every ready gate needs
        a copy that cannot be had so cheaply, one is made (see :meth:`pick`).
        Every tie is broken on the gates' content (:func:`content_ranks`), so
        the program depends on the circuit, not on how commuting gates were
        written.
        """
        gates = self.circuit.gates
        segs = self.segs
        rank = self.rank
        frontier = Frontier(self.windows)
        free: list[tuple[int, int, int, int]] = []
        #: blocked gate -> the copy it alone needs, (qubit, block, segment), or None
        blocked: dict[int, tuple[int, int, int] | None] = {}
        blocked_on: list[set[int]] = [set() for _ in range(self.circuit.num_qubits)]
        #: a copy -> the blocked gates that need only it
        wanting: dict[tuple[int, int, int], set[int]] = {}
        #: copies that may be used up now without evicting another: (level, rank, copy)
        cheap: list[tuple[int, int, tuple[int, int, int]]] = []
        levels = self.levels

        def classify(g: int) -> None:
            gate = gates[g]
            if gate.is_two_qubit:
                x, need = self.missing(g)
                if need:
                    copy = None
                    if len(need) == 1:
                        q = need[0]
                        copy = (q, x, segs.gate_segments[g][gate.qubits.index(q)])
                        wanting.setdefault(copy, set()).add(g)
                        if self.cheap(copy, len(wanting[copy])):
                            heapq.heappush(cheap, (levels[g], rank[g], copy))
                    blocked[g] = copy
                    for q in gate.qubits:
                        blocked_on[q].add(g)
                    return
            heapq.heappush(free, (1 if g in moves else 0, levels[g], rank[g], g))

        def unblock(g: int) -> None:
            copy = blocked.pop(g)
            if copy is not None:
                waiting = wanting[copy]
                waiting.discard(g)
                if not waiting:
                    del wanting[copy]
            for q in gates[g].qubits:
                blocked_on[q].discard(g)

        def refresh() -> None:
            # A blocked gate's plan depends only on its own qubits' homes and copies.
            dirty = sorted(self.dirty)
            self.dirty.clear()
            for q in dirty:
                for g in list(blocked_on[q]):
                    if g in blocked:
                        unblock(g)
                        classify(g)

        def run(g: int) -> None:
            self.step(g, len(self.order), moves)
            self.order.append(g)
            self.done[g] = True
            for h in frontier.complete(g):
                classify(h)

        for g in frontier.ready:
            classify(g)
        def use_up(copy: tuple[int, int, int]) -> None:
            # Run every gate waiting for the copy now, so it closes before anything else
            # needs its communication qubit.
            users = sorted(wanting[copy], key=rank.__getitem__)
            for g in users:
                if g in blocked and not self.done[g]:
                    unblock(g)
                    if self.missing(g)[1] and g != users[0]:
                        classify(g)
                        continue
                    run(g)
            refresh()

        while True:
            while free or cheap:
                # The lower DAG level first: a copy that can be used up without an
                # eviction costs its ebit now or later, so it need not wait.
                if cheap and (not free or cheap[0][:2] < free[0][1:3]):
                    _, _, copy = heapq.heappop(cheap)
                    users = wanting.get(copy)
                    if users and self.cheap(copy, len(users)):
                        use_up(copy)
                    continue
                _, _, _, g = heapq.heappop(free)
                if self.done[g]:
                    continue
                # A copy it counted on may have closed since (its planned uses ran out).
                if gates[g].is_two_qubit and self.missing(g)[1]:
                    classify(g)
                    continue
                run(g)
            refresh()
            if free or cheap:
                continue
            if not blocked:
                break
            g = self.pick(blocked, wanting)
            unblock(g)
            run(g)

    def cheap(self, copy: tuple[int, int, int], users: int) -> bool:
        """Whether ``copy`` would serve every use left and evict nothing (both ends free)."""
        q, x, s = copy
        return (users == self.remaining.get((s, x), 0) and bool(self.comm_free[x])
                and bool(self.comm_free[self.home_block[q]]))

    def pick(self, blocked: dict[int, tuple[int, int, int] | None],
             wanting: dict[tuple[int, int, int], set[int]]) -> int:
        """The blocked gate to run next (it makes the copies it needs).

        First a copy that every remaining use of its segment on that block can
        use now: it is made, used up and closed, holding a communication qubit
        only meanwhile (a copy made for some of its uses would wait for the
        rest and be evicted, or keep out one that could be used up). Then the
        copy that alone unblocks the most ready gates, then the one with most
        uses left. A gate needing two copies runs only when no gate needs one.
        """
        rank, remaining = self.rank, self.remaining
        comm_free, home = self.comm_free, self.home_block
        if wanting:
            best_key: tuple[bool, int, int, int, int, int] | None = None
            best: tuple[int, int, int] = (0, 0, 0)
            for copy, users in wanting.items():
                q, x, s = copy
                uses, left = len(users), remaining.get((s, x), 0)
                # Making it takes a communication qubit on both ends (the home one briefly).
                evicts = (not comm_free[x]) + (not comm_free[home[q]])
                key = (uses == left, -evicts, uses, left, -q, -x)
                if best_key is None or key > best_key:
                    best_key, best = key, copy
            return min(wanting[best], key=rank.__getitem__)
        gate_segments = self.segs.gate_segments
        chosen_key: tuple[int, int] | None = None
        chosen = -1
        for g in blocked:
            x = self.missing(g)[0]
            key = (sum(remaining.get((s, x), 0) for s in gate_segments[g]), -rank[g])
            if chosen_key is None or key > chosen_key:
                chosen_key, chosen = key, g
        return chosen
