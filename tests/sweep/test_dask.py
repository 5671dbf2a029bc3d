"""Dask: the same rows as the local pool, and a killed worker's task runs again, once."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
from sweep_studies import qec_study

from qdcnet.config.study_runs import run_task
from qdcnet.sweep.driver import run_sweep
from qdcnet.sweep.executors import DaskExecutor, LocalPool
from qdcnet.sweep.journal import read_rows

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a Dask cluster per test: CI runs these with the slow suite


def _metrics(path):
    return {r["task_id"]: r["metrics"] for r in read_rows(path)[0]}


def _errors(path):
    return {r["task_id"]: r["error"] for r in read_rows(path)[0]}


def test_dask_gives_the_rows_the_local_pool_gives(tmp_path):
    from distributed import LocalCluster

    study = qec_study(points=4, repetitions=2)
    broken = study.tasks[3]
    object.__setattr__(broken, "scenario", broken.scenario | {"distance": 4})  # raises
    local = run_sweep(study, LocalPool(2), tmp_path / "local.jsonl", run_task)
    on_dask = run_sweep(study, DaskExecutor("local:2"), tmp_path / "dask.jsonl", run_task)
    # A scheduler that runs on its own, reached by address (--dask tcp://...).
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        by_address = run_sweep(study, DaskExecutor(cluster.scheduler_address),
                               tmp_path / "tcp.jsonl", run_task)
    assert (local.failed, on_dask.failed, by_address.failed) == (1, 1, 1)
    for name in ("dask.jsonl", "tcp.jsonl"):
        assert _metrics(tmp_path / name) == _metrics(tmp_path / "local.jsonl")
        assert len(_metrics(tmp_path / name)) == 8
        assert "odd code distance" in _errors(tmp_path / name)[broken.id]


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
