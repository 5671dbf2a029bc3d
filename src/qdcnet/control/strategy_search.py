"""Admission's search over how a path builds its pairs (a :class:`Strategy`).

The analytic plan (ASAP swaps, oldest first, no cutoff, end-to-end
distillation) is the starting point. When it needs distillation to meet a
request's fidelity, or cannot meet it, the established alternatives may do
better: a freshest-first or fidelity-aware pairing, a memory cutoff, another
swap order, purification of shorter spans first (nesting). Their figures come
from rehearsals (:meth:`~qdcnet.network.datacenter.DataCenter.rehearse`: the
path service itself, on a private copy of the data center), so a plan is
what the service then does.

The search is a coordinate search, one dimension at a time (pairing, cutoff,
swap order, nesting), two passes, keeping a change only when it serves more
pairs per second at the fidelity (or, while nothing meets it, reaches a
higher fidelity). For each strategy the end-to-end rounds go up from 0 until
the fidelity is met. Screening rehearsals are short (:data:`SCREEN_PAIRS`
pairs); the winner and its runner-up are measured again at full length, and
a winner that no longer meets the fidelity gives way to the next.

Two rules keep the search small, both stated in the plan's reasoning:

- a nesting level is tried only if one purification round of that level's
  pairs, without any waiting, raises their fidelity (with the nodes' gate
  and measurement errors; otherwise it can only lower it);
- cutoffs are tried at 5%, 10%, 20% and 50% of the shortest coherence time
  (T2, else T1) of the path's communication qubits.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qdcnet.control.requests import Plan
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.paths import PathEstimate
from qdcnet.network.strategies import Pairing, Strategy, SwapOrder, span_heights
from qdcnet.quantum import swap

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["CUTOFF_FRACTIONS", "DIMENSIONS", "SCREEN_PAIRS", "StrategySearch", "better",
           "nesting_candidates", "to_plan"]

#: What the search may change, in the order it tries them.
DIMENSIONS = ("pairing", "cutoff", "order", "nesting")

#: Pairs of a screening rehearsal (the rate's standard error near 10%); the
#: winner and the runner-up are measured again with REHEARSAL_PAIRS.
SCREEN_PAIRS = 100

#: Cutoffs tried, as fractions of the shortest coherence time on the path.
CUTOFF_FRACTIONS = (0.05, 0.1, 0.2, 0.5)

#: Most purification rounds a nesting candidate spends over all its levels.
MAX_NESTED_ROUNDS = 2

#: Link pairs one screening rehearsal may spend (a strategy still short of
#: its pairs by then is judged on what it delivered).
SCREEN_LINK_PAIRS = 40_000

#: Link pairs the whole search may spend on screening (counted whether or not
#: a rehearsal was cached, so the plan does not depend on what ran before);
#: once spent, the leaders so far are confirmed and the rest is not tried.
SEARCH_LINK_PAIRS = 600_000


@dataclass(frozen=True)
class _Option:
    strategy: Strategy
    distillation: DistillationPlan
    estimate: PathEstimate

    def meets(self, wanted: float) -> bool:
        return self.estimate.fidelity >= wanted

    def label(self) -> str:
        plan = self.distillation
        return self.strategy.label() + (f", then {plan.label()}" if plan.rounds else "")

    def figure(self) -> str:
        return (f"{self.label()}: {self.estimate.rate_hz:.4g} pairs/s at "
                f"F = {self.estimate.fidelity:.4f}")


def better(a: _Option | None, b: _Option | None, wanted: float) -> bool:
    """Is ``a`` a better plan than ``b`` for a fidelity of ``wanted``?"""
    if a is None:
        return False
    if b is None:
        return True
    if a.meets(wanted) != b.meets(wanted):
        return a.meets(wanted)
    if a.meets(wanted):
        return a.estimate.rate_hz > b.estimate.rate_hz
    return a.estimate.fidelity > b.estimate.fidelity


def nesting_candidates(dc: DataCenter, path: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Nestings worth trying on ``path``: levels whose purification helps (module docstring).

    Each level's pairs are taken as the doubling tree builds them without
    waiting (swaps of the segments' delivered states with each relay's
    swap noise); a level is kept if one round of the nodes' protocol on two
    such pairs raises the fidelity.
    """
    from qdcnet.network.distillation import DistillationProtocol

    n = len(path) - 1
    heights = span_heights(n)
    states = {}
    for (i, j), _ in sorted(heights.items(), key=lambda item: item[1]):
        if j - i == 1:
            states[(i, j)] = dc.fabric.model(path[i], path[j], 1).delivered_state
        else:
            mid = (i + j) // 2
            ops = dc.ops[path[mid]]
            states[(i, j)] = swap(states[(i, mid)], states[(mid, j)],
                                  gate_error=ops.gate_error,
                                  measurement_error=ops.measurement_error)
    useful = set()
    for (i, j), state in states.items():
        a, b = dc.ops[path[i]], dc.ops[path[j]]
        _, out = DistillationProtocol.DEJMPS.round(
            state, state, gate_error=(a.gate_error, b.gate_error),
            measurement_error=(a.measurement_error, b.measurement_error))
        if out.fidelity > state.fidelity:
            useful.add(heights[(i, j)])
    top = heights[(0, n)]
    out: list[tuple[int, ...]] = []
    for rounds in itertools.product(range(MAX_NESTED_ROUNDS + 1), repeat=top + 1):
        if not any(rounds) or sum(rounds) > MAX_NESTED_ROUNDS:
            continue
        if all(r == 0 or h in useful for h, r in enumerate(rounds)):
            out.append(tuple(rounds))
    return sorted(out, key=lambda r: (sum(r), r))


def _cutoffs(dc: DataCenter, path: tuple[str, ...]) -> list[float]:
    times = []
    for node in path:
        memory = dc.ops[node].memory
        for t in (memory.t2_s, memory.t1_s):
            if math.isfinite(t) and t > 0:
                times.append(t)
                break
    if not times:
        return []  # memories that never decay: nothing to cut
    return [fraction * min(times) for fraction in CUTOFF_FRACTIONS]


class StrategySearch:
    """Search the strategies of one request on one path (module docstring)."""

    def __init__(self, dc: DataCenter, path: tuple[str, ...], wanted: float,
                 choices: list[DistillationPlan], *, max_streams: int | None = None,
                 screen_pairs: int = SCREEN_PAIRS,
                 dimensions: tuple[str, ...] = DIMENSIONS) -> None:
        unknown = sorted(set(dimensions) - set(DIMENSIONS))
        if unknown:
            raise ParameterError("dimensions", unknown[0], ", ".join(DIMENSIONS))
        self.dimensions_searched = tuple(d for d in DIMENSIONS if d in dimensions)
        self.dc = dc
        self.path = path
        self.wanted = wanted
        self.choices = choices
        self.max_streams = max_streams
        self.screen_pairs = screen_pairs
        self.tried: dict[Strategy, _Option | None] = {}
        self.rehearsals = 0
        #: link pairs the screening rehearsals have spent
        self.spent = 0
        #: the search stopped at SEARCH_LINK_PAIRS before trying every candidate
        self.exhausted = False
        self._nesting_cache: list[tuple[int, ...]] | None = None

    def _estimate(self, strategy: Strategy, plan: DistillationPlan, pairs: int,
                  floor_hz: float = 0.0) -> PathEstimate | None:
        distillation = plan if plan.rounds else None
        screening = pairs == self.screen_pairs
        try:
            self.rehearsals += 1
            estimate = self.dc.rehearse(
                self.path, strategy, distillation, pairs=pairs, max_streams=self.max_streams,
                min_rate_hz=floor_hz,
                **({"max_link_pairs": SCREEN_LINK_PAIRS} if screening else {}))
        except QdcnetError:
            return None
        if screening:
            self.spent += estimate.link_pairs
        return estimate

    def evaluate(self, strategy: Strategy, pairs: int | None = None, *,
                 floor_hz: float = 0.0) -> _Option | None:
        """The fewest end-to-end rounds with which ``strategy`` meets the fidelity
        (or, if none does, the choice of highest fidelity).

        Rounds stop where they cannot beat ``floor_hz``: a round needs at least
        ``raw_pairs_per_output`` pairs of the level below, so its rate is at
        most the previous rate times their ratio.
        """
        screening = pairs is None
        if screening and strategy in self.tried:
            return self.tried[strategy]
        best: _Option | None = None
        previous: _Option | None = None
        for plan in self.choices:
            if previous is not None:
                ceiling = (previous.estimate.rate_hz
                           * previous.distillation.raw_pairs_per_output
                           / plan.raw_pairs_per_output)
                if ceiling <= floor_hz:
                    break
            estimate = self._estimate(strategy, plan, self.screen_pairs if screening else pairs,
                                      floor_hz if screening else 0.0)
            if estimate is None or math.isnan(estimate.fidelity) or not estimate.samples:
                break  # deeper rounds need these pairs too
            option = _Option(strategy, plan, estimate)
            if better(option, best, self.wanted):
                best = option
            if option.meets(self.wanted):
                break  # more rounds only lower the rate
            if previous is not None and option.estimate.fidelity <= previous.estimate.fidelity:
                break  # rounds stopped helping: the next ones cost more for less
            previous = option
        if screening:
            self.tried[strategy] = best
        return best

    def dimensions(self, current: Strategy) -> Iterable[Strategy]:
        """Every strategy one change away from ``current``."""
        replace = dataclasses.replace
        searched = self.dimensions_searched
        if "pairing" in searched:
            for pairing in Pairing:
                yield replace(current, pairing=pairing)
        if "cutoff" in searched:
            for cutoff in (None, *_cutoffs(self.dc, self.path)):
                yield replace(current, cutoff_s=cutoff)
        if "order" in searched and len(self.path) > 3:  # orders differ from 3 segments on
            for order in SwapOrder:
                yield replace(current, swap_order=order,
                              nesting=current.nesting if order is SwapOrder.DOUBLING else ())
        if "nesting" in searched:
            for nesting in ((), *self._nestings()):
                yield replace(current, swap_order=SwapOrder.DOUBLING if nesting
                              else current.swap_order, nesting=nesting)

    def _nestings(self) -> list[tuple[int, ...]]:
        if self._nesting_cache is None:
            self._nesting_cache = nesting_candidates(self.dc, self.path)
        return self._nesting_cache

    def run(self) -> tuple[_Option | None, _Option | None]:
        """The best option and its runner-up (``None`` where there is none)."""
        current = Strategy()
        best = self.evaluate(current)
        for _ in range(2):
            moved = False
            for candidate in list(self.dimensions(current)):
                if self.spent >= SEARCH_LINK_PAIRS:
                    self.exhausted = True
                    break
                floor = (best.estimate.rate_hz if best is not None and best.meets(self.wanted)
                         else 0.0)
                option = self.evaluate(candidate, floor_hz=floor)
                if better(option, best, self.wanted):
                    best, current, moved = option, candidate, True
            if not moved:
                break
        ranked = sorted((o for o in self.tried.values() if o is not None),
                        key=lambda o: (not o.meets(self.wanted),
                                       -o.estimate.rate_hz if o.meets(self.wanted)
                                       else -o.estimate.fidelity))
        # Measure the leaders again at full length; the first that still meets
        # the fidelity wins, the next is its runner-up.
        from qdcnet.network.datacenter import REHEARSAL_PAIRS

        confirmed: list[_Option] = []
        for option in ranked:
            again = self.evaluate(option.strategy, REHEARSAL_PAIRS)
            if again is None:
                continue
            confirmed.append(again)
            if sum(o.meets(self.wanted) for o in confirmed) >= 2:
                break
            if len(confirmed) >= 2 and not any(o.meets(self.wanted) for o in confirmed):
                break  # nothing meets it: the refusal names the best
        confirmed.sort(key=lambda o: (not o.meets(self.wanted),
                                      -o.estimate.rate_hz if o.meets(self.wanted)
                                      else -o.estimate.fidelity))
        unique: list[_Option] = []
        for option in confirmed:
            if all((o.strategy, o.distillation) != (option.strategy, option.distillation)
                   for o in unique):
                unique.append(option)
        first = unique[0] if unique else None
        second = unique[1] if len(unique) > 1 else None
        return first, second


def to_plan(option: _Option, runner_up: _Option | None) -> Plan:
    """The admission plan of ``option``, naming the runner-up's figure."""
    return Plan(option.estimate.path, option.distillation, option.estimate,
                strategy=option.strategy,
                runner_up=None if runner_up is None else runner_up.figure())
