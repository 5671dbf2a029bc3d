"""``instruction_duration_s``: the one rule translate, the scheduler and the runtime time by."""

from __future__ import annotations

import math

import pytest

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.program import Instruction
from qdcnet.compiler.translate import instruction_duration_s
from qdcnet.network.qpu import QPU

QPU_TIMED = QPU("a", 2e-6, 30e-6, 50e-6, data_qubits=2, comm_qubits=1, reset_time_s=4e-6)


@pytest.mark.parametrize(("name", "slots", "seconds"), [
    ("measure", (0,), 50e-6), ("reset", (0,), 4e-6), ("cz", (0, 1), 30e-6),
    ("rz", (0,), 0.0), ("u", (0,), 2e-6), ("x", (0,), 2e-6)])
def test_each_kind_of_instruction(name, slots, seconds):
    assert instruction_duration_s(Instruction("a", name, slots), QPU_TIMED) == seconds


def test_rz_takes_time_only_where_one_qubit_gates_are_free_anyway():
    free = QPU("a", 0.0, 30e-6, 50e-6, data_qubits=1)
    assert instruction_duration_s(Instruction("a", "rz", (0,), (0.1,)), free) == 0.0


def test_translate_sums_the_same_durations():
    qpus = tuple(QPU(f"m{i}", 2e-6, 30e-6, 50e-6, data_qubits=2, comm_qubits=1,
                     reset_time_s=4e-6) for i in range(2))
    program = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; h q[0]; '
                              'cx q[0],q[3]; rz(0.3) q[1]; cx q[1],q[2];',
                              CompileTarget(qpus, ((0, 1), (1, 0)))).program
    by_name = {q.name: q for q in qpus}
    for op in program.operations:
        total = sum(instruction_duration_s(i, by_name[i.qpu]) for i in op.instructions)
        assert math.isclose(op.duration_s, total, rel_tol=0, abs_tol=1e-15)
