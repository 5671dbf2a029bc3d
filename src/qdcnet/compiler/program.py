"""The compiler's output: a DAG of operations on the data center's QPUs.

Every :class:`Operation` runs on one QPU (local gates, measurements) or two
(remote operations). A remote operation names the ebits it consumes per QPU
pair, the communication slots they must land in, and the classical messages
it sends; a scheduler waits for the ebits, runs the instructions on each QPU
and delays the receiving side by the message latency. ``predecessors`` are
the true dependencies (same slot, same classical bit), so any topological
order is a valid execution; the stored order is one of them.

Slots: on each QPU, slots ``0 .. data-1`` are the physical data qubits.
Slots ``>= data`` are *logical* communication slots, each opened by one ebit
(or by a teleported qubit parked there) and never reused, so two operations
that reuse one physical communication qubit do not depend on each other. At
most ``comm`` logical slots are live on a QPU at any point of the stored
order; :attr:`DistributedProgram.comm_binding` is one feasible assignment of
them to the physical communication qubits ``data .. data+comm-1`` (a
scheduler may bind them differently). An empty binding means the slots are
physical already (programs built by hand).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BitCondition",
    "DistributedProgram",
    "Instruction",
    "Message",
    "Operation",
    "QPUSlots",
]


@dataclass(frozen=True, slots=True)
class BitCondition:
    """Run only if the named bits, read little-endian, equal ``value`` (differ if not ``equal``)."""

    bits: tuple[str, ...]
    value: int
    equal: bool = True

    def holds(self, values: dict[str, int]) -> bool:
        number = sum(values.get(b, 0) << i for i, b in enumerate(self.bits))
        return (number == self.value) == self.equal


@dataclass(frozen=True, slots=True)
class Instruction:
    """One gate, measurement or reset on physical slots of one QPU."""

    qpu: str
    name: str
    slots: tuple[int, ...]
    params: tuple[float, ...] = ()
    #: the bit a measurement writes
    bit: str | None = None
    condition: BitCondition | None = None
    #: index of the normalized circuit's gate this implements (measurements of the program)
    origin: int | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """Classical bits sent from one QPU to another."""

    src: str
    dst: str
    bits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    """A node of the program DAG."""

    id: int
    #: gate, measure, reset, classical, cat_entangle, cat_disentangle, teleport, transfer
    kind: str
    qpus: tuple[str, ...]
    #: logical (circuit) qubits involved
    qubits: tuple[int, ...]
    instructions: tuple[Instruction, ...]
    predecessors: tuple[int, ...]
    duration_s: float = 0.0
    #: (qpu_a, qpu_b, count) of end-to-end ebits consumed
    ebits: tuple[tuple[str, str, int], ...] = ()
    #: for each ebit, the two (qpu, slot) communication slots it must occupy
    ebit_slots: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = ()
    messages: tuple[Message, ...] = ()
    #: index of the normalized circuit gate this operation implements, if any
    source: int | None = None

    @property
    def is_remote(self) -> bool:
        return bool(self.ebits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "qpus": list(self.qpus),
            "qubits": list(self.qubits),
            "predecessors": list(self.predecessors),
            "duration_s": self.duration_s,
            "ebits": [{"qpus": [a, b], "count": n} for a, b, n in self.ebits],
            "ebit_slots": [[list(x), list(y)] for x, y in self.ebit_slots],
            "messages": [{"src": m.src, "dst": m.dst, "bits": list(m.bits)}
                         for m in self.messages],
            "instructions": [_instruction_dict(i) for i in self.instructions],
            "source": self.source,
        }


def _instruction_dict(ins: Instruction) -> dict[str, Any]:
    out: dict[str, Any] = {"qpu": ins.qpu, "name": ins.name, "slots": list(ins.slots)}
    if ins.params:
        out["params"] = list(ins.params)
    if ins.bit is not None:
        out["bit"] = ins.bit
    if ins.condition is not None:
        out["condition"] = {"bits": list(ins.condition.bits), "value": ins.condition.value,
                            "equal": ins.condition.equal}
    return out


@dataclass(frozen=True, slots=True)
class QPUSlots:
    """A QPU as the program sees it: its register sizes and native gates."""

    name: str
    data: int
    comm: int
    native_gates: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return self.data + self.comm


@dataclass(frozen=True)
class DistributedProgram:
    """A circuit compiled for a set of QPUs."""

    name: str
    num_qubits: int
    num_clbits: int
    model: str
    qpus: tuple[QPUSlots, ...]
    operations: tuple[Operation, ...]
    initial_layout: dict[int, tuple[str, int]]
    final_layout: dict[int, tuple[str, int]]
    #: ebits the partition predicted (before communication-qubit limits forced re-sharing)
    planned_ebits: int = 0
    translated: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    #: logical communication slot ``(qpu, slot)`` -> the physical slot the compiler bound
    #: it to, in program order; empty means identity
    comm_binding: dict[tuple[str, int], int] = field(default_factory=dict)

    def qpu(self, name: str) -> QPUSlots:
        for q in self.qpus:
            if q.name == name:
                return q
        raise KeyError(name)

    # -- figures -------------------------------------------------------------------------

    def ebits_by_pair(self) -> dict[tuple[str, str], int]:
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for op in self.operations:
            for a, b, n in op.ebits:
                totals[(min(a, b), max(a, b))] += n
        return dict(sorted(totals.items()))

    @property
    def num_ebits(self) -> int:
        return sum(self.ebits_by_pair().values())

    def critical_path_s(self) -> float:
        """Longest chain of durations through the DAG (ebit and message waits excluded)."""
        finish: dict[int, float] = {}
        for op in self.operations:
            start = max((finish[p] for p in op.predecessors), default=0.0)
            finish[op.id] = start + op.duration_s
        return max(finish.values(), default=0.0)

    def summary(self) -> dict[str, Any]:
        kinds = Counter(op.kind for op in self.operations)
        local_1q = local_2q = 0
        remote_gates = 0
        for op in self.operations:
            if op.kind != "gate":
                continue
            width = max(len(i.slots) for i in op.instructions) if op.instructions else 0
            if op.source is not None and width >= 2:
                local_2q += 1
            elif op.source is not None:
                local_1q += 1
        for op in self.operations:
            if op.kind == "gate" and op.source is not None and any(
                    s >= self.qpu(i.qpu).data for i in op.instructions for s in i.slots):
                remote_gates += 1
        messages = sum(len(op.messages) for op in self.operations)
        native: dict[str, dict[str, int]] = {}
        for q in self.qpus:
            counter: Counter[str] = Counter()
            for op in self.operations:
                for ins in op.instructions:
                    if ins.qpu == q.name:
                        counter[ins.name] += 1
            native[q.name] = dict(sorted(counter.items()))
        used = {i.qpu for op in self.operations for i in op.instructions}
        return {
            "model": self.model,
            "qubits": self.num_qubits,
            "qpus_used": sorted(used),
            "ebits": self.num_ebits,
            "planned_ebits": self.planned_ebits,
            "ebits_by_pair": {f"{a}-{b}": n for (a, b), n in self.ebits_by_pair().items()},
            "operations": len(self.operations),
            "operations_by_kind": dict(sorted(kinds.items())),
            "circuit_gates_local_1q": local_1q,
            "circuit_gates_2q": local_2q,
            "circuit_gates_2q_on_shared_qubits": remote_gates,
            "messages": messages,
            "instructions_by_qpu": native,
            "remote_ops": {k: v for k, v in sorted(self.metadata.items())
                           if isinstance(v, int)},
            "critical_path_s": self.critical_path_s() if self.translated else math.nan,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "num_qubits": self.num_qubits,
            "num_clbits": self.num_clbits,
            "translated": self.translated,
            "qpus": [{"name": q.name, "data_slots": q.data, "comm_slots": q.comm,
                      "native_gates": list(q.native_gates)} for q in self.qpus],
            "initial_layout": {str(k): list(v) for k, v in sorted(self.initial_layout.items())},
            "final_layout": {str(k): list(v) for k, v in sorted(self.final_layout.items())},
            "operations": [op.to_dict() for op in self.operations],
            "comm_binding": {f"{q}:{s}": p for (q, s), p in sorted(self.comm_binding.items())},
        }
