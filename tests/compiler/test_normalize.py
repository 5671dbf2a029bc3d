"""normalize: one-qubit u plus diagonal cz/cp, same unitary, counts independent of spelling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Statevector

from qdcnet.compiler import Circuit, Condition, Gate, Normalize, load_circuit
from qdcnet.compiler.statevector import overlap, simulate_circuit


@pytest.mark.parametrize("seed", range(12))
def test_random_circuits_keep_their_state_and_use_only_the_basis(seed):
    qc = random_circuit(5, 8, max_operands=3, seed=seed)
    circuit = load_circuit(qc)
    normalized = Normalize().rewrite(circuit)
    assert set(normalized.count_ops()) <= {"u", "cz", "cp"}
    reference = Statevector(qc).data
    state, _, _ = simulate_circuit(normalized)
    assert overlap(reference, state) == pytest.approx(1.0, abs=1e-9)


def _two_ways():
    with_cx = QuantumCircuit(3)
    with_cx.cx(0, 1)
    with_cx.cx(2, 1)
    with_cz = QuantumCircuit(3)
    with_cz.h(1)
    with_cz.cz(0, 1)
    with_cz.h(1)
    with_cz.h(1)
    with_cz.cz(2, 1)
    with_cz.h(1)
    return with_cx, with_cz


def test_counts_do_not_depend_on_how_the_input_spells_a_gate():
    with_cx, with_cz = _two_ways()
    a = Normalize().rewrite(load_circuit(with_cx))
    b = Normalize().rewrite(load_circuit(with_cz))
    assert a.count_ops() == b.count_ops() == {"u": 2, "cz": 2}
    assert [g.qubits for g in a.gates if g.name == "cz"] == [(0, 1), (2, 1)]


def test_diagonal_gates_on_one_pair_become_one_controlled_phase():
    qc = QuantumCircuit(2)
    qc.rzz(0.3, 0, 1)
    qc.crz(0.7, 0, 1)
    qc.cp(math.pi, 0, 1)
    normalized = Normalize().rewrite(load_circuit(qc))
    two_qubit = [g for g in normalized.gates if g.is_two_qubit]
    # cp(-0.6) cp(0.7) cp(pi): one controlled phase of the sum.
    assert [g.name for g in two_qubit] == ["cp"]
    assert abs(two_qubit[0].params[0]) == pytest.approx(math.pi - 0.1)
    state, _, _ = simulate_circuit(normalized)
    assert overlap(Statevector(qc).data, state) == pytest.approx(1.0, abs=1e-12)


def test_swap_is_three_czs_and_generic_gates_go_through_kak():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.swap(0, 1)
    qc.iswap(0, 1)
    qc.ecr(1, 0)
    normalized = Normalize().rewrite(load_circuit(qc))
    assert normalized.count_ops()["cz"] <= 3 + 2 + 1
    state, _, _ = simulate_circuit(normalized)
    assert overlap(Statevector(qc).data, state) == pytest.approx(1.0, abs=1e-9)


def test_identity_runs_vanish_and_conditional_gates_stay_conditional():
    circuit = Circuit(2, 1, (
        Gate("h", (0,)), Gate("h", (0,)), Gate("sx", (1,)),
        Gate("measure", (1,), clbits=(0,)),
        Gate("cx", (0, 1), condition=Condition((0,), 1)),
    ))
    normalized = Normalize().rewrite(circuit)
    names = [g.name for g in normalized.gates]
    assert names[:2] == ["u", "measure"]
    conditional = [g for g in normalized.gates if g.condition is not None]
    assert {g.name for g in conditional} == {"u", "cz"}
    for branch in (0, 1):
        a, bits_a, _ = simulate_circuit(circuit, forced={3: branch})
        b, bits_b, _ = simulate_circuit(normalized, forced={1: branch})
        assert bits_a == bits_b
        assert overlap(a, b) == pytest.approx(1.0, abs=1e-9)


def test_benchmark_circuits_normalize_to_the_expected_gate_counts(circuits_dir):
    qft = Normalize().rewrite(load_circuit(circuits_dir / "qft_32.qasm"))
    assert qft.count_ops() == {"u": 32, "cp": 430}
    qaoa = Normalize().rewrite(load_circuit(circuits_dir / "qaoa_32.qasm"))
    assert qaoa.num_two_qubit_gates == 442
    qv = Normalize().rewrite(load_circuit(circuits_dir / "qv_32.qasm"))
    assert qv.count_ops()["cz"] == 1536
    assert np.isfinite([p for g in qv.gates for p in g.params]).all()
