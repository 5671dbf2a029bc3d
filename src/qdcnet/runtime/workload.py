"""A workload of entanglement requests and jobs, submitted at their start times and served.

Each request is submitted from its source node at its start time; the
orchestrator admits (or refuses) it with an analytic plan, queues it under
its policy, reserves its fabric circuits and serves it. Each job (a circuit,
shots and a QoS) is compiled for the data center before the run, submitted
at its start time to a :class:`~qdcnet.runtime.jobs.JobManager` (admitted
with a schedule or refused with the reason, then run with its QPUs to
itself), and takes its ebits from the same orchestrator, so jobs and
requests contend for links, switches and communication qubits. The result
has a row per request (what it asked, the plan, what it got, whether its
QoS was met), a row per job, and the stock level over time per stocked
node pair.

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

__all__ = ["TimedJob", "TimedRequest", "Workload", "WorkloadResult", "run_workload"]


@dataclass(frozen=True)
class TimedRequest:
    """A request and the simulated time (s) at which its source submits it."""

    start_s: float
    request: EntanglementRequest

    def __post_init__(self) -> None:
        check_range("start_s", self.start_s, 0.0)


@dataclass(frozen=True)
class TimedJob:
    """A circuit to run as a job, submitted at ``start_s`` (compiled for the data center).

    ``circuit`` is anything :func:`qdcnet.compiler.compile_circuit` reads (a
    loaded :class:`~qdcnet.compiler.ir.Circuit`, QASM text or path) or a
    compiled program; ``deadline_s`` counts from submission.
    """

    start_s: float
    circuit: Any
    shots: int = 100
    policy: str = "prefetch"
    min_fidelity: float | None = None
    deadline_s: float | None = None
    model: str = "fixed"
    name: str = "job"

    def __post_init__(self) -> None:
        check_range("start_s", self.start_s, 0.0)


@dataclass(frozen=True)
class Workload:
    """Requests and jobs in submission order, the orchestrator, the run's length."""

    requests: tuple[TimedRequest, ...] = ()
    orchestrator: OrchestratorSettings = field(default_factory=OrchestratorSettings)
    duration_s: float = 1.0
    jobs: tuple[TimedJob, ...] = ()

    def __post_init__(self) -> None:
        check_range("duration_s", self.duration_s, 0.0, low_open=True)


@dataclass
class WorkloadResult:
    datacenter: DataCenter
    orchestrator: Orchestrator
    duration_s: float
    handles: list[RequestHandle]
    events: int
    jobs: list[Any] = field(default_factory=list)  # JobRecord per submitted job

    def job_rows(self) -> list[dict[str, Any]]:
        return [record.row() for record in self.jobs]

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
                 on_progress: Callable[[float], None] | None = None,
                 engine: str | None = "auto") -> WorkloadResult:
    """Submit every request at its start time and run for ``duration_s`` (default the workload's).

    ``policy`` replaces the workload's orchestrator policy by name;
    ``on_progress`` gets the simulated seconds done as the run advances;
    ``engine`` computes the jobs' fidelities after the run (None: no physics).
    """
    duration = workload.duration_s if duration_s is None else duration_s
    check_range("duration_s", duration, 0.0, low_open=True)
    settings = workload.orchestrator if policy is None else replace(
        workload.orchestrator, policy=policy)
    orchestrator = Orchestrator.from_settings(dc, settings)
    handles: list[RequestHandle] = []
    manager = None
    if workload.jobs:
        from qdcnet.runtime.jobs import JobManager, compile_job

        # Compiled before the run: a circuit that does not fit fails before any work.
        compiled = [(timed, compile_job(dc, timed)) for timed in workload.jobs]
        manager = JobManager(dc, orchestrator, engine=engine)
        for timed, job in compiled:
            dc.sim.schedule(s_to_ps(timed.start_s), manager.submit, job)

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
    jobs = []
    if manager is not None:
        manager.finish()
        jobs = manager.records
    return WorkloadResult(dc, orchestrator, duration, handles, dc.sim.num_events, jobs)
