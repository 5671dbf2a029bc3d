"""Exact intervals on logical error rates, and saturated (≈50 %) results marked as noise."""

from __future__ import annotations

import json
import math

import pytest

from qdcnet.errors import ParameterError
from qdcnet.qec import SeamTask, TaskResult, run_tasks
from qdcnet.qec.sampling import is_saturated, rates_differ
from qdcnet.qec.supply import (
    SATURATED_CELL,
    BufferLogicalError,
    buffer_logical_error,
    depths_differ,
)
from qdcnet.sim.statistics import binomial_interval

TASK = SeamTask(3, "z", 0.01, 0.0)


def test_results_carry_the_exact_interval_of_their_rate():
    r = TaskResult(TASK, shots=1000, errors=0)
    assert r.rate_low == 0.0
    assert r.rate_high == pytest.approx(0.003682, abs=1e-6)
    d = r.to_dict()
    assert (d["rate_low"], d["rate_high"]) == binomial_interval(0, 1000)
    assert d["saturated"] is False
    json.dumps(d)
    assert r.rate_low <= r.rate <= r.rate_high
    mid = TaskResult(TASK, shots=2000, errors=37)
    assert mid.rate_low < mid.rate < mid.rate_high


def test_no_shots_give_no_interval_and_no_judgement():
    r = TaskResult(TASK, shots=0, errors=0)
    assert all(math.isnan(x) for x in r.interval)
    assert not r.saturated
    assert not rates_differ(r, TaskResult(TASK, 100, 1))


@pytest.mark.parametrize(("errors", "shots", "saturated"), [
    (500, 1000, True),   # exactly a coin toss
    (480, 1000, True),   # 0.5 inside the interval
    (530, 1000, True),   # above 50 %: no better
    (440, 1000, False),  # interval ends below 0.5
    (3, 10_000, False),
    (1, 3, True),        # too few shots to exclude 50 %: says nothing either
])
def test_saturated_means_indistinguishable_from_a_coin_toss(errors, shots, saturated):
    r = TaskResult(TASK, shots=shots, errors=errors)
    assert r.saturated is saturated
    assert is_saturated(r) is saturated
    assert r.to_dict()["saturated"] is saturated


def test_rates_differ_only_when_intervals_are_apart():
    assert rates_differ(TaskResult(TASK, 1000, 10), TaskResult(TASK, 1000, 40))
    assert not rates_differ(TaskResult(TASK, 1000, 10), TaskResult(TASK, 1000, 14))
    # Two saturated points: their difference is noise.
    assert not rates_differ(TaskResult(TASK, 1000, 490), TaskResult(TASK, 1000, 510))


def test_buffer_cell_says_saturated_instead_of_a_number():
    good = buffer_logical_error(TaskResult(TASK, 4000, 20), TaskResult(TASK, 4000, 30), 3)
    assert not good.saturated
    assert good.low < good.per_round < good.high
    assert good.cell().endswith(f"± {good.stderr:.1g}")
    bad = buffer_logical_error(TaskResult(TASK, 400, 190), TaskResult(TASK, 400, 205), 3)
    assert bad.saturated
    assert bad.cell() == SATURATED_CELL
    assert bad.to_dict()["saturated"] is True
    with pytest.raises(ParameterError, match="rounds"):
        buffer_logical_error(TaskResult(TASK, 10, 1), TaskResult(TASK, 10, 1), 0)


def test_depth_differences_inside_the_noise_are_not_a_trend():
    a = buffer_logical_error(TaskResult(TASK, 4000, 20), TaskResult(TASK, 4000, 30), 3)
    same = buffer_logical_error(TaskResult(TASK, 4000, 22), TaskResult(TASK, 4000, 27), 3)
    worse = buffer_logical_error(TaskResult(TASK, 4000, 200), TaskResult(TASK, 4000, 260), 3)
    sat = BufferLogicalError(0.9, 0.1, 0.2, 1.0, True)
    assert not depths_differ([a, same])
    assert depths_differ([a, same, worse])
    assert not depths_differ([sat, sat, a])


def test_a_failed_code_samples_as_saturated_and_a_good_one_does_not():
    failed, good = run_tasks([SeamTask(3, "z", 0.2, 0.0), SeamTask(3, "z", 0.001, 0.0)],
                             seed=5, max_shots=400, max_errors=10**6)
    assert failed.saturated
    assert not good.saturated
    assert rates_differ(failed, good)
