"""``qdcnet validate`` and ``qdcnet run``: data-center scenario files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import DataCenterScenario, load_scenario
from qdcnet.errors import QdcnetError
from qdcnet.network.datacenter import DataCenter
from qdcnet.report import (
    RESULT_FILE,
    OutputFolder,
    report_written,
    result_document,
    write_json,
)
from qdcnet.report.progress import progress
from qdcnet.report.tables import format_number, format_standard_error, make_console
from qdcnet.runtime.workload import run_workload
from qdcnet.units import to_duration_s


def build(path: Path, seed: int | None = None
          ) -> tuple[DataCenterScenario, DataCenter, dict[str, Any]]:
    """Load, validate and assemble a scenario; every problem becomes a ScenarioError."""
    scenario, document = load_scenario(path)
    try:
        dc = DataCenter(scenario.layout(), seed=seed)
        from qdcnet.network.service import PathService

        for request in scenario.workload.requests:
            nodes = tuple(request.path) if request.path is not None else dc.paths(
                request.src, request.dst, k=1)[0]
            dc.path_model(nodes)
            # Constructing a service checks storage without running it.
            distillation = request.distillation.plan() if request.distillation else None
            service = PathService(dc, request.name, nodes, distillation=(
                distillation if distillation is not None and distillation.rounds else None),
                strategy=request.strategy.strategy() if request.strategy else None)
            try:
                dc.check_relays(service.routes)
            except QdcnetError as exc:
                raise QdcnetError(f"request {request.name} ({' -> '.join(nodes)}): {exc}"
                                  ) from None
    except QdcnetError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario, dc, document


def validate(path: Path) -> None:
    scenario, dc, _ = build(path)
    console = make_console()
    kinds = scenario.node_kinds()
    console.print(f"[bold]{scenario.name}[/bold]: valid (schema {scenario.schema_version})")
    console.print("  " + ", ".join(
        f"{n} {names[0] if n == 1 else names[1]}" for kind, names in _NODE_NAMES.items()
        if (n := sum(1 for k in kinds.values() if k == kind))))
    console.print(f"  {len(scenario.fibers)} fibres, {dc.segment_graph.number_of_edges()} "
                  "possible segments")
    for request in scenario.workload.requests:
        path = request.path or dc.paths(request.src, request.dst, k=1)[0]
        amount = " (open-ended)" if request.open_ended else ""
        console.print(f"  request {request.name}: {' -> '.join(path)}{amount}")


def _qos_cell(row: dict[str, Any]) -> str:
    if row["open_ended"]:
        # No amount to meet; its fidelity target (if any) is still judged.
        judged = {True: ", F met", False: ", F missed", None: ""}[row["fidelity_met"]]
        return f"open-ended{judged}"
    return "met" if row["qos_met"] else "missed"


#: How validate names each kind of node: one, many.
_NODE_NAMES = {"qpu": ("QPU", "QPUs"), "bank": ("memory bank", "memory banks"),
               "switch": ("switch", "switches"), "station": ("BSM station", "BSM stations"),
               "source": ("pair source", "pair sources"), "converter": ("converter", "converters")}


def run(path: Path, *, duration: str | None, seed: int | None, out: Path | None = None,
        force: bool = False, policy: str | None = None, quiet: bool = False) -> None:
    folder = OutputFolder.prepare(out, "run", force=force, keep=[path])  # before any work
    wanted_s = to_duration_s(duration, name="--duration") if duration else None
    scenario, dc, document = build(path, seed)
    duration_s = wanted_s if wanted_s is not None else scenario.duration
    if not scenario.workload.requests and not scenario.workload.jobs:
        raise ScenarioError(f"{path}: the workload has no requests or jobs to run")
    with progress(f"{scenario.name}: simulating {format_number(duration_s)} s", duration_s,
                  quiet=quiet) as update:
        result = run_workload(dc, scenario.to_workload(), duration_s=duration_s, policy=policy,
                              on_progress=update)
    console = make_console()
    summary = result.qos_summary()
    console.print(f"[bold]{scenario.name}[/bold]: {format_number(duration_s)} s simulated, "
                  f"seed {dc.seed}, policy {result.orchestrator.policy.name}, "
                  f"{result.events:,} events; QoS met for {summary['qos_met']} of "
                  f"{summary['requests'] - summary['open_ended']} requests "
                  f"({summary['refused']} refused"
                  + (f", {summary['open_ended']} open-ended, served until the end)"
                     if summary["open_ended"] else ")"))
    table = Table(title="Requests: plan vs what was delivered", title_justify="left")
    for column in ("request", "status", "plan", "pairs", "F", "first pair [s]", "done [s]",
                   "QoS"):
        table.add_column(column)
    rows = result.request_rows()
    for row in rows:
        fidelity = ("" if row["delivered"] == 0 else
                    f"{format_number(row['mean_fidelity'])} ± "
                    f"{format_standard_error(row['fidelity_se'], row['mean_fidelity'])}")
        handle = result.handles[rows.index(row)]
        table.add_row(row["request"], row["status"],
                      handle.plan.short() if handle.plan else row["reason"],
                      (f"{row['delivered']} (open)" if row["open_ended"]
                       else f"{row['delivered']}/{row['pairs_wanted']}"), fidelity,
                      format_number(row["time_to_first_pair_s"]),
                      format_number(row["time_to_completion_s"]),
                      _qos_cell(row))
    console.print(table)
    stock = result.orchestrator.stock_levels()
    for pair, history in stock.items():
        console.print(f"stock {pair}: {len(history)} changes, final level {history[-1][1]}")
    jobs = result.job_rows()
    if jobs:
        console.print(_jobs_table(jobs))
    document = dict(document) | {"duration": f"{duration_s} s", "seed": dc.seed}
    output = result_document(
        kind="run", seed=dc.seed, scenario=document,
        results={"summary": summary, "policy": result.orchestrator.policy.name,
                 "requests": rows, "jobs": jobs, "stock_levels": stock,
                 "events": result.events})
    with folder.staging() as stage:
        write_json(stage / RESULT_FILE, output)
    report_written(folder, output, [RESULT_FILE])


def _jobs_table(jobs: list[dict[str, Any]]) -> Table:
    table = Table(title="Jobs: predicted vs measured", title_justify="left")
    for column in ("job", "status", "shots", "waited \\[s]", "first shot predicted \\[s]",
                   "measured \\[s]", "all shots predicted \\[s]", "measured \\[s]",
                   "fidelity", "deadline"):
        table.add_column(column)
    for row in jobs:
        fidelity = row.get("fidelity") or {}
        value = fidelity.get("state_fidelity")
        deadline = {True: "met", False: "missed", None: "-"}[row["deadline_met"]]
        table.add_row(
            row["job"], row["status"] if not row["reason"] else f"{row['status']}: {row['reason']}",
            f"{row.get('completed_shots', 0)}/{row['shots']}",
            format_number(row.get("time_to_start_s")),
            format_number(row.get("predicted_makespan_s")),
            format_number(row.get("measured_first_makespan_s")),
            format_number(row.get("predicted_total_s")),
            format_number(row.get("measured_total_s")),
            "-" if value is None else f"{value:.4f} ({fidelity.get('engine')})", deadline)
    return table
