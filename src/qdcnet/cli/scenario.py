"""``qdcnet validate`` and ``qdcnet run``: data-center scenario files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import load_scenario
from qdcnet.errors import QdcnetError
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.workload import run_workload
from qdcnet.report import result_document, write_json
from qdcnet.report.tables import format_number
from qdcnet.units import UnitError, to_si


def build(path: Path, seed: int | None = None) -> tuple[DataCenter, dict[str, Any]]:
    """Load, validate and assemble a scenario; every problem becomes a ScenarioError."""
    scenario, document = load_scenario(path)
    try:
        dc = DataCenter(scenario, seed=seed)
        from qdcnet.network.service import PathService

        for request in scenario.workload.requests:
            path = tuple(request.path) if request.path is not None else dc.paths(
                request.src, request.dst, k=1)[0]
            dc.path_model(path)
            # Constructing a service checks relays and storage without running it.
            service = PathService(dc, request.name, path, distillation=request.distillation)
            needed: dict[str, int] = {}
            for route in service.routes:
                for node in (route.a, route.b):
                    needed[node] = needed.get(node, 0) + 1
            for node, count in needed.items():
                have = dc.fabric.communication_qubits(node)
                if have < count:
                    raise QdcnetError(
                        f"request {request.name}: {node} takes part in {count} segments of "
                        f"path {' -> '.join(path)} but has {have} communication qubit(s)")
    except QdcnetError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return dc, document


def validate(path: Path) -> None:
    dc, _ = build(path)
    scenario = dc.scenario
    console = Console()
    kinds = scenario.node_kinds()
    counts = {kind: sum(1 for k in kinds.values() if k == kind)
              for kind in ("qpu", "bank", "switch", "station", "source", "converter")}
    console.print(f"[bold]{scenario.name}[/bold]: valid (schema {scenario.schema_version})")
    console.print("  " + ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items()
                                   if n))
    console.print(f"  {len(scenario.fibers)} fibres, {dc.segment_graph.number_of_edges()} "
                  "possible segments")
    for request in scenario.workload.requests:
        path = request.path or dc.paths(request.src, request.dst, k=1)[0]
        console.print(f"  request {request.name}: {' -> '.join(path)}")


def run(path: Path, *, duration: str | None, seed: int | None, json_path: Path | None) -> None:
    dc, document = build(path, seed)
    scenario = dc.scenario
    try:
        duration_s = to_si(duration, "time", name="--duration") if duration else scenario.duration
    except UnitError as exc:
        raise ScenarioError(str(exc)) from None
    if not scenario.workload.requests:
        raise ScenarioError(f"{path}: the workload has no requests to run")
    result = run_workload(dc, duration_s=duration_s)
    console = Console()
    console.print(f"[bold]{scenario.name}[/bold]: {format_number(duration_s)} s simulated, "
                  f"seed {dc.seed}, {result.wall_events:,} events")
    table = Table(title="Requests: estimate vs simulation", title_justify="left")
    for column in ("request", "path", "pairs", "rate est.", "rate sim.", "F est.", "F sim.",
                   "first pair [s]"):
        table.add_column(column, justify="left" if column in ("request", "path") else "right")
    rows = result.request_rows()
    for row in rows:
        fidelity = (f"{format_number(row['mean_fidelity'])} ± "
                    f"{format_number(row['fidelity_se'], 2)}")
        table.add_row(row["request"], " > ".join(row["path"]), str(row["delivered"]),
                      format_number(row["estimated_rate_hz"]),
                      f"{format_number(row['rate_hz'])} ± {format_number(row['rate_se_hz'], 2)}",
                      format_number(row["estimated_fidelity"]), fidelity,
                      format_number(row["time_to_first_pair_s"]))
    console.print(table)
    segments = result.segment_rows()
    seg_table = Table(title="Segments", title_justify="left")
    for column in ("request", "segment", "via", "loss [dB]", "streams", "attempts", "heralds",
                   "p model", "p measured"):
        seg_table.add_column(column)
    for row in segments:
        seg_table.add_row(row["request"], row["segment"], row["via"],
                          format_number(row["loss_db"]), str(row["streams"]),
                          f"{row['attempts']:,}", f"{row['heralds']:,}",
                          format_number(row["success_probability"]),
                          format_number(row["measured_success_probability"]))
    console.print(seg_table)
    if json_path is not None:
        document = dict(document) | {"duration": f"{duration_s} s", "seed": dc.seed}
        write_json(json_path, result_document(kind="run", seed=dc.seed, scenario=document,
                                              results={"requests": rows, "segments": segments,
                                                       "events": result.wall_events}))
        Console(stderr=True).print(f"wrote {json_path}")
