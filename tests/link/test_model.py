"""The analytic link model against the closed forms of REFERENCE.md sections 1 and 3."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from qdcnet.hardware import QuantumMemory
from qdcnet.link import LinkModel, plob_bound
from qdcnet.link.examples import (
    symmetric_midpoint_source,
    symmetric_single_click,
    symmetric_two_click,
)


def test_single_click_worked_example():
    model = LinkModel.from_spec(symmetric_single_click(alpha=0.1, eta=0.01))
    assert model.success_probability == pytest.approx(1.999e-3, abs=1e-9)
    assert model.outcomes.state_true.fidelity == pytest.approx(0.900450, abs=5e-7)
    assert model.false_herald_fraction == 0.0


@pytest.mark.parametrize(("alpha", "eta"), [(0.1, 0.01), (0.3, 0.2), (0.05, 0.5)])
def test_single_click_equal_nodes_closed_form(alpha, eta):
    model = LinkModel.from_spec(symmetric_single_click(alpha=alpha, eta=eta))
    p = 2 * alpha * eta - (alpha * eta) ** 2
    assert model.success_probability == pytest.approx(p, rel=1e-12)
    assert model.outcomes.state_true.fidelity == pytest.approx(
        2 * (1 - alpha) / (2 - alpha * eta), rel=1e-12)


def test_single_click_dark_counts_example():
    # d = 1e-4 per detector per window: F = 0.827 (REFERENCE.md).
    window = 1e-8
    rate = -math.log(1 - 1e-4) / window
    model = LinkModel.from_spec(symmetric_single_click(alpha=0.1, eta=0.01,
                                                       dark_count_rate_hz=rate,
                                                       detection_window_s=window))
    d, a, e = 1e-4, 0.1, 0.01
    p0 = 2 * a * e - (a * e) ** 2
    f0 = 2 * (1 - a) / (2 - a * e)
    p = p0 * (1 - d) + 2 * d * (1 - d) * (1 - a * e) ** 2
    f = (p0 * (1 - d) * f0 + 2 * d * (1 - d) * a * (1 - a) * (1 - e)) / p
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(0.827, abs=5e-4)


def test_single_click_photon_number_resolving():
    alpha, eta = 0.2, 0.3
    model = LinkModel.from_spec(symmetric_single_click(alpha=alpha, eta=eta,
                                                       photon_number_resolving=True))
    assert model.success_probability == pytest.approx(2 * alpha * eta * (1 - alpha * eta))
    assert model.outcomes.state_true.fidelity == pytest.approx((1 - alpha) / (1 - alpha * eta))


def test_single_click_unequal_nodes():
    spec = symmetric_single_click(alpha=0.1, eta=0.02)
    slower = dataclasses.replace(spec.end_b, emitter=dataclasses.replace(
        spec.end_b.emitter, collection_efficiency=0.005))
    spec = dataclasses.replace(spec, end_b=slower, alpha_b=0.3)
    model = LinkModel.from_spec(spec)
    ea, eb, aa, ab = 0.02, 0.005, 0.1, 0.3
    a, b = aa * ea * (1 - ab), ab * eb * (1 - aa)
    p = a + b + aa * ab * (ea + eb - ea * eb)
    assert model.success_probability == pytest.approx(p, rel=1e-12)
    assert model.outcomes.state_true.fidelity == pytest.approx(
        ((a + b) / 2 + math.sqrt(a * b)) / p, rel=1e-12)


def test_single_click_visibility_and_phase_noise_reduce_coherence():
    spec = symmetric_single_click(alpha=0.1, eta=0.01)
    end = dataclasses.replace(spec.end_a, indistinguishability=0.81)
    spec = dataclasses.replace(spec, end_a=end, end_b=dataclasses.replace(spec.end_b,
                               indistinguishability=0.81), phase_noise_rad=0.3)
    model = LinkModel.from_spec(spec)
    v, sigma, alpha, eta = 0.81, 0.3, 0.1, 0.01
    p = 2 * alpha * eta * (1 - alpha) + alpha**2 * (2 * eta * (1 - eta) + eta**2 * (1 + v) / 2)
    coherence = math.sqrt(v) * math.exp(-sigma**2 / 2)
    expected = (2 * alpha * (1 - alpha) * eta / p) * (1 + coherence) / 2
    assert model.outcomes.state_true.fidelity == pytest.approx(expected, rel=1e-12)


def test_two_click_worked_example():
    spec = symmetric_two_click(eta=0.01)
    spec = dataclasses.replace(
        spec, end_a=dataclasses.replace(spec.end_a, indistinguishability=0.9),
        end_b=dataclasses.replace(spec.end_b, indistinguishability=0.9))
    model = LinkModel.from_spec(spec)
    assert model.success_probability == pytest.approx(5e-5, rel=1e-12)
    assert model.outcomes.state_true.fidelity == pytest.approx(0.95, rel=1e-12)
    # The error is a phase flip: Bell-diagonal (F, 0, 0, 1 - F) after correction.
    assert model.outcomes.state_true.coefficients == pytest.approx((0.95, 0, 0, 0.05))


def test_two_click_time_bin_needs_two_emissions():
    from qdcnet.hardware import Encoding

    time_bin = LinkModel.from_spec(symmetric_two_click(encoding=Encoding.TIME_BIN))
    polarization = LinkModel.from_spec(symmetric_two_click(encoding=Encoding.POLARIZATION))
    assert time_bin.attempt_period_s - polarization.attempt_period_s == pytest.approx(1e-6)


def test_midpoint_source_probabilities_with_a_given_multi_pair_probability():
    # The old expectation (depolarize by P(N >= 2 | N >= 1), rate mu * eta^2)
    # conditioned on emission, not on the herald (issue 10, finding 5); the
    # Poisson case is in test_link_exactness.py. Here the source states
    # m = P(N >= 2 | N >= 1), modelled as N in {0, 1, 2}.
    spec = symmetric_midpoint_source(pair_rate_hz=1e6, eta=0.3, acceptance_window_s=1e-7)
    m = 0.2
    spec = dataclasses.replace(spec, source=dataclasses.replace(spec.source,
                                                                multi_pair_probability=m))
    model = LinkModel.from_spec(spec)
    mu = 1 - math.exp(-0.1)
    p1, p2 = mu * (1 - m), mu * m
    eta = 0.3
    herald = p1 * eta**2 + p2 * (1 - (1 - eta) ** 2) ** 2
    # First photon kept: pair 1 stored at both, or pair 1 lost at both and pair 2 stored at both.
    good = p1 * eta**2 + p2 * (eta**2 + (1 - eta) ** 2 * eta**2)
    assert model.success_probability == pytest.approx(herald, rel=1e-12)
    assert model.heralded_state.fidelity == pytest.approx(
        (good * 0.98 + (herald - good) * 0.25) / herald, rel=1e-12)


def test_attempt_period_rate_and_herald_timing():
    spec = symmetric_single_click(length_m=20_000.0, emission_time_s=1e-6, reset_time_s=2e-6)
    model = LinkModel.from_spec(spec)
    flight = spec.end_a.path.delay_s
    assert model.learn_delay_s == pytest.approx((1e-6 + 2 * flight, 1e-6 + 2 * flight))
    assert model.attempt_period_s == pytest.approx(1e-6 + 2 * flight + 2e-6)
    assert model.rate_hz == pytest.approx(model.success_probability / model.attempt_period_s)
    multiplexed = LinkModel.from_spec(symmetric_single_click(length_m=20_000.0, qubits=4))
    assert multiplexed.rate_hz == pytest.approx(4 * model.rate_hz)


def test_unequal_arms_the_far_end_emits_first():
    spec = symmetric_single_click(length_m=2_000.0)
    far = dataclasses.replace(spec.end_a, path=dataclasses.replace(
        spec.end_a.path, fiber=dataclasses.replace(spec.end_a.path.fiber, length_m=9_000.0)))
    model = LinkModel.from_spec(dataclasses.replace(spec, end_a=far))
    delay_a, delay_b = far.path.delay_s, spec.end_b.path.delay_s
    # B emits later, so A has already aged by the difference at the reference time.
    assert model.pre_age_s == pytest.approx((delay_a - delay_b, 0.0))
    assert model.learn_delay_s[0] == pytest.approx(1e-6 + 2 * delay_a)
    assert model.learn_delay_s[1] == pytest.approx(1e-6 + delay_a + delay_b)


def test_delivered_state_decoheres_while_the_herald_travels():
    memory = QuantumMemory(t1_s=math.inf, t2_s=1e-3)
    spec = symmetric_two_click(length_m=100_000.0, memory=memory)
    model = LinkModel.from_spec(spec)
    wait = model.ready_delay_s - model.reference_delay_s
    expected = model.heralded_state.decohere(wait, t1_s=math.inf, t2_s=1e-3).decohere(
        wait, t1_s=math.inf, t2_s=1e-3)
    assert model.delivered_state.isclose(expected, atol=1e-15)
    assert model.delivered_fidelity < model.heralded_state.fidelity


def test_capacity_bounds_and_single_click_beating_the_direct_bound():
    assert plob_bound(0.5) == pytest.approx(1.0)
    model = LinkModel.from_spec(symmetric_single_click(alpha=0.05, eta=0.01))
    assert model.capacity_bound_per_attempt == pytest.approx(plob_bound(0.01))
    assert model.direct_bound_per_attempt == pytest.approx(plob_bound(1e-4))
    # Single click scales as sqrt(eta): it beats the direct bound, not the relay bound.
    assert model.direct_bound_per_attempt < model.distillable_per_attempt
    assert model.distillable_per_attempt < model.capacity_bound_per_attempt
    source = LinkModel.from_spec(symmetric_midpoint_source())
    assert source.capacity_bound_name.startswith("direct-channel bound per arm")


def test_time_to_pair_distribution():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.2))
    p, period = model.success_probability, model.attempt_period_s
    ready = model.ready_delay_s
    assert model.time_to_pair_cdf(ready - 1e-12) == 0.0
    assert model.time_to_pair_cdf(ready) == pytest.approx(p)
    assert model.time_to_pair_cdf(ready + 2 * period) == pytest.approx(1 - (1 - p) ** 3)
    assert model.time_to_pair_cdf(ready, streams=3) == pytest.approx(1 - (1 - p) ** 3)
    # The mean from the pmf equals the closed form.
    n = np.arange(1, 20_000)
    pmf = (1 - p) ** (n - 1) * p
    assert model.mean_time_to_pair_s == pytest.approx(np.sum(pmf * ((n - 1) * period + ready)))


def test_duty_cycle_rate_and_mean_time():
    from qdcnet.link import DutyCycle

    spec = symmetric_two_click(eta=0.1)
    duty = DutyCycle(burst_s=50e-6, pause_s=30e-6)
    spec = dataclasses.replace(spec, end_a=dataclasses.replace(spec.end_a, duty_cycle=duty))
    model = LinkModel.from_spec(spec)
    m = model.attempts_per_burst
    assert m == math.ceil(50e-6 / model.attempt_period_s)
    # The pause follows the burst's last attempt (m T >= 50 us), so attempts
    # never overlap; the old 80 us cycle let them (issue 10, finding 5).
    cycle = m * model.attempt_period_s + 30e-6
    assert model.rate_hz == pytest.approx(model.success_probability * m / cycle)
    p = model.success_probability
    n = np.arange(0, 200_000)
    starts = model.attempt_start_s(n)
    mean = np.sum((1 - p) ** n * p * (starts + model.ready_delay_s))
    assert model.mean_time_to_pair_s == pytest.approx(mean, rel=1e-9)


def test_demand_model_limits():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.2))
    # Infinite cutoff and very fast demand: every pair is served on delivery.
    fast = model.with_demand(1e12)
    assert fast.served_rate_hz == pytest.approx(model.rate_hz, rel=1e-6)
    assert fast.discard_rate_hz == 0.0
    # A cutoff shorter than the herald delay discards everything.
    none = model.with_demand(100.0, cutoff_s=model.ready_delay_s * 0.5)
    assert none.served_rate_hz == 0.0
    with pytest.raises(Exception, match="one stream"):
        LinkModel.from_spec(symmetric_two_click(qubits=2)).with_demand(10.0)


def test_dark_counts_make_false_heralds():
    window, rate = 1e-8, 1e5
    model = LinkModel.from_spec(symmetric_two_click(eta=0.05, dark_count_rate_hz=rate,
                                                    detection_window_s=window))
    d = 1 - math.exp(-rate * window)
    eta = 0.05
    uncorrelated = (2 * eta * (1 - eta) * 2 * d * (1 - d) ** 2
                    + (1 - eta) ** 2 * 4 * d * d * (1 - d) ** 2)
    # Both photons in one detector ((1 + V)/4 = 1/2 at V = 1) and a dark count
    # completing a pattern: |00>/|11> spins, fidelity 0 (issue 10, finding 5).
    bunched = eta**2 / 2 * 2 * d * (1 - d) ** 2
    assert model.outcomes.p_false == pytest.approx(uncorrelated + bunched, rel=1e-12)
    assert model.outcomes.state_false.fidelity == pytest.approx(
        0.25 * uncorrelated / (uncorrelated + bunched), rel=1e-12)
