"""The vectorised operations equal the scalar ones row by row."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.quantum import BellDiagonal, batch, bbpssw, dejmps, swap


def random_states(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.dirichlet(np.ones(4) * 0.7, size=n)


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def scalar(row) -> BellDiagonal:
    return BellDiagonal.from_coefficients(row)


@pytest.mark.parametrize(("gate_error", "measurement_error"), [(0, 0), (0.03, 0.01)])
def test_swap_rows_match_scalar(rng, gate_error, measurement_error):
    a, b = random_states(rng, 50), random_states(rng, 50)
    out = batch.swap(a, b, gate_error=gate_error, measurement_error=measurement_error)
    for i in range(50):
        expected = swap(scalar(a[i]), scalar(b[i]), gate_error=gate_error,
                        measurement_error=measurement_error)
        assert out[i] == pytest.approx(expected.coefficients, abs=1e-14)


def test_swap_with_per_row_noise(rng):
    a, b = random_states(rng, 20), random_states(rng, 20)
    g = rng.uniform(0, 0.1, 20)
    e = rng.uniform(0, 0.05, 20)
    out = batch.swap(a, b, gate_error=g, measurement_error=e)
    for i in range(20):
        expected = swap(scalar(a[i]), scalar(b[i]), gate_error=g[i], measurement_error=e[i])
        assert out[i] == pytest.approx(expected.coefficients, abs=1e-14)


@pytest.mark.parametrize("protocol", ["dejmps", "bbpssw"])
@pytest.mark.parametrize(("gate_error", "measurement_error"), [(0, 0), (0.02, 0.03)])
def test_distillation_rows_match_scalar(rng, protocol, gate_error, measurement_error):
    a, b = random_states(rng, 40), random_states(rng, 40)
    vector_fn, scalar_fn = {"dejmps": (batch.dejmps, dejmps),
                            "bbpssw": (batch.bbpssw, bbpssw)}[protocol]
    p, out = vector_fn(a, b, gate_error=gate_error, measurement_error=measurement_error)
    for i in range(40):
        p_i, expected = scalar_fn(scalar(a[i]), scalar(b[i]), gate_error=gate_error,
                                  measurement_error=measurement_error)
        assert p[i] == pytest.approx(p_i, abs=1e-14)
        assert out[i] == pytest.approx(expected.coefficients, abs=1e-14)


def test_decohere_rows_match_scalar(rng):
    states = random_states(rng, 30)
    durations = rng.uniform(0, 5e-3, 30)
    t1 = rng.uniform(1e-3, 1e-2, 30)
    t2 = t1 * rng.uniform(0.1, 2.0, 30)
    out = batch.decohere(states, durations, t1_s=t1, t2_s=t2)
    for i in range(30):
        expected = scalar(states[i]).decohere(durations[i], t1_s=t1[i], t2_s=t2[i])
        assert out[i] == pytest.approx(expected.coefficients, abs=1e-14)
    # A scalar memory broadcasts over rows; infinite times mean no decay.
    same = batch.decohere(states, 1e-3, t1_s=np.inf, t2_s=np.inf)
    assert np.allclose(same, states, atol=1e-15)


def test_channels_and_helpers_match_scalar(rng):
    states = random_states(rng, 10)
    paulied = batch.pauli(states, 0.05, 0.02, 0.1)
    depolarized = batch.depolarize(states, 0.2)
    twirled = batch.twirl(states)
    yields = batch.hashing_yield(states)
    for i in range(10):
        s = scalar(states[i])
        assert paulied[i] == pytest.approx(s.pauli(0.05, 0.02, 0.1).coefficients, abs=1e-14)
        assert depolarized[i] == pytest.approx(s.depolarize(0.2).coefficients, abs=1e-14)
        assert twirled[i] == pytest.approx(s.twirl().coefficients, abs=1e-14)
        assert yields[i] == pytest.approx(s.hashing_yield(), abs=1e-12)
    assert batch.fidelity(states) == pytest.approx(states[:, 0])
    w = batch.werner([0.5, 0.9])
    assert w[1] == pytest.approx(BellDiagonal.werner(0.9).coefficients)


def test_validate_names_the_bad_row():
    good = batch.werner([0.9, 0.8])
    assert batch.validate(good) is not None
    bad = good.copy()
    bad[1, 2] += 0.01
    with pytest.raises(ValueError, match=r"sum\(states\[1\]\)"):
        batch.validate(bad)
    negative = good.copy()
    negative[0] = [1.1, -0.1, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"states\[0\]"):
        batch.validate(negative)


def test_batch_rejects_out_of_range_parameters():
    states = batch.werner([0.9])
    with pytest.raises(ValueError, match="gate_error"):
        batch.swap(states, states, gate_error=1.5)
    with pytest.raises(ValueError, match="t2_s"):
        batch.decohere(states, 1e-3, t1_s=1e-3, t2_s=3e-3)
    with pytest.raises(ValueError, match="duration_s"):
        batch.decohere(states, -1.0, t1_s=1e-3, t2_s=1e-3)
    with pytest.raises(ValueError, match="fidelity"):
        batch.werner([1.2])
    with pytest.raises(ValueError, match="shape"):
        batch.swap(np.ones((3, 3)) / 3, states)
