"""Every gate of ``qelib1.inc`` and ``stdgates.inc``: read, normalized exactly, fewest ebits.

Issue 14, deliverable 3. Each gate is compiled alone on two modules with its
qubits split between them (after one-qubit gates that make the state
generic), checked by simulation, and its ebits compared with what it needs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator, random_unitary

from qdcnet.compiler import (
    Circuit,
    CompileTarget,
    Gate,
    Normalize,
    check,
    compile_circuit,
    load_circuit,
)
from qdcnet.compiler.ir import gate_matrix, u_matrix
from qdcnet.compiler.normalize import u_angles

# name: (parameters, qubits, ebits on two modules with the qubits split)
ONE_EBIT = 1  # operator Schmidt rank 2: one cat-entangled controlled phase
QELIB1 = {
    **dict.fromkeys(("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "id"), (0, 1, 0)),
    **dict.fromkeys(("u1", "p", "rx", "ry", "rz", "u0"), (1, 1, 0)),
    "u2": (2, 1, 0), "u3": (3, 1, 0), "u": (3, 1, 0),
    **dict.fromkeys(("cx", "cz", "cy", "ch", "csx"), (0, 2, ONE_EBIT)),
    **dict.fromkeys(("crx", "cry", "crz", "cu1", "cp", "rxx", "rzz"), (1, 2, ONE_EBIT)),
    "cu3": (3, 2, ONE_EBIT), "cu": (4, 2, ONE_EBIT),
    # Schmidt rank 4: two ebits are enough (teleport there and back) and needed; one
    # cat-entangled cz each costs three.
    "swap": (0, 2, 3),
    # Schmidt rank 2 across the best cut (controls | target): one ebit.
    "ccx": (0, 3, 1), "cswap": (0, 3, 1), "rccx": (0, 3, 1),
    # Schmidt rank 2 across 2|2 as well, so one ebit would do with a three-qubit local
    # step (the AND of two controls into the cat-entangler); gate by gate it is two.
    "rc3x": (0, 4, 2), "c3x": (0, 4, 2), "c3sqrtx": (0, 4, 2), "c4x": (0, 5, 2),
}
STDGATES = {
    **dict.fromkeys(("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "id"), (0, 1, 0)),
    **dict.fromkeys(("p", "phase", "rx", "ry", "rz", "u1"), (1, 1, 0)),
    "u2": (2, 1, 0), "u3": (3, 1, 0), "U": (3, 1, 0),
    **dict.fromkeys(("cx", "CX", "cy", "cz", "ch"), (0, 2, ONE_EBIT)),
    **dict.fromkeys(("cp", "cphase", "crx", "cry", "crz"), (1, 2, ONE_EBIT)),
    "cu": (4, 2, ONE_EBIT), "swap": (0, 2, 3), "ccx": (0, 3, 1), "cswap": (0, 3, 1),
}
#: how the frontend names a gate it keeps whole (Qiskit reads OpenQASM 3's id as U(0,0,0))
ALIASES = {(3, "CX"): "cx", (3, "phase"): "p", (3, "cphase"): "cp", (3, "U"): "u",
           (3, "id"): "u", (2, "u0"): "id"}
ANGLES = (0.7, 0.4, 1.1, 0.3)
CASES = [(2, name, *shape) for name, shape in QELIB1.items()] + [
    (3, name, *shape) for name, shape in STDGATES.items()]


def _text(version: int, name: str, num_params: int, num_qubits: int) -> str:
    args = f"({','.join(map(str, ANGLES[:num_params]))})" if num_params else ""
    qubits = ", ".join(f"q[{i}]" for i in range(num_qubits))
    prepare = "".join(f"u3({0.3 + 0.2 * i},0.5,{0.1 * i}) q[{i}]; " for i in range(num_qubits))
    head = (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{num_qubits}]; ' if version == 2
            else f'OPENQASM 3.0; include "stdgates.inc"; qubit[{num_qubits}] q; ')
    return f"{head}{prepare}{name}{args} {qubits};"


@pytest.mark.parametrize(("version", "name", "num_params", "num_qubits", "ebits"), CASES,
                         ids=[f"qasm{v}-{n}" for v, n, *_ in CASES])
def test_every_standard_gate_loads_compiles_correctly_and_costs_what_it_needs(
        version, name, num_params, num_qubits, ebits):
    circuit = load_circuit(_text(version, name, num_params, num_qubits))
    if num_qubits <= 2:
        # Kept whole, so normalize sees the gate and not an unrolling of it.
        assert ALIASES.get((version, name), name) in circuit.count_ops()
    target = CompileTarget.equal_modules(2, (num_qubits + 1) // 2, comm_qubits=4)
    result = compile_circuit(circuit, target, seed=0)
    assert check(result.circuit, result.program, result.normalized).worst_overlap > 1 - 1e-8
    assert result.program.num_ebits == ebits
    if num_qubits == 2:
        assert result.normalized.num_two_qubit_gates == (3 if name == "swap" else 1)


def _as_qiskit(circuit: Circuit) -> QuantumCircuit:
    qc = QuantumCircuit(circuit.num_qubits)
    for g in circuit.gates:
        {"u": qc.u, "cz": qc.cz, "cp": qc.cp}[g.name](*g.params, *g.qubits)
    return qc


def _normalized_equals(gate: Gate) -> Circuit:
    """The gate normalized alone, after checking it is the same unitary up to global phase."""
    normalized = Normalize().rewrite(Circuit(2, 0, (gate,)))
    assert set(normalized.count_ops()) <= {"u", "cz", "cp"}
    qc = QuantumCircuit(2)
    qc.unitary(gate.matrix(), list(gate.qubits))
    assert Operator(_as_qiskit(normalized)).equiv(Operator(qc), atol=1e-9)
    return normalized


@pytest.mark.parametrize(("gate", "controlled_phases"), [
    (Gate("rzx", (0, 1), (0.3,)), 1), (Gate("ryy", (1, 0), (0.9,)), 1),
    (Gate("rxx", (0, 1), (2.1,)), 1), (Gate("ecr", (1, 0)), 1),
    (Gate("cs", (0, 1)), 1), (Gate("csdg", (1, 0)), 1), (Gate("csx", (1, 0)), 1),
    (Gate("ch", (1, 0)), 1), (Gate("cu3", (1, 0), (0.4, 0.5, 0.6)), 1),
    (Gate("iswap", (0, 1)), 2), (Gate("dcx", (1, 0)), 2),
    (Gate("xx_plus_yy", (0, 1), (0.8, 0.2)), 2), (Gate("swap", (0, 1)), 3),
])
def test_two_qubit_gates_become_the_fewest_controlled_phases_exactly(gate, controlled_phases):
    assert _normalized_equals(gate).num_two_qubit_gates == controlled_phases


@pytest.mark.parametrize("seed", range(8))
def test_any_controlled_unitary_is_one_controlled_phase(seed):
    rng = np.random.default_rng(seed)
    theta, phi, lam, gamma = rng.uniform(-math.pi, math.pi, 4)
    qubits = (0, 1) if seed % 2 else (1, 0)
    assert _normalized_equals(Gate("cu", qubits, (theta, phi, lam, gamma))
                              ).num_two_qubit_gates == 1
    # and XX / YY / ZX interactions of any angle
    name = ("rxx", "ryy", "rzx", "crx")[seed % 4]
    assert _normalized_equals(Gate(name, qubits, (theta,))).num_two_qubit_gates == 1


def test_the_written_out_rotations_agree_with_qiskit():
    rng = np.random.default_rng(0)
    classes = {"u": (lib.UGate, 3), "u3": (lib.U3Gate, 3), "rz": (lib.RZGate, 1),
               "p": (lib.PhaseGate, 1), "u1": (lib.U1Gate, 1), "rx": (lib.RXGate, 1),
               "ry": (lib.RYGate, 1), "u2": (lib.U2Gate, 2)}
    for name, (cls, count) in classes.items():
        for _ in range(5):
            params = tuple(rng.uniform(-7, 7, count))
            reference = np.asarray(cls(*params).to_matrix())
            assert np.abs(gate_matrix(name, params) - reference).max() < 1e-14, name


def test_u_angles_give_back_the_unitary_up_to_global_phase():
    matrices = [random_unitary(2, seed=s).data for s in range(20)]
    matrices += [gate_matrix(n) for n in ("x", "y", "z", "h", "s", "t", "id")]
    for m in matrices:
        back = u_matrix(*u_angles(m))
        assert abs(abs(np.vdot(back.ravel(), m.ravel())) - 2.0) < 1e-12
