"""A workload of entanglement requests, submitted at their start times and served.

Each request is submitted from its source node at its start time; the
orchestrator admits (or refuses) it with an analytic plan, queues it under
its policy, reserves its fabric circuits and serves it. The result has a row
per request (what it asked, the plan, what it got, whether its QoS was met)
and the stock level over time per stocked node pair.

The workload is plain data (:class:`Workload`); scenario files become one at
the edge (:meth:`qdcnet.config.scenario.DataCenterScenario.workload`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from qdcnet.control.orchestrator import Orchestrator, OrchestratorSettings
from qdcnet.control.requests import EntanglementRequest, RequestHandle
from qdcnet.errors import check_range
from qdcnet.network.datacenter import DataCenter
from qdcnet.units import s_to_ps

__all__ = ["TimedRequest", "Workload", "WorkloadResult", "run_workload"]


@dataclass(frozen=True)
class TimedRequest:
    """A request and the simulated time (s) at which its source submits it."""

    start_s: float
    request: EntanglementRequest

    def __post_init__(self) -> None:
        check_range("start_s", self.start_s, 0.0)


@dataclass(frozen=True)
class Workload:
    """Requests in submission order, the orchestrator that serves them, the run's length."""

    requests: tuple[TimedRequest, ...] = ()
    orchestrator: OrchestratorSettings = field(default_factory=OrchestratorSettings)
    duration_s: float = 1.0

    def __post_init__(self) -> None:
        check_range("duration_s", self.duration_s, 0.0, low_open=True)


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


#: Steps a run with a progress callback is cut into (each a run of the kernel up
#: to the step's end: the events and their order are those of one long run).
PROGRESS_STEPS = 100


def run_workload(dc: DataCenter, workload: Workload, *, duration_s: float | None = None,
                 policy: str | None = None,
                 on_progress: Callable[[float], None] | None = None) -> WorkloadResult:
    """Submit every request at its start time and run for ``duration_s`` (default the workload's).

    ``policy`` replaces the workload's orchestrator policy by name;
    ``on_progress`` gets the simulated seconds done as the run advances.
    """
    duration = workload.duration_s if duration_s is None else duration_s
    check_range("duration_s", duration, 0.0, low_open=True)
    settings = workload.orchestrator if policy is None else replace(
        workload.orchestrator, policy=policy)
    orchestrator = Orchestrator.from_settings(dc, settings)
    handles: list[RequestHandle] = []

    def submit(timed: TimedRequest) -> None:
        handles.append(orchestrator.submit(timed.request))

    for timed in workload.requests:
        dc.sim.schedule(s_to_ps(timed.start_s), submit, timed)
    end_ps = s_to_ps(duration)
    if on_progress is None:
        dc.sim.run(until=end_ps)
    else:
        for step in range(1, PROGRESS_STEPS + 1):
            dc.sim.run(until=end_ps * step // PROGRESS_STEPS)
            on_progress(duration * step / PROGRESS_STEPS)
    return WorkloadResult(dc, orchestrator, duration, handles, dc.sim.num_events)
