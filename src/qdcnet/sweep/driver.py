"""The driver of a sweep: what is left to run, the executor, the journal, progress.

Only the driver writes: a row per task as its result comes back, so the
journal holds every finished task exactly once, whatever happens to the
workers. Interrupted (Ctrl-C, a killed driver), the journal stays whole;
``resume`` then runs only the tasks it lacks.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qdcnet._version import __version__
from qdcnet.sweep.executors import DaskExecutor, LocalPool, Runner
from qdcnet.sweep.journal import Journal
from qdcnet.sweep.tasks import Task

__all__ = ["SweepSummary", "run_sweep"]

#: Without a terminal, a progress line on stderr at most this often.
LOG_INTERVAL_S = 10.0


@dataclass
class SweepSummary:
    """What one call of :func:`run_sweep` did."""

    tasks: int
    skipped: int
    ran: int = 0
    failed: int = 0
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def _row(study: Any, task: Task, outcome: dict[str, Any] | None, error: str | None
         ) -> dict[str, Any]:
    outcome = outcome or {}
    return {"study": study.name, "task_id": task.id, "index": task.index,
            "repetition": task.repetition, "seed": task.seed, "inputs": task.point,
            "metrics": None if error else outcome.get("metrics"), "error": error,
            "version": __version__, "wall_s": outcome.get("wall_s"),
            "worker": outcome.get("worker"),
            "finished_at": datetime.now(UTC).isoformat(timespec="milliseconds")}


def run_sweep(study: Any, executor: LocalPool | DaskExecutor, journal_path: str | Path,
              runner: Runner, *, resume: bool = False, retry_failed: bool = False,
              progress: Callable[[int, int, int], None] | None = None) -> SweepSummary:
    """Run the study's tasks not yet in the journal (all of them unless ``resume``).

    ``study`` has a ``name`` and its ``tasks`` (:class:`~qdcnet.config.study.Study`);
    ``runner`` runs one task spec where a worker is
    (:func:`qdcnet.config.study_runs.run_task`).

    ``progress(done, total, failed)`` is called after each task. With
    ``retry_failed``, tasks whose row holds an error run again (their new
    row replaces the old one on reading).
    """
    journal = Journal(journal_path)
    finished = journal.finished() if resume else {}
    todo = [t for t in study.tasks
            if t.id not in finished or (retry_failed and finished[t.id].get("error"))]
    summary = SweepSummary(tasks=len(study.tasks), skipped=len(study.tasks) - len(todo))
    by_id = {t.id: t for t in todo}
    start = time.perf_counter()
    done = summary.skipped

    def on_result(task_id: str, outcome: dict[str, Any] | None, error: str | None) -> None:
        nonlocal done
        task = by_id.pop(task_id)
        journal.append(_row(study, task, outcome, error))
        summary.ran += 1
        done += 1
        if error:
            summary.failed += 1
            if len(summary.errors) < 5:
                summary.errors.append(f"task {task.index} ({task_id}): {error}")
        if progress is not None:
            progress(done, summary.tasks, summary.failed)

    with journal:
        if todo:
            executor.run((t.spec() for t in todo), runner, on_result)
    summary.wall_s = time.perf_counter() - start
    return summary


def stderr_progress(label: str, *, quiet: bool) -> tuple[Callable[[int, int, int], None],
                                                         Callable[[], None]]:
    """``update(done, total, failed)`` and ``close()``: a bar on a terminal, else a line at
    most every :data:`LOG_INTERVAL_S` (a sweep on a cluster runs without one)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if quiet:
        return (lambda done, total, failed: None), (lambda: None)
    if console.is_terminal:
        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                       TextColumn("left"), TimeRemainingColumn(), console=console,
                       transient=True)
        bar.start()
        task = bar.add_task(label, total=None, failed=0)

        def update(done: int, total: int, failed: int) -> None:
            bar.update(task, completed=done, total=total, failed=failed)

        return update, bar.stop
    started = time.monotonic()
    last = [0.0]

    def log(done: int, total: int, failed: int) -> None:
        now = time.monotonic()
        if now - last[0] < LOG_INTERVAL_S and done < total:
            return
        last[0] = now
        elapsed = now - started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = f"{(total - done) / rate:.0f} s" if rate > 0 and done < total else "-"
        print(f"{label}: {done}/{total} tasks, {failed} failed, {elapsed:.0f} s elapsed, "
              f"ETA {eta}", file=sys.stderr, flush=True)

    return log, (lambda: None)
