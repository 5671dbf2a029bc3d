"""Each Bell-diagonal operation equals its density-matrix twin followed by twirling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qdcnet.quantum import BellDiagonal, DensityMatrix, bbpssw, dejmps, swap
from qdcnet.quantum.protocols import (
    bbpssw_density_matrix,
    dejmps_density_matrix,
    swap_density_matrix,
)

TOL = 1e-12

NON_WERNER = [
    BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05]),
    BellDiagonal.from_coefficients([0.6, 0.05, 0.15, 0.2]),
    BellDiagonal.from_coefficients([0.85, 0.01, 0.04, 0.10]),
    BellDiagonal.from_coefficients([0.5, 0.0, 0.0, 0.5]),  # twirled single-click, |11> admixture
    BellDiagonal.werner(0.9),
]
NOISE = [(0.0, 0.0), (0.02, 0.0), (0.0, 0.03), (0.05, 0.01)]


def _assert_close(bd: BellDiagonal, coefficients: tuple[float, ...]) -> None:
    assert np.allclose(bd.coefficients, coefficients, atol=TOL, rtol=0), (bd, coefficients)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NON_WERNER[:3], NON_WERNER[2:])))
@pytest.mark.parametrize(("gate_error", "measurement_error"), NOISE)
def test_swap_matches_density_matrix(a, b, gate_error, measurement_error):
    fast = swap(a, b, gate_error=gate_error, measurement_error=measurement_error)
    exact = swap_density_matrix(a, b, gate_error, measurement_error)
    # Swapping Bell-diagonal inputs needs no twirl: the output is Bell-diagonal.
    _assert_close(fast, exact.bell_coefficients())
    assert np.allclose(exact.matrix, fast.to_density_matrix().matrix, atol=TOL)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NON_WERNER[:3], NON_WERNER[1:4])))
@pytest.mark.parametrize(("gate_error", "measurement_error"), NOISE)
def test_dejmps_matches_density_matrix(a, b, gate_error, measurement_error):
    p_fast, fast = dejmps(a, b, gate_error=gate_error, measurement_error=measurement_error)
    p_exact, exact = dejmps_density_matrix(a, b, gate_error, measurement_error)
    assert p_fast == pytest.approx(p_exact, abs=TOL)
    _assert_close(fast, exact.bell_coefficients())


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NON_WERNER[:2], NON_WERNER[2:4])))
@pytest.mark.parametrize(("gate_error", "measurement_error"), NOISE)
def test_bbpssw_matches_density_matrix(a, b, gate_error, measurement_error):
    p_fast, fast = bbpssw(a, b, gate_error=gate_error, measurement_error=measurement_error)
    p_exact, exact = bbpssw_density_matrix(a, b, gate_error, measurement_error)
    assert p_fast == pytest.approx(p_exact, abs=TOL)
    _assert_close(fast, exact.bell_coefficients())


@pytest.mark.parametrize("state", NON_WERNER)
@pytest.mark.parametrize(("p_x", "p_y", "p_z"), [(0.1, 0.0, 0.0), (0.0, 0.2, 0.05),
                                                  (0.03, 0.04, 0.05)])
@pytest.mark.parametrize("qubit", [0, 1])
def test_pauli_channel_matches_density_matrix(state, p_x, p_y, p_z, qubit):
    fast = state.pauli(p_x, p_y, p_z, qubit=qubit)
    exact = state.to_density_matrix().pauli(p_x, p_y, p_z, qubit=qubit)
    _assert_close(fast, exact.bell_coefficients())


@pytest.mark.parametrize("state", NON_WERNER)
@pytest.mark.parametrize("relax_to", ["ground", "mixed"])
@pytest.mark.parametrize(("t1", "t2", "duration"), [(1e-2, 5e-3, 1e-3), (np.inf, 1e-2, 3e-3),
                                                    (2e-3, 4e-3, 5e-3), (1.0, 0.3, 0.2)])
def test_decoherence_is_twirled_density_matrix_channel(state, relax_to, t1, t2, duration):
    fast = state.decohere(duration, t1_s=t1, t2_s=t2, qubit=1)
    exact = state.to_density_matrix().decohere(
        duration, t1_s=t1, t2_s=t2, qubit=1, relax_to=relax_to
    )
    _assert_close(fast, exact.bell_coefficients())


@pytest.mark.parametrize("state", NON_WERNER)
def test_depolarize_and_named_channels_match_density_matrix(state):
    rho = state.to_density_matrix()
    _assert_close(state.depolarize(0.3), rho.depolarize(0.3).bell_coefficients())
    _assert_close(state.dephase(0.2), rho.dephase(0.2, qubit=1).bell_coefficients())
    _assert_close(state.bit_flip(0.2), rho.bit_flip(0.2, qubit=0).bell_coefficients())
    _assert_close(state.depolarize_qubit(0.15),
                  rho.depolarize_qubit(0.15, qubit=1).bell_coefficients())


def test_density_matrix_pairs_flow_through_protocols():
    # An untwirled, non-Bell-diagonal pair: amplitude damping towards |00>.
    rho = DensityMatrix.bell(0).decohere(2e-3, t1_s=1e-3, t2_s=1e-3, qubit=0)
    out = swap(rho, rho)
    assert isinstance(out, DensityMatrix)
    p, purified = dejmps(rho, rho)
    assert isinstance(purified, DensityMatrix)
    assert 0.0 < p <= 1.0
    # The output's Bell-basis populations depend only on the inputs' ones, so
    # twirling first gives the same Bell-diagonal part (the off-diagonal
    # terms of the untwirled output are what the fast model drops).
    assert not np.allclose(out.matrix, out.to_bell_diagonal().to_density_matrix().matrix)
    twirled_first = swap(rho.to_bell_diagonal(), rho.to_bell_diagonal())
    _assert_close(twirled_first, out.bell_coefficients())


def test_swap_of_perfect_pairs_is_perfect_for_every_outcome():
    rho = DensityMatrix.bell(0).tensor(DensityMatrix.bell(0))
    rho = rho.apply_gate("CNOT", 1, 2).apply_gate("H", 1)
    for m1, m2 in itertools.product((0, 1), repeat=2):
        p, post = rho.project(1, m1)
        assert post is not None
        p2, post = post.project(2, m2)
        assert post is not None
        assert p * p2 == pytest.approx(0.25)
        if m2:
            post = post.apply_gate("X", 3)
        if m1:
            post = post.apply_gate("Z", 3)
        assert post.partial_trace([0, 3]).fidelity == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize("state", NON_WERNER)
@pytest.mark.parametrize("basis", ["X", "Y", "Z"])
def test_correlator_matches_density_matrix(state, basis):
    pauli = {"X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
             "Z": np.diag([1, -1])}[basis]
    exact = np.trace(state.to_density_matrix().matrix @ np.kron(pauli, pauli)).real
    assert state.correlator(basis) == pytest.approx(exact, abs=TOL)
