"""Remote-operation channels with local noise against density-matrix simulations.

Each protocol is simulated on the density matrix of data, references and
pair: every measurement branch projected and corrected, misread bits
averaged, depolarising gate noise after each CNOT, idle decay (the twirled
T1/T2 Pauli channel) on the waiting qubits at the moments they wait. The
predicted "ideal operation, then Pauli channel" must match to 1e-12.
"""

from __future__ import annotations

import pytest

from qdcnet.hardware import QuantumMemory
from qdcnet.network.protocols import (
    cat_entangled_channel,
    remote_cnot_channel,
    teleportation_channel_with_noise,
)
from qdcnet.network.qpu import QPU
from qdcnet.quantum import BellDiagonal, DensityMatrix, memory_pauli
from qdcnet.quantum.protocols import _project_z

PAIR = BellDiagonal.from_coefficients([0.86, 0.06, 0.05, 0.03])
MEMORY = QuantumMemory(t1_s=3e-3, t2_s=2e-3)


def ops(name, gate_error, measurement_error):
    return QPU(name, 1e-6, 1e-5, 1e-4, gate_error, measurement_error, MEMORY, MEMORY)


def idle(rho, qubit, duration):
    p = memory_pauli(duration, MEMORY.t1_s, MEMORY.t2_s)
    return rho.apply_pauli_channel(dict(zip("IXYZ", p, strict=True)), [qubit])


def branches(rho, qubit, error):
    """(reported bit, weight, unnormalised post-state) over outcomes and misreads."""
    for m in (0, 1):
        post = _project_z(rho, (qubit,), (m,))
        for flip, weight in ((0, 1 - error), (1, error)):
            if weight:
                yield m ^ flip, weight, post


@pytest.mark.parametrize(("g_a", "e_a", "g_b", "e_b"), [(0, 0, 0, 0), (0.03, 0.02, 0.05, 0.01)])
@pytest.mark.parametrize(("wait_before", "wait_after_c", "wait_after_t"),
                         [(0, 0, 0), (4e-4, 9e-4, 2e-4)])
def test_remote_cnot_channel(g_a, e_a, g_b, e_b, wait_before, wait_after_c, wait_after_t):
    # Qubits: 0 Rc, 1 c, 2 a, 3 b, 4 t, 5 Rt.
    rho = (DensityMatrix.bell(0).tensor(PAIR.to_density_matrix())
           .tensor(DensityMatrix.bell(0)))
    rho = rho.apply_gate("CNOT", 1, 2).depolarize(g_a, qubits=(1, 2))
    rho = idle(rho, 4, wait_before)
    total = 0
    for m1, w1, post in branches(rho, 2, e_a):
        if m1:
            post = post.apply_gate("X", 3)
        post = post.apply_gate("CNOT", 3, 4).depolarize(g_b, qubits=(3, 4)).apply_gate("H", 3)
        for m2, w2, post2 in branches(post, 3, e_b):
            if m2:
                post2 = post2.apply_gate("Z", 1)
            post2 = idle(idle(post2, 1, wait_after_c), 4, wait_after_t)
            total = total + w1 * w2 * post2.partial_trace([0, 1, 4, 5]).matrix
    simulated = DensityMatrix(total, validate=False)
    channel = remote_cnot_channel(PAIR, ops("A", g_a, e_a), ops("B", g_b, e_b),
                                  target_wait_before_s=wait_before,
                                  control_wait_after_s=wait_after_c,
                                  target_wait_after_s=wait_after_t)
    ideal = (DensityMatrix.bell(0).tensor(DensityMatrix.bell(0)).permute([0, 1, 3, 2])
             .apply_gate("CNOT", 1, 2))
    expected = ideal.apply_pauli_channel(channel.probabilities, [1, 2])
    assert simulated.isclose(expected, atol=1e-12)


@pytest.mark.parametrize(("g", "e", "wait"), [(0, 0, 0), (0.04, 0.02, 5e-4)])
def test_teleportation_channel(g, e, wait):
    # Qubits: 0 R, 1 D (data), 2 a, 3 b.
    rho = DensityMatrix.bell(0).tensor(PAIR.to_density_matrix())
    rho = rho.apply_gate("CNOT", 1, 2).depolarize(g, qubits=(1, 2)).apply_gate("H", 1)
    total = 0
    for m_d, w_d, post in branches(rho, 1, e):
        for m_a, w_a, post2 in branches(post, 2, e):
            post2 = idle(post2, 3, wait)
            if m_a:
                post2 = post2.apply_gate("X", 3)
            if m_d:
                post2 = post2.apply_gate("Z", 3)
            total = total + w_d * w_a * post2.partial_trace([0, 3]).matrix
    simulated = DensityMatrix(total, validate=False)
    channel = teleportation_channel_with_noise(PAIR, ops("A", g, e), wait, MEMORY)
    expected = DensityMatrix.bell(0).apply_pauli_channel(channel.probabilities, [1])
    assert simulated.isclose(expected, atol=1e-12)
    if g == e == wait == 0:
        assert (2 * channel.probabilities["I"] + 1) / 3 == pytest.approx((2 * 0.86 + 1) / 3)


@pytest.mark.parametrize(("g_a", "e_a", "g_b", "e_b"), [(0, 0, 0, 0), (0.02, 0.03, 0.04, 0.01)])
def test_cat_entangler_two_targets(g_a, e_a, g_b, e_b):
    # Qubits: 0 Rc, 1 c, 2 a, 3 b, 4 t0, 5 R0, 6 t1, 7 R1.
    rho = (DensityMatrix.bell(0).tensor(PAIR.to_density_matrix()).tensor(DensityMatrix.bell(0))
           .tensor(DensityMatrix.bell(0)))
    rho = rho.apply_gate("CNOT", 1, 2).depolarize(g_a, qubits=(1, 2))
    total = 0
    for m1, w1, post in branches(rho, 2, e_a):
        if m1:
            post = post.apply_gate("X", 3)
        for target in (4, 6):
            post = post.apply_gate("CNOT", 3, target).depolarize(g_b, qubits=(3, target))
        post = post.apply_gate("H", 3)
        for m2, w2, post2 in branches(post, 3, e_b):
            if m2:
                post2 = post2.apply_gate("Z", 1)
            total = total + w1 * w2 * post2.partial_trace([0, 1, 4, 5, 6, 7]).matrix
    simulated = DensityMatrix(total, validate=False)
    channel = cat_entangled_channel(PAIR, ops("A", g_a, e_a), ops("B", g_b, e_b), 2)
    ideal = (DensityMatrix.bell(0).tensor(DensityMatrix.bell(0)).tensor(DensityMatrix.bell(0))
             .permute([0, 1, 2, 3, 4, 5]))
    # Order (Rc, c, t0, R0, t1, R1) -> ideal CNOTs from c (1) to t0 (2) and t1 (4).
    ideal = ideal.apply_gate("CNOT", 1, 2).apply_gate("CNOT", 1, 4)
    expected = ideal.apply_pauli_channel(channel.probabilities, [1, 2, 4])
    assert simulated.isclose(expected, atol=1e-12)


def test_pauli_channels_are_normalised():
    for channel in (remote_cnot_channel(PAIR, ops("A", 0.1, 0.1), ops("B", 0.1, 0.1),
                                        target_wait_before_s=1e-3),
                    cat_entangled_channel(PAIR, ops("A", 0.1, 0.1), ops("B", 0.2, 0.1), 3)):
        assert sum(channel.probabilities.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(v >= 0 for v in channel.probabilities.values())
