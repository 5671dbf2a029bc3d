"""Cases a review found broken once; each must stay fixed."""

from __future__ import annotations

import openqasm3
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.classical import expr

from qdcnet.compiler import (
    CircuitError,
    CompileTarget,
    check,
    compile_circuit,
    load_circuit,
)
from qdcnet.compiler.qasm import program_qasm
from qdcnet.network.qpu import QPU


def _roundtrip(text_or_circuit, target, model="fixed", branches=6):
    result = compile_circuit(text_or_circuit, target, model=model)
    check(result.circuit, result.program, result.normalized, branches=branches)
    check(result.circuit, result.untranslated, result.normalized, branches=branches)
    return result


@pytest.mark.parametrize("statement", ["reset q[1];", "measure q[1] -> b[0];"])
def test_conditional_measure_and_reset_keep_their_condition(statement):
    text = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg a[1]; creg b[1]; '
            f"h q[0]; x q[1]; measure q[0] -> a[0]; if (a==1) {statement} h q[1];")
    _roundtrip(text, CompileTarget.equal_modules(2, 1))


def test_else_branch_of_a_not_equal_condition_is_its_negation():
    qc = QuantumCircuit(2, 2)
    qc.x(1)
    qc.measure(1, 1)
    with qc.if_test(expr.not_equal(qc.cregs[0], 2)) as else_:
        qc.x(0)
    with else_:
        qc.x(1)
    circuit = load_circuit(qc)
    conditions = [g.condition for g in circuit.gates if g.condition is not None]
    assert [c.equal for c in conditions] == [False, True]
    _roundtrip(qc, CompileTarget.equal_modules(2, 1))


def test_a_block_that_overwrites_its_own_condition_is_refused():
    with pytest.raises(CircuitError, match="writes a bit of the block's own condition"):
        load_circuit('OPENQASM 3.0; include "stdgates.inc"; qubit[3] q; bit[1] c; '
                     "c[0] = measure q[0]; if (c[0]) { c[0] = measure q[1]; x q[2]; }")


def test_resetting_an_entangled_qubit_is_compared_branch_by_branch():
    text = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; h q[0]; cx q[0],q[1]; reset q[0]; ' \
           "cx q[1],q[2];"
    for seed in range(6):
        result = compile_circuit(text, CompileTarget.equal_modules(3, 1), seed=seed)
        check(result.circuit, result.program, result.normalized, branches=4, seed=seed)


def test_one_communication_qubit_per_qpu_is_enough_for_any_circuit():
    qft = QuantumCircuit(6)
    for i in range(6):
        qft.h(i)
        for j in range(i + 1, 6):
            qft.cp(3.14159 / 2 ** (j - i), j, i)
    _roundtrip(qft, CompileTarget.equal_modules(3, 2, comm_qubits=1))
    _roundtrip(qft, CompileTarget.equal_modules(6, 1, comm_qubits=1))
    triangle = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; cz q[0],q[2]; cz q[1],q[2]; ' \
               "cz q[0],q[1];"
    qpus = tuple(QPU(f"t{i}", data_qubits=1, comm_qubits=1) for i in range(3))
    _roundtrip(triangle, CompileTarget(qpus, ((0, 1, 1), (1, 0, 1), (1, 1, 0))))


def test_qasm_declares_every_bit_it_reads_and_parses():
    text = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2]; h q[0]; '
            "if (c==2) x q[0]; cx q[0],q[1]; measure q[1] -> c[0]; if (c==1) x q[0];")
    result = _roundtrip(text, CompileTarget.equal_modules(2, 1))
    for qpu in ("m0", "m1"):
        program = program_qasm(result.program, qpu)
        openqasm3.parse(program)
        for line in program.splitlines():
            if line.startswith("if ("):
                for token in line[4:line.index(")")].replace("!", " ").replace("&", " ").split():
                    if token.startswith(("c", "m")):
                        assert f"bit {token}" in program
