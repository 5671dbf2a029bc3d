"""How a request's pairs are distilled end to end: protocol, mode and rounds.

A :class:`DistillationPlan` is what admission, the path estimate and the
path service all read; the scenario schema and the orchestrator take their
limits from here (:data:`MAX_ROUNDS`), so a number of rounds that one layer
accepts is never refused later by another.

- **protocol**: DEJMPS (Deutsch et al. 1996: bilateral rotations, keeps a
  Bell-diagonal state) or BBPSSW (Bennett et al. 1996: twirls to Werner
  before and after);
- **mode**: *recurrence* (two pairs of level k make one of level k + 1:
  2^rounds raw pairs per output) or *pumping* (one pair is purified again
  and again with fresh raw pairs: rounds + 1 raw pairs per output);
- **rounds**: 0 pins "no distillation" (admission must not add any).

Examples
--------
>>> DistillationPlan(rounds=2)
DistillationPlan(dejmps x2, recurrence)
>>> DistillationPlan(rounds=2, mode="pumping").raw_pairs_per_output
3
>>> DistillationPlan(rounds=7)
Traceback (most recent call last):
...
qdcnet.errors.ParameterError: rounds = 7 is out of range: allowed 0..6 ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.quantum import bbpssw, dejmps

__all__ = ["MAX_ROUNDS", "DistillationMode", "DistillationPlan", "DistillationProtocol"]

#: Most rounds any layer accepts. Each recurrence round at least doubles the
#: raw pairs per output (2^6 = 64 at the limit) while memories decay; deeper
#: plans are never the best answer on hardware this package models.
MAX_ROUNDS = 6


class DistillationProtocol(StrEnum):
    DEJMPS = "dejmps"
    BBPSSW = "bbpssw"

    @property
    def round(self) -> Callable[..., tuple[float, Any]]:
        """The round's closed form in :mod:`qdcnet.quantum` (success probability, state)."""
        return _ROUNDS[self]


_ROUNDS = {DistillationProtocol.DEJMPS: dejmps, DistillationProtocol.BBPSSW: bbpssw}


class DistillationMode(StrEnum):
    RECURRENCE = "recurrence"
    PUMPING = "pumping"


@dataclass(frozen=True)
class DistillationPlan:
    """Distil end-to-end pairs ``rounds`` times with ``protocol`` in ``mode``."""

    rounds: int = 1
    protocol: DistillationProtocol = DistillationProtocol.DEJMPS
    mode: DistillationMode = DistillationMode.RECURRENCE

    def __post_init__(self) -> None:
        if (isinstance(self.rounds, bool) or not isinstance(self.rounds, int)
                or not 0 <= self.rounds <= MAX_ROUNDS):
            raise ParameterError("rounds", self.rounds, f"0..{MAX_ROUNDS}",
                                 "each round at least doubles the raw pairs per output")
        for name, kind in (("protocol", DistillationProtocol), ("mode", DistillationMode)):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, kind(value))
            except ValueError:
                raise ParameterError(name, value, " or ".join(k.value for k in kind)) from None

    @property
    def raw_pairs_per_output(self) -> int:
        """Raw pairs one delivered pair costs when every round succeeds."""
        if self.mode is DistillationMode.RECURRENCE:
            return 2 ** self.rounds
        return self.rounds + 1

    @property
    def storage_slots(self) -> int:
        """Storage slots each end needs so that the rounds can never lock up.

        Recurrence keeps at most one pair waiting per level; with as many
        slots as rounds, one waiting pair on every level fills them all and
        the next pair has nowhere to go, for ever. Pumping holds the kept
        pair and the fresh one.

        >>> DistillationPlan(3).storage_slots, DistillationPlan(3, mode="pumping").storage_slots
        (4, 2)
        """
        if not self.rounds:
            return 0
        if self.mode is DistillationMode.RECURRENCE:
            return self.rounds + 1
        return 2

    def label(self) -> str:
        """``"2 DEJMPS rounds (pumping)"``, or ``"without distillation"``."""
        if not self.rounds:
            return "without distillation"
        plural = "s" if self.rounds != 1 else ""
        return f"{self.rounds} {self.protocol.value.upper()} round{plural} ({self.mode.value})"

    def __repr__(self) -> str:
        return f"DistillationPlan({self.protocol.value} x{self.rounds}, {self.mode.value})"
