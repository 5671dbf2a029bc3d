"""The improvement rules by kind, the paired effects and the ranking with its intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from qdcnet.errors import ParameterError
from qdcnet.sweep.sensitivity import KINDS, infer_kind, paired_effect, rank_parameters


@pytest.mark.parametrize(("kind", "value", "improved"), [
    ("fidelity", 0.99, 0.995),        # infidelity 0.01 -> 0.005
    ("error", 0.02, 0.01),
    ("efficiency", 0.8, 0.9),         # 1 - eta: 0.2 -> 0.1
    ("loss", 3.0, 1.5),               # dB
    ("time_constant", 0.1, 0.2),
    ("duration", 1e-3, 5e-4),
    ("rate", 10.0, 20.0),
    ("noise", 20.0, 10.0),
])
def test_each_kind_improves_by_its_rule_and_degrades_by_the_inverse(kind, value, improved):
    rule = KINDS[kind]
    assert rule.improve(value, 2.0) == pytest.approx(improved, rel=1e-12)
    assert rule.degrade(rule.improve(value, 2.0), 2.0) == pytest.approx(value, rel=1e-12)
    assert rule.improvable(value)


@pytest.mark.parametrize(("kind", "limit"), [
    ("fidelity", 1.0), ("error", 0.0), ("efficiency", 1.0), ("loss", 0.0),
    ("time_constant", math.inf), ("duration", 0.0), ("rate", math.inf), ("noise", 0.0)])
def test_a_value_at_its_kinds_limit_cannot_improve(kind, limit):
    assert not KINDS[kind].improvable(limit)


@pytest.mark.parametrize(("field", "kind"), [
    ("qpus[*].overrides.communication.t2", "time_constant"),
    ("qpus[name=a].overrides.memory.t1", "time_constant"),
    ("qpus[*].overrides.gates.two_qubit.fidelity", "fidelity"),
    ("ends[0].overrides.communication.indistinguishability", "fidelity"),
    ("qpus[*].overrides.communication.collection_efficiency", "efficiency"),
    ("qpus[*].overrides.communication.emission_probability", "efficiency"),
    ("station.detector.efficiency", "efficiency"),
    ("switches[*].insertion_loss", "loss"),
    ("fibers[0].attenuation", "loss"),
    ("qpus[*].overrides.gates.one_qubit.duration", "duration"),
    ("qpus[*].overrides.communication.reset_time", "duration"),
    ("control_plane.processing_latency", "duration"),
    ("station.detector.dark_count_rate", "noise"),
    ("sources[0].pair_rate", "rate"),
    ("seam", "error"),
    ("bulk", "error"),
    # Names that do not say how they improve: the file must give kind.
    ("fibers[0].length", None),
    ("duration", None),
    ("qpus[*].communication_qubits", None),
])
def test_the_kind_is_read_from_the_fields_last_key(field, kind):
    assert infer_kind(field) == kind


def test_paired_effect_is_the_mean_difference_with_a_t_interval():
    baseline = np.array([1.0, 2.0, 4.0, 3.0])
    variant = np.array([1.5, 2.25, 4.75, 3.5])
    effect = paired_effect(baseline, variant, "higher")
    differences = variant - baseline
    se = differences.std(ddof=1) / 2
    half = stats.t.ppf(0.975, 3) * se
    assert effect.change == pytest.approx(differences.mean())
    assert effect.gain == pytest.approx(differences.mean())
    assert effect.ci == pytest.approx((differences.mean() - half, differences.mean() + half))
    assert effect.relative == pytest.approx(differences.mean() / baseline.mean())
    assert paired_effect(baseline, variant, "lower").gain == pytest.approx(-differences.mean())


def test_the_interval_covers_the_true_change_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    trials, n, true_change = 2000, 6, 0.3
    covered = 0
    for _ in range(trials):
        shared = rng.normal(10.0, 3.0, n)  # what common random numbers cancel
        baseline = shared + rng.normal(0.0, 0.5, n)
        variant = shared + true_change + rng.normal(0.0, 0.5, n)
        low, high = paired_effect(baseline, variant, "higher").ci
        covered += low <= true_change <= high
    tolerance = 5 * math.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) < tolerance


def test_one_repetition_gives_an_effect_without_an_interval():
    effect = paired_effect(np.array([1.0]), np.array([2.0]), "higher")
    assert effect.change == 1.0
    assert all(math.isnan(x) for x in effect.ci)


def test_clear_effects_rank_with_certainty_and_direction_follows_better():
    rng = np.random.default_rng(2)
    baseline = rng.normal(100.0, 10.0, 20)
    improved = {"big": baseline - 30 + rng.normal(0, 1, 20),
                "small": baseline - 5 + rng.normal(0, 1, 20),
                "worse": baseline + 4 + rng.normal(0, 1, 20)}
    lower = rank_parameters(baseline, improved, "lower", seed=1)
    assert [(r.parameter, r.rank, r.rank_low, r.rank_high) for r in lower] == [
        ("big", 1, 1, 1), ("small", 2, 2, 2), ("worse", 3, 3, 3)]
    assert lower[0].p_first == 1.0
    assert lower[2].effect.gain < 0
    higher = rank_parameters(baseline, improved, "higher", seed=1)
    assert [r.parameter for r in higher] == ["worse", "small", "big"]


def test_close_effects_have_overlapping_rank_intervals():
    rng = np.random.default_rng(3)
    baseline = rng.normal(0.0, 1.0, 8)
    improved = {"a": baseline + 1.0 + rng.normal(0, 1.0, 8),
                "b": baseline + 1.05 + rng.normal(0, 1.0, 8)}
    ranked = rank_parameters(baseline, improved, "higher", seed=4)
    assert all((r.rank_low, r.rank_high) == (1, 2) for r in ranked)
    assert 0.0 < ranked[0].p_first < 1.0
    assert sum(r.p_first for r in ranked) == pytest.approx(1.0)


def test_equal_effects_share_a_rank_and_the_ranking_is_reproducible():
    baseline = np.array([1.0, 2.0, 3.0])
    improved = {"a": baseline + 1, "b": baseline + 1, "c": baseline}
    ranked = rank_parameters(baseline, improved, "higher", seed=9)
    assert [(r.parameter, r.rank) for r in ranked] == [("a", 1), ("b", 1), ("c", 3)]
    again = rank_parameters(baseline, improved, "higher", seed=9)
    assert [r.to_dict() for r in ranked] == [r.to_dict() for r in again]


def test_bad_inputs_are_refused():
    with pytest.raises(ParameterError, match="better"):
        paired_effect(np.ones(3), np.ones(3), "bigger")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="one value per repetition"):
        paired_effect(np.ones(3), np.ones(2), "lower")
    with pytest.raises(ParameterError, match="at least one parameter"):
        rank_parameters(np.ones(3), {}, "lower")
