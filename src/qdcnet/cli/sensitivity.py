"""``qdcnet sensitivity``: which component parameter, improved by k, helps most.

The study's tasks (the baseline and each variant, every repetition with the
same seed across variants) run as a sweep does, locally or on Dask, into a
journal in the output folder; ``--resume`` finishes an interrupted one. The
folder then holds

- ``journal.jsonl`` and ``study.yaml``, as a sweep's;
- ``sensitivity.csv``: the ranking, one row per parameter;
- ``tornado.png``: the figure of merit with each parameter improved (and
  worsened, with ``degrade: true``) around the baseline;
- ``result.json``: the ranking with every variant's values, the versions and
  the study.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from qdcnet.cli.sweep import (
    JOURNAL_FILE,
    STUDY_FILE,
    WRITTEN,
    execute,
    prepare_folder,
    print_summary,
    report_files,
)
from qdcnet.errors import ParameterError
from qdcnet.report import RESULT_FILE, result_document, write_json
from qdcnet.report.tables import format_number, make_console

TABLE_FILE = "sensitivity.csv"
TORNADO_FILE = "tornado.png"
OUTPUTS = (*WRITTEN, TABLE_FILE, TORNADO_FILE)


def _ci(effect: Any) -> str:
    low, high = effect.ci
    if low != low:  # NaN: one repetition
        return "-"
    return f"[{format_number(low)}, {format_number(high)}]"


def _percent(value: float) -> str:
    return "-" if value != value else f"{100 * value:+.1f} %"


def run(study_path: Path, *, out: Path | None, workers: int | None, dask: str | None,
        resume: bool, retry_failed: bool, force: bool, quiet: bool, quick: bool) -> None:
    from qdcnet.config.sensitivity import analyse, load_sensitivity
    from qdcnet.config.study_runs import PRELOAD
    from qdcnet.sweep.executors import executor_for
    from qdcnet.sweep.plots import plot_tornado

    if retry_failed and not resume:
        raise ParameterError("--retry-failed", True, "with --resume (it reruns the failed "
                             "tasks of a study already in the folder)")
    executor = executor_for(dask, workers, preload=PRELOAD)
    study = load_sensitivity(study_path, quick=quick)  # every variant validated here
    folder = prepare_folder(study_path, study.name, out=out, resume=resume, force=force,
                            prefix="sensitivity", written=OUTPUTS)
    config = study.config
    summary, rows = execute(study, executor, folder, resume=resume, retry_failed=retry_failed,
                            quiet=quiet, label=f"sensitivity {study.name}")
    print_summary(summary, f"sensitivity {study.name} ({study.kind}, "
                           f"{len(study.variants)} variants + baseline x "
                           f"{config.repetitions} repetitions, {executor.describe()})")
    latest = {row["task_id"]: row for row in rows}  # a rerun task's last row wins
    result = analyse(study, list(latest.values()))

    console = make_console()
    table = Table(title=f"{escape(config.metric)}: each parameter improved by "
                        f"{config.factor:g} ({config.better} is better; baseline "
                        f"{format_number(result.baseline)}, {result.repetitions_used} paired "
                        "repetitions)", title_justify="left")
    for column in ("rank", "95 % ranks", "P(first)", "parameter", "rule", "value",
                   "improved", "change", "95 % interval"):
        table.add_column(column)
    if result.degraded:
        table.add_column("worsened by k")
    by_key = {(v.label, v.direction): v for v in study.variants}
    from qdcnet.sweep.sensitivity import KINDS

    for ranked in result.ranking:
        variant = by_key[(ranked.parameter, "improve")]
        effect = ranked.effect
        cells = [str(ranked.rank), f"{ranked.rank_low}-{ranked.rank_high}",
                 f"{ranked.p_first:.2f}", escape(ranked.parameter), KINDS[variant.kind].rule,
                 escape(variant.summary), format_number(effect.value),
                 f"{format_number(effect.change)} ({_percent(effect.relative)})",
                 _ci(effect)]
        if result.degraded:
            worse = result.degraded[ranked.parameter]
            cells.append(f"{format_number(worse.change)} ({_percent(worse.relative)})")
        table.add_row(*cells)
    console.print(table)
    if result.repetitions_dropped:
        console.print(f"[yellow]{result.repetitions_dropped} repetition(s) left out[/yellow]: "
                      "some variant had no finite figure in them (see the journal)")

    with (folder / TABLE_FILE).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "rank_low", "rank_high", "p_first", "parameter", "kind",
                         "value", "baseline", "improved", "change", "relative_change",
                         "ci_low", "ci_high", "repetitions"]
                        + (["degraded", "degraded_change"] if result.degraded else []))
        for ranked in result.ranking:
            variant = by_key[(ranked.parameter, "improve")]
            effect = ranked.effect
            line = [ranked.rank, ranked.rank_low, ranked.rank_high, ranked.p_first,
                    ranked.parameter, variant.kind, variant.summary, effect.baseline,
                    effect.value, effect.change, effect.relative, effect.ci[0], effect.ci[1],
                    effect.n]
            if result.degraded:
                worse = result.degraded[ranked.parameter]
                line += [worse.value, worse.change]
            writer.writerow(line)
    bars = []
    for ranked in sorted(result.ranking, key=lambda r: -abs(r.effect.change)):
        bar: dict[str, Any] = {"label": ranked.parameter, "improved": ranked.effect.value,
                               "improved_ci": ranked.effect.ci}
        if ranked.parameter in result.degraded:
            worse = result.degraded[ranked.parameter]
            bar |= {"degraded": worse.value, "degraded_ci": worse.ci}
        bars.append(bar)
    plot_tornado(bars, result.baseline, folder / TORNADO_FILE, metric=config.metric,
                 better=config.better, factor=config.factor)
    document = result_document(
        kind="sensitivity", seed=config.seed, scenario=config.model_dump(mode="json"),
        results={"tasks": summary.tasks, "ran": summary.ran, "skipped": summary.skipped,
                 "failed": summary.failed, "wall_s": summary.wall_s,
                 "executor": executor.describe(), "quick": quick,
                 "first_errors": summary.errors} | result.to_dict())
    write_json(folder / RESULT_FILE, document)
    report_files(folder, document, [JOURNAL_FILE, STUDY_FILE, TABLE_FILE, TORNADO_FILE,
                                    RESULT_FILE])
