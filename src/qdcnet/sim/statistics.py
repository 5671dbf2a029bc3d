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
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
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
