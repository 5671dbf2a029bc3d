"""Density-matrix operations: gates, channels, measurement, partial trace, fidelity."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.quantum import DensityMatrix, bell_state_vector


def test_phase_damping_equals_dephasing():
    rho = DensityMatrix.from_statevector(np.array([1, 1j]) / np.sqrt(2))
    lam = 0.36
    assert rho.phase_damping(lam).isclose(rho.dephase((1 - np.sqrt(1 - lam)) / 2), atol=1e-14)
    assert abs(rho.phase_damping(lam).matrix[0, 1]) == pytest.approx(0.5 * np.sqrt(1 - lam))


def test_amplitude_damping_populations():
    one = DensityMatrix.from_statevector([0, 1])
    assert one.amplitude_damping(0.3).matrix[0, 0].real == pytest.approx(0.3)
    mixed = one.amplitude_damping(1.0, relax_to="mixed")
    assert mixed.isclose(DensityMatrix.maximally_mixed(1), atol=1e-14)


def test_bell_measurement_samples_and_collapses():
    rng = np.random.default_rng(1)
    state = DensityMatrix.bell(2).tensor(DensityMatrix.zero(1))
    index, post = state.bell_measure([0, 1], rng)
    assert index == 2
    assert post.partial_trace([0, 1]).fidelity_with(bell_state_vector(2)) == pytest.approx(1.0)


def test_measurement_statistics():
    rng = np.random.default_rng(3)
    plus = DensityMatrix.from_statevector(np.array([1, 1]) / np.sqrt(2))
    outcomes = [plus.measure(0, rng)[0] for _ in range(2000)]
    mean = np.mean(outcomes)
    assert abs(mean - 0.5) < 5 * np.sqrt(0.25 / 2000)
    assert plus.measure(0, rng, basis="X")[0] == 0


def test_partial_trace_and_permute():
    rng = np.random.default_rng(0)
    psi = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi /= np.linalg.norm(psi)
    rho = DensityMatrix.from_statevector(psi)
    # Tracing out qubit 1 after moving it last equals tracing it out directly.
    direct = rho.partial_trace([2, 0])
    moved = rho.permute([2, 0, 1]).partial_trace([0, 1])
    assert direct.isclose(moved, atol=1e-14)
    assert direct.trace == pytest.approx(1.0)


def test_uhlmann_fidelity():
    a = DensityMatrix.bell(0)
    b = DensityMatrix.bell(0).depolarize(0.2)
    assert a.fidelity_with(b) == pytest.approx(b.fidelity, abs=1e-12)
    assert b.fidelity_with(b) == pytest.approx(1.0, abs=1e-9)


def test_unitary_on_nonadjacent_qubits_matches_full_matrix():
    rng = np.random.default_rng(4)
    psi = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi /= np.linalg.norm(psi)
    rho = DensityMatrix.from_statevector(psi)
    out = rho.apply_gate("CNOT", 2, 0)
    # CNOT with control qubit 2, target qubit 0, as an explicit 8x8 permutation.
    full = np.zeros((8, 8))
    for basis in range(8):
        q0, q1, q2 = (basis >> 2) & 1, (basis >> 1) & 1, basis & 1
        target = ((q0 ^ q2) << 2) | (q1 << 1) | q2
        full[target, basis] = 1
    assert out.isclose(DensityMatrix.from_statevector(full @ psi), atol=1e-14)
