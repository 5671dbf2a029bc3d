"""Issue 10, finding 5: the link models against first-principles photon counting.

Each expectation is derived here, from the physics, not read from the code:

- midpoint source: a Poisson number of pairs per acceptance window, each
  photon stored with efficiency η, the herald is "both memories absorbed at
  least one photon (or a dark count)", and a memory keeps the first photon
  it absorbs (or, as an option, stores them all: a multimode memory);
- two-click: a polarization BSM (beam splitter, PBS, four detectors) with
  photon overlap √V, threshold detectors and classical dark counts;
- duty cycles: attempts never overlap;
- detector dead time: refused where it could matter.

Statistical tests use fixed seeds and a 5-standard-error tolerance.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from qdcnet.hardware import QuantumMemory
from qdcnet.link import DutyCycle, LinkModel
from qdcnet.link.examples import symmetric_midpoint_source, symmetric_two_click
from qdcnet.link.experiment import run_link

Z = 5.0

# -- midpoint source ------------------------------------------------------------


def _midpoint_expected(x: float, eta: float, d: float, source_f: float,
                       multimode: bool) -> tuple[float, float]:
    """Herald probability and heralded fidelity from Poisson sums (closed form).

    With N ~ Poisson(x) pairs and each photon stored independently with η:
    E[z^N] = exp(-x(1 - z)). A node clicks unless it absorbed nothing and had
    no dark count: P(no click | N) = (1 - d)(1 - η)^N. Both nodes click:
    1 - 2(1-d)E[(1-η)^N] + (1-d)^2 E[((1-η)^2)^N].
    First-photon memories hold the same pair when the earliest pair absorbed
    at either node is absorbed at both: sum over j of r^(j-1) η² (r = (1-η)²)
    for the j-th pair in time order, i.e. η²(1 - r^N)/(1 - r).
    A multimode memory holds the source state only when exactly one pair
    was emitted (any multi-pair window leaves I/4).
    """
    r = (1 - eta) ** 2
    p_herald = (1 - 2 * (1 - d) * math.exp(-x * eta)
                + (1 - d) ** 2 * math.exp(-x * (1 - r)))
    if multimode:
        p_good = x * math.exp(-x) * eta**2
    else:
        p_good = eta**2 / (1 - r) * (1 - math.exp(-x * (1 - r)))
    fidelity = (p_good * source_f + (p_herald - p_good) * 0.25) / p_herald
    return p_herald, fidelity


def _midpoint_monte_carlo(x: float, eta: float, windows: int, seed: int) -> tuple[int, int, int]:
    """Photon by photon: (windows, heralds, heralds where both memories hold one pair)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(x, windows)
    n = n[n > 0]
    width = int(n.max())
    present = np.arange(width)[None, :] < n[:, None]
    # Pairs are emitted at independent uniform times, so the column order
    # is a uniformly random time order: column 0 arrives first.
    a = present & (rng.random(present.shape) < eta)
    b = present & (rng.random(present.shape) < eta)
    herald = a.any(axis=1) & b.any(axis=1)
    same = herald & (a.argmax(axis=1) == b.argmax(axis=1))
    return windows, int(herald.sum()), int(same.sum())


def _auditor_midpoint(**changes):
    # Pair rate 1 MHz, 100 ns window, η = 0.3 per arm, source F = 0.98.
    return symmetric_midpoint_source(pair_rate_hz=1e6, acceptance_window_s=1e-7, eta=0.3,
                                     fidelity=0.98, **changes)


def test_midpoint_derivation_matches_a_photon_level_monte_carlo():
    # Checks the test's own derivation before it is used against the code.
    x, eta = 0.1, 0.3
    windows, heralds, same = _midpoint_monte_carlo(x, eta, 2_000_000, seed=5)
    p, f = _midpoint_expected(x, eta, 0.0, 0.98, multimode=False)
    se_p = math.sqrt(p * (1 - p) / windows)
    assert abs(heralds / windows - p) < Z * se_p
    good = (f - 0.25) / (0.98 - 0.25)  # fraction of heralds holding one pair
    se_good = math.sqrt(good * (1 - good) / heralds)
    assert abs(same / heralds - good) < Z * se_good


def test_midpoint_source_is_conditioned_on_the_herald():
    model = LinkModel.from_spec(_auditor_midpoint())
    p, f = _midpoint_expected(0.1, 0.3, 0.0, 0.98, multimode=False)
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)
    # The auditor's figures, to the digits given.
    assert f"{model.success_probability:.2e}" == "9.39e-03"
    assert round(model.heralded_state.fidelity, 3) == 0.932


def test_midpoint_source_multimode_memory_option():
    base = _auditor_midpoint()
    ends = {key: dataclasses.replace(getattr(base, key), multimode_memory=True)
            for key in ("end_a", "end_b")}
    model = LinkModel.from_spec(dataclasses.replace(base, **ends))
    p, f = _midpoint_expected(0.1, 0.3, 0.0, 0.98, multimode=True)
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)
    assert round(model.heralded_state.fidelity, 3) == 0.883
    assert base.end_a.multimode_memory is False  # first photon kept by default


def test_midpoint_source_with_dark_counts():
    window = 1e-7
    d = 0.02
    rate = -math.log(1 - d) / window
    model = LinkModel.from_spec(_auditor_midpoint(dark_count_rate_hz=rate))
    p, f = _midpoint_expected(0.1, 0.3, d, 0.98, multimode=False)
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)


@pytest.mark.parametrize("skip", [True, False], ids=["skip", "every-attempt"])
def test_midpoint_simulation_agrees_with_the_derivation(skip):
    window = 1e-7
    d = 0.02
    model = LinkModel.from_spec(_auditor_midpoint(
        dark_count_rate_hz=-math.log(1 - d) / window, memory=QuantumMemory(math.inf, 1e3)))
    p, f = _midpoint_expected(0.1, 0.3, d, 0.98, multimode=False)
    run = run_link(model, duration_s=4000 / model.rate_hz, seed=3, skip_failures=skip)
    se_p = math.sqrt(p * (1 - p) / run.attempts)
    assert abs(run.heralds / run.attempts - p) < Z * se_p
    fidelity = run.figure("delivered fidelity")
    # Each pair is 0.98 or 0.25: a two-point distribution.
    good = (f - 0.25) / 0.73
    se_f = 0.73 * math.sqrt(good * (1 - good) / run.consumed)
    assert abs(fidelity.simulated - f) < Z * se_f


# -- two click -------------------------------------------------------------------


def _two_click_expected(eta: float, d: float, v: float, w: float = 1.0,
                        pnr: bool = False) -> tuple[float, float]:
    """Herald probability and fidelity of a 4-detector polarization BSM.

    Both photons detected: a valid pattern (Ψ±) with probability 1/2 at any
    V; both in one detector with (1 + V)/4 (HOM bunching of Φ±, plus the
    distinguishable part); an invalid pair (H1H2, V1V2) with (1 - V)/4.
    Each detector has 2 valid partners. Threshold detectors: a dark count in
    a detector that already clicks changes nothing; the two remaining
    detectors must stay silent. Number-resolving detectors also reject a
    dark count on top of a photon, and two photons in one detector.

    States (target Φ⁺ after the herald's correction): a valid pattern gives
    the ideal swap (fidelity 1 for w = 1 and V = 1: here V = 1 is used for
    the state); a lost photon with a dark count gives I/4; two photons in
    one detector project the spins onto |↑↑⟩ or |↓↓⟩ (both photons H or
    both V), which the correction turns into (Ψ⁺ + Ψ⁻)/2: fidelity 0. With
    Werner spin-photon states of weight w (w = 1 ideal), the spins keep the
    polarization with weight w each: Φ± (before correction) get (1 + w²)/4.
    """
    # The state of a true herald is then exactly Φ⁺.
    assert v == 1.0
    assert w == 1.0
    one_photon = 2 * eta * (1 - eta)
    none = (1 - eta) ** 2
    if pnr:
        # A completing detector must hold exactly one noise count (Poisson).
        d1 = -(1 - d) * math.log(1 - d)
        true = 0.5 * eta**2 * (1 - d) ** 4
        lost = one_photon * 2 * d1 * (1 - d) ** 3
        darks = none * 4 * d1 * d1 * (1 - d) ** 2
        bunched = 0.0
    else:
        darks = none * 4 * d * d * (1 - d) ** 2
        true = 0.5 * eta**2 * (1 - d) ** 2
        lost = one_photon * 2 * d * (1 - d) ** 2
        bunched = eta**2 * (1 + v) / 4 * 2 * d * (1 - d) ** 2
    p = true + lost + darks + bunched
    fidelity = (true * 1.0 + (lost + darks) * 0.25 + bunched * 0.0) / p
    return p, fidelity


def _auditor_two_click(d: float, **changes):
    window = 1e-8
    return symmetric_two_click(eta=0.3, dark_count_rate_hz=-math.log(1 - d) / window,
                               detection_window_s=window, encoding=_polarization(),
                               **changes)


def _polarization():
    from qdcnet.hardware.components import Encoding

    return Encoding.POLARIZATION


def test_two_click_bunched_photons_with_a_dark_count_herald_falsely():
    d = 1e-2
    model = LinkModel.from_spec(_auditor_two_click(d))
    p, f = _two_click_expected(0.3, d, 1.0)
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)
    # The auditor's figures: without the bunching term p is 1.6% low, F 0.014
    # high (1.65% and 0.0145 here: the auditor's digits are truncated).
    eta = 0.3
    bunched = eta**2 / 2 * 2 * d * (1 - d) ** 2
    p_without = p - bunched
    f_without = f * p / p_without
    assert math.floor(1000 * (1 - p_without / p)) == 16
    assert math.floor(1000 * (f_without - f)) == 14


def test_two_click_number_resolving_detectors():
    d = 1e-2
    spec = _auditor_two_click(d)
    detector = dataclasses.replace(spec.station.detector, photon_number_resolving=True)
    spec = dataclasses.replace(spec, station=dataclasses.replace(spec.station,
                                                                 detector=detector))
    model = LinkModel.from_spec(spec)
    p, f = _two_click_expected(0.3, d, 1.0, pnr=True)
    assert model.success_probability == pytest.approx(p, rel=1e-9)
    assert model.heralded_state.fidelity == pytest.approx(f, rel=1e-9)


@pytest.mark.parametrize("skip", [True, False], ids=["skip", "every-attempt"])
def test_two_click_simulation_agrees_with_the_derivation(skip):
    d = 0.05
    model = LinkModel.from_spec(_auditor_two_click(d, memory=QuantumMemory(math.inf, 1e3)))
    p, f = _two_click_expected(0.3, d, 1.0)
    # 20,000 pairs: the missing term moves p by about 10 standard errors.
    run = run_link(model, duration_s=20_000 / model.rate_hz, seed=4, skip_failures=skip)
    se_p = math.sqrt(p * (1 - p) / run.attempts)
    assert abs(run.heralds / run.attempts - p) < Z * se_p
    # Fidelities per herald are 1, 0.25 or 0: mean and variance from the derivation.
    eta = 0.3
    weights = np.array([0.5 * eta**2 * (1 - d) ** 2,
                        (2 * eta * (1 - eta) * 2 * d + (1 - eta) ** 2 * 4 * d * d) * (1 - d) ** 2,
                        eta**2 / 2 * 2 * d * (1 - d) ** 2])
    weights /= weights.sum()
    values = np.array([1.0, 0.25, 0.0])
    assert float(weights @ values) == pytest.approx(f, rel=1e-12)
    sd = math.sqrt(float(weights @ (values - f) ** 2))
    fidelity = run.figure("delivered fidelity")
    assert abs(fidelity.simulated - f) < Z * sd / math.sqrt(run.consumed)


def test_two_click_partial_distinguishability_and_noisy_spin_photon_states():
    # V < 1: bunching into one detector falls to (1 + V)/4; Werner spin-photon
    # states of fidelity f keep the spin aligned with the photon with weight
    # w = (4f - 1)/3, so the bunched herald leaves Φ± (before the correction)
    # with (1 + w²)/4 each and, after it, fidelity (1 - w²)/4.
    d, eta, v, f = 0.03, 0.3, 0.8, 0.95
    spec = _auditor_two_click(d)
    ends = {key: dataclasses.replace(getattr(spec, key), indistinguishability=v,
                                     spin_photon_fidelity=f) for key in ("end_a", "end_b")}
    model = LinkModel.from_spec(dataclasses.replace(spec, **ends))
    assert spec.visibility == 1.0
    w = (4 * f - 1) / 3
    lost = (2 * eta * (1 - eta) * 2 * d + (1 - eta) ** 2 * 4 * d * d) * (1 - d) ** 2
    bunched = eta**2 * (1 + v) / 4 * 2 * d * (1 - d) ** 2
    assert model.outcomes.p_true == pytest.approx(0.5 * eta**2 * (1 - d) ** 2, rel=1e-12)
    assert model.outcomes.p_false == pytest.approx(lost + bunched, rel=1e-12)
    assert model.outcomes.state_false.fidelity == pytest.approx(
        (lost * 0.25 + bunched * (1 - w * w) / 4) / (lost + bunched), rel=1e-12)


# -- duty cycles -----------------------------------------------------------------


def _trapped_ion_100km():
    from qdcnet.hardware.profiles import load_profile
    from qdcnet.link.build import two_click_from_profiles

    profile = load_profile("trapped_ion")
    return two_click_from_profiles(profile, profile, length_m=100e3)


def _with_duty(spec, burst, pause):
    return dataclasses.replace(spec, end_a=dataclasses.replace(
        spec.end_a, duty_cycle=DutyCycle(burst, pause)))


def test_trapped_ion_attempts_never_overlap():
    model = LinkModel.from_spec(_trapped_ion_100km())
    period = model.attempt_period_s
    assert model.duty_cycle is not None
    assert model.attempt_rate_hz <= 1.0 / period
    starts = model.attempt_start_s(np.arange(50))
    assert np.all(np.diff(starts) >= period * (1 - 1e-12))


@pytest.mark.parametrize(("burst", "pause"), [(40e-6, 25e-6), (500e-6, 300e-6),
                                              (1.5e-6, 0.5e-6)])
def test_duty_cycle_rate_from_first_principles(burst, pause):
    # Attempts start inside the burst, each lasts a period T (it must be over
    # before the next starts), and the pause (recooling) follows the last
    # attempt of the burst: m = ceil(burst/T) attempts per m T + pause.
    spec = _with_duty(symmetric_two_click(eta=0.3, length_m=200.0), burst, pause)
    model = LinkModel.from_spec(spec)
    t = model.attempt_period_s
    m = math.ceil(burst / t - 1e-9)
    assert model.attempt_rate_hz == pytest.approx(m / (m * t + pause), rel=1e-12)
    starts = model.attempt_start_s(np.arange(5 * m + 3))
    assert np.all(np.diff(starts) >= t * (1 - 1e-12))


@pytest.mark.parametrize("skip", [True, False], ids=["skip", "every-attempt"])
def test_duty_cycled_simulation_never_overlaps(skip):
    # A period longer than the burst: one attempt per burst, and the next
    # burst waits for it. Every attempt is counted: attempts per second is
    # then exactly the grid's (less the few attempts lost to resets).
    spec = _with_duty(symmetric_two_click(eta=0.05, length_m=2000.0), 5e-6, 3e-6)
    model = LinkModel.from_spec(spec)
    t = model.attempt_period_s
    assert t > 5e-6
    expected_rate = 1 / (t + 3e-6)
    assert model.attempt_rate_hz == pytest.approx(expected_rate, rel=1e-12)
    duration = 2000 / model.rate_hz
    run = run_link(model, duration_s=duration, seed=9, skip_failures=skip)
    # Deliveries: a renewal process, one success per geometric number of slots.
    p = model.success_probability
    expected = expected_rate * duration * p
    assert abs(run.delivered - expected) < Z * math.sqrt(expected)
    assert run.attempts <= expected_rate * duration + 1


# -- detector dead time ----------------------------------------------------------


def _with_dead_time(spec, dead_time_s):
    detector = dataclasses.replace(spec.station.detector, dead_time_s=dead_time_s)
    return dataclasses.replace(spec, station=dataclasses.replace(spec.station,
                                                                 detector=detector))


def test_dead_time_longer_than_the_gap_between_windows_is_refused():
    from qdcnet.errors import ParameterError

    spec = symmetric_two_click(eta=0.3, encoding=_polarization())
    gap = LinkModel.from_spec(spec).attempt_period_s - spec.station.detector.detection_window_s
    with pytest.raises(ParameterError, match="dead_time_s"):
        LinkModel.from_spec(_with_dead_time(spec, gap * 1.01))


@pytest.mark.parametrize("scheme", ["two_click", "midpoint_source"])
def test_dead_time_with_streams_sharing_the_detectors_is_refused(scheme):
    # 25 memories attempt on their own schedules through the same detectors:
    # one stream's click blinds the detector during the others' windows, so
    # they are not independent. Not modelled, hence refused.
    from qdcnet.errors import ParameterError

    if scheme == "two_click":
        spec = _with_dead_time(symmetric_two_click(eta=0.3, qubits=25), 1e-9)
    else:
        spec = symmetric_midpoint_source(qubits=25)
        detector = dataclasses.replace(spec.end_a.herald_detector, dead_time_s=1e-9)
        spec = dataclasses.replace(spec, end_b=dataclasses.replace(spec.end_b,
                                                                   herald_detector=detector))
    with pytest.raises(ParameterError, match="dead_time_s"):
        LinkModel.from_spec(spec)


def test_time_bin_dead_time_must_not_blind_the_late_bin():
    from qdcnet.errors import ParameterError

    spec = symmetric_two_click(eta=0.3, emission_time_s=1e-6)  # time-bin: 2 bins per attempt
    # A click in the early bin must leave the detector ready for the late bin.
    with pytest.raises(ParameterError, match="dead_time_s"):
        LinkModel.from_spec(_with_dead_time(spec, 1.5e-6))


@pytest.mark.parametrize("skip", [True, False], ids=["skip", "every-attempt"])
def test_dead_time_within_the_gap_changes_nothing(skip):
    # Each stream's next window opens one attempt period after the last; a
    # detector that recovers by then sees every attempt as if it had no dead time.
    spec = symmetric_two_click(eta=0.3, dark_count_rate_hz=1e5, encoding=_polarization())
    base = LinkModel.from_spec(spec)
    gap = base.attempt_period_s - spec.station.detector.detection_window_s
    model = LinkModel.from_spec(_with_dead_time(spec, gap * 0.99))
    assert model.success_probability == base.success_probability
    assert model.rate_hz == base.rate_hz
    run = run_link(model, duration_s=2000 / model.rate_hz, seed=2, skip_failures=skip)
    assert run.figure("success probability").deviation_in_se < Z


def test_the_link_command_refuses_a_dead_time_it_cannot_model(tmp_path):
    # A detector blind for 1 s after a click would blind the next attempts:
    # the command must say so instead of ignoring the dead time.
    import subprocess
    import sys
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    text = (examples / "stephenson2020.yaml").read_text()
    assert "detection_window: 50 ns}" in text
    scenario = tmp_path / "dead.yaml"
    scenario.write_text(text.replace("detection_window: 50 ns}",
                                     "detection_window: 50 ns, dead_time: 1 s}"))
    result = subprocess.run([sys.executable, "-m", "qdcnet", "link", str(scenario),
                             "--duration", "0.1 s"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "dead_time_s" in result.stdout + result.stderr
