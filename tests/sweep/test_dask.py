"""Dask: the same rows as the local pool, and a killed worker's task runs again, once."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest

from conftest import qec_study
from qdcnet.config.study_runs import run_task
from qdcnet.sweep.driver import run_sweep
from qdcnet.sweep.executors import DaskExecutor, LocalPool
from qdcnet.sweep.journal import read_rows

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a Dask cluster per test: CI runs these with the slow suite


def _metrics(path):
    return {r["task_id"]: r["metrics"] for r in read_rows(path)[0]}


def test_dask_gives_the_rows_the_local_pool_gives(tmp_path):
    study = qec_study(points=4, repetitions=2)
    local = run_sweep(study, LocalPool(2), tmp_path / "local.jsonl", run_task)
    on_dask = run_sweep(study, DaskExecutor("local:2"), tmp_path / "dask.jsonl", run_task)
    assert (local.failed, on_dask.failed) == (0, 0)
    assert _metrics(tmp_path / "dask.jsonl") == _metrics(tmp_path / "local.jsonl")
    assert len(_metrics(tmp_path / "dask.jsonl")) == 8


def test_a_dask_worker_killed_mid_sweep_loses_and_duplicates_nothing(tmp_path):
    study = qec_study(points=8, shots=20_000)
    executor = DaskExecutor("local:2")
    killed = []

    def kill_once(done, total, failed):
        client = executor.client
        if killed or client is None:
            return
        processing = client.processing()
        pids = client.run(os.getpid)
        busy = [pids[address] for address, keys in processing.items() if keys]
        if busy:
            os.kill(busy[0], signal.SIGKILL)  # a real kill -9 of a worker process
            killed.append(busy[0])

    summary = run_sweep(study, executor, tmp_path / "journal.jsonl", run_task, progress=kill_once)
    rows, _ = read_rows(tmp_path / "journal.jsonl")
    assert killed
    assert Counter(r["task_id"] for r in rows) == Counter(t.id for t in study.tasks)
    assert summary.failed == 0
    assert all(r["error"] is None for r in rows)
