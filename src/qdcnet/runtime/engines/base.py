"""What every engine returns, and the pieces they share (output distributions, sampling)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qdcnet.errors import QdcnetError

__all__ = ["EngineLimit", "EngineResult", "add_outcomes", "relabel_key", "sample_counts",
           "total_variation"]


class EngineLimit(QdcnetError):
    """The circuit is beyond what this engine can do (size, branches, gates)."""


@dataclass(frozen=True)
class EngineResult:
    """Fidelity and outcomes of a noisy circuit from one engine.

    ``state_fidelity`` is ⟨ψ|ρ|ψ⟩ of the data qubits (final layout order) just
    before the terminal measurements, against the ideal circuit's state; ``None``
    when the circuit measures or resets a qubit mid-way (no single ideal state).
    ``state_fidelity_se`` is 0 for an exact engine. ``distribution`` and
    ``ideal_distribution`` (exact engines only) are over the circuit's bits,
    printed last bit first; ``tvd`` is their total-variation distance.
    ``counts`` are ``shots`` sampled noisy outcomes and ``ideal_counts`` a
    noiseless-sampling baseline of the same size (empty for the estimator).
    """

    engine: str
    exact: bool
    shots: int
    state_fidelity: float | None
    state_fidelity_se: float | None
    tvd: float | None = None
    distribution: Mapping[str, float] | None = None
    ideal_distribution: Mapping[str, float] | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    ideal_counts: Mapping[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "exact": self.exact, "shots": self.shots,
                "state_fidelity": self.state_fidelity,
                "state_fidelity_se": self.state_fidelity_se, "tvd": self.tvd,
                "distribution": dict(self.distribution) if self.distribution else None,
                "ideal_distribution": (dict(self.ideal_distribution)
                                       if self.ideal_distribution else None),
                "counts": dict(self.counts), "ideal_counts": dict(self.ideal_counts),
                "wall_s": self.wall_s}


def total_variation(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """½ Σ |p(x) − q(x)| over the union of outcomes."""
    # Sorted: a sum in set order would depend on the hash seed in its last digit.
    return 0.5 * sum(abs(p.get(x, 0.0) - q.get(x, 0.0)) for x in sorted(set(p) | set(q)))


def sample_counts(distribution: Mapping[str, float], shots: int,
                  rng: np.random.Generator) -> dict[str, int]:
    """``shots`` draws from an exact distribution (a multinomial)."""
    if shots <= 0 or not distribution:
        return {}
    outcomes = sorted(distribution)
    p = np.array([max(distribution[x], 0.0) for x in outcomes])
    drawn = rng.multinomial(shots, p / p.sum())
    return {x: int(n) for x, n in zip(outcomes, drawn, strict=True) if n}


def add_outcomes(out: dict[str, float], probabilities: Any, bits: Mapping[str, int],
                 deferred: Any, circuit: Any) -> None:
    """Add a branch's outcome probabilities to ``out``, by the circuit's bitstring.

    ``probabilities[index]`` is the chance of the deferred measurements giving
    the bits of ``index`` (bit ``j`` for ``deferred[j]``); ``bits`` holds the
    branch's bits measured before.
    """
    for index, weight in enumerate(probabilities):
        if weight <= 1e-16:
            continue
        record = dict(bits)
        for j, op in enumerate(deferred):
            record[op.bit] = (index >> j) & 1
        label = circuit.bitstring(record)
        out[label] = out.get(label, 0.0) + float(weight)


def relabel_key(state: Any, old: Any, new: Any) -> None:
    """Rename a qubit of a keyed state (``axes`` for live qubits, ``known`` for classical ones).

    A teleported qubit continues under its new key; a key still in use is refused.
    """
    if new in state.axes:
        raise EngineLimit(f"relabel onto {new!r}, which is in use")
    state.known.pop(new, None)
    if old in state.axes:
        state.axes[new] = state.axes.pop(old)
    elif old in state.known:
        state.known[new] = state.known.pop(old)
