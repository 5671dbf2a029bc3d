"""Sweeps: what each executor costs per task, the speed-up from 1 to 2 workers, 10,000 tasks.

- **Overhead per task**: tasks that do nothing (``qdcnet.sweep.tasks.busy_task``
  with no work) through the whole driver (journal row written, progress
  counted), wall time over the number of tasks; on the local pool (goal
  < 5 ms) and on a local Dask cluster of 2 workers.
- **Speed-up**: the same QEC tasks of about a second each (a distance-3
  memory experiment across a seam, seeded), on 1 and on 2 local workers,
  measured side by side (goal >= 1.8x; this machine has 2 cores, shared).
- **10,000 small tasks** through both executors: every one in the journal
  exactly once, and the wall time.

Run: ``python benchmarks/bench_sweep.py [--quick]`` or ``python
benchmarks/run.py --only sweep``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402


class _Tasks:
    """A study-like object: a name and tasks."""

    def __init__(self, name: str, tasks: list) -> None:
        self.name, self.tasks = name, tasks


def _idle_tasks(count: int, busy_s: float = 0.0) -> _Tasks:
    from qdcnet.sweep.tasks import Task, derive_seed, task_id

    tasks = []
    for index in range(count):
        identity = task_id({"kind": "busy", "index": index, "busy_s": busy_s})
        tasks.append(Task(identity, index, {"index": index}, 0, derive_seed(0, identity),
                          "busy", {}, {"busy_s": busy_s}, ()))
    return _Tasks("busy", tasks)


def _qec_tasks(count: int, shots: int):
    from qdcnet.config.study import StudyConfig, build_study

    config = StudyConfig.model_validate({
        "study": "bench", "scenario": {"kind": "qec", "distance": 3, "bulk": 0.002,
                                       "seam": 0.05, "max_shots": shots,
                                       "max_errors": 10**9},
        "axes": [{"field": "seam", "linear": {"start": 0.01, "stop": 0.2, "num": count}}]})
    return build_study(config, Path("."))


def _run(study, executor, runner) -> tuple[float, int, int]:
    from qdcnet.sweep.driver import run_sweep
    from qdcnet.sweep.journal import read_rows

    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "journal.jsonl"
        start = time.perf_counter()
        summary = run_sweep(study, executor, journal, runner)
        wall = time.perf_counter() - start
        rows, _ = read_rows(journal)
    counts = Counter(r["task_id"] for r in rows)
    exactly_once = sum(1 for t in study.tasks if counts.get(t.id) == 1)
    return wall, exactly_once, summary.failed


def _executors(workers: int):
    from qdcnet.sweep.executors import DaskExecutor, LocalPool

    out = [("local pool", lambda: LocalPool(workers))]
    try:
        import distributed  # noqa: F401
    except ImportError:
        return out
    return [*out, ("Dask (local cluster)", lambda: DaskExecutor(f"local:{workers}"))]


def run(quick: bool) -> list[Row]:
    from qdcnet.config.study_runs import run_task
    from qdcnet.sweep.tasks import busy_task

    rows = []
    small, large = (50, 300) if quick else (200, 2000)
    many = 1000 if quick else 10_000
    for label, make in _executors(2):
        # Start-up (worker processes, a cluster) is paid once per sweep: the overhead
        # per task is the slope between a small and a large sweep of empty tasks.
        few, _, _ = _run(_idle_tasks(small), make(), busy_task)
        wall, once, failed = _run(_idle_tasks(large), make(), busy_task)
        per_task_ms = (wall - few) / (large - small) * 1e3
        goal = "< 5 ms" if label == "local pool" else ""
        rows.append(Row("sweep", f"overhead per task ({label}, 2 workers)", per_task_ms, "ms",
                        goal=goal, met=per_task_ms < 5.0 if goal else None,
                        detail=f"empty tasks: {small} in {few:.2f} s, {large} in {wall:.2f} s "
                               f"(the slope; start-up cancels); {once} of {large} journaled "
                               f"exactly once, {failed} failed"))
        wall, once, failed = _run(_idle_tasks(many), make(), busy_task)
        rows.append(Row("sweep", f"{many:,} small tasks ({label}, 2 workers)", wall, "s",
                        detail=f"{once:,} of {many:,} journaled exactly once, {failed} failed; "
                               f"{wall / many * 1e3:.2f} ms per task with start-up"))
    count, shots = (4, 6000) if quick else (8, 60_000)
    study = _qec_tasks(count, shots)
    from qdcnet.sweep.executors import LocalPool

    one, _, _ = _run(study, LocalPool(1), run_task)
    two, _, _ = _run(study, LocalPool(2), run_task)
    rows.append(Row("sweep", "speed-up, 1 -> 2 local workers", one / two, "x",
                    goal=">= 1.8x", met=None if quick else one / two >= 1.8,
                    detail=f"{count} QEC tasks (d = 3, {shots:,} shots each, about "
                           f"{one / count:.2f} s each on one worker): {one:.2f} s on 1 worker, "
                           f"{two:.2f} s on 2, measured side by side"))
    return rows


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    print("| metric | value | goal | detail |")
    print("|---|---|---|---|")
    for row in run(quick):
        print(f"| {row.metric} | {row.value:.3g} {row.unit} | {row.goal} | {row.detail} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
