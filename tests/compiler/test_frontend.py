"""Reading circuits: OpenQASM 2 and 3, Qiskit, and the errors users see."""

from __future__ import annotations

import math
import re

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qdcnet.compiler import Circuit, CircuitError, Condition, load_circuit

QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
gate majority a,b,c { cx c,b; cx c,a; ccx a,b,c; }
qreg q[3];
creg c[3];
h q[0];
majority q[0],q[1],q[2];
measure q[0] -> c[0];
if (c==1) x q[1];
"""


def test_qasm2_with_a_custom_gate_is_unrolled_into_standard_gates():
    circuit = load_circuit(QASM2)
    assert circuit.num_qubits == 3
    assert circuit.num_clbits == 3
    names = set(circuit.count_ops())
    assert "majority" not in names
    assert "ccx" not in names
    assert {"h", "cx", "measure", "x"} <= names
    conditional = [g for g in circuit.gates if g.condition is not None]
    assert len(conditional) == 1
    assert conditional[0].condition == Condition((0, 1, 2), 1)


def test_qasm3_if_else_on_a_register_becomes_two_conditions():
    circuit = load_circuit("""OPENQASM 3.0; include "stdgates.inc";
qubit[2] q; bit[2] c;
h q[0]; c[0] = measure q[0]; c[1] = measure q[1];
if (c == 2) { x q[1]; } else { z q[1]; }
""")
    conditions = [(g.name, g.condition) for g in circuit.gates if g.condition is not None]
    assert conditions == [("x", Condition((0, 1), 2, True)), ("z", Condition((0, 1), 2, False))]
    assert Condition((0, 1), 2, True).holds({0: 0, 1: 1})
    assert not Condition((0, 1), 2, True).holds({0: 1, 1: 1})


def test_a_qiskit_circuit_and_a_file_read_the_same(tmp_path):
    qc = QuantumCircuit(2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    path = tmp_path / "bell.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n')
    from_file = load_circuit(path)
    from_qiskit = load_circuit(qc)
    assert from_file.gates == from_qiskit.gates
    assert from_file.name == "bell"
    assert load_circuit(from_file) is from_file


def test_parameters_are_floats_and_unbound_ones_are_refused():
    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    with pytest.raises(CircuitError, match="unbound parameters \\(theta\\)"):
        load_circuit(qc)
    bound = load_circuit(qc.assign_parameters({theta: 0.25}))
    assert bound.gates[0].params == (0.25,)
    assert math.isclose(load_circuit(
        'OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; rz(pi/4) q[0];').gates[0].params[0],
        math.pi / 4)


@pytest.mark.parametrize(("text", "where"), [
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0] q[1];\n', "line 4, column 1"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfoo q[0];\n', "line 4, column 1"),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\ncx q[0] q[1];\n', "line 4, column"),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nfoo q[0];\n', "line 4, column 1"),
])
def test_malformed_qasm_names_line_and_column(text, where):
    with pytest.raises(CircuitError, match=where):
        load_circuit(text)


def test_loops_and_unknown_versions_and_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(CircuitError, match="line 1, column 51: a 'for' loop is not supported"):
        load_circuit('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; '
                     'for int i in [0:2] { h q[0]; }')
    with pytest.raises(CircuitError, match="OPENQASM 4 is not supported"):
        load_circuit("OPENQASM 4.0; qubit q;")
    with pytest.raises(CircuitError, match="does not exist"):
        load_circuit(tmp_path / "nope.qasm")
    with pytest.raises(CircuitError, match="cannot read a circuit from int"):
        load_circuit(3)


def test_an_opaque_gate_no_platform_can_run_is_refused():
    with pytest.raises(CircuitError, match="'mystery'"):
        load_circuit('OPENQASM 2.0; include "qelib1.inc"; opaque mystery a; qreg q[1]; '
                     'mystery q[0];')


def test_depth_counts_classical_dependencies():
    circuit = load_circuit(QASM2)
    assert isinstance(circuit, Circuit)
    assert circuit.depth() >= 6


@pytest.mark.parametrize(("text", "message"), [
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; for int i in [0:1] { h q[i]; }',
     "'for' loop"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; bit c; c = measure q[0]; '
     "while (c) { x q[0]; c = measure q[0]; }", "'while' loop"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; int i = 1; '
     "switch (i) { case 1 { x q[0]; } }", "'switch' statement"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; def f(qubit a) { h a; } f(q[0]);',
     "subroutine ('def')"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; extern f(int) -> int; h q[0];',
     "'extern' function"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; box { h q[0]; }', "'box' block"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; defcalgrammar "openpulse"; h q[0];',
     "calibration grammar ('defcalgrammar')"),
])
def test_unsupported_openqasm3_constructs_are_named_with_their_line(text, message):
    with pytest.raises(CircuitError, match=r"<string>: line 1, column \d+: .*"
                       + re.escape(message) + " is not supported"):
        load_circuit(text)


def test_words_like_for_in_comments_or_names_do_not_trip_the_construct_check():
    circuit = load_circuit('OPENQASM 3.0; include "stdgates.inc";\n// wait for a while\n'
                           "qubit[1] q; bit c; c = measure q[0]; if (c) { x q[0]; } else "
                           "{ h q[0]; }")
    assert circuit.count_ops() == {"measure": 1, "x": 1, "h": 1}


@pytest.mark.parametrize("text", ["", "  \n", "// nothing\n/* here */"])
def test_an_empty_text_is_not_a_circuit(text):
    with pytest.raises(CircuitError, match="the circuit is empty"):
        load_circuit(text, name="empty")


def test_a_circuit_without_qubits_is_refused_from_text_and_from_qiskit():
    with pytest.raises(CircuitError, match="<string>: the circuit declares no qubits"):
        load_circuit('OPENQASM 2.0;\ninclude "qelib1.inc";\n')
    with pytest.raises(CircuitError, match="declares no qubits"):
        load_circuit(QuantumCircuit())


def test_a_circuit_with_qubits_and_no_gates_reads_fine():
    circuit = load_circuit('OPENQASM 3.0; include "stdgates.inc"; qubit[2] q;')
    assert (circuit.num_qubits, len(circuit)) == (2, 0)


def test_files_that_are_not_text_are_clear_errors(tmp_path):
    binary = tmp_path / "binary.qasm"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(CircuitError, match=r"is not a text file \(NUL byte at offset 0\)"):
        load_circuit(binary)
    latin = tmp_path / "latin.qasm"
    latin.write_bytes("// café\n".encode("latin-1"))
    with pytest.raises(CircuitError, match="byte 0xe9 at offset 6 is not UTF-8"):
        load_circuit(latin)
    with pytest.raises(CircuitError, match="is a folder, not a file"):
        load_circuit(tmp_path)


def test_a_byte_order_mark_is_read_as_utf8(tmp_path):
    path = tmp_path / "bom.qasm"
    path.write_bytes(b"\xef\xbb\xbfOPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nh q[0];\n")
    assert load_circuit(path).count_ops() == {"h": 1}


def test_errors_after_parsing_name_the_file_and_infinite_angles_are_refused(tmp_path):
    path = tmp_path / "huge.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nrx(1e400) q[0];\n')
    with pytest.raises(CircuitError, match=r"huge\.qasm: gate 'rx' has a parameter that is not "
                                           r"a finite number"):
        load_circuit(path)


@pytest.mark.parametrize(("text", "message"), [
    ('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; cu1 q[0],q[1];',
     "gate 'cu1' takes 1 parameter(s), 0 given"),
    ('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; cu3(0.1,0.2) q[0],q[1];',
     "line 1, column 48: 'cu3' takes 3 parameters, but got 2"),  # Qiskit's own words
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; cu(0.1, 0.2, 0.3) q[0], q[1];',
     "line 1, column 51: gate 'cu' takes 4 parameter(s) and 2 qubit(s), 3 and 2 given"),
    ('OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit c;\nif (c) { cx q[0]; }',
     "line 2, column 10: gate 'cx' takes 0 parameter(s) and 2 qubit(s), 0 and 1 given"),
])
def test_a_standard_gate_with_the_wrong_arguments_is_named(text, message):
    with pytest.raises(CircuitError, match=re.escape(message)):
        load_circuit(text)


def test_u0_is_the_identity_its_definition_says_and_controlled_gates_stay_whole():
    # Qiskit reads u0's angle as a count of idle steps; qelib1.inc defines it as U(0,0,0).
    circuit = load_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; u0(0.5) q[0]; '
                           "cu1(0.3) q[0],q[1]; cu3(0.1,0.2,0.3) q[1],q[0]; "
                           "cu(0.1,0.2,0.3,0.4) q[0],q[1];")
    assert circuit.count_ops() == {"id": 1, "cu1": 1, "cu3": 1, "cu": 1}
