"""Which component must improve first: one parameter at a time, by a factor k, ranked.

A sensitivity study improves each component parameter in turn by a factor
``k``, the improvement defined by the kind of parameter (:data:`KINDS`): an
infidelity or an error divided by k, a loss in dB divided by k, a time
constant multiplied by k, an efficiency η becoming 1 - (1 - η)/k, a duration
divided by k. Every variant runs with the baseline's seeds, repetition by
repetition (common random numbers), so the paired difference of a
repetition holds the parameter's effect and little of the noise the two runs
share.

:func:`rank_parameters` turns the per-repetition figures into effects (the
paired mean change with a t interval) and a ranking whose uncertainty is
estimated by resampling repetitions (the bootstrap keeps the pairing: one
draw of repetitions serves every variant): each parameter's 95 % interval
of ranks and its probability of being first.

>>> import numpy as np
>>> baseline = np.array([10.0, 12.0, 11.0])
>>> ranked = rank_parameters(baseline, {"t2": baseline - 3.0, "loss": baseline - 1.0},
...                          better="lower", seed=1)
>>> [(r.parameter, r.rank, r.p_first) for r in ranked]
[('t2', 1, 1.0), ('loss', 2, 0.0)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from qdcnet.errors import ParameterError

__all__ = ["KINDS", "Effect", "ParameterKind", "Ranked", "infer_kind", "paired_effect",
           "rank_parameters"]

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class ParameterKind:
    """How a kind of parameter improves by a factor k (and worsens, for the other side)."""

    name: str
    rule: str
    improve: Callable[[float, float], float]
    degrade: Callable[[float, float], float]
    #: The values that can still improve, and the limit otherwise reached (in words).
    improvable: Callable[[float], bool]
    limit: str
    #: The dimensions its value may have ("number": a plain number); () for a plain
    #: number from 0 to 1 (a fidelity, an error, an efficiency).
    dimensions: tuple[str, ...] = ()

    @property
    def bounded(self) -> bool:
        """A plain number from 0 to 1."""
        return not self.dimensions


KINDS: dict[str, ParameterKind] = {
    kind.name: kind for kind in (
        ParameterKind("fidelity", "infidelity 1 - F divided by k",
                      lambda x, k: 1.0 - (1.0 - x) / k, lambda x, k: 1.0 - (1.0 - x) * k,
                      lambda x: x < 1.0, "a fidelity of 1"),
        ParameterKind("error", "error divided by k", lambda x, k: x / k, lambda x, k: x * k,
                      lambda x: x > 0.0, "no error"),
        ParameterKind("efficiency", "1 - efficiency divided by k",
                      lambda x, k: 1.0 - (1.0 - x) / k, lambda x, k: 1.0 - (1.0 - x) * k,
                      lambda x: x < 1.0, "an efficiency of 1"),
        ParameterKind("loss", "loss in dB divided by k", lambda x, k: x / k,
                      lambda x, k: x * k, lambda x: x > 0.0, "no loss",
                      ("loss", "attenuation", "loss_rate")),
        ParameterKind("time_constant", "multiplied by k", lambda x, k: x * k,
                      lambda x, k: x / k, lambda x: 0.0 < x < math.inf, "an infinite time",
                      ("time",)),
        ParameterKind("duration", "divided by k", lambda x, k: x / k, lambda x, k: x * k,
                      lambda x: x > 0.0, "no time at all", ("time",)),
        ParameterKind("rate", "multiplied by k", lambda x, k: x * k, lambda x, k: x / k,
                      lambda x: 0.0 < x < math.inf, "an infinite rate", ("frequency",)),
        ParameterKind("noise", "noise divided by k", lambda x, k: x / k, lambda x, k: x * k,
                      lambda x: x > 0.0, "no noise", ("frequency", "angle", "number")),
    )
}

# Field names (the last key of a path) whose kind is plain from the name.
_BY_NAME = {
    "t1": "time_constant", "t2": "time_constant",
    "emission_probability": "efficiency",
    "hom_visibility": "fidelity", "indistinguishability": "fidelity",
    "attenuation": "loss",
    "dark_count_rate": "noise", "noise_rate": "noise", "added_noise": "noise",
    "phase_noise": "noise",
    "pair_rate": "rate", "repetition_rate": "rate", "clock_rate": "rate",
    # kind: qec scenarios: the bulk's depolarising p, the seam pairs' infidelity.
    "bulk": "error", "seam": "error", "idle_per_round": "error",
    "multi_pair_probability": "error", "double_excitation_probability": "error",
}


def infer_kind(field: str) -> str | None:
    """The kind of parameter ``field`` names, from its last key; None if not plain.

    >>> infer_kind("qpus[*].overrides.communication.t2"), infer_kind("fibers[0].length")
    ('time_constant', None)
    >>> infer_kind("ends[0].overrides.gates.two_qubit.fidelity")
    'fidelity'
    """
    keys = [part.split("[", 1)[0] for part in field.split(".")]
    leaf = keys[-1]
    if leaf in _BY_NAME:
        return _BY_NAME[leaf]
    if "fidelity" in leaf:
        return "fidelity"
    if "efficiency" in leaf:
        return "efficiency"
    if leaf.endswith("loss"):
        return "loss"
    # A top-level ``duration`` is how long a run lasts, not a component's.
    if len(keys) > 1 and (leaf == "duration" or leaf.endswith(("_time", "latency"))):
        return "duration"
    return None


@dataclass(frozen=True)
class Effect:
    """A variant against the baseline, paired repetition by repetition.

    ``change`` is the mean of (variant - baseline); ``gain`` the same signed
    so that positive is better for the figure of merit; ``ci`` the 95 % t
    interval of ``change`` (NaN with one repetition).
    """

    n: int
    baseline: float
    value: float
    change: float
    stderr: float
    ci: tuple[float, float]
    gain: float

    @property
    def relative(self) -> float:
        """``change`` over the baseline's mean (NaN when the baseline is 0)."""
        return self.change / abs(self.baseline) if self.baseline else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "baseline": self.baseline, "value": self.value,
                "change": self.change, "relative_change": self.relative,
                "stderr": self.stderr, "ci_low": self.ci[0], "ci_high": self.ci[1],
                "gain": self.gain}


def _sign(better: Better) -> float:
    if better not in ("lower", "higher"):
        raise ParameterError("better", better, "lower or higher")
    return 1.0 if better == "higher" else -1.0


def paired_effect(baseline: np.ndarray, variant: np.ndarray, better: Better) -> Effect:
    """The variant's effect on the figure of merit (see :class:`Effect`).

    >>> paired_effect(np.array([1.0, 2.0]), np.array([1.5, 2.5]), "lower").gain
    -0.5
    """
    from scipy import stats

    baseline, variant = np.asarray(baseline, float), np.asarray(variant, float)
    if baseline.shape != variant.shape or baseline.ndim != 1 or not baseline.size:
        raise ParameterError("variant", variant.shape, f"one value per repetition, as the "
                             f"baseline's {baseline.shape}")
    differences = variant - baseline
    n = differences.size
    change = float(differences.mean())
    if n > 1:
        stderr = float(differences.std(ddof=1) / math.sqrt(n))
        half = float(stats.t.ppf(0.975, n - 1)) * stderr
    else:
        stderr = half = math.nan
    return Effect(n, float(baseline.mean()), float(variant.mean()), change, stderr,
                  (change - half, change + half), _sign(better) * change)


@dataclass(frozen=True)
class Ranked:
    """A parameter's place: rank 1 improves the figure of merit most.

    ``rank_low``..``rank_high`` is the 95 % interval of its rank over
    bootstrap draws of the repetitions; ``p_first`` the fraction of draws in
    which it came first (ties share the better rank).
    """

    parameter: str
    effect: Effect
    rank: int
    rank_low: int
    rank_high: int
    p_first: float

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "rank": self.rank, "rank_low": self.rank_low,
                "rank_high": self.rank_high, "p_first": self.p_first} | self.effect.to_dict()


def _ranks(means: np.ndarray) -> np.ndarray:
    """Rank 1 for the largest gain along axis 0; ties share the better (smaller) rank."""
    from scipy.stats import rankdata

    return rankdata(-means, method="min", axis=0).astype(int)


def rank_parameters(baseline: np.ndarray, improved: Mapping[str, np.ndarray], better: Better,
                    *, resamples: int = 2000, seed: int = 0) -> list[Ranked]:
    """Rank the parameters by the gain of their improved variants, most first.

    ``baseline`` and each of ``improved`` hold one figure per repetition,
    repetition ``i`` of every variant run with the same seed.
    """
    if not improved:
        raise ParameterError("improved", 0, "at least one parameter to rank")
    names = list(improved)
    effects = {name: paired_effect(baseline, improved[name], better) for name in names}
    sign = _sign(better)
    gains = sign * (np.stack([np.asarray(improved[name], float) for name in names])
                    - np.asarray(baseline, float))
    ranks = _ranks(gains.mean(axis=1))
    n = gains.shape[1]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    draws = rng.integers(n, size=(resamples, n))
    # (parameters, resamples): each draw's mean gain, the repetitions shared by all.
    drawn = _ranks(gains[:, draws].mean(axis=2))
    low = np.quantile(drawn, 0.025, axis=1, method="lower")
    high = np.quantile(drawn, 0.975, axis=1, method="higher")
    first = (drawn == 1).mean(axis=1)
    out = [Ranked(name, effects[name], int(ranks[i]), int(low[i]), int(high[i]),
                  float(first[i])) for i, name in enumerate(names)]
    return sorted(out, key=lambda r: (r.rank, -r.effect.gain, r.parameter))
