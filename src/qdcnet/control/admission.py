"""Admission: an analytic plan for a request, or a refusal that says why.

For each candidate path (k shortest in segments, or the request's pinned
path) and each distillation plan (the request's pinned one, else 0 to
``max_rounds`` rounds of the orchestrator's protocol and mode), the
:class:`~qdcnet.network.paths.PathModel` predicts rate and fidelity. The
plan meets the request's fidelity with the highest rate; a request whose
rate, fidelity or deadline no plan can meet is refused with the best figure
the network could offer.

A plan depends on the request only through :func:`plan_key` (and, for a
request with a deadline, on the time it is planned): requests with equal
keys get the same plan, which lets the orchestrator reuse it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qdcnet.control.requests import EntanglementRequest, Plan
from qdcnet.errors import QdcnetError
from qdcnet.network.distillation import DistillationMode, DistillationPlan, DistillationProtocol
from qdcnet.network.strategies import Strategy

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["PLAN_SAMPLES", "Admission", "Refusal", "plan_key", "plan_request", "rehearsal_pairs"]

#: Replicas of the sampled path estimate behind one plan. Admission plans
#: while requests wait, so it takes a fifth of the 20,000 a report's
#: estimate takes. Measured over 20 sampling seeds: the rate's relative
#: standard deviation is 1.3% (three-node Oxford chain) and 1.9% (cross-rack
#: leaf-spine path), the fidelity's at most 1.2e-4, with and without a DEJMPS
#: round: well inside the 10% / 0.01 admission accuracy the orchestrator is
#: held to.
PLAN_SAMPLES = 4000


def rehearsal_pairs(samples: int) -> int:
    """Pairs of a rehearsal at the effort ``samples`` asks of the analytic estimate
    (REHEARSAL_PAIRS at PLAN_SAMPLES, in proportion, at least 50)."""
    from qdcnet.network.datacenter import REHEARSAL_PAIRS

    return max(50, round(REHEARSAL_PAIRS * samples / PLAN_SAMPLES))


#: Fields of a request that never change its plan: who it is and how urgent
#: it is matter to the queue, not to the path or the distillation; the amount
#: matters only with a deadline, and such requests are planned afresh.
_PLAN_INDEPENDENT = frozenset({"name", "priority", "weight", "num_pairs", "duration_s"})


@dataclass(frozen=True)
class Refusal:
    reason: str
    #: The highest fidelity any plan reached, when the fidelity was what failed.
    best_fidelity: float | None = None


@dataclass(frozen=True)
class Admission:
    plan: Plan


def plan_key(request: EntanglementRequest) -> Hashable | None:
    """What a request's plan depends on, or ``None`` when it must be planned afresh.

    Every field of the request is in the key except those in
    ``_PLAN_INDEPENDENT`` (a field added later is in it by default); a
    request with a deadline depends on the time it is planned and is never
    shared.

    >>> a = EntanglementRequest("q0", "q1", num_pairs=5, name="a", priority=3)
    >>> plan_key(a) == plan_key(EntanglementRequest("q0", "q1", num_pairs=9))
    True
    >>> plan_key(a) == plan_key(EntanglementRequest("q0", "q1", num_pairs=5,
    ...                                             path=("q0", "q1")))
    False
    """
    if request.deadline_s is not None:
        return None
    return tuple((f.name, getattr(request, f.name)) for f in dataclasses.fields(request)
                 if f.name not in _PLAN_INDEPENDENT)


def _label(plan: DistillationPlan) -> str:
    return f"after {plan.label()}" if plan.rounds else plan.label()


def plan_request(
    dc: DataCenter,
    request: EntanglementRequest,
    *,
    now_s: float = 0.0,
    max_rounds: int = 3,
    k_paths: int = 3,
    protocol: DistillationProtocol = DistillationProtocol.DEJMPS,
    mode: DistillationMode = DistillationMode.RECURRENCE,
    samples: int = PLAN_SAMPLES,
    search: bool | tuple[str, ...] = True,
) -> Admission | Refusal:
    """The best plan for ``request``, or why there is none.

    A request that pins its distillation gets exactly that (or a refusal);
    otherwise 0 to ``max_rounds`` rounds of ``protocol`` in ``mode`` are
    considered. A request that pins its strategy gets that strategy; with
    ``search`` (the default) admission also searches the strategies when
    the default one needs distillation or falls short of the fidelity
    (:mod:`qdcnet.control.strategy_search`), and the plan names the
    runner-up. ``search`` may also name the dimensions to search
    (:data:`~qdcnet.control.strategy_search.DIMENSIONS`).
    """
    if request.distillation is not None:
        choices = [request.distillation]
    else:
        choices = [DistillationPlan(rounds, protocol, mode) for rounds in range(max_rounds + 1)]
    try:
        if request.path is not None:
            paths = [request.path]
        elif dc.segment_graph.has_edge(request.src, request.dst):
            # A direct segment first; other paths only if it cannot serve.
            paths = [(request.src, request.dst)]
        else:
            paths = dc.paths(request.src, request.dst, k=k_paths)
    except QdcnetError as exc:
        return Refusal(str(exc))
    if request.strategy is not None and not request.strategy.is_default:
        return _pinned_strategy(dc, request, paths, now_s, choices)
    decision = _best(dc, request, paths, now_s, choices, samples)
    if (isinstance(decision, Refusal) and request.path is None and len(paths) == 1
            and len(paths[0]) == 2):
        more = [p for p in dc.paths(request.src, request.dst, k=k_paths) if len(p) > 2]
        if more:
            wider = _best(dc, request, paths + more, now_s, choices, samples)
            if not isinstance(wider, Refusal):
                return wider
    if search and request.strategy is None and request.min_fidelity is not None:
        searched = _search(dc, request, paths, now_s, choices, decision, search)
        if searched is not None:
            return searched
    return decision


def _search(dc: DataCenter, request: EntanglementRequest, paths: list[tuple[str, ...]],
            now_s: float, choices: list[DistillationPlan], decision: Admission | Refusal,
            search: bool | tuple[str, ...] = True) -> Admission | Refusal | None:
    """Admission over strategies (:mod:`.strategy_search`), or None to keep ``decision``.

    Only when the default strategy needs end-to-end distillation, or cannot
    meet the fidelity at all: a plan without distillation already serves
    the fidelity at the rate of raw pairs, which no strategy exceeds.
    """
    from qdcnet.control.strategy_search import DIMENSIONS, StrategySearch, to_plan

    dimensions = DIMENSIONS if search is True else tuple(search or ())
    if not dimensions:
        return None
    if isinstance(decision, Admission):
        if not decision.plan.distillation.rounds:
            return None
        path = decision.plan.path
    elif decision.best_fidelity is not None:
        path = max(paths, key=lambda p: _fidelity_or_zero(dc, p, request))
    else:
        return None
    if len(path) < 3:
        return None  # no relay: nothing for a swap order, pairing or cutoff to change
    choices = _storable(dc, request, choices)
    assert request.min_fidelity is not None
    best, runner_up = StrategySearch(dc, path, request.min_fidelity, choices,
                                     max_streams=request.streams, dimensions=dimensions).run()
    if best is None or not best.meets(request.min_fidelity):
        if isinstance(decision, Admission) or best is None:
            return None
        if decision.best_fidelity >= best.estimate.fidelity:
            return None
        return Refusal(f"min_fidelity {request.min_fidelity:g} unreachable between "
                       f"{request.src} and {request.dst}: best plan "
                       f"{best.estimate.fidelity:.3f} with {best.label()} on "
                       f"{' -> '.join(path)} (strategies searched)",
                       best_fidelity=best.estimate.fidelity)
    return _checked(request, to_plan(best, runner_up), now_s)


def _fidelity_or_zero(dc: DataCenter, path: tuple[str, ...], request: EntanglementRequest
                      ) -> float:
    try:
        return dc.estimate(path, max_streams=request.streams).fidelity
    except QdcnetError:
        return 0.0


def _storage_tight(plan: DistillationPlan, slots: int) -> bool:
    """Would the ends' storage turn pairs away under ``plan``? Then rehearse it.

    The analytic model never turns a pair away for want of a storage slot.
    The service does when the slots are full: one pair waits on each level
    and every round in progress holds two. Measured on the 4-node what-if
    chain with 2 recurrence rounds (2 s, seed 7): 4 slots dropped 359 of
    9,000 pairs (rate 11% under the model), 6 slots 17, 10 slots none; so a
    plan is rehearsed below 2 x rounds + 2 slots.
    """
    return bool(plan.rounds) and plan.mode is DistillationMode.RECURRENCE and (
        slots < 2 * plan.rounds + 2)


def _storable(dc: DataCenter, request: EntanglementRequest,
              choices: list[DistillationPlan]) -> list[DistillationPlan]:
    """The distillation plans the ends' storage slots can run without locking up."""
    slots = min(dc.ops[n].storage_slots for n in (request.src, request.dst))
    return [c for c in choices if c.storage_slots <= slots]


def _pinned_strategy(dc: DataCenter, request: EntanglementRequest,
                     paths: list[tuple[str, ...]], now_s: float,
                     choices: list[DistillationPlan]) -> Admission | Refusal:
    """A request that pins its strategy: that strategy, rehearsed, on each path."""
    from qdcnet.control.strategy_search import StrategySearch, better, to_plan
    from qdcnet.network.datacenter import REHEARSAL_PAIRS

    assert request.strategy is not None
    pinned = request.distillation
    if pinned is not None and [pinned] != _storable(dc, request, [pinned]):
        return Refusal(f"{pinned.label()} needs {pinned.storage_slots} storage slots at "
                       f"{request.src} and {request.dst}")
    choices = _storable(dc, request, choices)
    wanted = request.min_fidelity if request.min_fidelity is not None else 0.0
    best = None
    for path in paths:
        try:
            request.strategy.check_path(len(path) - 1)
        except QdcnetError as exc:
            return Refusal(f"strategy on {' -> '.join(path)}: {exc}")
        option = StrategySearch(dc, path, wanted, choices, max_streams=request.streams
                                ).evaluate(request.strategy, REHEARSAL_PAIRS)
        if better(option, best, wanted):
            best = option
    if best is None:
        return Refusal(f"no usable path between {request.src} and {request.dst}")
    if not best.meets(wanted):
        return Refusal(f"min_fidelity {wanted:g} unreachable between {request.src} and "
                       f"{request.dst} with {request.strategy.label()}: best plan "
                       f"{best.estimate.fidelity:.3f} ({best.label()})")
    return _checked(request, to_plan(best, None), now_s)


def _checked(request: EntanglementRequest, plan: Plan, now_s: float) -> Admission | Refusal:
    """``plan``, unless the request's rate or deadline refuses it."""
    if request.rate_hz is not None and plan.rate_hz < request.rate_hz:
        return Refusal(f"rate {request.rate_hz:g} pairs/s unreachable between {request.src} "
                       f"and {request.dst}: best plan {plan.rate_hz:.3g} pairs/s at "
                       f"F = {plan.fidelity:.3f}")
    if request.deadline_s is not None:
        wanted = request.pairs_wanted or 1  # a deadline needs an amount: never open-ended
        expected = now_s + plan.estimate.latency_s + (wanted - 1) / plan.rate_hz
        if expected > request.deadline_s or math.isnan(expected):
            return Refusal(f"deadline {request.deadline_s:g} s unreachable: {wanted}"
                           f" pairs at {plan.rate_hz:.3g}/s would finish near {expected:.4g} s "
                           "even with the fabric free")
    return Admission(plan)


def _best(
    dc: DataCenter, request: EntanglementRequest, paths: list[tuple[str, ...]], now_s: float,
    choices: list[DistillationPlan], samples: int,
) -> Admission | Refusal:
    pinned = request.distillation
    slots = min(dc.ops[n].storage_slots for n in (request.src, request.dst))
    if pinned is not None and pinned.storage_slots > slots:
        short = min((request.src, request.dst), key=lambda n: dc.ops[n].storage_slots)
        return Refusal(f"{pinned.label()} needs {pinned.storage_slots} storage slots at "
                       f"{request.src} and {request.dst} (one per waiting round, and one "
                       f"free); {short} has {dc.ops[short].storage_slots}")
    choices = _storable(dc, request, choices)
    options = []
    for path in paths:
        for choice in choices:
            try:
                if _storage_tight(choice, slots):
                    estimate = dc.rehearse(path, Strategy(), choice,
                                           pairs=rehearsal_pairs(samples),
                                           max_streams=request.streams)
                else:
                    estimate = dc.estimate(path, choice if choice.rounds else None,
                                           samples=samples, max_streams=request.streams)
            except QdcnetError:
                continue
            options.append(Plan(path, choice, estimate))
            if request.min_fidelity is not None and estimate.fidelity >= request.min_fidelity:
                break  # more rounds only lower the rate on this path
    if not options:
        return Refusal(f"no usable path between {request.src} and {request.dst}")
    wanted = request.min_fidelity
    good = [o for o in options if wanted is None or o.fidelity >= wanted]
    if not good:
        best = max(options, key=lambda o: o.fidelity)
        return Refusal(f"min_fidelity {wanted:g} unreachable between {request.src} and "
                       f"{request.dst}: best plan {best.fidelity:.3f} "
                       f"{_label(best.distillation)} on "
                       f"{' -> '.join(best.path)}", best_fidelity=best.fidelity)
    return _checked(request, max(good, key=lambda o: o.rate_hz), now_s)
