"""The ``translate`` pass: every instruction in its QPU's native gates, with durations.

Profiles name native gates the way their platforms do; this table says which
Qiskit gate each one is. One-qubit gates go through Qiskit's Euler
decomposer in the QPU's basis; two-qubit gates through Qiskit's transpiler
(cached per gate and angle, since circuits repeat a few angles many times).
An operation's duration is the sum of its instructions' durations from the
profile (one- and two-qubit gates, measurement, and a reset charged as one
single-qubit gate); ebit waits and message latency are the scheduler's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from qdcnet.compiler.frontend import CircuitError
from qdcnet.compiler.ir import gate_matrix
from qdcnet.compiler.program import DistributedProgram, Instruction, Operation
from qdcnet.compiler.target import CompileTarget

if TYPE_CHECKING:
    from qdcnet.compiler.passes import CompileState
    from qdcnet.network.qpu import QPU

__all__ = ["NATIVE_TO_QISKIT", "Translate", "instruction_duration_s", "native_basis"]

#: profile gate name -> (Qiskit gate name, arity)
NATIVE_TO_QISKIT: dict[str, tuple[str, int]] = {
    "u": ("u", 1), "u1q": ("u", 1), "rz": ("rz", 1), "rx": ("rx", 1), "ry": ("ry", 1),
    "sx": ("sx", 1), "x": ("x", 1), "h": ("h", 1),
    "cz": ("cz", 2), "fusion": ("cz", 2), "cx": ("cx", 2), "cnot": ("cx", 2),
    "cnot_en": ("cx", 2), "rzz": ("rzz", 2), "ms": ("rxx", 2), "rxx": ("rxx", 2),
}

_EULER_BASES = (
    ({"u"}, "U"),
    ({"rz", "sx", "x"}, "ZSXX"),
    ({"rz", "sx"}, "ZSX"),
    ({"rz", "ry"}, "ZYZ"),
    ({"rz", "rx"}, "ZXZ"),
    ({"rx", "ry"}, "XYX"),
)


def native_basis(qpu: QPU) -> tuple[tuple[str, ...], str, str]:
    """(Qiskit basis gates, Euler basis, two-qubit gate) for a QPU, or a CircuitError."""
    names = []
    for gate in qpu.native_gates:
        if gate not in NATIVE_TO_QISKIT:
            raise CircuitError(f"QPU {qpu.name}: native gate {gate!r} is not one qdcnet can "
                               f"translate to; known: {', '.join(sorted(NATIVE_TO_QISKIT))}")
        names.append(NATIVE_TO_QISKIT[gate])
    one = {n for n, arity in names if arity == 1}
    two = [n for n, arity in names if arity == 2]
    euler = next((basis for needed, basis in _EULER_BASES if needed <= one), None)
    if euler is None:
        raise CircuitError(f"QPU {qpu.name}: native gates {list(qpu.native_gates)} cannot make "
                           "every single-qubit gate")
    if not two:
        raise CircuitError(f"QPU {qpu.name}: native gates {list(qpu.native_gates)} have no "
                           "two-qubit gate, so no circuit with one can run there")
    basis = tuple(sorted(one | set(two)))
    return basis, euler, two[0]


@lru_cache(maxsize=256)
def _decomposer(euler: str) -> object:
    from qiskit.synthesis import OneQubitEulerDecomposer

    return OneQubitEulerDecomposer(euler)


def _rounded(params: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(p, 12) for p in params)


@lru_cache(maxsize=8192)
def _one_qubit(name: str, params: tuple[float, ...], euler: str
               ) -> tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...]:
    circuit = _decomposer(euler)(gate_matrix(name, params))  # type: ignore[operator]
    return tuple((ins.operation.name, (0,), tuple(float(p) for p in ins.operation.params))
                 for ins in circuit.data)


@lru_cache(maxsize=8192)
def _two_qubit(name: str, params: tuple[float, ...], basis: tuple[str, ...]
               ) -> tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...]:
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit.library import UnitaryGate

    circuit = QuantumCircuit(2)
    circuit.append(UnitaryGate(gate_matrix(name, params)), [0, 1])
    out = transpile(circuit, basis_gates=list(basis), optimization_level=1)
    layout = out.layout.final_index_layout() if out.layout is not None else [0, 1]
    if list(layout) != [0, 1]:  # pragma: no cover - no routing without a coupling map
        raise CircuitError(f"translating {name} permuted its qubits")
    return tuple((ins.operation.name, tuple(out.find_bit(q).index for q in ins.qubits),
                  tuple(float(p) for p in ins.operation.params)) for ins in out.data)


@dataclass(frozen=True)
class Translate:
    """Rewrite a program's instructions into each QPU's native gates."""

    name = "translate"

    def run(self, state: CompileState) -> CompileState:
        """The state's latest ``program`` rewritten in native gates."""
        return dataclasses.replace(
            state, program=self.rewrite(state.need("program", self.name), state.target))

    def rewrite(self, program: DistributedProgram, target: CompileTarget) -> DistributedProgram:
        """``program`` with every instruction in its QPU's native gates, with durations."""
        qpus = {q.name: q for q in target.qpus}
        bases = {name: native_basis(q) for name, q in qpus.items()
                 if any(i.qpu == name for op in program.operations for i in op.instructions)}
        operations: list[Operation] = []
        for op in program.operations:
            instructions: list[Instruction] = []
            duration = 0.0
            for ins in op.instructions:
                qpu = qpus[ins.qpu]
                for native in self._native(ins, bases[ins.qpu]):
                    instructions.append(native)
                    duration += instruction_duration_s(native, qpu)
            operations.append(dataclasses.replace(op, instructions=tuple(instructions),
                                                  duration_s=duration))
        return dataclasses.replace(program, operations=tuple(operations), translated=True)

    @staticmethod
    def _native(ins: Instruction, basis: tuple[tuple[str, ...], str, str]) -> list[Instruction]:
        names, euler, _ = basis
        if ins.name in ("measure", "reset"):
            return [ins]
        if len(ins.slots) == 1:
            pieces = _one_qubit(ins.name, _rounded(ins.params), euler)
        else:
            if ins.name in names:
                return [ins]
            pieces = _two_qubit(ins.name, _rounded(ins.params), names)
        out = []
        for name, qubits, params in pieces:
            out.append(Instruction(ins.qpu, name, tuple(ins.slots[i] for i in qubits), params,
                                   condition=ins.condition, origin=ins.origin))
        return out


def instruction_duration_s(instruction: Instruction, qpu: QPU) -> float:
    """Seconds ``qpu`` takes for one native ``instruction`` (translate, schedule, runtime).

    Measurement and reset take the profile's times, a two-qubit gate
    ``two_qubit_time_s``, an ``rz`` is a free frame change (when one-qubit gates
    take time at all), any other one-qubit gate ``one_qubit_time_s``.

    >>> from qdcnet.compiler.program import Instruction
    >>> from qdcnet.network.qpu import QPU
    >>> qpu = QPU("a", data_qubits=1, comm_qubits=1, two_qubit_time_s=1e-4)
    >>> instruction_duration_s(Instruction("a", "cz", (0, 1)), qpu)
    0.0001
    """
    ins = instruction
    if ins.name == "measure":
        return qpu.measurement_time_s
    if ins.name == "reset":
        return qpu.reset_time_s
    if len(ins.slots) == 2:
        return qpu.two_qubit_time_s
    if ins.name == "rz" and qpu.one_qubit_time_s:
        # Z rotations are frame changes on most platforms: no pulse, no time.
        return 0.0
    return qpu.one_qubit_time_s


def unitary_of(pieces: list[Instruction], slots: tuple[int, ...]) -> np.ndarray:
    """The unitary of a short instruction list on ``slots`` (for tests of translation)."""
    from qdcnet.compiler.statevector import StateVector

    dim = 2 ** len(slots)
    columns = []
    for basis_state in range(dim):
        sv = StateVector()
        for i, s in enumerate(slots):
            if basis_state >> i & 1:
                sv.apply(gate_matrix("x"), [s])
        for ins in pieces:
            sv.apply(gate_matrix(ins.name, ins.params), list(ins.slots))
        columns.append(sv.vector(list(slots)))
    return np.stack(columns, axis=1)
