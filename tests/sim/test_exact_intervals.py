"""Exact intervals for rare counts: textbook values, coverage by enumeration, argument errors."""

from __future__ import annotations

import itertools
import math

import pytest

from qdcnet.errors import ParameterError
from qdcnet.sim.statistics import (
    binomial_interval,
    intervals_overlap,
    poisson_interval,
    poisson_rate_interval,
)


@pytest.mark.parametrize(("k", "n", "expected"), [
    # Clopper-Pearson, 95 %: the tabulated values (e.g. Brown, Cai & DasGupta 2001).
    (0, 10, (0.0, 0.3085)),
    (1, 10, (0.0025, 0.4450)),
    (5, 10, (0.1871, 0.8129)),
    (10, 10, (0.6915, 1.0)),
    (0, 1234, (0.0, 0.00299)),
])
def test_clopper_pearson_textbook_values(k, n, expected):
    low, high = binomial_interval(k, n)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)


def test_edges_are_exact_zero_and_one():
    assert binomial_interval(0, 7)[0] == 0.0
    assert binomial_interval(7, 7)[1] == 1.0
    assert poisson_interval(0)[0] == 0.0


@pytest.mark.parametrize(("k", "expected"), [
    # Garwood, 95 %.
    (0, (0.0, 3.689)),
    (1, (0.0253, 5.572)),
    (2, (0.2422, 7.225)),
    (10, (4.795, 18.39)),
])
def test_garwood_textbook_values(k, expected):
    low, high = poisson_interval(k)
    assert low == pytest.approx(expected[0], abs=1e-3)
    assert high == pytest.approx(expected[1], abs=1e-3)


def test_rate_interval_divides_by_duration():
    assert poisson_rate_interval(4, 2.0) == pytest.approx(tuple(x / 2 for x in poisson_interval(4)))


@pytest.mark.parametrize("confidence", [0.68, 0.95])
@pytest.mark.parametrize("n", [1, 5, 12])
def test_binomial_coverage_by_enumeration(n, confidence):
    intervals = [binomial_interval(k, n, confidence) for k in range(n + 1)]
    for p in [i / 97 for i in range(98)]:
        coverage = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k)
                       for k, (low, high) in enumerate(intervals) if low <= p <= high)
        assert coverage >= confidence - 1e-9, (n, p, coverage)


@pytest.mark.parametrize("confidence", [0.68, 0.95])
def test_poisson_coverage_by_enumeration(confidence):
    intervals = [poisson_interval(k, confidence) for k in range(80)]
    for mu in [0.05, 0.5, 1.0, 2.7, 3.69, 7.0, 15.0]:
        coverage = sum(math.exp(-mu) * mu**k / math.factorial(k)
                       for k, (low, high) in enumerate(intervals) if low <= mu <= high)
        assert coverage >= confidence - 1e-9, (mu, coverage)


def test_intervals_move_up_with_the_count_and_widen_with_confidence():
    n = 30
    ends = [binomial_interval(k, n) for k in range(n + 1)]
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(ends))
    counts = [poisson_interval(k) for k in range(20)]
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(counts))
    narrow, wide = binomial_interval(3, 20, 0.68), binomial_interval(3, 20, 0.99)
    assert wide[0] < narrow[0]
    assert narrow[1] < wide[1]
    # More trials at the same fraction: a narrower interval.
    assert (binomial_interval(10, 100)[1] - binomial_interval(10, 100)[0]
            < binomial_interval(1, 10)[1] - binomial_interval(1, 10)[0])


@pytest.mark.parametrize(("call", "name"), [
    (lambda: binomial_interval(-1, 10), "k"),
    (lambda: binomial_interval(11, 10), "k"),
    (lambda: binomial_interval(0, 0), "n"),
    (lambda: binomial_interval(1.5, 10), "k"),
    (lambda: binomial_interval(True, 10), "k"),
    (lambda: binomial_interval(1, 10, confidence=1.0), "confidence"),
    (lambda: binomial_interval(1, 10, confidence=0), "confidence"),
    (lambda: binomial_interval(1, 10, confidence=math.nan), "confidence"),
    (lambda: poisson_interval(-2), "k"),
    (lambda: poisson_interval(3, confidence=1.5), "confidence"),
    (lambda: poisson_rate_interval(3, 0.0), "duration_s"),
    (lambda: poisson_rate_interval(3, math.inf), "duration_s"),
])
def test_bad_arguments_are_parameter_errors(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
    assert str(info.value).startswith(f"{name} = ")


def test_overlap():
    assert intervals_overlap((0.0, 0.1), (0.1, 0.2))
    assert not intervals_overlap((0.0, 0.1), (0.11, 0.2))
    assert intervals_overlap((0.0, 1.0), (0.4, 0.5))
