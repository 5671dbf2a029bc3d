"""Bell-diagonal vs density-matrix twins on many random inputs (marked slow)."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.quantum import BellDiagonal, bbpssw, dejmps, swap
from qdcnet.quantum.protocols import (
    bbpssw_density_matrix,
    dejmps_density_matrix,
    swap_density_matrix,
)

pytestmark = pytest.mark.slow


def _random_pairs(seed: int, n: int) -> list[tuple[BellDiagonal, BellDiagonal, float, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a = BellDiagonal.from_coefficients(rng.dirichlet(np.ones(4) * 0.5))
        b = BellDiagonal.from_coefficients(rng.dirichlet(np.ones(4) * 0.5))
        out.append((a, b, float(rng.uniform(0, 0.2)), float(rng.uniform(0, 0.1))))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_twins(seed):
    for a, b, g, e in _random_pairs(seed, 60):
        fast = swap(a, b, gate_error=g, measurement_error=e)
        exact = swap_density_matrix(a, b, g, e)
        assert np.allclose(fast.coefficients, exact.bell_coefficients(), atol=1e-12)
        for fast_fn, exact_fn in ((dejmps, dejmps_density_matrix),
                                  (bbpssw, bbpssw_density_matrix)):
            p_fast, out_fast = fast_fn(a, b, gate_error=g, measurement_error=e)
            p_exact, out_exact = exact_fn(a, b, g, e)
            assert p_fast == pytest.approx(p_exact, abs=1e-12)
            assert np.allclose(out_fast.coefficients, out_exact.bell_coefficients(), atol=1e-12)


def test_random_decoherence_twins():
    rng = np.random.default_rng(99)
    for _ in range(200):
        state = BellDiagonal.from_coefficients(rng.dirichlet(np.ones(4)))
        t1 = float(rng.uniform(1e-3, 1.0))
        t2 = float(t1 * rng.uniform(0.01, 2.0))
        duration = float(rng.uniform(0, 2 * t1))
        relax_to = "ground" if rng.random() < 0.5 else "mixed"
        qubit = int(rng.integers(2))
        fast = state.decohere(duration, t1_s=t1, t2_s=t2, qubit=qubit)
        exact = state.to_density_matrix().decohere(duration, t1_s=t1, t2_s=t2, qubit=qubit,
                                                   relax_to=relax_to)
        assert np.allclose(fast.coefficients, exact.bell_coefficients(), atol=1e-12)
