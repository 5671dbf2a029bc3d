"""The event simulation agrees with the analytic model within 5 standard errors.

Every test uses a fixed seed and states its tolerance in standard errors
derived from the number of trials; the model predicts the variance.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from qdcnet.hardware import QuantumMemory
from qdcnet.link import DutyCycle, LinkModel, LinkSimulation
from qdcnet.link.examples import (
    symmetric_midpoint_source,
    symmetric_single_click,
    symmetric_two_click,
)
from qdcnet.link.experiment import run_link
from qdcnet.sim import Simulator
from qdcnet.units import s_to_ps

Z = 5.0


def _duty(spec, burst, pause):
    return dataclasses.replace(spec, end_a=dataclasses.replace(
        spec.end_a, duty_cycle=DutyCycle(burst, pause)))


CASES = {
    "single click, dark counts": symmetric_single_click(
        alpha=0.1, eta=0.05, dark_count_rate_hz=3e4, memory=QuantumMemory(2e-3, 1e-3)),
    "single click, PNR, 3 streams": symmetric_single_click(
        alpha=0.2, eta=0.1, qubits=3, photon_number_resolving=True, dark_count_rate_hz=1e4),
    "two click, dark counts, 4 streams": symmetric_two_click(
        eta=0.2, dark_count_rate_hz=2e5, qubits=4, memory=QuantumMemory(1e-2, 5e-3)),
    "two click, duty cycle": _duty(symmetric_two_click(eta=0.3, length_m=200.0), 40e-6, 25e-6),
    "midpoint source, dark counts": symmetric_midpoint_source(
        eta=0.25, dark_count_rate_hz=5e5, acceptance_window_s=2e-7),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("skip", [True, False], ids=["skip", "every-attempt"])
def test_simulated_figures_match_the_model(name, skip):
    model = LinkModel.from_spec(CASES[name])
    duration = 3000 / model.rate_hz  # about 3000 pairs
    run = run_link(model, duration_s=duration, seed=11, skip_failures=skip)
    for figure in ("success probability", "false heralds", "pair rate",
                   "time between pairs (one stream)", "delivered fidelity"):
        f = run.figure(figure)
        if f.standard_error == 0.0:
            # Every pair alike (no false heralds): only picosecond rounding differs.
            assert f.simulated == pytest.approx(f.analytic, abs=1e-9), (name, f)
            continue
        assert f.deviation_in_se < Z, (name, f)
    assert run.delivered > 2000


def test_skipping_agrees_with_attempt_by_attempt_simulation():
    """Two independent simulations, one drawing every attempt, one jumping: same process."""
    model = LinkModel.from_spec(symmetric_two_click(eta=0.15, dark_count_rate_hz=1e5, qubits=2))
    duration = 5000 / model.rate_hz
    results = {}
    for skip in (True, False):
        sim = Simulator(seed=99 if skip else 100)
        link = LinkSimulation(sim, model, skip_failures=skip)
        link.start()
        sim.run(until=s_to_ps(duration))
        link.stop()
        mean, se = link.stats.mean_cycle_s()
        results[skip] = (mean, se,
                         link.stats.heralds / link.stats.attempts, link.stats.attempts)
    (m1, se1, p1, n1), (m2, se2, p2, n2) = results[True], results[False]
    assert abs(m1 - m2) < Z * math.hypot(se1, se2)
    p = model.success_probability
    assert abs(p1 - p2) < Z * math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    # Attempts are counted the same way: both agree with the time spent.
    assert n1 == pytest.approx(n2, rel=0.05)


def test_pause_and_resume_truncate_and_redraw_exactly():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.2))
    sim = Simulator(seed=5)
    link = LinkSimulation(sim, model)
    link.start()
    rng = np.random.default_rng(0)
    active = 0.0
    horizon = 4000 / model.rate_hz
    t = 0.0
    while t < horizon:
        on = float(rng.uniform(0.2, 2.0)) / model.rate_hz
        off = float(rng.uniform(0.1, 1.0)) / model.rate_hz
        t += on
        sim.run(until=s_to_ps(t))
        link.pause()
        active += on
        t += off
        sim.run(until=s_to_ps(t))
        link.resume()
    link.stop()
    stats = link.stats
    # Heralds in flight at a pause still land: allow one per pause on top.
    expected = model.rate_hz * active
    assert abs(stats.delivered - expected) < Z * math.sqrt(expected) + 0.01 * expected
    p = model.success_probability
    assert abs(stats.heralds / stats.attempts - p) < Z * math.sqrt(p * (1 - p) / stats.attempts)


def test_time_to_first_pair_distribution():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.1, qubits=2))
    firsts = []
    for seed in range(400):
        sim = Simulator(seed=seed)
        link = LinkSimulation(sim, model, on_pair=lambda pair, sim=sim: sim.stop())
        link.start()
        sim.run()
        firsts.append(sim.now / 1e12)
    firsts = np.array(firsts)
    for q in (0.1, 0.3, 0.5, 0.7, 0.9):
        t = float(np.quantile(firsts, q))
        predicted = float(model.time_to_pair_cdf(t))
        empirical = float(np.mean(firsts <= t))
        tolerance = Z * math.sqrt(predicted * (1 - predicted) / 400) + 1 / 400
        assert abs(empirical - predicted) < tolerance


@pytest.mark.parametrize(("demand_hz", "cutoff_s"), [(200.0, math.inf), (200.0, 2e-3),
                                                     (50.0, 5e-3)])
def test_demand_and_cutoff_match_the_closed_form(demand_hz, cutoff_s):
    memory = QuantumMemory(t1_s=0.02, t2_s=5e-3)
    model = LinkModel.from_spec(symmetric_two_click(eta=0.05, memory=memory, length_m=5000.0))
    figures = model.with_demand(demand_hz, cutoff_s)
    duration = 4000 / max(figures.served_rate_hz, 1.0)
    run = run_link(model, duration_s=duration, seed=3, demand_rate_hz=demand_hz,
                   cutoff_s=None if math.isinf(cutoff_s) else cutoff_s)
    for name in ("served pairs", "discarded pairs", "missed demands", "served fidelity"):
        f = run.figure(name)
        if f.analytic == 0.0 and f.simulated == 0.0:
            continue
        assert f.deviation_in_se < Z, f
    if math.isinf(cutoff_s):
        assert run.discarded == 0


def test_pairs_record_each_end_learning_at_its_own_time():
    spec = symmetric_two_click(eta=0.3, length_m=2_000.0)
    far = dataclasses.replace(spec.end_a, path=dataclasses.replace(
        spec.end_a.path, fiber=dataclasses.replace(spec.end_a.path.fiber, length_m=20_000.0)))
    model = LinkModel.from_spec(dataclasses.replace(spec, end_a=far))
    pairs = []
    sim = Simulator(seed=1)

    def keep(pair):
        pairs.append((pair, sim.now))
        pair.consume(sim.now)
        link.release(pair)

    link = LinkSimulation(sim, model, on_pair=keep)
    link.start()
    sim.run(until=s_to_ps(0.05))
    assert pairs
    for pair, delivered in pairs:
        assert pair.learned_a_ps > pair.learned_b_ps  # the far end hears last
        assert delivered == pair.ready_ps == pair.learned_a_ps
        assert pair.state_time_ps < pair.learned_b_ps
        assert pair.pending_frame in (1, 2)


def test_owner_must_release_before_the_stream_retries():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.5))
    sim = Simulator(seed=2)
    held = []
    link = LinkSimulation(sim, model, on_pair=held.append)
    link.start()
    sim.run(until=s_to_ps(0.01))
    assert len(held) == 1  # one stream, never released: it waits
    with pytest.raises(Exception, match="still live"):
        link.release(held[0])
    held[0].discard(sim.now, "test")
    link.release(held[0])
    sim.run(until=s_to_ps(0.02))
    assert len(held) == 2


def test_cutoff_discards_pairs_the_owner_keeps_too_long():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.5))
    sim = Simulator(seed=4)
    held = []
    link = LinkSimulation(sim, model, on_pair=held.append, cutoff_s=1e-4)
    link.start()
    sim.run(until=s_to_ps(0.01))
    assert link.stats.discarded >= 2
    assert all(not p.is_live for p in held[:-1])
    assert held[0].discard_reason == "cutoff"


def test_same_seed_same_pairs():
    model = LinkModel.from_spec(symmetric_single_click(alpha=0.2, eta=0.1,
                                                       dark_count_rate_hz=1e4))

    def trace(seed):
        sim = Simulator(seed=seed)
        out = []

        def keep(pair):
            out.append((pair.id, pair.ready_ps, pair.pending_frame, pair.herald_true))
            pair.consume(sim.now)
            link.release(pair)

        link = LinkSimulation(sim, model, on_pair=keep)
        link.start()
        sim.run(until=s_to_ps(0.05))
        return out

    assert trace(8) == trace(8)
    assert trace(8) != trace(9)
