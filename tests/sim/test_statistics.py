"""Standard errors against the standard library's statistics and explicit binomial sums."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from qdcnet.sim.statistics import (
    poisson_rate_standard_error,
    proportion_standard_error,
    standard_error,
    standard_error_from_sums,
)


@pytest.mark.parametrize("n", [2, 3, 50, 1000])
def test_standard_error_is_sample_deviation_over_root_n(n):
    values = np.random.default_rng(n).uniform(0.7, 1.0, n).tolist()
    expected = statistics.stdev(values) / math.sqrt(n)
    assert standard_error(values) == pytest.approx(expected, rel=1e-12)
    sums = standard_error_from_sums(n, sum(values), sum(v * v for v in values))
    assert sums == pytest.approx(expected, rel=1e-6)


def test_too_few_samples_have_no_error_bar():
    assert math.isnan(standard_error([]))
    assert math.isnan(standard_error([0.9]))
    assert math.isnan(standard_error_from_sums(1, 0.9, 0.81))
    assert math.isnan(proportion_standard_error(0.5, 0))


def test_identical_samples_give_zero_not_a_rounding_error():
    values = [0.1] * 7
    assert standard_error(values) == pytest.approx(0.0, abs=1e-17)
    assert standard_error_from_sums(7, sum(values), sum(v * v for v in values)) >= 0.0


@pytest.mark.parametrize(("p", "n"), [(0.5, 10), (0.01, 400), (0.0, 5)])
def test_proportion_error_is_the_binomial_deviation(p, n):
    # The deviation of a binomial fraction, summed explicitly over the outcomes.
    mean = sum(k / n * math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1))
    variance = sum((k / n - mean) ** 2 * math.comb(n, k) * p**k * (1 - p) ** (n - k)
                   for k in range(n + 1))
    assert proportion_standard_error(p, n) == pytest.approx(math.sqrt(variance), abs=1e-12)


def test_poisson_rate_error_counts_at_least_one():
    assert poisson_rate_standard_error(400.0, 2.0) == pytest.approx(10.0)
    assert poisson_rate_standard_error(0.0, 2.0) == pytest.approx(0.5)
