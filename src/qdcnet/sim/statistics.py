"""Standard errors of simulated estimates: one formula for every layer's statistics.

Results carry a standard error for every estimate (docs/architecture.md).
Whether the samples are kept (a list of delivered fidelities) or only their
running sums (a long link run), and whether the estimate is a mean or a
proportion, the error comes from here. Plain statistics, no physics: it
sits at the bottom of the layers, beside the kernel that produces the
samples.

Examples
--------
>>> round(standard_error([0.9, 0.8, 0.85]), 6)
0.028868
>>> round(standard_error_from_sums(3, 2.55, 0.9**2 + 0.8**2 + 0.85**2), 6)
0.028868
>>> proportion_standard_error(0.5, 100)
0.05
>>> poisson_rate_standard_error(400.0, 2.0)
10.0

Rare counts get exact intervals instead of a ± error (which would reach
below zero or collapse to nothing for 0 or 1 events):

>>> low, high = binomial_interval(0, 10)
>>> low, round(high, 4)
(0.0, 0.3085)
>>> low, high = poisson_interval(0)
>>> low, round(high, 3)
(0.0, 3.689)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from qdcnet.errors import ParameterError

__all__ = [
    "binomial_interval",
    "intervals_overlap",
    "poisson_interval",
    "poisson_rate_interval",
    "poisson_rate_standard_error",
    "proportion_standard_error",
    "standard_error",
    "standard_error_from_sums",
]


def standard_error(values: Sequence[float]) -> float:
    """Standard error of the mean of ``values``: the sample deviation (n - 1) over √n.

    NaN for fewer than two values (no spread to estimate). Two passes over
    the values, so it is exact where the running-sums form would cancel.
    """
    n = len(values)
    if n < 2:
        return math.nan
    mean = sum(values) / n
    variance = sum((x - mean) ** 2 for x in values) / (n - 1)
    return math.sqrt(variance / n)


def standard_error_from_sums(n: int, total: float, total_sq: float) -> float:
    """Standard error of the mean from ``n``, the sum and the sum of squares of the samples.

    For runs that keep constant memory (no list of samples). The variance is
    clipped at 0 against rounding when the samples are all alike; NaN for
    fewer than two samples.
    """
    if n < 2:
        return math.nan
    mean = total / n
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    return math.sqrt(variance / n)


def proportion_standard_error(p: float, n: int) -> float:
    """Binomial standard error of a fraction ``p`` observed over ``n`` trials: √(p(1 - p)/n).

    NaN when there were no trials.
    """
    if not n:
        return math.nan
    return math.sqrt(p * (1 - p) / n)


def poisson_rate_standard_error(expected_count: float, duration_s: float) -> float:
    """Standard error of a rate counted over ``duration_s``: √N / T with N ~ Poisson.

    ``expected_count`` is the count the model predicts (so a run that sees
    nothing still has an honest error bar); at least one count is assumed,
    so a rare event's bar is never zero.
    """
    return math.sqrt(max(expected_count, 1.0)) / duration_s


def _check_count(name: str, value: object, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(name, value, f"an integer >= {minimum}")
    if value < minimum:
        raise ParameterError(name, value, f">= {minimum}")
    return int(value)


def _check_confidence(confidence: object) -> float:
    if (isinstance(confidence, bool) or not isinstance(confidence, numbers.Real)
            or not 0.0 < float(confidence) < 1.0):
        raise ParameterError("confidence", confidence, "(0, 1)",
                             "the probability the interval covers the true value")
    return float(confidence)


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a fraction: ``k`` successes in ``n`` trials.

    Each end is the fraction at which seeing ``k`` or more (fewer) successes
    has probability (1 - ``confidence``)/2, so the interval covers the true
    fraction with at least ``confidence`` for every fraction and every ``n``,
    however rare the event. ``k = 0`` gives low 0 and ``k = n`` gives high 1.

    Raises :class:`~qdcnet.errors.ParameterError` for a negative count, no
    trials, more successes than trials or a confidence outside (0, 1).

    Examples
    --------
    >>> [round(x, 4) for x in binomial_interval(0, 10)]
    [0.0, 0.3085]
    >>> [round(x, 4) for x in binomial_interval(5, 10)]
    [0.1871, 0.8129]
    >>> [round(x, 4) for x in binomial_interval(10, 10, confidence=0.9)]
    [0.7411, 1.0]
    >>> binomial_interval(3, 2)
    Traceback (most recent call last):
    ...
    qdcnet.errors.ParameterError: k = 3 is out of range: allowed [0, n = 2]
    """
    from scipy.stats import beta

    n = _check_count("n", n, minimum=1)
    k = _check_count("k", k)
    if k > n:
        raise ParameterError("k", k, f"[0, n = {n}]")
    alpha = 1.0 - _check_confidence(confidence)
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def poisson_interval(k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of the mean of a Poisson count from one observed ``k``.

    The ends are χ² quantiles: ½χ²(α/2; 2k) and ½χ²(1 - α/2; 2k + 2) with
    α = 1 - ``confidence``; ``k = 0`` gives low 0 (and high ≈ 3.689 at
    95 %: "nothing seen" still allows a few events).

    Examples
    --------
    >>> [round(x, 3) for x in poisson_interval(0)]
    [0.0, 3.689]
    >>> [round(x, 3) for x in poisson_interval(1)]
    [0.025, 5.572]
    >>> [round(x, 3) for x in poisson_interval(10)]
    [4.795, 18.39]
    """
    from scipy.stats import chi2

    k = _check_count("k", k)
    alpha = 1.0 - _check_confidence(confidence)
    low = 0.0 if k == 0 else float(chi2.ppf(alpha / 2, 2 * k)) / 2
    high = float(chi2.ppf(1 - alpha / 2, 2 * k + 2)) / 2
    return low, high


def poisson_rate_interval(k: int, duration_s: float,
                          confidence: float = 0.95) -> tuple[float, float]:
    """Exact interval of a rate (per second) from ``k`` events counted over ``duration_s``.

    :func:`poisson_interval` divided by the duration.

    Examples
    --------
    >>> [round(x, 3) for x in poisson_rate_interval(0, 2.0)]
    [0.0, 1.844]
    """
    if (isinstance(duration_s, bool) or not isinstance(duration_s, numbers.Real)
            or not math.isfinite(duration_s) or duration_s <= 0):
        raise ParameterError("duration_s", duration_s, "> 0 s, finite")
    low, high = poisson_interval(k, confidence)
    return low / duration_s, high / duration_s


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two intervals share a point: if they do, the difference may be noise.

    Two estimates whose confidence intervals overlap are not shown to differ
    (a conservative test: separated intervals always mean a significant
    difference, overlapping ones usually mean none).

    Examples
    --------
    >>> intervals_overlap((0.1, 0.3), (0.25, 0.4))
    True
    >>> intervals_overlap((0.1, 0.2), (0.25, 0.4))
    False
    """
    return a[0] <= b[1] and b[0] <= a[1]
