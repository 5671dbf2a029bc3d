"""Commutation windows: each claim checked against the gates' matrices."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.compiler.commute import (
    Frontier,
    commutation_windows,
    random_order,
    shares_qubit,
)
from qdcnet.compiler.ir import Circuit, Condition, Gate, gate_matrix
from qdcnet.compiler.statevector import overlap, simulate_circuit

ONE = [("h", ()), ("x", ()), ("z", ()), ("s", ()), ("t", ()), ("rz", (0.7,)), ("rx", (0.4,)),
       ("p", (1.1,)), ("u", (0.0, 0.3, 0.2)), ("u", (0.5, 0.3, 0.2)), ("sx", ())]
TWO = [("cz", ()), ("cx", ()), ("cp", (0.9,)), ("crz", (0.4,)), ("rzz", (0.3,)),
       ("swap", ()), ("cy", ()), ("rxx", (0.2,)), ("crx", (0.6,))]


def _embed(gate: Gate, n: int) -> np.ndarray:
    """The gate's unitary on ``n`` qubits (qubit i is bit i)."""
    m = gate_matrix(gate.name, gate.params)
    k = len(gate.qubits)
    full = np.zeros((2 ** n, 2 ** n), dtype=complex)
    for col in range(2 ** n):
        sub_col = sum(((col >> q) & 1) << i for i, q in enumerate(gate.qubits))
        rest = col & ~sum(1 << q for q in gate.qubits)
        for sub_row in range(2 ** k):
            row = rest | sum(((sub_row >> i) & 1) << q for i, q in enumerate(gate.qubits))
            full[row, col] += m[sub_row, sub_col]
    return full


def _random_gate(rng: np.random.Generator, n: int) -> Gate:
    if rng.random() < 0.5:
        name, params = ONE[int(rng.integers(len(ONE)))]
        return Gate(name, (int(rng.integers(n)),), params)
    name, params = TWO[int(rng.integers(len(TWO)))]
    a, b = rng.choice(n, 2, replace=False)
    return Gate(name, (int(a), int(b)), params)


@pytest.mark.parametrize(("name", "params"), ONE + TWO)
def test_shares_qubit_is_commuting_with_z_on_that_qubit(name, params):
    arity = gate_matrix(name, params).shape[0].bit_length() - 1
    gate = Gate(name, tuple(range(arity)), params)
    for position in range(arity):
        z = _embed(Gate("z", (position,)), arity)
        m = _embed(gate, arity)
        assert shares_qubit(gate, position) == np.allclose(m @ z, z @ m), position


def test_gates_the_windows_call_commuting_commute_as_matrices():
    rng = np.random.default_rng(7)
    claimed = 0
    for _ in range(60):
        gates = tuple(_random_gate(rng, 3) for _ in range(6))
        windows = commutation_windows(Circuit(3, 0, gates))
        for a in range(len(gates)):
            for b in range(a + 1, len(gates)):
                if windows.commute(a, b):
                    claimed += 1
                    ma, mb = _embed(gates[a], 3), _embed(gates[b], 3)
                    assert np.allclose(ma @ mb, mb @ ma), (gates[a], gates[b])
    assert claimed > 100  # the check saw many commuting claims, not only disjoint ones


def test_diagonal_gates_on_shared_qubits_commute_but_not_across_a_hadamard():
    gates = (Gate("cz", (0, 1)), Gate("rz", (0,), (0.2,)), Gate("cp", (1, 0), (0.3,)),
             Gate("h", (0,)), Gate("cz", (0, 1)))
    w = commutation_windows(Circuit(2, 0, gates))
    assert w.commute(0, 2)
    assert w.commute(1, 2)
    assert not w.commute(2, 3)
    assert not w.commute(0, 4)


def test_conditions_read_and_measurements_write_the_classical_bit():
    gates = (Gate("measure", (0,), clbits=(0,)),
             Gate("z", (1,), condition=Condition((0,), 1)),
             Gate("z", (2,), condition=Condition((0,), 1)),
             Gate("measure", (1,), clbits=(0,)))
    w = commutation_windows(Circuit(3, 1, gates))
    assert w.commute(1, 2)
    assert not w.commute(0, 1)
    assert not w.commute(2, 3)
    frontier = Frontier(w)
    assert frontier.ready == {0}
    assert sorted(frontier.complete(0)) == [1, 2]
    assert frontier.complete(1) == []
    assert frontier.complete(2) == [3]


def test_frontier_walks_every_gate_once_in_an_allowed_order():
    rng = np.random.default_rng(3)
    gates = tuple(_random_gate(rng, 5) for _ in range(80))
    circuit = Circuit(5, 0, gates)
    order = random_order(circuit, rng)
    assert sorted(order) == list(range(len(gates)))
    w = commutation_windows(circuit)
    position = {g: p for p, g in enumerate(order)}
    for a in range(len(gates)):
        for b in range(a + 1, len(gates)):
            if not w.commute(a, b):
                assert position[a] < position[b]


def test_random_orders_are_the_same_circuit():
    rng = np.random.default_rng(11)
    for trial in range(10):
        gates = tuple(_random_gate(rng, 4) for _ in range(30))
        circuit = Circuit(4, 0, gates)
        order = random_order(circuit, rng)
        assert order != list(range(len(gates))) or trial  # at least the first one moves
        shuffled = Circuit(4, 0, tuple(gates[g] for g in order))
        a, _, _ = simulate_circuit(circuit)
        b, _, _ = simulate_circuit(shuffled)
        assert overlap(a, b) == pytest.approx(1.0, abs=1e-9)
