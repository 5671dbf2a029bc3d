"""Jobs: a compiled program, a number of shots and a QoS, admitted, executed and measured.

:func:`admit_job` turns a :class:`Job` into a :class:`~qdcnet.schedule.Schedule`
(the prediction) or a :class:`JobRefused` with the reason: a minimum
fidelity the gates alone cannot reach, ebits the planner cannot supply at
the fidelity the error budget gives them, or a deadline the predicted
finish misses. :func:`start_job` runs an admitted job on the event kernel
with the orchestrator live; :func:`run_job` does both and runs the kernel.

Policies: ``jit`` asks the orchestrator for each ebit when its operation is
ready; ``prefetch`` and ``lookahead`` open one standing stream per QPU pair
(admitted once) and take pairs as soon as the communication qubits allow,
discarding a pair held so long that its expected fidelity would fall below
its target. Where standing streams cannot fit the communication qubits the
job runs just in time, and the result says so (:attr:`JobResult.supplier_note`).

Storage: where both QPUs of a pair have dedicated storage qubits, ``prefetch``
moves a pair that would wait into storage (:meth:`qdcnet.schedule.policies.Prefetch.place`),
and the runtime follows: the ebits the schedule stored are moved into storage
when they arrive before their operation is ready and a storage qubit is free
at both ends (:meth:`qdcnet.control.lease.PairLease.store`), freeing their
communication qubits for the next pairs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from qdcnet.compiler.program import DistributedProgram
from qdcnet.control.orchestrator import Orchestrator
from qdcnet.errors import ParameterError, QdcnetError, check_range
from qdcnet.network.datacenter import DataCenter
from qdcnet.runtime.executor import Execution, ExecutionError
from qdcnet.runtime.suppliers import JitSupplier, StreamSupplier, stream_widths
from qdcnet.runtime.trace import EbitUse, ShotTrace, idle_intervals
from qdcnet.schedule import Schedule, schedule_program
from qdcnet.schedule.policies import POLICIES, EbitPolicy, Prefetch
from qdcnet.schedule.supply import PairSupply, ScheduleRefused
from qdcnet.schedule.timing import ProgramTiming
from qdcnet.sim.statistics import standard_error
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["Job", "JobManager", "JobRecord", "JobRefused", "JobResult", "admit_job",
           "compile_job", "evaluate_fidelity", "execute", "nominal_trace", "predicted_total_ps",
           "run_job", "runtime_policy", "start_job", "supplier_policy"]


#: Samples a sampling engine draws for a workload job's fidelity and counts at most:
#: the standard error is then below 0.005, whatever the number of shots the job ran.
MAX_FIDELITY_SAMPLES = 10_000


class JobRefused(QdcnetError):
    """A job that will not be run, with the reason (like a refused request)."""

    code = "job_refused"


@dataclass(frozen=True)
class Job:
    """A program to run ``shots`` times, with its quality of service.

    ``deadline_s`` is counted from the job's submission; ``min_fidelity`` is
    the end-to-end fidelity the job asks for, split into a per-ebit target
    (:class:`~qdcnet.schedule.supply.ErrorBudget`).
    """

    program: DistributedProgram
    shots: int = 100
    policy: str = "prefetch"
    min_fidelity: float | None = None
    deadline_s: float | None = None
    name: str = "job"

    def __post_init__(self) -> None:
        if isinstance(self.shots, bool) or not isinstance(self.shots, int) or self.shots < 1:
            raise ParameterError("shots", self.shots, "an integer >= 1")
        if self.policy not in POLICIES:
            raise ParameterError("policy", self.policy, ", ".join(POLICIES))
        if self.min_fidelity is not None:
            check_range("min_fidelity", self.min_fidelity, 0.25, 1.0, low_open=True)
        if self.deadline_s is not None:
            check_range("deadline_s", self.deadline_s, 0.0, low_open=True)


def supplier_policy(job: Job, timing: ProgramTiming, *,
                    supplies: Mapping[tuple[str, str], PairSupply] | None = None
                    ) -> tuple[str, str]:
    """The policy the runtime can honour for ``job``, and why it differs (or "").

    ``prefetch`` and ``lookahead`` need standing streams; where they do not
    fit the communication qubits (:func:`~qdcnet.runtime.suppliers.stream_widths`)
    the job runs just in time, and is scheduled so. The runtime stores pairs
    where the schedule does (:func:`runtime_policy`), so storage needs no note;
    ``supplies`` is accepted for callers that pass the schedule's.
    """
    if job.policy == "jit" or not timing.ebits:
        return job.policy, ""
    widths = stream_widths(timing, {q.name: q.comm for q in job.program.qpus})
    if isinstance(widths, str):
        return "jit", f"standing streams do not fit ({widths}): ebits just in time"
    notes = []
    if job.policy == "lookahead":
        # A stream makes a pair as soon as its qubits are free; it cannot aim a pair at
        # the moment of use, so the job runs (and is predicted) as prefetch, and says so.
        notes.append("lookahead runs as prefetch: standing streams make each pair as "
                     "soon as their qubits are free (the schedule's lookahead timing "
                     "is an analysis, see qdcnet.schedule.policies)")
    return "prefetch", "; ".join(notes)


def runtime_policy(policy: str) -> str | EbitPolicy:
    """The schedule policy matching what the runtime does under ``policy``.

    The runtime moves pairs into dedicated storage where the schedule does
    (:class:`~qdcnet.runtime.executor.Execution`), so ``prefetch`` is
    scheduled with storage (``Prefetch()``).
    """
    return Prefetch() if policy == "prefetch" else policy


def admit_job(dc: DataCenter, job: Job, *, timing: ProgramTiming | None = None) -> Schedule:
    """The job's schedule (two shots, so the shot period is known), or :class:`JobRefused`.

    The schedule is made under the policy the runtime will use
    (:func:`supplier_policy`), so prediction and execution compare.
    """
    timing = timing or ProgramTiming.build(job.program, dc.ops, dc.classical.mean_latency_s)
    policy, _ = supplier_policy(job, timing)
    try:
        schedule = schedule_program(job.program, dc, policy=runtime_policy(policy),
                                    min_fidelity=job.min_fidelity, shots=min(job.shots, 2),
                                    timing=timing)
    except ScheduleRefused as exc:
        raise JobRefused(f"job {job.name}: {exc}") from None
    if job.deadline_s is not None:
        predicted = predicted_total_ps(schedule, job.shots)
        if predicted > s_to_ps(job.deadline_s):
            raise JobRefused(
                f"job {job.name}: {job.shots} shots are predicted to take "
                f"{predicted / PS_PER_S:.4g} s, beyond its deadline of {job.deadline_s:g} s "
                f"(one shot {schedule.makespan_ps / PS_PER_S:.4g} s, then one every "
                f"{(schedule.shot_period_ps or 0) / PS_PER_S:.4g} s)")
    if job.min_fidelity is not None and schedule.ebits:
        # The budget shares out gate and readout error only; idle decay and the pairs'
        # ageing show in the whole predicted shot, which must reach the minimum too.
        predicted = predicted_fidelity(dc, schedule, timing)
        if predicted is not None:
            value, error = predicted
            if value + 3 * error < job.min_fidelity:
                raise JobRefused(
                    f"job {job.name}: min_fidelity {job.min_fidelity:g} is out of reach: the "
                    f"schedule's first shot is predicted at fidelity {value:.4f}"
                    + (f" ± {error:.2g}" if error else "")
                    + " (gates, readout, the pairs' states at use and the qubits' idle "
                    "decay together)")
    return schedule


#: Samples a sampling engine draws for the fidelity a job is admitted on.
ADMISSION_SAMPLES = 2000


def predicted_fidelity(dc: DataCenter, schedule: Schedule, timing: ProgramTiming
                       ) -> tuple[float, float] | None:
    """The fidelity of the schedule's first shot (value, standard error), by the auto engine.

    ``None`` when the program has no single ideal state (mid-circuit measurement).
    """
    from qdcnet.runtime.engines import run_engine
    from qdcnet.runtime.noisy import build_noisy_circuit

    circuit = build_noisy_circuit(schedule.program, dc.ops, trace=nominal_trace(schedule),
                                  durations=timing.duration_ps)
    result = run_engine(circuit, engine="auto", shots=ADMISSION_SAMPLES,
                        rng=np.random.default_rng(dc.seed))
    if result.state_fidelity is None:
        return None
    return result.state_fidelity, result.state_fidelity_se or 0.0


def predicted_total_ps(schedule: Schedule, shots: int) -> int:
    """The predicted time for ``shots`` shots: the first, then one every shot period."""
    period = schedule.shot_period_ps if schedule.shot_period_ps is not None else \
        schedule.makespan_ps
    return schedule.makespan_ps + (shots - 1) * period


def nominal_trace(schedule: Schedule, shot: int = 0) -> ShotTrace:
    """The schedule's prediction of one shot as a trace (expected ebit states at use)."""
    start, end = schedule.shot_span_ps[shot]
    uses = tuple(EbitUse(e.index, e.qpus, e.logical, e.gen_ps, e.ready_ps, e.use_ps,
                         e.expected_state, needed_ps=e.need_ps)
                 for e in schedule.ebits if e.shot == shot)
    return ShotTrace(shot, start, end, schedule.instr_start_ps[shot], uses)


@dataclass
class JobResult:
    """What a job did: the prediction, every shot's trace, and the figures measured from them."""

    job: Job
    schedule: Schedule
    timing: ProgramTiming
    traces: list[ShotTrace]
    submitted_ps: int
    started_ps: int
    finished_ps: int | None
    supplier: str
    supplier_note: str = ""
    failure: str | None = None
    fidelity: Any = None  # EngineResult of the executed traces (see evaluate_fidelity)
    predicted_fidelity: Any = None  # EngineResult of the schedule's nominal trace
    wall_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def note(self) -> str:
        """What the job did differently from what it asked, and why (also while it runs)."""
        execution = self.extra.get("execution")
        degraded = getattr(getattr(execution, "supplier", None), "degraded", "")
        if degraded and degraded not in self.supplier_note:
            return "; ".join(x for x in (self.supplier_note, degraded) if x)
        return self.supplier_note

    @property
    def completed(self) -> bool:
        return self.failure is None and len(self.traces) == self.job.shots

    def makespans_s(self) -> list[float]:
        return [t.makespan_ps / PS_PER_S for t in self.traces]

    def summary(self) -> dict[str, Any]:
        """The figures a report shows: predicted against measured, ebit waits, ages, fidelities."""
        spans = self.makespans_s()
        uses = [u for t in self.traces for u in t.ebits]
        waits = [u.wait_ps / PS_PER_S for u in uses]
        ages = [u.age_ps / PS_PER_S for u in uses]
        fids = [u.fidelity for u in uses]
        total = (None if self.finished_ps is None
                 else (self.finished_ps - self.started_ps) / PS_PER_S)
        predicted_total = predicted_total_ps(self.schedule, self.job.shots) / PS_PER_S

        def mean_se(values: list[float]) -> dict[str, float | None]:
            if not values:
                return {"mean": None, "se": None}
            return {"mean": float(np.mean(values)),
                    "se": standard_error(values) if len(values) > 1 else None}

        return {
            "job": self.job.name, "shots": self.job.shots, "completed_shots": len(self.traces),
            "status": "completed" if self.completed else "failed",
            "failure": self.failure, "policy": self.job.policy, "supplier": self.supplier,
            "supplier_note": self.note or None,
            "predicted_makespan_s": self.schedule.makespan_ps / PS_PER_S,
            # The first shot is the one to compare: later shots overlap their neighbours.
            "measured_first_makespan_s": spans[0] if spans else None,
            "measured_makespan_s": mean_se(spans),
            "measured_shot_period_s": (
                (self.traces[-1].end_ps - self.traces[0].end_ps) / (len(self.traces) - 1)
                / PS_PER_S if len(self.traces) > 1 else None),
            "predicted_total_s": predicted_total, "measured_total_s": total,
            "time_to_start_s": (self.started_ps - self.submitted_ps) / PS_PER_S,
            "shot_period_s": (None if self.schedule.shot_period_ps is None
                              else self.schedule.shot_period_ps / PS_PER_S),
            "bounds": self.schedule.bounds.to_dict(), "ratio": self.schedule.ratio,
            "ebits_per_shot": len(self.timing.ebits),
            "ebit_wait_s": mean_se(waits), "ebit_age_s": mean_se(ages),
            "ebit_fidelity_at_use": mean_se(fids),
            "min_fidelity": self.job.min_fidelity,
            "min_fidelity_met": (
                None if self.job.min_fidelity is None or self.fidelity is None
                or self.fidelity.state_fidelity is None
                else self.fidelity.state_fidelity >= self.job.min_fidelity),
            "deadline_s": self.job.deadline_s,
            "deadline_met": (None if self.job.deadline_s is None else
                             self.finished_ps is not None and self.completed
                             and self.finished_ps - self.submitted_ps
                             <= s_to_ps(self.job.deadline_s)),
            # Wall-clock seconds are left out: a seeded result repeats byte for byte.
            "fidelity": _without_wall(self.fidelity),
            "predicted_fidelity": _without_wall(self.predicted_fidelity),
        }

    def shot_rows(self) -> list[dict[str, Any]]:
        """One row per shot: start, end, makespan, its ebits' waits, ages and fidelities, and
        each data qubit's total idle time in the shot."""
        rows = []
        for trace in self.traces:
            if not trace.instr_start_ps:  # a light trace (see FULL_TRACES)
                rows.append(trace.to_dict() | {"idle_ps": None})
                continue
            idle = idle_intervals(self.job.program, trace, self.timing.duration_ps)
            rows.append(trace.to_dict() | {"idle_ps": {
                f"{q}:{slot}": sum(end - start for start, end in spans)
                for (q, slot), spans in sorted(idle.items())}})
        return rows


def _without_wall(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    return {k: v for k, v in result.to_dict().items() if k != "wall_s"}


def start_job(dc: DataCenter, orchestrator: Orchestrator, job: Job, schedule: Schedule, *,
              timing: ProgramTiming | None = None, submitted_ps: int | None = None,
              on_done: Callable[[JobResult], None] | None = None) -> JobResult:
    """Start an admitted job now; its :class:`JobResult` fills in as the kernel runs."""
    timing = timing or ProgramTiming.build(job.program, dc.ops, dc.classical.mean_latency_s)
    comm = {q.name: q.comm for q in job.program.qpus}
    targets = {pair: s.target_fidelity for pair, s in schedule.supplies.items()}
    policy, note = supplier_policy(job, timing, supplies=schedule.supplies)
    supplier: Any
    ages = {pair: _max_age_s(s) for pair, s in schedule.supplies.items()}
    if policy == "jit" or not timing.ebits:
        supplier = JitSupplier(orchestrator, targets, ages, name=job.name)
    else:
        widths = stream_widths(timing, comm)
        assert isinstance(widths, dict)  # supplier_policy checked that they fit
        widths = widen_streams(widths, schedule, comm)
        # A stream not granted within this (many first-pair latencies) waits for network
        # resources other work holds: the job then asks just in time instead.
        grace = 20 * max((s.first_pair_ps + s.request_overhead_ps
                          for s in schedule.supplies.values()), default=0) / PS_PER_S
        supplier = StreamSupplier(orchestrator, widths, targets, ages, name=job.name,
                                  grace_s=max(grace, 1e-3))
    now = dc.sim.now
    result = JobResult(job, schedule, timing, [], now if submitted_ps is None else submitted_ps,
                       now, None, type(supplier).__name__, note)

    def finished(execution: Execution) -> None:
        result.finished_ps = execution.finished_ps
        result.failure = execution.failure
        degraded = getattr(supplier, "degraded", "")
        if degraded:
            result.supplier_note = "; ".join(x for x in (result.supplier_note, degraded) if x)
        if execution.expired:
            result.extra["expired_pairs"] = execution.expired
        if execution.stored or execution.store_refused:
            result.extra["stored_pairs"] = execution.stored
            result.extra["store_refused"] = execution.store_refused
        if on_done is not None:
            on_done(result)

    # The schedule's per-ebit storage decision, followed every shot within each QPU's
    # dedicated storage qubits. Any scheduled shot's: the first shot's pairs seldom come
    # early (nothing runs before them), the pipelined shots' do; the executor stores a
    # pair only when it arrives before its operation is ready.
    stored = {p.index for p in schedule.ebits if p.stored}
    storage: dict[str, int] = {}
    for s in schedule.supplies.values():
        for q, slots in zip(s.qpus, s.storage_slots, strict=True):
            storage[q] = slots
    execution = Execution(dc.sim, timing, supplier, shots=job.shots, comm_qubits=comm,
                          name=job.name, on_shot=lambda trace: _keep(result, trace),
                          on_done=finished, stored_ebits=stored, storage=storage)
    result.extra["execution"] = execution
    execution.start()
    return result


#: Shots whose whole trace (every instruction's start) a job keeps: the first ones and
#: then evenly spread; the others keep their times and ebits only (memory stays bounded).
FULL_TRACES = 64


def _keep(result: JobResult, trace: ShotTrace) -> None:
    shots = result.job.shots
    stride = max(1, shots // FULL_TRACES)
    if trace.shot < FULL_TRACES // 2 or trace.shot % stride == 0 or trace.shot == shots - 1:
        result.traces.append(trace)
    else:
        result.traces.append(ShotTrace(trace.shot, trace.start_ps, trace.end_ps, (),
                                       trace.ebits))


def widen_streams(widths: dict[tuple[str, str], int], schedule: Schedule,
                  comm: dict[str, int]) -> dict[tuple[str, str], int]:
    """Widths raised toward the schedule's concurrency across shots, within the qubits.

    :func:`~qdcnet.runtime.suppliers.stream_widths` gives what one shot needs
    (and so avoids deadlock); the schedule overlaps shots and may hold more
    pairs of a QPU pair at once. Spare communication qubits go, one at a
    time, to the pair furthest below its scheduled concurrency.
    """
    want: dict[tuple[str, str], int] = {}
    for pair in widths:
        spans = sorted((e.gen_ps, max(e.release_ps)) for e in schedule.ebits
                       if tuple(sorted(e.qpus)) == pair)
        events = sorted([(t0, 1) for t0, _ in spans] + [(t1, -1) for _, t1 in spans],
                        key=lambda x: (x[0], x[1]))
        level = peak = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        want[pair] = peak
    out = dict(widths)
    while True:
        free = {q: comm.get(q, 0) - sum(w for p, w in out.items() if q in p) for q in comm}
        short = [p for p in out if out[p] < want[p] and free.get(p[0], 0) > 0
                 and free.get(p[1], 0) > 0]
        if not short:
            return out
        pair = max(short, key=lambda p: (want[p] - out[p], p))
        out[pair] += 1


def _max_age_s(supply: Any) -> float | None:
    if supply.target_fidelity is None:
        return None
    hold = supply.hold_max_ps
    if hold <= 0:
        return None  # the pair is below target at delivery: the planner would not allow it
    return hold / PS_PER_S if hold < 10**18 else None


def run_job(dc: DataCenter, job: Job, *, orchestrator: Orchestrator | None = None,
            until_s: float | None = None, engine: str | None = "auto",
            fidelity_shots: int = 8, fidelity_samples: int = 4000, seed: int | None = None,
            on_progress: Callable[[int], None] | None = None) -> JobResult:
    """Admit ``job``, run it on ``dc`` until it ends, and measure its fidelity.

    ``until_s`` bounds the simulated time (default: ten times the predicted
    total, at least one second). ``engine`` (see
    :func:`qdcnet.runtime.engines.choose_engine`; None skips the physics)
    evaluates the first ``fidelity_shots`` executed traces and the schedule's
    nominal trace, sampling engines with ``max(shots, fidelity_samples)`` samples
    so the fidelity's error bar does not depend on how few shots the job ran.
    Raises :class:`JobRefused` before anything runs.
    """
    wall = time.perf_counter()
    timing = ProgramTiming.build(job.program, dc.ops, dc.classical.mean_latency_s)
    schedule = admit_job(dc, job, timing=timing)
    orchestrator = orchestrator or Orchestrator(dc)
    result = start_job(dc, orchestrator, job, schedule, timing=timing)
    execution: Execution = result.extra["execution"]
    predicted = predicted_total_ps(schedule, job.shots)
    limit = s_to_ps(until_s) if until_s is not None else max(10 * predicted, s_to_ps(1.0))
    end = dc.sim.now + limit
    step = max(limit // 100, 1)
    while not execution.finished and dc.sim.now < end:
        dc.sim.run(until=min(dc.sim.now + step, end))
        if on_progress is not None:
            on_progress(len(result.traces))
        if dc.sim.peek() is None:
            break  # nothing left to happen: the job is stuck (check_finished says why)
    if not execution.finished:
        execution.abort(f"not finished after {limit / PS_PER_S:.4g} simulated s "
                        f"({len(result.traces)} of {job.shots} shots)")
    try:
        execution.check_finished()
    except ExecutionError as exc:
        result.failure = str(exc)
    if engine is not None and result.traces:
        result.fidelity, result.predicted_fidelity = evaluate_fidelity(
            dc, result, engine=engine, traces=fidelity_shots, seed=seed,
            samples=max(job.shots, fidelity_samples))
    result.wall_s = time.perf_counter() - wall
    return result


def evaluate_fidelity(dc: DataCenter, result: JobResult, *, engine: str = "auto",
                      traces: int = 8, seed: int | None = None,
                      samples: int | None = None) -> tuple[Any, Any]:
    """The end-to-end fidelity of the executed shots, and of the schedule's prediction.

    The first ``traces`` executed shots are each turned into a noisy circuit
    (their own idle times and ebit states) and run on one engine; the
    ``samples`` (default: the job's shots) are shared among them. Exact engines
    give the exact mixture over those traces (fidelity, distribution, TVD).
    """
    from qdcnet.runtime.engines import EngineResult, run_engine, total_variation
    from qdcnet.runtime.noisy import build_noisy_circuit

    program = result.job.program
    durations = result.timing.duration_ps
    rng = np.random.default_rng(seed if seed is not None else dc.seed)
    # Traces spread over the run: the first shots are the pipeline's start-up, not typical.
    full = [t for t in result.traces if t.instr_start_ps]
    count = min(max(1, traces), len(full))
    picks = sorted({round(float(x)) for x in np.linspace(0, len(full) - 1, count)})
    chosen = [full[k] for k in picks]
    shots = result.job.shots if samples is None else samples
    parts = []
    for k, trace in enumerate(chosen):
        circuit = build_noisy_circuit(program, dc.ops, trace=trace, durations=durations)
        share = shots // len(chosen) + (1 if k < shots % len(chosen) else 0)
        parts.append(run_engine(circuit, engine=engine, shots=max(share, 1), rng=rng))
    measured = _combine(parts, EngineResult, total_variation)
    nominal = build_noisy_circuit(program, dc.ops, trace=nominal_trace(result.schedule),
                                  durations=durations)
    predicted = run_engine(nominal, engine=measured.engine, shots=shots, rng=rng)
    return measured, predicted


def _combine(parts: list[Any], result_type: Any, tvd: Callable[..., float]) -> Any:
    """Several shots' engine results as one: mean fidelity, mixed distribution, summed counts."""
    if len(parts) == 1:
        return parts[0]
    fids = [p.state_fidelity for p in parts]
    fidelity = None if any(f is None for f in fids) else float(np.mean(fids))
    if fidelity is None:
        se = None
    else:
        # The mean over traces: their spread (timing differs shot to shot) plus, for
        # sampling engines, each trace's own sampling error.
        between = standard_error(fids) ** 2
        ses = [p.state_fidelity_se or 0.0 for p in parts]
        within = sum(s * s for s in ses) / len(parts) ** 2
        se = math.sqrt(between + within)
    distribution = ideal = None
    if all(p.distribution is not None for p in parts):
        distribution, ideal = {}, {}
        for p in parts:
            for x, w in p.distribution.items():
                distribution[x] = distribution.get(x, 0.0) + w / len(parts)
            for x, w in (p.ideal_distribution or {}).items():
                ideal[x] = ideal.get(x, 0.0) + w / len(parts)
    counts: dict[str, int] = {}
    ideal_counts: dict[str, int] = {}
    for p in parts:
        for x, n in p.counts.items():
            counts[x] = counts.get(x, 0) + n
        for x, n in p.ideal_counts.items():
            ideal_counts[x] = ideal_counts.get(x, 0) + n
    return result_type(
        engine=parts[0].engine, exact=all(p.exact for p in parts),
        shots=sum(p.shots for p in parts), state_fidelity=fidelity, state_fidelity_se=se,
        tvd=None if distribution is None else tvd(distribution, ideal),
        distribution=distribution, ideal_distribution=ideal, counts=counts,
        ideal_counts=ideal_counts, wall_s=sum(p.wall_s for p in parts))


def execute(circuit: Any, dc: DataCenter, *, shots: int = 100, policy: str = "prefetch",
            min_fidelity: float | None = None, deadline_s: float | None = None,
            model: str = "fixed", engine: str | None = "auto", name: str | None = None,
            on_progress: Callable[[int], None] | None = None) -> JobResult:
    """Compile ``circuit`` for ``dc``'s QPUs and run it as one job: the Python API of
    ``qdcnet execute``.

    ``circuit`` is OpenQASM text, a path, a Qiskit circuit or a compiled
    :class:`~qdcnet.compiler.program.DistributedProgram`. The data center's
    seed seeds the compiler, the network and the physics alike.

    >>> from qdcnet.config.scenario import build_datacenter
    >>> from qdcnet.network.topology import star
    >>> layout = star(2, profile="trapped_ion_oxford", overrides={"qubits.data": 1})
    >>> dc = build_datacenter(layout, seed=1)
    >>> result = execute('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2];
    ... h q[0]; cx q[0],q[1]; measure q -> c;''', dc, shots=4, policy="jit")
    >>> result.completed, len(result.traces), result.fidelity.exact
    (True, 4, True)
    """
    from qdcnet.compiler import CompileTarget, compile_circuit

    if isinstance(circuit, DistributedProgram):
        program = circuit
    else:
        program = compile_circuit(circuit, CompileTarget.from_datacenter(dc), model=model,
                                  seed=dc.seed).program
    job = Job(program, shots=shots, policy=policy, min_fidelity=min_fidelity,
              deadline_s=deadline_s, name=name or program.name)
    return run_job(dc, job, engine=engine, seed=dc.seed, on_progress=on_progress)


def compile_job(dc: DataCenter, timed: Any) -> Job:
    """The :class:`Job` of a workload entry (:class:`~qdcnet.runtime.workload.TimedJob`),
    compiled for ``dc``'s QPUs with the data center's seed."""
    from qdcnet.compiler import CompileTarget, compile_circuit

    if isinstance(timed.circuit, DistributedProgram):
        program = timed.circuit
    else:
        program = compile_circuit(timed.circuit, CompileTarget.from_datacenter(dc),
                                  model=timed.model, seed=dc.seed).program
    return Job(program, shots=timed.shots, policy=timed.policy,
               min_fidelity=timed.min_fidelity, deadline_s=timed.deadline_s, name=timed.name)


@dataclass
class JobRecord:
    """One submitted job in a :class:`JobManager`: its status, reason and result."""

    job: Job
    submitted_ps: int
    status: str = "submitted"  # refused, queued, running, completed, failed
    reason: str = ""
    schedule: Schedule | None = None
    result: JobResult | None = None

    @cached_property
    def qpus(self) -> frozenset[str]:
        """The QPUs the job's program runs instructions on (held for its whole run)."""
        return frozenset(q.name for q in self.job.program.qpus
                         if any(ins.qpu == q.name for op in self.job.program.operations
                                for ins in op.instructions))

    @property
    def deadline_met(self) -> bool | None:
        if self.job.deadline_s is None:
            return None
        if self.result is None or self.result.finished_ps is None or not self.result.completed:
            return False
        return self.result.finished_ps - self.submitted_ps <= s_to_ps(self.job.deadline_s)

    def row(self) -> dict[str, Any]:
        """The job's line in a workload report."""
        row: dict[str, Any] = {"job": self.job.name, "status": self.status,
                               "reason": self.reason or None, "shots": self.job.shots,
                               "policy": self.job.policy, "deadline_met": self.deadline_met,
                               "submitted_s": self.submitted_ps / PS_PER_S}
        if self.result is not None:
            row |= {k: v for k, v in self.result.summary().items()
                    if k not in ("job", "shots", "policy", "status", "failure")}
        return row


class JobManager:
    """Jobs on one data center: admitted on submission, each given its QPUs to itself.

    A job whose QPUs are busy with another job waits; waiting jobs start in
    submission order as QPUs free up (one that fits may pass one that does
    not yet). Jobs share the network (and its communication qubits) with each
    other and with entanglement requests, through the one orchestrator.
    """

    def __init__(self, dc: DataCenter, orchestrator: Orchestrator, *,
                 engine: str | None = "auto", fidelity_shots: int = 4,
                 on_change: Callable[[JobRecord], None] | None = None) -> None:
        self.dc = dc
        self.orchestrator = orchestrator
        self.engine = engine
        self.fidelity_shots = fidelity_shots
        #: Called whenever a job's status changes (refused, queued, running, and its end).
        self.on_change = on_change
        self.records: list[JobRecord] = []
        self._waiting: list[JobRecord] = []
        self._busy: set[str] = set()

    def submit(self, job: Job) -> JobRecord:
        """Admit ``job`` now (or refuse it, with the reason) and start it when its QPUs are free."""
        record = JobRecord(job, self.dc.sim.now)
        self.records.append(record)
        try:
            record.schedule = admit_job(self.dc, job)
        except JobRefused as exc:
            record.status, record.reason = "refused", str(exc)
            self._changed(record)
            return record
        record.status = "queued"
        self._waiting.append(record)
        self._changed(record)
        self._start_ready()
        return record

    def cancel(self, record: JobRecord, reason: str = "cancelled") -> bool:
        """Withdraw a queued job or stop a running one (its leases go back); False if it had
        already ended."""
        if record.status == "queued":
            self._waiting.remove(record)
            record.status, record.reason = "cancelled", reason
            self._changed(record)
            return True
        if record.status == "running" and record.result is not None:
            record.status = "cancelled"  # read by _done, which the abort calls
            record.result.extra["execution"].abort(reason)
            return True
        return False

    def _changed(self, record: JobRecord) -> None:
        if self.on_change is not None:
            self.on_change(record)

    def _start_ready(self) -> None:
        for record in list(self._waiting):
            if record.qpus & self._busy:
                continue
            self._waiting.remove(record)
            self._busy |= record.qpus
            record.status = "running"
            assert record.schedule is not None
            record.result = start_job(self.dc, self.orchestrator, record.job, record.schedule,
                                      submitted_ps=record.submitted_ps,
                                      on_done=lambda result, r=record: self._done(r, result))
            self._changed(record)

    def _done(self, record: JobRecord, result: JobResult) -> None:
        self._busy -= record.qpus
        if record.status != "cancelled":
            record.status = "completed" if result.completed else "failed"
        record.reason = result.failure or ""
        self._changed(record)
        self._start_ready()

    def evaluate(self, record: JobRecord) -> None:
        """Compute a finished job's fidelity (measured and predicted) with this manager's engine."""
        result = record.result
        if result is not None and result.traces and self.engine is not None:
            result.fidelity, result.predicted_fidelity = evaluate_fidelity(
                self.dc, result, engine=self.engine, traces=self.fidelity_shots,
                seed=self.dc.seed, samples=min(max(record.job.shots, 1000),
                                               MAX_FIDELITY_SAMPLES))

    def finish(self) -> None:
        """After the run: note jobs still running or waiting, and compute the fidelities."""
        for record in self.records:
            if record.status in ("running", "queued"):
                record.reason = (f"still {record.status} when the run ended "
                                 f"({0 if record.result is None else len(record.result.traces)}"
                                 f" of {record.job.shots} shots)")
            self.evaluate(record)
