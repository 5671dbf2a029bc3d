"""Property tests: coefficients stay a probability vector under every operation."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qdcnet.quantum import BellDiagonal, batch, bbpssw, dejmps, swap

probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
small_probability = st.floats(min_value=0.0, max_value=0.33, allow_nan=False)
duration = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
time_constant = st.one_of(st.floats(min_value=1e-6, max_value=100.0), st.just(math.inf))


@st.composite
def bell_diagonal(draw):
    raw = [draw(st.floats(min_value=0.0, max_value=1.0)) for _ in range(4)]
    if sum(raw) == 0.0:
        raw[0] = 1.0
    total = sum(raw)
    return BellDiagonal.from_coefficients([x / total for x in raw])


@st.composite
def memory(draw):
    t1 = draw(time_constant)
    t2 = draw(time_constant)
    if t2 > 2 * t1:
        t2 = 2 * t1
    return t1, t2


def assert_probability_vector(state: BellDiagonal) -> None:
    c = state.coefficients
    assert all(x >= -1e-15 for x in c), c
    assert math.isclose(sum(c), 1.0, abs_tol=1e-12), c
    # And it can be rebuilt through the validating constructor.
    BellDiagonal.from_coefficients(c)


@given(bell_diagonal(), bell_diagonal(), probability, probability)
def test_swap_keeps_probabilities(a, b, g, e):
    assert_probability_vector(swap(a, b, gate_error=g, measurement_error=e))


@given(bell_diagonal(), bell_diagonal(), probability, probability)
def test_distillation_keeps_probabilities(a, b, g, e):
    for protocol in (dejmps, bbpssw):
        p, out = protocol(a, b, gate_error=g, measurement_error=e)
        assert 0.0 <= p <= 1.0 + 1e-12
        assert_probability_vector(out)


@given(bell_diagonal(), small_probability, small_probability, small_probability, probability)
def test_channels_keep_probabilities(state, px, py, pz, p):
    assert_probability_vector(state.pauli(px, py, pz))
    assert_probability_vector(state.depolarize(p))
    assert_probability_vector(state.dephase(p))
    assert_probability_vector(state.bit_flip(p))
    assert_probability_vector(state.depolarize_qubit(p))
    assert_probability_vector(state.twirl())
    for k in range(4):
        assert_probability_vector(state.apply_frame(k))


@given(bell_diagonal(), duration, memory())
def test_decoherence_keeps_probabilities_and_never_raises_fidelity_of_perfect_pair(
    state, t, mem
):
    t1, t2 = mem
    assert_probability_vector(state.decohere(t, t1_s=t1, t2_s=t2))
    aged = BellDiagonal.perfect().decohere(t, t1_s=t1, t2_s=t2)
    assert aged.fidelity <= 1.0
    # Memory noise alone never drives a pair below the maximally mixed fidelity.
    assert aged.fidelity >= 0.25 - 1e-12


@settings(max_examples=50)
@given(st.lists(bell_diagonal(), min_size=1, max_size=20), probability, probability)
def test_batch_operations_keep_probabilities(states, g, e):
    array = np.array([s.coefficients for s in states])
    outputs = [batch.swap(array, array[::-1], gate_error=g, measurement_error=e),
               batch.dejmps(array, array[::-1], gate_error=g, measurement_error=e)[1],
               batch.bbpssw(array, array, gate_error=g, measurement_error=e)[1],
               batch.decohere(array, 1e-3, t1_s=2e-3, t2_s=1e-3),
               batch.depolarize(array, g)]
    for out in outputs:
        assert np.all(out >= -1e-15)
        assert np.allclose(out.sum(axis=1), 1.0, atol=1e-12)
