"""``qdcnet plot``: a metric of a sweep against one of its inputs, into the output folder.

The folder holds ``plot.png`` (each group's mean with a standard-error bar
from the repetitions, one line per ``--hue`` value and ``--y`` metric),
``plot.csv`` (the same numbers) and ``result.json``. Rows with an error are
left out and counted; ``--where column=value`` keeps one slice of a grid.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.report import RESULT_FILE, OutputFolder, report_written, result_document, write_json
from qdcnet.report.tables import make_console

PLOT_FILE = "plot.png"
TABLE_FILE = "plot.csv"


def _rows(results: Path) -> tuple[list[dict], Path]:
    from qdcnet.sweep.journal import read_rows

    journal = results / "journal.jsonl" if results.is_dir() else results
    if not journal.is_file():
        raise ParameterError("RESULTS", str(results), "a sweep's folder or its journal.jsonl")
    # The last row of a task wins (a failed task rerun with --retry-failed).
    latest = {row["task_id"]: row for row in read_rows(journal)[0]}
    return list(latest.values()), journal


def _where(pairs: list[str]) -> dict[str, Any]:
    """``--where column=value`` options as a mapping (values read as YAML scalars)."""
    import yaml

    where: dict[str, Any] = {}
    for pair in pairs:
        column, sep, text = pair.partition("=")
        if not sep or not column.strip():
            raise ParameterError("--where", pair, "column=value, e.g. --where seam=0.01")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        where[column.strip()] = text if isinstance(value, list | dict) else value
    return where


def run(results: Path, *, x: str, y: list[str], hue: str | None, log_x: bool, log_y: bool,
        out: Path | None, force: bool, where: list[str] | None = None) -> None:
    from qdcnet.sweep.plots import aggregate, plot_panels

    folder = OutputFolder.prepare(out, "plot", force=force, keep=[results])
    rows, journal = _rows(results)
    selected = _where(where or [])
    panels = [aggregate(rows, x, metric, hue, selected) for metric in y]
    for metric, (series, info) in zip(y, panels, strict=True):
        if not any(line.points for line in series):
            raise ParameterError("--y", metric, f"a metric with values: none of the "
                                 f"{len(rows)} rows has both {info['x']} and {info['y']}")
    info = panels[0][1]
    study = next((row.get("study") for row in rows), None)
    sliced = ", ".join(f"{k} = {v}" for k, v in selected.items())
    title = " ".join(part for part in (f"sweep {study}" if study else "",
                                       f"({sliced})" if sliced else "") if part) or None
    with folder.staging() as stage:
        plot_panels(panels, stage / PLOT_FILE, log_x=log_x, log_y=log_y, title=title)
        with (stage / TABLE_FILE).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["metric", info["hue"] or "hue", info["x"], "mean",
                             "standard error", "repetitions"])
            for series, metric_info in panels:
                for line in series:
                    for x_value, mean, se, n in line.points:
                        writer.writerow([metric_info["y"], line.hue, x_value, mean,
                                         "" if n < 2 else se, n])
        document = result_document(
            kind="plot", seed=None,  # type: ignore[arg-type]  # nothing random is drawn
            scenario={"results": str(journal), "x": x, "y": y, "hue": hue, "where": selected,
                      "log_x": log_x, "log_y": log_y},
            results=info | {"metrics": [metric_info | {"series": [
                {"hue": line.hue, "points": [
                    {"x": p[0], "mean": p[1], "standard_error": None if p[3] < 2 else p[2],
                     "repetitions": p[3]} for p in line.points]} for line in series]}
                for series, metric_info in panels]})
        write_json(stage / RESULT_FILE, document)
    from rich.markup import escape

    console = make_console()
    points = sum(len(line.points) for series, _ in panels for line in series)
    names = ", ".join(escape(i["y"]) for _, i in panels)
    # Column names hold [selectors]: escaped, or rich reads them as markup.
    console.print(f"[bold]plot[/bold]: {names} against {escape(info['x'])}"
                  + (f" by {escape(info['hue'])}" if info["hue"] else "")
                  + (f" where {escape(sliced)}" if sliced else "")
                  + f", {points} points from {info['rows']} rows ({info['failed_rows']} with "
                  f"an error, {info['rows_without_values']} without the values, left out)")
    report_written(folder, document, [PLOT_FILE, TABLE_FILE, RESULT_FILE])
