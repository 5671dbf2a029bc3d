"""How a path builds its end-to-end pairs: swap order, pairing, cutoffs, nesting.

A :class:`Strategy` is what the planner chooses and the path service
executes (:class:`~qdcnet.network.service.PathService`), rule by rule:

- **swap order** — *asap*: a relay swaps as soon as it holds a pair on each
  side, whatever those pairs span; *sequential*: the pair grows from the
  source, relay k swaps only a pair that already reaches the source with the
  segment on its right; *doubling*: the segments form a balanced binary tree
  (a span [i, j] is split at its middle relay), and the middle relay of a
  span swaps only the two pairs that exactly span its halves, so spans double
  level by level (Briegel, Dür, Cirac, Zoller 1998);
- **pairing** at a relay (and between two pairs of a span being purified):
  *oldest* first (first in, first out), *freshest* first, or *fidelity*-aware
  (the pair of highest fidelity now on each side);
- **cutoff**: a pair still inside the path (not delivered) whose oldest
  qubit is older than ``cutoff_s`` is discarded and its links start again
  (the cutoff policy of Iñesta, Vardoyan, Scavuzzo, Wehner, npj Quantum
  Inf. 9, 46 (2023)); a pair in the middle of a Bell measurement or a
  purification is not discarded (the operation uses it);
- **nesting** (Dür, Briegel, Cirac, Zoller, PRA 59, 169 (1999)): with the
  doubling order, the pairs of every span of height h in the tree (h = 0:
  one segment) are purified ``nesting[h]`` times in place, in the
  communication qubits at the span's two ends, before they are swapped
  further; ``nesting_protocol`` and ``nesting_mode`` say how (recurrence
  pairs two pairs of the same round, pumping purifies one kept pair with
  fresh pairs of the span).

End-to-end distillation after delivery (with the move to storage) is the
separate :class:`~qdcnet.network.distillation.DistillationPlan`; the two
compose.

Examples
--------
>>> Strategy().label()
'asap swaps'
>>> Strategy(swap_order="doubling", nesting=(1, 1), cutoff_s=0.01).label()
'doubling swaps, nested 1-1 DEJMPS (recurrence), cutoff 10 ms'
>>> span_tree(4)
{(0, 4): 2, (0, 2): 1, (2, 4): 3}
>>> span_heights(3)[(0, 3)]
2
>>> Strategy(swap_order="asap", nesting=(1,))
Traceback (most recent call last):
...
qdcnet.errors.ParameterError: nesting = (1,) is out of range: allowed () unless ... doubling ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.network.distillation import MAX_ROUNDS, DistillationMode, DistillationProtocol

__all__ = ["Pairing", "Strategy", "SwapOrder", "span_heights", "span_tree"]


class SwapOrder(StrEnum):
    ASAP = "asap"
    SEQUENTIAL = "sequential"
    DOUBLING = "doubling"


class Pairing(StrEnum):
    OLDEST = "oldest"
    FRESHEST = "freshest"
    FIDELITY = "fidelity"


@cache
def span_tree(num_segments: int) -> dict[tuple[int, int], int]:
    """The doubling order's tree: each span of two or more segments and its middle relay.

    Positions are indices along the path (0 = source, ``num_segments`` =
    destination); a span [i, j] is split at (i + j) // 2.
    """
    tree: dict[tuple[int, int], int] = {}

    def split(i: int, j: int) -> None:
        if j - i >= 2:
            mid = (i + j) // 2
            tree[(i, j)] = mid
            split(i, mid)
            split(mid, j)

    split(0, num_segments)
    return tree


@cache
def span_heights(num_segments: int) -> dict[tuple[int, int], int]:
    """Height in the doubling tree of every span it builds (0 for one segment)."""
    heights: dict[tuple[int, int], int] = {}

    def height(i: int, j: int) -> int:
        if j - i == 1:
            h = 0
        else:
            mid = (i + j) // 2
            h = 1 + max(height(i, mid), height(mid, j))
        heights[(i, j)] = h
        return h

    height(0, num_segments)
    return heights


def _format_s(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.4g} {unit}"
    return f"{seconds:.3g} s"


@dataclass(frozen=True)
class Strategy:
    """How the relays of a path build end-to-end pairs (see the module docstring)."""

    swap_order: SwapOrder = SwapOrder.ASAP
    pairing: Pairing = Pairing.OLDEST
    cutoff_s: float | None = None
    nesting: tuple[int, ...] = ()
    nesting_protocol: DistillationProtocol = DistillationProtocol.DEJMPS
    nesting_mode: DistillationMode = DistillationMode.RECURRENCE

    def __post_init__(self) -> None:
        for name, kind in (("swap_order", SwapOrder), ("pairing", Pairing),
                           ("nesting_protocol", DistillationProtocol),
                           ("nesting_mode", DistillationMode)):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, kind(value))
            except ValueError:
                raise ParameterError(name, value, " or ".join(k.value for k in kind)) from None
        if self.cutoff_s is not None:
            if (isinstance(self.cutoff_s, bool) or not isinstance(self.cutoff_s, int | float)
                    or not math.isfinite(self.cutoff_s) or self.cutoff_s <= 0):
                raise ParameterError("cutoff_s", self.cutoff_s, "(0, inf) seconds or None",
                                     "a pair older than the cutoff is discarded")
            object.__setattr__(self, "cutoff_s", float(self.cutoff_s))
        nesting = tuple(self.nesting)
        if any(isinstance(r, bool) or not isinstance(r, int) or not 0 <= r <= MAX_ROUNDS
               for r in nesting):
            raise ParameterError("nesting", self.nesting, f"rounds in 0..{MAX_ROUNDS} per level")
        while nesting and nesting[-1] == 0:
            nesting = nesting[:-1]  # trailing zeros say nothing: one spelling per strategy
        if nesting and self.swap_order is not SwapOrder.DOUBLING:
            raise ParameterError("nesting", self.nesting, "() unless swap_order is doubling",
                                 "nested purification purifies the spans of the doubling tree")
        object.__setattr__(self, "nesting", nesting)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Strategy:
        """A strategy from plain values (a scenario's or a request's)."""
        known = {"swap_order", "pairing", "cutoff_s", "nesting", "nesting_protocol",
                 "nesting_mode"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError("strategy", unknown[0], ", ".join(sorted(known)))
        values = dict(data)
        if "nesting" in values:
            values["nesting"] = tuple(values["nesting"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {"swap_order": self.swap_order.value, "pairing": self.pairing.value,
                "cutoff_s": self.cutoff_s, "nesting": list(self.nesting),
                "nesting_protocol": self.nesting_protocol.value,
                "nesting_mode": self.nesting_mode.value}

    @property
    def is_default(self) -> bool:
        """ASAP, oldest first, no cutoff, no nesting: what the analytic path model covers."""
        return self == Strategy()

    def rounds_at(self, height: int) -> int:
        """Purification rounds of a span of ``height`` in the doubling tree."""
        return self.nesting[height] if height < len(self.nesting) else 0

    def check_path(self, num_segments: int) -> None:
        """Refuse nesting deeper than the tree of ``num_segments`` segments."""
        top = span_heights(num_segments)[(0, num_segments)]
        if len(self.nesting) > top + 1:
            raise ParameterError("nesting", self.nesting,
                                 f"at most {top + 1} levels on a path of {num_segments} "
                                 "segment(s)")

    def segment_pairs_per_output(self, num_segments: int) -> int:
        """Fewest pairs of every segment one end-to-end pair consumes (every round succeeds).

        An upper bound on the rate follows: no segment makes pairs faster
        than its streams can herald them.
        """
        if not self.nesting:
            return 1
        heights = span_heights(num_segments)

        def need(i: int, j: int) -> int:
            rounds = self.rounds_at(heights[(i, j)])
            per = 2 ** rounds if self.nesting_mode is DistillationMode.RECURRENCE else rounds + 1
            if j - i == 1:
                return per
            mid = (i + j) // 2
            return per * max(need(i, mid), need(mid, j))

        return need(0, num_segments)

    def streams_needed(self, num_segments: int) -> int:
        """Streams every segment needs so that nested purification can never lock up.

        A span purified r times by recurrence holds up to r + 1 of its pairs
        at once (one waiting on each round, one being made), pumping two; a
        pair holds one stream of each of its segments until it is delivered,
        and the pair being made needs what its halves need.

        >>> Strategy(swap_order="doubling", nesting=(1,)).streams_needed(2)
        2
        >>> Strategy(swap_order="doubling", nesting=(1, 2)).streams_needed(4)
        4
        """
        if not self.nesting:
            return 1
        heights = span_heights(num_segments)

        def held(i: int, j: int) -> int:
            rounds = self.rounds_at(heights[(i, j)])
            if not rounds:
                return 1
            return rounds + 1 if self.nesting_mode is DistillationMode.RECURRENCE else 2

        def need(i: int, j: int) -> int:
            if j - i == 1:
                return held(i, j)
            mid = (i + j) // 2
            return held(i, j) - 1 + max(need(i, mid), need(mid, j))

        return need(0, num_segments)

    def label(self) -> str:
        parts = [f"{self.swap_order.value} swaps"]
        if self.pairing is not Pairing.OLDEST:
            parts.append(f"{self.pairing.value} first" if self.pairing is not Pairing.FIDELITY
                         else "fidelity-aware pairing")
        if self.nesting:
            parts.append(f"nested {'-'.join(map(str, self.nesting))} "
                         f"{self.nesting_protocol.value.upper()} ({self.nesting_mode.value})")
        if self.cutoff_s is not None:
            parts.append(f"cutoff {_format_s(self.cutoff_s)}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"Strategy({self.label()})"
