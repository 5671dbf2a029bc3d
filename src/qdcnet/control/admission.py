"""Admission: an analytic plan for a request, or a refusal that says why.

For each candidate path (k shortest in segments) and each number of
end-to-end distillation rounds (0 to ``max_rounds``, DEJMPS recurrence),
the :class:`~qdcnet.network.paths.PathModel` predicts rate and fidelity.
The plan meets the request's fidelity with the highest rate; a request
whose rate, fidelity or deadline no plan can meet is refused with the best
figure the network could offer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qdcnet.config.scenario import DistillationConfig
from qdcnet.control.requests import EntanglementRequest, Plan
from qdcnet.errors import QdcnetError

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["Admission", "Refusal", "plan_request"]


@dataclass(frozen=True)
class Refusal:
    reason: str


@dataclass(frozen=True)
class Admission:
    plan: Plan


def _rounds_label(rounds: int, protocol: str) -> str:
    return f"after {rounds} {protocol.upper()} round{'s' if rounds != 1 else ''}" if rounds \
        else "without distillation"


def plan_request(
    dc: DataCenter,
    request: EntanglementRequest,
    *,
    now_s: float = 0.0,
    max_rounds: int = 3,
    k_paths: int = 3,
    protocol: str = "dejmps",
    samples: int = 4000,
) -> Admission | Refusal:
    """The best plan for ``request``, or why there is none."""
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
    decision = _best(dc, request, paths, now_s, max_rounds, protocol, samples)
    if (isinstance(decision, Refusal) and request.path is None and len(paths) == 1
            and len(paths[0]) == 2):
        more = [p for p in dc.paths(request.src, request.dst, k=k_paths) if len(p) > 2]
        if more:
            wider = _best(dc, request, paths + more, now_s, max_rounds, protocol, samples)
            if not isinstance(wider, Refusal):
                return wider
    return decision


def _best(
    dc: DataCenter, request: EntanglementRequest, paths: list[tuple[str, ...]], now_s: float,
    max_rounds: int, protocol: str, samples: int,
) -> Admission | Refusal:
    storage_ok = all(dc.ops[n].storage_slots >= 2 for n in (request.src, request.dst))
    if request.distillation_rounds is not None:
        if request.distillation_rounds and not storage_ok:
            return Refusal(f"distillation needs 2 storage slots at {request.src} and "
                           f"{request.dst}")
        round_choices = [request.distillation_rounds]
    else:
        round_choices = list(range(max_rounds + 1 if storage_ok else 1))
    options = []
    for path in paths:
        for rounds in round_choices:
            plan = DistillationConfig(protocol=protocol, rounds=rounds) if rounds else None
            try:
                estimate = dc.estimate(path, plan, samples=samples)
            except QdcnetError:
                continue
            options.append(Plan(path, rounds, protocol, estimate))
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
                       f"{_rounds_label(best.distillation_rounds, best.protocol)} on "
                       f"{' -> '.join(best.path)}")
    plan = max(good, key=lambda o: o.rate_hz)
    if request.rate_hz is not None and plan.rate_hz < request.rate_hz:
        return Refusal(f"rate {request.rate_hz:g} pairs/s unreachable between {request.src} "
                       f"and {request.dst}: best plan {plan.rate_hz:.3g} pairs/s at "
                       f"F = {plan.fidelity:.3f}")
    if request.deadline_s is not None:
        expected = now_s + plan.estimate.latency_s + (request.pairs_wanted - 1) / plan.rate_hz
        if expected > request.deadline_s or math.isnan(expected):
            return Refusal(f"deadline {request.deadline_s:g} s unreachable: {request.pairs_wanted}"
                           f" pairs at {plan.rate_hz:.3g}/s would finish near {expected:.4g} s "
                           "even with the fabric free")
    return Admission(plan)
