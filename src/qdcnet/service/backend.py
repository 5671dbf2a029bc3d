"""What the service drives: a :class:`Backend` (submit, cancel, events), and the simulated one.

The service owns time and the journal; a backend owns the data center. It
takes submissions the service has already validated and journaled, and
reports what happens to them as :class:`BackendEvent` objects in the order
they happen. :class:`SimulatedBackend` is today's one implementation: a
:class:`~qdcnet.network.DataCenter` with its
:class:`~qdcnet.control.orchestrator.Orchestrator` and
:class:`~qdcnet.runtime.jobs.JobManager`, run on the event kernel. A driver
for real hardware would implement the same protocol, with
:meth:`Backend.advance` waiting for the wall clock instead of simulating.

Every event is produced inside a kernel callback, so a backend rebuilt from
the same seed and given the same inputs at the same simulated times emits
the same events, numbered the same: that is what lets the service replay its
journal after a crash.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from qdcnet.config.scenario import DataCenterScenario, build_datacenter
from qdcnet.control.orchestrator import Orchestrator
from qdcnet.control.requests import EntanglementRequest, RequestHandle, RequestStatus
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.pair import EntangledPair
from qdcnet.runtime.jobs import Job, JobManager, JobRecord, predicted_total_ps
from qdcnet.schedule import Schedule
from qdcnet.service.schema import JobIn, RequestIn
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["Backend", "BackendEvent", "PreparedJob", "PreparedRequest", "SimulatedBackend",
           "json_safe"]

#: Statuses after which nothing more happens to a submission.
FINAL = frozenset({"refused", "completed", "expired", "cancelled", "failed", "interrupted"})


@dataclass(frozen=True)
class BackendEvent:
    """Something that happened to a submission (or the data center) at a simulated time."""

    seq: int
    time_ps: int
    kind: str
    submission: int | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedRequest:
    """A validated entanglement request; ``measure``: the basis each pair is measured in
    at delivery (measure-directly), ``None``: create and keep."""

    request: EntanglementRequest
    max_time_s: float | None = None
    measure: str | None = None
    purpose_id: int = 0


@dataclass(frozen=True)
class PreparedJob:
    """A job compiled for the data center (its deadline counts from its admission)."""

    job: Job
    purpose_id: int = 0
    tenant: str | None = None


@runtime_checkable
class Backend(Protocol):
    """The interface between the service and a data center, simulated or real."""

    def now_ps(self) -> int:
        """The backend's current time (ps)."""
        ...

    def next_event_ps(self) -> int | None:
        """When something next happens without new input (``None``: nothing pending)."""
        ...

    def advance(self, until_ps: int) -> None:
        """Let time pass up to ``until_ps``; events produced go to :meth:`drain`."""
        ...

    def submit(self, submission_id: int, prepared: PreparedRequest | PreparedJob) -> None:
        """Hand over a journaled submission now; its decision comes as an event."""
        ...

    def cancel(self, submission_id: int) -> bool:
        """Withdraw a submission; False if it had already ended (or is unknown)."""
        ...

    def drain(self) -> list[BackendEvent]:
        """The events produced since the last call, in order."""
        ...

    def progress(self, submission_id: int) -> dict[str, Any] | None:
        """Live figures of a submission still running (``None``: not known or ended)."""
        ...

    def set_quota(self, tenant: str, quota: Mapping[str, float] | None) -> None:
        """A tenant's quotas from now on (``pairs_per_s``, ``pairs_burst``,
        ``concurrent_jobs``), applied when its next input enters, live and on replay."""
        ...

    def topology(self) -> dict[str, Any]:
        """Nodes (with drawing positions) and links, for the live page."""
        ...

    def telemetry(self) -> dict[str, Any]:
        """Each link's use and pair fidelity now (reading it changes nothing)."""
        ...

    def gantt(self, submission_id: int) -> dict[str, Any] | None:
        """A job's Gantt chart (``None`` until it has a schedule)."""
        ...


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as ``None`` and tuples as lists (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return str(value)


def request_plan(handle: RequestHandle) -> dict[str, Any] | None:
    plan = handle.plan
    if plan is None:
        return None
    return json_safe({"path": list(plan.path), "distillation_rounds": plan.distillation_rounds,
                      "protocol": plan.protocol if plan.distillation_rounds else None,
                      "strategy": plan.strategy.label(), "rate_hz": plan.rate_hz,
                      "fidelity": plan.fidelity, "describe": plan.describe()})


def job_plan(schedule: Schedule, shots: int) -> dict[str, Any]:
    """What admission predicts for a job of ``shots`` shots (the schedule places a few
    shots and repeats its period)."""
    period = schedule.shot_period_ps
    return json_safe({
        "policy": schedule.policy, "shots": shots,
        "predicted_makespan_s": schedule.makespan_ps / PS_PER_S,
        "predicted_total_s": predicted_total_ps(schedule, shots) / PS_PER_S,
        "shot_period_s": None if period is None else period / PS_PER_S,
        "ebits_per_shot": sum(1 for e in schedule.ebits if e.shot == 0),
        "bounds": schedule.bounds.to_dict(), "ratio": schedule.ratio,
        "qpu_pairs": ["-".join(pair) for pair in schedule.supplies],
    })


class SimulatedBackend:
    """The simulated data center of a scenario, behind the :class:`Backend` interface.

    >>> from qdcnet.network.topology import star
    >>> from qdcnet.config.scenario import validate_document
    >>> backend = SimulatedBackend(validate_document(star(2, profile="trapped_ion_oxford")),
    ...                            seed=3)
    >>> backend.submit(1, PreparedRequest(EntanglementRequest("qpu0", "qpu1", num_pairs=2)))
    >>> backend.advance(backend.now_ps() + 10**12)
    >>> [e.kind for e in backend.drain()]
    ['request.admitted', 'request.pair', 'request.pair', 'request.finished']
    """

    def __init__(self, scenario: DataCenterScenario, *, seed: int | None = None,
                 engine: str | None = "auto") -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.dc = build_datacenter(scenario, seed=self.seed)
        self.sim = self.dc.sim
        # A service runs for long: a finished request must leave nothing behind (its
        # record is the database's), or memory and the collector's pauses grow with it.
        self.orchestrator = Orchestrator.from_settings(self.dc, scenario.orchestrator_settings(),
                                                       keep_handles=False)
        self.jobs = JobManager(self.dc, self.orchestrator, engine=engine,
                               on_change=self._job_changed)
        self._events: list[BackendEvent] = []
        self._seq = 0
        self._requests: dict[int, tuple[RequestHandle, PreparedRequest]] = {}
        self._job_records: dict[int, JobRecord] = {}
        self._record_ids: dict[int, int] = {}  # id(record) -> submission
        self._admitting = 0
        self._pending_jobs: dict[int, PreparedJob] = {}
        #: Tenants' concurrent-jobs quotas: each tenant's jobs admitted and not ended (or
        #: about to be admitted), and its line of jobs held until one of those ends.
        self._job_limits: dict[str, int] = {}
        self._jobs_in: dict[str, set[int]] = {}
        self._job_line: dict[str, deque[int]] = {}
        self._tenant_of_job: dict[int, str] = {}
        self._held_since: dict[int, int] = {}
        self._measured: dict[int, dict[str, list[int]]] = {}
        self._measure_rng = self.sim.rng("service.measure-directly")
        #: Per fibre: pairs delivered over it and a moving mean of their fidelity.
        self._fiber_pairs: dict[tuple[str, str], list[float]] = {}
        self._fibers_of: dict[int, tuple[tuple[str, str], ...]] = {}

    # -- the Backend protocol -----------------------------------------------------------

    def prepare(self, kind: str, body: Mapping[str, Any], *, tenant: str | None = None,
                max_qubits: int | None = None, max_depth: int | None = None
                ) -> PreparedRequest | PreparedJob:
        """Check a submission's body against this data center and build what it asks for.

        Raises :class:`~qdcnet.errors.QdcnetError` naming the field (unknown node, a
        circuit that does not parse or fit, or is wider or deeper than ``max_qubits`` or
        ``max_depth``, checked before it is compiled): the service answers 422 and
        journals nothing. A job's circuit is compiled here (it may take a while: call it
        off the loop). ``tenant`` tags a request for the dispatcher's quotas.
        """
        try:
            return self._prepare(kind, body, tenant, max_qubits, max_depth)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ())) or kind
            raise ParameterError(where, first.get("input"), first.get("msg", "")) from None

    def _prepare(self, kind: str, body: Mapping[str, Any], tenant: str | None,
                 max_qubits: int | None, max_depth: int | None
                 ) -> PreparedRequest | PreparedJob:
        if kind == "request":
            model = RequestIn.model_validate(dict(body))
            fabric = self.dc.fabric
            for where, node in (("src", model.src), ("dst", model.dst)):
                try:
                    fabric.check_node(node, memory=True)
                except QdcnetError as exc:
                    raise ParameterError(where, node, "a QPU or memory bank of the data "
                                         "center", str(exc)) from None
            request = EntanglementRequest(
                model.src, model.dst, num_pairs=model.pairs, rate_hz=model.rate,
                duration_s=model.duration, min_fidelity=model.min_fidelity,
                priority=model.priority, weight=model.weight, name=model.name,
                path=tuple(model.path) if model.path else None,
                distillation=model.distillation.plan() if model.distillation else None,
                strategy=model.strategy.strategy() if model.strategy else None,
                tenant=tenant)
            if request.path is not None:
                for node in request.path:
                    fabric.check_node(node)
            measure = None if model.type == "keep" else (model.basis or "random")
            return PreparedRequest(request, model.max_time, measure, model.purpose_id)
        if kind == "job":
            from qdcnet.compiler import circuit_from_text
            from qdcnet.runtime.jobs import compile_job
            from qdcnet.runtime.workload import TimedJob

            job_model = JobIn.model_validate(dict(body))
            circuit = circuit_from_text(job_model.circuit, name=job_model.name or "job",
                                        where="circuit")
            if not circuit.gates:
                raise ParameterError("circuit", "(no gates)", "a circuit with gates or "
                                     "measurements")
            if max_qubits is not None and circuit.num_qubits > max_qubits:
                raise ParameterError("circuit", f"{circuit.num_qubits} qubits",
                                     f"at most max_circuit_qubits = {max_qubits} (the "
                                     "tenant's limit)")
            if max_depth is not None and circuit.depth() > max_depth:
                raise ParameterError("circuit", f"depth {circuit.depth()}",
                                     f"at most max_circuit_depth = {max_depth} (the "
                                     "tenant's limit)")
            job = compile_job(self.dc, TimedJob(
                0.0, circuit, shots=job_model.shots, policy=job_model.policy,
                min_fidelity=job_model.min_fidelity, deadline_s=job_model.max_time,
                model=job_model.model, name=job_model.name or circuit.name))
            return PreparedJob(job, job_model.purpose_id, tenant)
        raise ParameterError("kind", kind, "request or job")

    def set_quota(self, tenant: str, quota: Mapping[str, float] | None) -> None:
        """``tenant``'s quotas from now on (``None``: none): ``pairs_per_s`` (and
        ``pairs_burst``) for the dispatcher, ``concurrent_jobs`` for the job line."""
        quota = quota or {}
        pairs = quota.get("pairs_per_s")
        self.orchestrator.dispatcher.set_quota(tenant, pairs, None if pairs is None
                                               else quota.get("pairs_burst"))
        jobs = quota.get("concurrent_jobs")
        if jobs is None:
            self._job_limits.pop(tenant, None)
        else:
            self._job_limits[tenant] = int(jobs)
        self._next_in_line(tenant)

    def now_ps(self) -> int:
        return self.sim.now

    def next_event_ps(self) -> int | None:
        return self.sim.peek()

    def advance(self, until_ps: int) -> None:
        if until_ps > self.sim.now:
            self.sim.run(until=until_ps)

    def submit(self, submission_id: int, prepared: PreparedRequest | PreparedJob) -> None:
        if isinstance(prepared, PreparedRequest):
            self._submit_request(submission_id, prepared)
        else:
            # The control plane takes its processing time to admit a job, as for a request.
            self._pending_jobs[submission_id] = prepared
            self.sim.schedule(self.orchestrator.processing_ps, self._admit_job, submission_id)

    def can_cancel(self, submission_id: int) -> bool:
        """Whether :meth:`cancel` would withdraw something (no side effect)."""
        if submission_id in self._requests:
            return not self._requests[submission_id][0].finished
        if submission_id in self._pending_jobs:
            return True
        record = self._job_records.get(submission_id)
        return record is not None and record.status in ("queued", "running")

    def withdraw(self, submission_id: int, kind: str, reason: str) -> None:
        """Report a submission that ends before it enters (cancelled before its start)."""
        self._emit(f"{kind}.finished", submission_id,
                   {"status": "cancelled", "reason": reason, "result": None})

    def cancel(self, submission_id: int) -> bool:
        if submission_id in self._requests:
            handle, _ = self._requests[submission_id]
            if handle.finished:
                return False
            handle.reason = "cancelled by the client"
            handle.cancel()
            return True
        if submission_id in self._pending_jobs:
            prepared = self._pending_jobs.pop(submission_id)
            tenant = prepared.tenant or ""
            line = self._job_line.get(tenant)
            if line is not None and submission_id in line:
                line.remove(submission_id)
            self._held_since.pop(submission_id, None)
            self._emit("job.finished", submission_id, {
                "status": "cancelled", "reason": "cancelled by the client before admission",
                "result": None})
            if submission_id in self._jobs_in.get(tenant, ()):
                self._jobs_in[tenant].discard(submission_id)  # its slot was reserved
                self._next_in_line(tenant)
            return True
        record = self._job_records.get(submission_id)
        if record is None:
            return False
        return self.jobs.cancel(record, "cancelled by the client")

    def drain(self) -> list[BackendEvent]:
        out, self._events = self._events, []
        return out

    def progress(self, submission_id: int) -> dict[str, Any] | None:
        if submission_id in self._requests:
            handle, _ = self._requests[submission_id]
            out = {"status": handle.status.value, "delivered": handle.delivered,
                   "pairs_wanted": handle.request.pairs_wanted}
            quota = self.orchestrator.dispatcher.quota(handle.request.tenant)
            if quota is not None and not handle.finished:
                out["held_by_quota"] = quota["held"]
            return out
        record = self._job_records.get(submission_id)
        if record is None:
            prepared = self._pending_jobs.get(submission_id)
            if prepared is None:
                return None
            line = self._job_line.get(prepared.tenant or "")
            return {"status": "submitted",
                    "held_by_quota": line is not None and submission_id in line}
        execution = record.result.extra.get("execution") if record.result else None
        done = 0 if execution is None else len(execution.traces)
        return {"status": record.status, "completed_shots": done, "shots": record.job.shots}

    # -- requests -------------------------------------------------------------------------

    def _submit_request(self, submission_id: int, prepared: PreparedRequest) -> None:
        request = prepared.request
        if prepared.max_time_s is not None:
            # Dahlberg et al.'s max_time counts from submission: an absolute deadline here,
            # added in integer picoseconds (a float sum would lose them late in a run).
            deadline_ps = self.sim.now + max(1, s_to_ps(prepared.max_time_s))
            request = replace(request, deadline_s=deadline_ps / PS_PER_S)
        handle = self.orchestrator.submit(
            request, on_pair=lambda pair, sid=submission_id: self._pair(sid, pair),
            on_done=lambda h, sid=submission_id: self._request_done(sid, h))
        handle.on_decision = lambda h, sid=submission_id: self._decided(sid, h)
        self._requests[submission_id] = (handle, prepared)
        if prepared.measure is not None:
            self._measured[submission_id] = {"basis": [], "a": [], "b": []}

    def _decided(self, submission_id: int, handle: RequestHandle) -> None:
        if handle.status is RequestStatus.REFUSED:
            self._emit("request.refused", submission_id, {"reason": handle.reason})
            self._forget(submission_id)
        else:
            self._emit("request.admitted", submission_id, {"plan": request_plan(handle)})

    def _pair(self, submission_id: int, pair: EntangledPair) -> None:
        handle, prepared = self._requests[submission_id]
        now = self.sim.now
        fidelity = handle.fidelities[-1]
        fibers = self._fibers_of.get(submission_id)
        if fibers is None:
            fibers = self._fibers_of[submission_id] = self._fibers(handle)
        for fiber in fibers:
            record = self._fiber_pairs.get(fiber)
            if record is None:
                self._fiber_pairs[fiber] = [1.0, fidelity]
            else:
                record[0] += 1.0
                record[1] += FIDELITY_SMOOTHING * (fidelity - record[1])
        data: dict[str, Any] = {"n": handle.delivered, "purpose_id": prepared.purpose_id,
                                "fidelity": fidelity,
                                "ends": [str(pair.end_a), str(pair.end_b)]}
        if prepared.measure is not None:
            state = pair.consume(now).to_bell_diagonal()
            rng = self._measure_rng
            basis = prepared.measure if prepared.measure != "random" else "XYZ"[
                int(rng.integers(3))]
            a = int(rng.integers(2))
            agree = rng.random() < state.agreement(basis)
            b = a if agree else 1 - a
            record = self._measured[submission_id]
            record["basis"].append("XYZ".index(basis))
            record["a"].append(a)
            record["b"].append(b)
            data |= {"basis": basis, "outcome_a": a, "outcome_b": b}
        self._emit("request.pair", submission_id, data)

    def _request_done(self, submission_id: int, handle: RequestHandle) -> None:
        if handle.status is RequestStatus.REFUSED:
            return  # reported when decided
        result = json_safe(handle.metrics())
        measured = self._measured.pop(submission_id, None)
        if measured is not None:
            result["measurements"] = _measurement_summary(measured)
        self._emit("request.finished", submission_id, {
            "status": handle.status.value, "reason": handle.reason, "result": result})
        self._forget(submission_id)

    def _forget(self, submission_id: int) -> None:
        """A request has ended: from now on it is the service's record, not ours."""
        self._requests.pop(submission_id, None)
        self._fibers_of.pop(submission_id, None)
        self._measured.pop(submission_id, None)

    def _fibers(self, handle: RequestHandle) -> tuple[tuple[str, str], ...]:
        path = handle.plan.path if handle.plan is not None else ()
        fabric = self.dc.fabric
        fibers: set[tuple[str, str]] = set()
        for a, b in itertools.pairwise(path):
            fibers.update(fabric.route(a, b).fiber_counts)
        return tuple(sorted(fibers))

    # -- what the data center looks like -------------------------------------------------

    def topology(self) -> dict[str, Any]:
        """Nodes (name, kind, rack, communication qubits, a drawing position in [0, 1]^2)
        and links (the fibres: ends, length, channels)."""
        fabric = self.dc.fabric
        graph = fabric.graph
        racks = {n.name: n.rack for n in fabric.layout.memory_nodes}
        racks |= {s.name: s.rack for s in fabric.layout.switches}
        position = _positions(graph)
        nodes = [{"name": name, "kind": graph.nodes[name]["kind"], "rack": racks.get(name),
                  "communication_qubits": (fabric.communication_qubits(name)
                                           if name in racks and graph.nodes[name]["kind"]
                                           in ("qpu", "bank") else None),
                  "x": position[name][0], "y": position[name][1]} for name in graph.nodes]
        links = [{"id": _link_id(a, b), "a": a, "b": b, "length_m": data["length_m"],
                  "channels": data["channels"]}
                 for a, b, data in sorted(graph.edges(data=True))]
        return {"nodes": nodes, "links": links}

    def telemetry(self) -> dict[str, Any]:
        """Now: each link's channels in use and the fidelity of the pairs delivered over
        it (a moving mean), each node's communication qubits in use."""
        fabric = self.dc.fabric
        book = fabric.book
        links = {}
        for a, b, data in fabric.graph.edges(data=True):
            fiber = tuple(sorted((a, b)))
            capacity = data["channels"]
            used = capacity - book.free_fiber_channels(fiber)  # type: ignore[arg-type]
            pairs = self._fiber_pairs.get(fiber)  # type: ignore[arg-type]
            links[_link_id(a, b)] = {
                "in_use": used, "utilisation": used / capacity if capacity else 0.0,
                "pairs": 0 if pairs is None else int(pairs[0]),
                "fidelity": None if pairs is None else round(pairs[1], 6)}
        busy = fabric.busy_summary()["communication_qubits"]
        nodes = {name: {"in_use": used, "of": fabric.communication_qubits(name)}
                 for name, used in busy.items()}
        dispatcher = self.orchestrator.dispatcher
        return {"time_s": self.sim.now / PS_PER_S, "links": links, "nodes": nodes,
                "queued": len(dispatcher.queue), "serving": len(dispatcher.serving)}

    def gantt(self, submission_id: int) -> dict[str, Any] | None:
        """A job's Gantt chart: its first shot as scheduled (each operation on each QPU,
        each ebit from generation to use, seconds from the shot's start) and each shot as
        measured (simulated seconds); ``None`` until the job has a schedule."""
        record = self._job_records.get(submission_id)
        if record is None or record.schedule is None:
            return None
        schedule = record.schedule
        ops = [op for op in schedule.ops if op.shot == 0][:MAX_GANTT_OPS]
        ebits = [e for e in schedule.ebits if e.shot == 0][:MAX_GANTT_OPS]
        execution = record.result.extra.get("execution") if record.result else None
        traces = [] if execution is None else list(execution.traces)
        if len(traces) > MAX_GANTT_SHOTS:
            step = len(traces) / MAX_GANTT_SHOTS
            traces = [traces[int(i * step)] for i in range(MAX_GANTT_SHOTS)]
        return {
            "qpus": sorted({q for op in ops for q in op.qpus}),
            "planned": [{"op": op.op, "kind": op.kind, "qpus": list(op.qpus),
                         "start_s": op.start_ps / PS_PER_S, "end_s": op.end_ps / PS_PER_S}
                        for op in ops],
            "ebits": [{"qpus": list(e.qpus), "generated_s": e.gen_ps / PS_PER_S,
                       "used_s": e.use_ps / PS_PER_S} for e in ebits],
            "makespan_s": schedule.makespan_ps / PS_PER_S,
            "shots": [{"shot": t.shot, "start_s": t.start_ps / PS_PER_S,
                       "end_s": t.end_ps / PS_PER_S} for t in traces],
            "truncated": len(ops) < sum(1 for op in schedule.ops if op.shot == 0),
        }

    # -- jobs ---------------------------------------------------------------------------

    def _admit_job(self, submission_id: int) -> None:
        """The control plane takes a job: admitted now, or, when its tenant has as many
        jobs in as its ``concurrent_jobs`` quota, held in the tenant's line (an input of
        dispatching, like the pairs-per-second quota: the line moves as jobs end)."""
        prepared = self._pending_jobs.get(submission_id)
        if prepared is None:
            return  # cancelled before the control plane took it
        tenant = prepared.tenant or ""
        inside = self._jobs_in.setdefault(tenant, set())
        limit = self._job_limits.get(tenant)
        if limit is not None and submission_id not in inside and len(inside) >= limit:
            line = self._job_line.setdefault(tenant, deque())
            if len(line) >= JOB_LINE_MAX:
                del self._pending_jobs[submission_id]
                self._emit("job.refused", submission_id, {
                    "reason": f"tenant {tenant!r} already has {len(line)} jobs waiting "
                    f"behind its concurrent_jobs quota of {limit} (at most {JOB_LINE_MAX} "
                    "wait): submit again when some have ended"})
                return
            line.append(submission_id)
            self._held_since[submission_id] = self.sim.now
            self._emit("job.held", submission_id, {
                "reason": f"tenant {tenant!r} has {len(inside)} jobs in, its "
                f"concurrent_jobs quota: waits for one to end", "concurrent_jobs": limit,
                "position": len(line)})
            return
        job = prepared.job
        held_since = self._held_since.pop(submission_id, None)
        if held_since is not None and job.deadline_s is not None:
            # max_time counts from arrival: the wait in the line is part of it.
            left = job.deadline_s - (self.sim.now - held_since) / PS_PER_S
            if left <= 0:
                inside.discard(submission_id)
                del self._pending_jobs[submission_id]
                self._emit("job.refused", submission_id, {
                    "reason": f"its max_time of {job.deadline_s:g} s passed while it waited "
                    f"behind tenant {tenant!r}'s concurrent_jobs quota"})
                self._next_in_line(tenant)
                return
            job = replace(job, deadline_s=left)
        inside.add(submission_id)
        del self._pending_jobs[submission_id]
        self._tenant_of_job[submission_id] = tenant
        self._admitting = submission_id  # read by _job_changed while submit() runs
        self.jobs.submit(job)

    def _next_in_line(self, tenant: str) -> None:
        """Let the tenant's held jobs in while its quota allows (each slot reserved now,
        the job admitted by its own kernel event, never inside another job's callback)."""
        line = self._job_line.get(tenant)
        if not line:
            return
        inside = self._jobs_in.setdefault(tenant, set())
        limit = self._job_limits.get(tenant)
        while line and (limit is None or len(inside) < limit):
            submission_id = line.popleft()
            inside.add(submission_id)
            self.sim.schedule(0, self._admit_job, submission_id)

    def _job_changed(self, record: JobRecord) -> None:
        submission_id = self._record_ids.setdefault(id(record), self._admitting)
        self._job_records[submission_id] = record
        status = record.status
        if status not in ("queued", "running"):
            # Ended (or refused): its tenant's slot frees, the next held job goes in.
            tenant = self._tenant_of_job.pop(submission_id, None)
            if tenant is not None and submission_id in self._jobs_in.get(tenant, ()):
                self._jobs_in[tenant].discard(submission_id)
                self._next_in_line(tenant)
        if status == "refused":
            self._emit("job.refused", submission_id, {"reason": record.reason})
        elif status == "queued":
            assert record.schedule is not None
            self._emit("job.admitted", submission_id,
                       {"plan": job_plan(record.schedule, record.job.shots)})
        elif status == "running":
            self._emit("job.started", submission_id, {})
        else:
            self.jobs.evaluate(record)
            self._emit("job.finished", submission_id, {
                "status": status, "reason": record.reason,
                "result": json_safe(record.row())})

    # -- events -------------------------------------------------------------------------

    def _emit(self, kind: str, submission: int | None, data: dict[str, Any]) -> None:
        self._seq += 1
        # Producers hand over JSON-ready data (plans and results through json_safe); a
        # pair's figures are plain numbers, so the hot path skips the walk.
        self._events.append(BackendEvent(self._seq, self.sim.now, kind, submission, data))


#: Jobs a tenant may have waiting behind its concurrent_jobs quota (more are refused).
JOB_LINE_MAX = 100
#: Bounds of a Gantt chart's document: operations of the first shot, shots measured.
MAX_GANTT_OPS = 5000
MAX_GANTT_SHOTS = 500
#: Weight of the newest pair in a link's moving mean of fidelity.
FIDELITY_SMOOTHING = 0.05


def _link_id(a: str, b: str) -> str:
    return "~".join(sorted((a, b)))


def _positions(graph: Any) -> dict[str, tuple[float, float]]:
    """Where to draw each node, in [0, 1]^2, in layers from the bottom: QPUs and banks;
    the switches that face them (leaves), sources and converters; the other switches
    (spines); then each station just above what it hangs from. Within a layer, nodes
    sit above their neighbours (a leaf above its rack), then by name."""
    kinds = {name: data["kind"] for name, data in graph.nodes(data=True)}
    layer: dict[str, int] = {}
    for name, kind in kinds.items():
        if kind in ("qpu", "bank"):
            layer[name] = 0
        elif kind in ("source", "converter"):
            layer[name] = 1
        elif kind == "switch":
            faces_memory = any(kinds[n] in ("qpu", "bank") for n in graph.neighbors(name))
            layer[name] = 1 if faces_memory else 2
    for name, kind in kinds.items():
        if kind == "station":
            layer[name] = 1 + max((layer.get(n, 0) for n in graph.neighbors(name)), default=0)
    rows = sorted(set(layer.values()))
    out: dict[str, tuple[float, float]] = {}
    for row, level in enumerate(rows):
        names = sorted((n for n in layer if layer[n] == level),
                       key=lambda n: (_neighbour_rank(graph, n, out), n))
        y = 0.9 - 0.8 * row / max(1, len(rows) - 1)
        for i, name in enumerate(names):
            out[name] = (round((i + 0.5) / len(names), 4), round(y, 4))
    return out


def _neighbour_rank(graph: Any, name: str, placed: dict[str, tuple[float, float]]) -> float:
    """The mean x of a node's neighbours already placed (so a switch sits above its rack)."""
    xs = [placed[n][0] for n in graph.neighbors(name) if n in placed]
    return sum(xs) / len(xs) if xs else 0.5


def _measurement_summary(measured: dict[str, list[int]]) -> dict[str, Any]:
    """Per basis: pairs measured and the fraction whose outcomes disagree (the QBER in Z
    and X; in Y a Φ⁺ pair's outcomes always disagree)."""
    out: dict[str, Any] = {}
    for index, basis in enumerate("XYZ"):
        picks = [i for i, b in enumerate(measured["basis"]) if b == index]
        if not picks:
            continue
        differ = sum(measured["a"][i] != measured["b"][i] for i in picks)
        out[basis] = {"pairs": len(picks), "disagree_fraction": differ / len(picks)}
    return out
