"""Running a scenario's workload of pair requests on fixed paths.

Each request is served along its path (given in the scenario, or the best
candidate by its analytic estimate, chosen once at the start) by a
:class:`~qdcnet.network.service.PathService`. The result has one row per
request (what it asked, what the model predicted, what the simulation
delivered, with standard errors) and one row per segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qdcnet.config.scenario import RequestConfig
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.paths import PathEstimate
from qdcnet.network.service import PathService
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["RequestResult", "WorkloadResult", "run_workload"]


@dataclass
class RequestResult:
    request: RequestConfig
    estimate: PathEstimate
    service: PathService

    def row(self) -> dict[str, Any]:
        stats = self.service.stats
        start = stats.requested_ps / PS_PER_S

        def seconds(ps: int | None) -> float | None:
            return None if ps is None else ps / PS_PER_S - start

        served_for = self.service_time_s
        rate = stats.delivered / served_for if served_for else math.nan
        rate_se = math.sqrt(max(stats.delivered, 1)) / served_for if served_for else math.nan
        r = self.request
        return {
            "request": r.name,
            "src": r.src,
            "dst": r.dst,
            "path": list(self.service.path),
            "asked_pairs": r.pairs,
            "asked_rate_hz": r.rate,
            "min_fidelity": r.min_fidelity,
            "distillation": self.estimate.distillation,
            "estimated_rate_hz": self.estimate.rate_hz,
            "estimated_fidelity": self.estimate.fidelity,
            "estimated_latency_s": self.estimate.latency_s,
            "delivered": stats.delivered,
            "rate_hz": rate,
            "rate_se_hz": rate_se,
            "mean_fidelity": stats.mean_fidelity,
            "fidelity_se": stats.fidelity_standard_error,
            "wait_for_fabric_s": seconds(stats.granted_ps),
            "time_to_first_pair_s": seconds(stats.first_pair_ps),
            "completion_s": seconds(stats.completed_ps),
            "raw_pairs": stats.raw_pairs,
            "swaps": stats.swaps,
            "distillations": stats.distillations,
            "distillation_failures": stats.distillation_failures,
            "discarded": stats.discarded,
        }

    @property
    def service_time_s(self) -> float:
        stats = self.service.stats
        if stats.granted_ps is None:
            return 0.0
        end = stats.completed_ps if stats.completed_ps is not None else self.service.sim.now
        return (end - stats.granted_ps) / PS_PER_S


@dataclass
class WorkloadResult:
    datacenter: DataCenter
    duration_s: float
    requests: list[RequestResult]
    wall_events: int

    def request_rows(self) -> list[dict[str, Any]]:
        return [r.row() for r in self.requests]

    def segment_rows(self) -> list[dict[str, Any]]:
        rows = []
        for result in self.requests:
            for index, link in enumerate(result.service.links):
                stats = link.stats
                model = link.model
                route = result.service.routes[index]
                rows.append({
                    "request": result.request.name,
                    "segment": f"{route.a}~{route.b}",
                    "via": route.via,
                    "switches": list(route.arm_a.switches) + list(route.arm_b.switches),
                    "loss_db": route.loss_db,
                    "streams": model.num_streams,
                    "attempts": stats.attempts,
                    "heralds": stats.heralds,
                    "false_heralds": stats.false_heralds,
                    "success_probability": model.success_probability,
                    "measured_success_probability": (stats.heralds / stats.attempts
                                                     if stats.attempts else math.nan),
                })
        return rows


def _choose_path(dc: DataCenter, request: RequestConfig) -> PathEstimate:
    if request.path is not None:
        return dc.estimate(tuple(request.path), request.distillation)
    return dc.candidates(request.src, request.dst, distillation=request.distillation,
                         min_fidelity=request.min_fidelity)[0]


def run_workload(dc: DataCenter, *, duration_s: float | None = None) -> WorkloadResult:
    """Serve the scenario's workload for ``duration_s`` (default: the scenario's duration)."""
    duration = dc.scenario.duration if duration_s is None else duration_s
    results = []
    for request in dc.scenario.workload.requests:
        estimate = _choose_path(dc, request)
        service = PathService(dc, request.name, estimate.path, pairs=request.pairs,
                              distillation=request.distillation, request=request.name)
        results.append(RequestResult(request, estimate, service))
        dc.sim.schedule(s_to_ps(request.start), service.start)
        if request.duration is not None:
            dc.sim.schedule(s_to_ps(request.start + request.duration), service.stop)
    dc.sim.run(until=s_to_ps(duration))
    for result in results:
        if result.service.stats.completed_ps is None and result.service.stats.granted_ps:
            result.service.stop()
    return WorkloadResult(dc, duration, results, dc.sim.num_events)
