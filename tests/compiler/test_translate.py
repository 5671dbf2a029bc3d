"""translate: native gates of each shipped profile, durations from the profile."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.compiler import CircuitError, CompileTarget, Instruction, compile_circuit
from qdcnet.compiler.ir import gate_matrix
from qdcnet.compiler.translate import NATIVE_TO_QISKIT, Translate, native_basis, unitary_of
from qdcnet.hardware.profiles import available_profiles, load_profile
from qdcnet.network.qpu import QPU

ABSTRACT = [("u", (0.3, 1.1, -0.4)), ("h", ()), ("x", ()), ("z", ()), ("cz", ()),
            ("cp", (0.7,)), ("cx", ()), ("swap", ())]


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    index = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    phase = a[index] / b[index]
    return bool(np.allclose(a, phase * b, atol=1e-9) and abs(abs(phase) - 1) < 1e-9)


@pytest.mark.parametrize("profile", available_profiles())
@pytest.mark.parametrize(("name", "params"), ABSTRACT)
def test_every_profile_translates_the_abstract_gates_exactly(profile, name, params):
    qpu = QPU.from_profile("p", load_profile(profile))
    basis = native_basis(qpu)
    width = 2 if name in ("cz", "cp", "cx", "swap") else 1
    slots = tuple(range(width))
    pieces = Translate._native(Instruction("p", name, slots, params), basis)
    allowed = {NATIVE_TO_QISKIT[g][0] for g in qpu.native_gates}
    assert {p.name for p in pieces} <= allowed
    assert _equal_up_to_phase(unitary_of(pieces, slots), gate_matrix(name, params))


def test_durations_come_from_the_profile():
    profile = load_profile("trapped_ion")
    qpu = QPU.from_profile("ion", profile, data_qubits=2)
    target = CompileTarget((qpu, QPU.from_profile("ion2", profile, data_qubits=2)),
                           ((0, 1), (1, 0)))
    result = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; '
                             "h q[0]; cx q[0],q[2]; cx q[0],q[3];", target)
    for op in result.program.operations:
        expected = 0.0
        for ins in op.instructions:
            if ins.name == "measure":
                expected += profile.measurement_time_s
            elif ins.name == "reset":
                expected += profile.one_qubit_gate.duration_s
            elif len(ins.slots) == 2:
                expected += profile.two_qubit_gate.duration_s
            elif ins.name != "rz":
                expected += profile.one_qubit_gate.duration_s
        assert op.duration_s == pytest.approx(expected)
    assert result.program.critical_path_s() > 2 * profile.two_qubit_gate.duration_s


def test_gate_sets_that_cannot_run_a_circuit_are_named():
    with pytest.raises(CircuitError, match="native gate 'warp'"):
        native_basis(QPU("odd", data_qubits=2, comm_qubits=1, native_gates=("rz", "warp")))
    with pytest.raises(CircuitError, match="no two-qubit gate"):
        native_basis(QPU("lonely", data_qubits=2, comm_qubits=1, native_gates=("rz", "sx")))
    with pytest.raises(CircuitError, match="cannot make every single-qubit gate"):
        native_basis(QPU("stuck", data_qubits=2, comm_qubits=1, native_gates=("rz", "cz")))
