"""``qdcnet plot``: a metric of a sweep against one of its inputs, into the output folder.

The folder holds ``plot.png`` (each group's mean with a standard-error bar
from the repetitions, one line per ``--hue`` value), ``plot.csv`` (the same
numbers) and ``result.json``. Rows with an error are left out and counted.
"""

from __future__ import annotations

import csv
from pathlib import Path

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


def run(results: Path, *, x: str, y: str, hue: str | None, log_x: bool, log_y: bool,
        out: Path | None, force: bool) -> None:
    from qdcnet.sweep.plots import aggregate, plot_series

    folder = OutputFolder.prepare(out, "plot", force=force, keep=[results])
    rows, journal = _rows(results)
    series, info = aggregate(rows, x, y, hue)
    if not any(line.points for line in series):
        raise ParameterError("--y", y, f"a metric with values: none of the {len(rows)} rows "
                             f"has both {info['x']} and {info['y']}")
    study = next((row.get("study") for row in rows), None)
    with folder.staging() as stage:
        plot_series(series, info, stage / PLOT_FILE, log_x=log_x, log_y=log_y,
                    title=f"sweep {study}" if study else None)
        with (stage / TABLE_FILE).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([info["hue"] or "hue", info["x"], f"mean {info['y']}",
                             "standard error", "repetitions"])
            for line in series:
                for x_value, mean, se, n in line.points:
                    writer.writerow([line.hue, x_value, mean, "" if n < 2 else se, n])
        document = result_document(
            kind="plot", seed=None,  # type: ignore[arg-type]  # nothing random is drawn
            scenario={"results": str(journal), "x": x, "y": y, "hue": hue,
                      "log_x": log_x, "log_y": log_y},
            results=info | {"series": [{"hue": line.hue, "points": [
                {"x": p[0], "mean": p[1], "standard_error": None if p[3] < 2 else p[2],
                 "repetitions": p[3]} for p in line.points]} for line in series]})
        write_json(stage / RESULT_FILE, document)
    from rich.markup import escape

    console = make_console()
    points = sum(len(line.points) for line in series)
    # Column names hold [selectors]: escaped, or rich reads them as markup.
    console.print(f"[bold]plot[/bold]: {escape(info['y'])} against {escape(info['x'])}"
                  + (f" by {escape(info['hue'])}" if info["hue"] else "")
                  + f", {points} points from {info['rows']} rows ({info['failed_rows']} with "
                  f"an error, {info['rows_without_values']} without the values, left out)")
    report_written(folder, document, [PLOT_FILE, TABLE_FILE, RESULT_FILE])
