"""``qdcnet execute``: a circuit compiled, scheduled and run shot by shot on a data center.

Everything is checked before any work (options, output folder, scenario,
circuit, admission); then the circuit is compiled, the job admitted against
its QoS (or refused with the reason), executed with the orchestrator live,
and its fidelity computed from the executed shots. The output folder holds

- ``result.json``: the prediction (schedule, bounds, ratio) against what
  was measured (makespan, ebit waits, ages and fidelities), the end-to-end
  fidelity with the engine that computed it, counts beside a noiseless
  baseline, and every shot's trace; with the seed, versions and scenario;
- ``timings.json``: wall-clock seconds (compile, run, physics);
- ``gantt_predicted.png`` and ``gantt_shot0.png``: the schedule's first
  shot and the first executed shot, QPU and link lanes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.table import Table

from qdcnet.cli.scenario import build
from qdcnet.errors import ParameterError
from qdcnet.report import (
    RESULT_FILE,
    TIMINGS_FILE,
    OutputFolder,
    report_written,
    result_document,
    write_json,
)
from qdcnet.report.progress import progress
from qdcnet.report.tables import format_number, format_standard_error, make_console
from qdcnet.units import to_duration_s

#: The most shots ``qdcnet execute`` runs in one job (each is a simulated shot with
#: its own trace kept in the result; the library has no such bound).
MAX_SHOTS = 100_000

#: Executed shots whose traces are turned into noisy circuits for the fidelity.
FIDELITY_TRACES = 8


def run(circuit: Path, *, scenario: Path, shots: int, policy: str, seed: int | None,
        min_fidelity: float | None, deadline: str | None, engine: str, model: str,
        out: Path | None, force: bool = False, quiet: bool = False) -> None:
    from qdcnet.compiler import CircuitError, CompileTarget, compile_circuit, load_circuit
    from qdcnet.report.gantt import plot_gantt
    from qdcnet.runtime.jobs import Job, admit_job, nominal_trace, run_job

    # Every option first: nothing is compiled or simulated for a bad one.
    if not 1 <= shots <= MAX_SHOTS:
        raise ParameterError("--shots", shots, f"an integer from 1 to {MAX_SHOTS}")
    if min_fidelity is not None and not 0.25 < min_fidelity <= 1.0:
        raise ParameterError("--min-fidelity", min_fidelity, "(0.25, 1]")
    deadline_s = to_duration_s(deadline, name="--deadline") if deadline is not None else None
    if deadline_s is not None and deadline_s <= 0:
        raise ParameterError("--deadline", deadline, "a positive duration")
    folder = OutputFolder.prepare(out, "execute", force=force, keep=[circuit, scenario])
    _, dc, document = build(scenario, seed)
    source = load_circuit(circuit)  # errors with line and column before any work
    if not source.gates:
        raise CircuitError(f"{circuit}: the circuit has {source.num_qubits} qubit(s) but no "
                           "gates or measurements: there is nothing to run")
    timings: dict[str, float] = {}
    wall = time.perf_counter()
    target = CompileTarget.from_datacenter(dc)
    with progress(f"compiling {source.name}", 1, quiet=quiet) as update:
        compiled = compile_circuit(
            source, target, model=model, seed=dc.seed,
            on_progress=None if update is None else
            lambda done, total, name: update(done / total))
    timings["compile_s"] = time.perf_counter() - wall
    program = compiled.program
    job = Job(program, shots=shots, policy=policy, min_fidelity=min_fidelity,
              deadline_s=deadline_s, name=source.name)
    admit_job(dc, job)  # a refusal is one line, before the run
    wall = time.perf_counter()
    with progress(f"{source.name}: {shots} shots ({policy})", shots, quiet=quiet) as update:
        result = run_job(dc, job, engine=engine, fidelity_shots=FIDELITY_TRACES, seed=dc.seed,
                         on_progress=update)
    timings["run_and_physics_s"] = time.perf_counter() - wall
    summary = result.summary()
    _print(result, summary, dc)
    document = dict(document) | {"seed": dc.seed}
    output = result_document(
        kind="execute", seed=dc.seed, scenario=document,
        results={"circuit": str(circuit), "settings": {
            "shots": shots, "policy": policy, "min_fidelity": min_fidelity,
            "deadline_s": deadline_s, "engine": engine, "model": model,
            "fidelity_traces": FIDELITY_TRACES},
            "compile": {k: v for k, v in compiled.summary().items() if k != "timings_s"},
            "summary": summary,
            "schedule": _schedule_summary(result.schedule),
            "shots": result.shot_rows()})
    with folder.staging() as stage:
        write_json(stage / RESULT_FILE, output)
        timings["physics_s"] = sum(r.wall_s for r in (result.fidelity,
                                                       result.predicted_fidelity) if r)
        write_json(stage / TIMINGS_FILE, {"kind": "execute-timings", "timings_s": timings,
                                          "job_wall_s": result.wall_s})
        files = [RESULT_FILE, TIMINGS_FILE]
        durations = result.timing.duration_ps
        plot_gantt(program, nominal_trace(result.schedule), durations,
                   stage / "gantt_predicted.png",
                   title=f"{program.name}: predicted first shot ({policy})")
        files.append("gantt_predicted.png")
        if result.traces:
            plot_gantt(program, result.traces[0], durations, stage / "gantt_shot0.png",
                       title=f"{program.name}: executed shot 0 ({policy})")
            files.append("gantt_shot0.png")
    report_written(folder, output, files)


def _schedule_summary(schedule: Any) -> dict[str, Any]:
    """The schedule without its per-operation rows (those are in the Gantt chart)."""
    full = schedule.to_dict()
    return {k: v for k, v in full.items() if k not in ("ops",)}


def _print(result: Any, summary: dict[str, Any], dc: Any) -> None:
    console = make_console()
    job = result.job
    console.print(f"[bold]{job.name}[/bold]: {job.shots} shots, policy {job.policy} "
                  f"({result.supplier}), seed {dc.seed}; {summary['ebits_per_shot']} ebits "
                  "per shot" + (f"; {result.note}" if result.note else ""))
    if result.failure:
        console.print(f"[red]failed[/red]: {result.failure}")
    table = Table(title="Predicted against measured", title_justify="left")
    for column in ("", "predicted", "measured"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("first shot \\[s]", format_number(summary["predicted_makespan_s"]),
                  format_number(summary["measured_first_makespan_s"]))
    table.add_row("each shot, start to end \\[s]", "", _mean_se(summary["measured_makespan_s"]))
    table.add_row("shot period (pipelined) \\[s]", format_number(summary["shot_period_s"]),
                  format_number(summary["measured_shot_period_s"]))
    table.add_row("all shots \\[s]", format_number(summary["predicted_total_s"]),
                  format_number(summary["measured_total_s"]))
    table.add_row("ebit wait \\[s]", "", _mean_se(summary["ebit_wait_s"]))
    table.add_row("ebit age at use \\[s]", "", _mean_se(summary["ebit_age_s"]))
    table.add_row("ebit fidelity at use", "", _mean_se(summary["ebit_fidelity_at_use"]))
    if result.fidelity is not None:
        fidelity = result.fidelity
        predicted = result.predicted_fidelity
        table.add_row(f"state fidelity ({fidelity.engine}"
                      + (", exact" if fidelity.exact else "") + ")",
                      _fidelity(predicted), _fidelity(fidelity))
        if fidelity.tvd is not None:
            table.add_row("distance to the ideal outputs (TVD)",
                          format_number(predicted.tvd) if predicted.tvd is not None else "",
                          format_number(fidelity.tvd))
    console.print(table)
    bounds = summary["bounds"]
    console.print(f"lower bounds: critical path with instant ebits "
                  f"{format_number(bounds['critical_path_ps'] / 1e12)} s; largest "
                  f"{format_number(bounds['largest_ps'] / 1e12)} s ({bounds['largest']}), "
                  f"for the {result.schedule.shots} scheduled shot(s); schedule / largest "
                  f"bound {format_number(summary['ratio'])}")


def _mean_se(value: dict[str, Any]) -> str:
    if value["mean"] is None:
        return "-"
    if value["se"] is None:
        return format_number(value["mean"])
    return f"{format_number(value['mean'])} ± {format_standard_error(value['se'], value['mean'])}"


def _fidelity(result: Any) -> str:
    if result is None or result.state_fidelity is None:
        return "-"
    if result.exact or not result.state_fidelity_se:
        return f"{result.state_fidelity:.4f}"
    error = format_standard_error(result.state_fidelity_se, result.state_fidelity)
    return f"{result.state_fidelity:.4f} ± {error}"
