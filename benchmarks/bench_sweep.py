"""Sweeps: what each executor costs per task, the speed-up from 1 to 2 workers, 10,000 tasks.

- **Overhead per task**: tasks that do nothing (``qdcnet.sweep.tasks.busy_task``
  with no work) through the whole driver (journal row written, progress
  counted), wall time over the number of tasks; on the local pool (goal
  < 5 ms) and on a local Dask cluster of 2 workers.
- **Speed-up**: the same twelve link simulations of about a second each
  (the Stephenson et al. 2020 ion-ion link, event by event), on 1 and on 2
  local workers whose fork server has loaded the simulation layers,
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


def _link_tasks(count: int, duration_s: float):
    """``count`` runs of the Stephenson et al. 2020 ion-ion link, each simulating about
    ``duration_s`` (distinct durations, so distinct tasks)."""
    from qdcnet.config.study import StudyConfig, build_study

    config = StudyConfig.model_validate({
        "study": "bench", "base": str(ROOT / "examples" / "stephenson2020.yaml"),
        "axes": [{"field": "duration", "linear": {"start": f"{duration_s} s",
                                                  "stop": f"{duration_s * 1.1} s",
                                                  "num": count}}]})
    return build_study(config, ROOT)


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
    from qdcnet.config.study_runs import PRELOAD
    from qdcnet.sweep.executors import DaskExecutor, LocalPool

    # Every pool asks for the preload: the first starts this process's fork server, and
    # a fork server takes its preload only when it starts.
    out = [("local pool", lambda: LocalPool(workers, preload=PRELOAD))]
    try:
        import distributed  # noqa: F401
    except ImportError:
        return out
    return [*out, ("Dask (local cluster)", lambda: DaskExecutor(f"local:{workers}"))]


def run(quick: bool) -> list[Row]:
    from qdcnet.config.study_runs import run_task
    from qdcnet.sweep.tasks import busy_task

    rows = []
    small, many = (50, 1000) if quick else (200, 10_000)
    for label, make in _executors(2):
        # Start-up (worker processes, a cluster) is paid once per sweep: the overhead
        # per task is the slope between a small and a large sweep of empty tasks.
        _run(_idle_tasks(2), make(), busy_task)  # the fork server (or cluster code) warm
        few, _, _ = _run(_idle_tasks(small), make(), busy_task)
        wall, once, failed = _run(_idle_tasks(many), make(), busy_task)
        per_task_ms = max(0.0, wall - few) / (many - small) * 1e3
        goal = "< 5 ms" if label == "local pool" else ""
        rows.append(Row("sweep", f"overhead per task ({label}, 2 workers)", per_task_ms, "ms",
                        goal=goal, met=per_task_ms < 5.0 if goal else None,
                        detail=f"empty tasks: {small} in {few:.2f} s, {many:,} in {wall:.2f} s "
                               "(the slope; start-up cancels)"))
        rows.append(Row("sweep", f"{many:,} small tasks ({label}, 2 workers)", wall, "s",
                        detail=f"{once:,} of {many:,} journaled exactly once, {failed} failed; "
                               f"{wall / many * 1e3:.2f} ms per task with start-up"))
    count, duration = (4, 20.0) if quick else (12, 700.0)
    study = _link_tasks(count, duration)
    from qdcnet.config.study_runs import PRELOAD
    from qdcnet.sweep.executors import LocalPool

    # The fork server up (with the simulation layers loaded) before either run.
    _run(_idle_tasks(2), LocalPool(2, preload=PRELOAD), busy_task)
    pairs = []
    for _ in range(1 if quick else 3):  # interleaved: a noisy neighbour hits both alike
        one, _, _ = _run(study, LocalPool(1, preload=PRELOAD), run_task)
        two, _, _ = _run(study, LocalPool(2, preload=PRELOAD), run_task)
        pairs.append((one / two, one, two))
    pairs.sort()
    ratio, one, two = pairs[len(pairs) // 2]
    rows.append(Row("sweep", "speed-up, 1 -> 2 local workers", ratio, "x",
                    goal=">= 1.8x", met=None if quick else ratio >= 1.8,
                    detail=f"{count} link simulations (Stephenson 2020, {duration:g}-"
                           f"{duration * 1.1:g} s simulated each, about {one / count:.2f} s "
                           f"of wall time each on one worker): {one:.2f} s on 1 worker, "
                           f"{two:.2f} s on 2; median of {len(pairs)} side-by-side pairs "
                           f"(ratios {', '.join(f'{p[0]:.2f}' for p in pairs)})"))
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
