"""The local pool: every task exactly once, through a killed worker and failing tasks."""

from __future__ import annotations

import os
import signal
from collections import Counter

from sweep_studies import qec_study

from qdcnet.config.study_runs import run_task
from qdcnet.sweep.driver import run_sweep
from qdcnet.sweep.executors import LocalPool
from qdcnet.sweep.journal import read_rows


def test_a_worker_killed_mid_sweep_loses_and_duplicates_nothing(tmp_path):
    study = qec_study(points=8, shots=6000)
    pool = LocalPool(2)
    killed = []

    def kill_once(done, total, failed):
        busy = pool.busy_pids()
        if not killed and busy:
            os.kill(busy[0], signal.SIGKILL)  # a real kill -9, mid-task
            killed.append(busy[0])

    summary = run_sweep(study, pool, tmp_path / "journal.jsonl", run_task, progress=kill_once)
    rows, _ = read_rows(tmp_path / "journal.jsonl")
    assert killed
    assert pool.lost_workers >= 1
    assert Counter(r["task_id"] for r in rows) == Counter(t.id for t in study.tasks)
    assert all(r["error"] is None for r in rows)
    assert (summary.ran, summary.failed) == (8, 0)
    # The rerun task gives what it gives anywhere: its seed is its own.
    serial = run_sweep(study, LocalPool(1), tmp_path / "serial.jsonl", run_task)
    assert serial.failed == 0
    again = {r["task_id"]: r["metrics"] for r in read_rows(tmp_path / "serial.jsonl")[0]}
    assert {r["task_id"]: r["metrics"] for r in rows} == again


def test_a_task_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    study = qec_study(points=3)
    broken = study.tasks[1]
    # A scenario the runner refuses at run time (validation passed at expansion).
    object.__setattr__(broken, "scenario", broken.scenario | {"distance": 4})
    summary = run_sweep(study, LocalPool(2), tmp_path / "journal.jsonl", run_task)
    rows = {r["task_id"]: r for r in read_rows(tmp_path / "journal.jsonl")[0]}
    assert summary.failed == 1
    assert len(rows) == 3
    assert "odd code distance" in rows[broken.id]["error"]
    assert rows[broken.id]["metrics"] is None
    assert all(rows[t.id]["metrics"]["shots"] > 0 for t in study.tasks if t is not broken)


def test_resume_runs_only_what_the_journal_lacks(tmp_path):
    study = qec_study(points=4)
    journal = tmp_path / "journal.jsonl"
    first = run_sweep(study, LocalPool(2), journal, run_task)
    lines = journal.read_bytes().splitlines(keepends=True)
    # As if the driver died: two rows written, the third torn mid-write.
    journal.write_bytes(b"".join(lines[:2]) + lines[2][:17])
    resumed = run_sweep(study, LocalPool(2), journal, run_task, resume=True)
    rows, _ = read_rows(journal)
    assert (first.ran, resumed.skipped, resumed.ran) == (4, 2, 2)
    assert sorted(r["task_id"] for r in rows) == sorted(t.id for t in study.tasks)
    assert journal.read_bytes().endswith(b"\n")  # the torn row was cut, not kept
