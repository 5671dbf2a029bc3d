"""``qdcnet sweep``: a study run on local processes or a Dask cluster, each task once.

Everything is checked before the first task runs: the options, the output
folder, the study and every task's scenario. The folder holds

- ``journal.jsonl``: one row per finished task (inputs, metrics or error,
  seed, repetition, version), appended by the driver as results come back;
- ``study.yaml``: the study as given;
- ``result.json``: what the last call did, with the versions and the study;
- ``parts/*.parquet``: the journal's rows, flat, a part per call (holding the rows
  no earlier part holds), when pyarrow is installed.

A folder that holds a sweep is finished with ``--resume`` (only the tasks
not in the journal run) or started again with ``--force``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report import RESULT_FILE, result_document, write_json
from qdcnet.report.output import OUTPUT_ROOT, machine_output_enabled
from qdcnet.report.tables import format_number, make_console

JOURNAL_FILE = "journal.jsonl"
STUDY_FILE = "study.yaml"
PARTS_FOLDER = "parts"
PLOTS_FOLDER = "plots"
#: What a sweep writes into its folder (``--force`` removes these and nothing else).
WRITTEN = (JOURNAL_FILE, STUDY_FILE, RESULT_FILE, PARTS_FOLDER, PLOTS_FOLDER)


def _folder(out: Path | None, study: str, *, resume: bool, force: bool, prefix: str,
            written: tuple[str, ...]) -> Path:
    folder = Path(out) if out is not None else OUTPUT_ROOT / f"{prefix}-{study}"
    shown = str(folder)
    if folder.exists() and not folder.is_dir():
        raise ParameterError("--out", shown, "a folder", "it exists and is a file")
    entries = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    foreign = [name for name in entries if name not in written]
    if resume:
        if force:
            raise ParameterError("--force", True, "not with --resume (--force starts again, "
                                 "--resume finishes what is there)")
        if JOURNAL_FILE not in entries:
            raise ParameterError("--resume", shown, f"a folder holding a {prefix}'s {JOURNAL_FILE}",
                                 "there is none: run without --resume to start")
        return folder
    if entries:
        if foreign:
            raise ParameterError("--out", shown, f"a new or empty folder, or one a {prefix} wrote",
                                 f"it holds files qdcnet did not write: {', '.join(foreign[:3])}")
        if not force:
            raise ParameterError("--out", shown, "a new or empty folder",
                                 f"it holds a {prefix}: add --resume to finish it or --force to "
                                 "start again")
    return folder


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("inputs", "metrics")}
    out.update({f"input:{k}": v for k, v in (row.get("inputs") or {}).items()})
    out.update({f"metric:{k}": v for k, v in (row.get("metrics") or {}).items()})
    return out


def _write_part(folder: Path, rows: list[dict[str, Any]]) -> str | None:
    """The journal's rows that no part holds yet (an interrupted call's too), as a new
    Parquet part; None without pyarrow or without such rows."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    parts = folder / PARTS_FOLDER
    parts.mkdir(exist_ok=True)
    existing = sorted(parts.glob("part-*.parquet"))
    covered = sum(pq.ParquetFile(path).metadata.num_rows for path in existing)
    rows = rows[covered:]
    if not rows:
        return None
    name = f"part-{len(existing):05d}.parquet"
    flat = [_flat(row) for row in rows]
    columns = {}
    for column in sorted({key for row in flat for key in row}):
        values = [_cell(row.get(column)) for row in flat]
        try:
            columns[column] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds: kept as text
            columns[column] = pa.array([None if v is None else str(v) for v in values])
    temporary = parts / f".{name}.tmp"
    pq.write_table(pa.table(columns), temporary)
    temporary.replace(parts / name)
    return f"{PARTS_FOLDER}/{name}"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    import json

    return json.dumps(value, default=str)


def prepare_folder(study_path: Path, study_name: str, *, out: Path | None, resume: bool,
                   force: bool, prefix: str = "sweep", written: tuple[str, ...] = WRITTEN
                   ) -> Path:
    """The output folder, checked; unless resuming, emptied of what a run wrote and given
    a copy of the study file."""
    folder = _folder(out, study_name, resume=resume, force=force, prefix=prefix,
                     written=written)
    if not resume and Path(study_path).resolve().is_relative_to(folder.resolve()):
        raise ParameterError("--out", str(folder), "a folder that does not hold the study",
                             f"starting again would delete {study_path}; copy it elsewhere")
    if not resume:
        for name in written:
            target = folder / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(study_path, folder / STUDY_FILE)
    return folder


def execute(study: Any, executor: Any, folder: Path, *, resume: bool, retry_failed: bool,
            quiet: bool, label: str) -> tuple[Any, list[dict[str, Any]]]:
    """Run the study's tasks into the folder's journal (progress on stderr); the summary
    and every row of the journal. Ctrl-C leaves the journal whole and exits 130."""
    from qdcnet.config.study_runs import run_task
    from qdcnet.sweep.driver import run_sweep, stderr_progress
    from qdcnet.sweep.journal import read_rows

    journal_path = folder / JOURNAL_FILE
    update, close = stderr_progress(label, quiet=quiet)
    try:
        summary = run_sweep(study, executor, journal_path, run_task, resume=resume,
                            retry_failed=retry_failed, progress=update)
    except KeyboardInterrupt:
        close()
        rows, _ = read_rows(journal_path)
        print(f"interrupted: {len(rows)} rows in {journal_path}; run again with --resume to "
              "finish", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        close()
    return summary, read_rows(journal_path)[0]


def print_summary(summary: Any, title: str) -> None:
    """The table of what a call ran, and its first errors."""
    from rich.markup import escape

    console = make_console()
    table = Table(title=title, title_justify="left")
    for column in ("tasks", "ran now", "already done", "failed", "wall \\[s]", "per task \\[s]"):
        table.add_column(column)
    table.add_row(str(summary.tasks), str(summary.ran), str(summary.skipped),
                  str(summary.failed), format_number(summary.wall_s),
                  format_number(summary.wall_s / summary.ran) if summary.ran else "-")
    console.print(table)
    for error in summary.errors:
        console.print(f"[red]failed[/red] {escape(error)}")  # paths hold [selectors]


def run(study_path: Path, *, out: Path | None, workers: int | None, dask: str | None,
        resume: bool, retry_failed: bool, force: bool, quiet: bool,
        quick: bool = False) -> None:
    from qdcnet.config.study import load_study
    from qdcnet.config.study_runs import PRELOAD
    from qdcnet.sweep.executors import executor_for

    if retry_failed and not resume:
        raise ParameterError("--retry-failed", True, "with --resume (it reruns the failed "
                             "tasks of a sweep already in the folder)")
    executor = executor_for(dask, workers, preload=PRELOAD)
    study = load_study(study_path, quick=quick)  # every task's scenario validated here
    folder = prepare_folder(study_path, study.name, out=out, resume=resume, force=force)
    summary, rows = execute(study, executor, folder, resume=resume, retry_failed=retry_failed,
                            quiet=quiet, label=f"sweep {study.name}")
    part = _write_part(folder, rows)
    print_summary(summary, f"sweep {study.name} ({study.kind}, {executor.describe()})")
    pictures = draw_plots(study, rows, folder)
    document = result_document(
        kind="sweep", seed=study.config.seed, scenario=study.config.model_dump(mode="json"),
        results={"tasks": summary.tasks, "ran": summary.ran, "skipped": summary.skipped,
                 "failed": summary.failed, "wall_s": summary.wall_s,
                 "executor": executor.describe(), "journal": JOURNAL_FILE,
                 "journal_rows": len(rows), "parquet_part": part, "quick": quick,
                 "plots": pictures, "first_errors": summary.errors})
    write_json(folder / RESULT_FILE, document)
    files = [JOURNAL_FILE, STUDY_FILE, RESULT_FILE] + ([part] if part else []) + pictures
    report_files(folder, document, files)


def draw_plots(study: Any, rows: list[dict[str, Any]], folder: Path) -> list[str]:
    """The study's plots, drawn from every finished row into ``plots/`` (paths returned).

    A plot none of whose metrics has a value yet (every task failed) is skipped with a
    line on stderr, not an error: the journal is what the sweep is for.
    """
    from qdcnet.sweep.plots import aggregate, plot_panels

    if not study.config.plots:
        return []
    latest = list({row["task_id"]: row for row in rows}.values())
    target = folder / PLOTS_FOLDER
    target.mkdir(exist_ok=True)
    drawn = []
    for plot in study.config.plots:
        try:
            panels = [aggregate(latest, plot.x, y, plot.hue, plot.where) for y in plot.y]
        except QdcnetError as exc:  # e.g. a where value a --quick run did not reach
            print(f"plot {plot.name}: skipped: {exc}", file=sys.stderr)
            continue
        if not any(line.points for series, _ in panels for line in series):
            print(f"plot {plot.name}: no row has values for it yet; skipped", file=sys.stderr)
            continue
        path = target / f"{plot.name}.png"
        where = ", ".join(f"{k} = {v}" for k, v in plot.where.items())
        plot_panels(panels, path, log_x=plot.log_x, log_y=plot.log_y,
                    title=f"sweep {study.name}" + (f" ({where})" if where else ""))
        drawn.append(f"{PLOTS_FOLDER}/{path.name}")
    return drawn


def report_files(folder: Path, document: dict[str, Any], files: list[str]) -> None:
    """The JSON document on stdout (machine output), else the files written on stderr."""
    if machine_output_enabled():
        import json

        sys.stdout.write(json.dumps(document | {"output_folder": str(folder), "files": files},
                                    default=str) + "\n")
    else:
        print(f"wrote {folder}: " + ", ".join(files), file=sys.stderr)


def merge(journals: list[Path], *, out: Path, force: bool) -> None:
    """Merge journals of one study into one, each task once (warnings on stderr)."""
    from qdcnet.sweep.journal import Journal, merge_rows, read_rows

    if out.exists() and not force:
        raise ParameterError("--out", str(out), "a new file", "it exists; add --force")
    sets = []
    for path in journals:
        if not path.is_file():
            raise ParameterError("JOURNAL", str(path), "a sweep's journal.jsonl file")
        sets.append(read_rows(path)[0])
    rows, warnings = merge_rows(sets)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.unlink(missing_ok=True)
    with Journal(temporary) as journal:
        for row in rows:
            journal.append(row)
    temporary.replace(out)
    print(f"wrote {out}: {len(rows)} rows from {sum(len(s) for s in sets)} in "
          f"{len(journals)} journal(s)", file=sys.stderr)
