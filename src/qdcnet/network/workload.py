"""Running a scenario's workload through the orchestrator.

Each request of the scenario is submitted at its start time from its source
node; the orchestrator admits (or refuses) it with an analytic plan, queues
it under the scenario's policy, reserves its fabric circuits and serves it.
The result has a row per request (what it asked, the plan, what it got,
whether its QoS was met) and the stock level over time per stocked node pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qdcnet.config.scenario import RequestConfig
from qdcnet.network.datacenter import DataCenter
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator
    from qdcnet.control.requests import EntanglementRequest, RequestHandle

__all__ = ["WorkloadResult", "orchestrator_for", "request_from_config", "run_workload"]


def request_from_config(config: RequestConfig) -> EntanglementRequest:
    from qdcnet.control.requests import EntanglementRequest

    return EntanglementRequest(config.src, config.dst, num_pairs=config.pairs,
                               rate_hz=config.rate, duration_s=config.duration,
                               min_fidelity=config.min_fidelity, deadline_s=config.deadline,
                               priority=config.priority, weight=config.weight,
                               name=config.name,
                               path=tuple(config.path) if config.path else None,
                               distillation=(config.distillation.plan()
                                             if config.distillation else None))


def orchestrator_for(dc: DataCenter, policy: str | None = None) -> Orchestrator:
    """The orchestrator a scenario describes (policy name overridable)."""
    from qdcnet.control.orchestrator import Orchestrator, StockSpec
    from qdcnet.control.policies import policy_by_name

    config = dc.scenario.orchestrator
    name = policy or config.policy
    options = {"quantum_s": config.quantum} if name == "fair-share" and config.quantum else {}
    stock = [StockSpec(s.between[0], s.between[1], s.depth, s.cutoff) for s in config.stock]
    return Orchestrator(dc, policy=policy_by_name(name, **options), stock=stock,
                        max_rounds=config.max_rounds)


@dataclass
class WorkloadResult:
    datacenter: DataCenter
    orchestrator: Orchestrator
    duration_s: float
    handles: list[RequestHandle]
    events: int

    def request_rows(self) -> list[dict[str, Any]]:
        return [h.metrics() for h in self.handles]

    def qos_summary(self) -> dict[str, Any]:
        admitted = [h for h in self.handles if h.plan is not None]
        # Open-ended requests have no amount to meet: counted apart, not as misses.
        judged = [h for h in self.handles if not h.request.open_ended]
        met = sum(1 for h in judged if h.qos_met)
        return {"requests": len(self.handles), "admitted": len(admitted),
                "refused": len(self.handles) - len(admitted), "qos_met": met,
                "open_ended": len(self.handles) - len(judged),
                "qos_met_fraction": met / len(judged) if judged else None}


def run_workload(dc: DataCenter, *, duration_s: float | None = None,
                 policy: str | None = None) -> WorkloadResult:
    """Submit every request of the scenario at its start time and run for ``duration_s``."""
    duration = dc.scenario.duration if duration_s is None else duration_s
    orchestrator = orchestrator_for(dc, policy)
    handles: list[RequestHandle] = []

    def submit(config: RequestConfig) -> None:
        handles.append(orchestrator.submit(request_from_config(config)))

    for config in dc.scenario.workload.requests:
        dc.sim.schedule(s_to_ps(config.start), submit, config)
    dc.sim.run(until=s_to_ps(duration))
    return WorkloadResult(dc, orchestrator, duration, handles, dc.sim.num_events)
