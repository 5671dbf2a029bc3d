"""Where tasks run: a local pool that survives killed workers, or a Dask cluster.

Both take task specs (plain dicts, :meth:`~qdcnet.sweep.tasks.Task.spec`)
and a runner (a module-level function, so that it travels by name, such as
:func:`qdcnet.config.study_runs.run_task`), and call ``on_result(task_id,
outcome, error)`` in the driver as each task ends: ``outcome`` is the
runner's dict, or ``error`` a one-line reason (the task raised, or its
worker died too often). Each task is reported exactly once.

**Local pool.** ``concurrent.futures.ProcessPoolExecutor`` breaks for good
when one worker is killed (every pending future fails), and
``multiprocessing.Pool`` waits for ever on the lost task. This pool keeps
one pipe per worker process and watches the processes themselves: when a
worker dies with a task, the task goes back to the front of the queue (up
to ``retries`` times, then it is reported with the error) and a fresh worker
takes the dead one's place.

**Dask.** ``tcp://host:port`` connects to a running scheduler;
``local:N`` starts a local cluster of N single-threaded worker processes
(dashboard off). For a local cluster the scheduler's ``allowed-failures`` is
set to ``retries``, so a task whose worker was killed runs again elsewhere;
beyond that it is reported as failed (``KilledWorker``). A scheduler started
apart keeps its own setting (``distributed.scheduler.allowed-failures``, 3
by default). ``dask[distributed]`` is the
``dask`` extra: ``pip install qdcnet[dask]``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import socket
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from typing import Any

from qdcnet.errors import ParameterError, QdcnetError

__all__ = ["DaskExecutor", "LocalPool", "OnResult", "Runner", "executor_for", "format_error"]

OnResult = Callable[[str, dict[str, Any] | None, str | None], None]
Runner = Callable[[dict[str, Any]], dict[str, Any]]

#: How often a task may lose its worker before it is reported as failed.
DEFAULT_RETRIES = 2


def format_error(exc: BaseException) -> str:
    """``Type: message``, one line (the row's ``error``)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _worker_main(conn: Connection, run_task: Runner) -> None:
    host = f"{os.getpid()}@{socket.gethostname()}"
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        task_id, spec = message
        try:
            outcome = run_task(spec) | {"worker": host}
            conn.send((task_id, outcome, None))
        except KeyboardInterrupt:
            return
        except BaseException as exc:
            detail = format_error(exc)
            if not isinstance(exc, QdcnetError):
                # Not a refusal the user can read as it is: keep where it happened.
                where = traceback.extract_tb(exc.__traceback__)[-1:]
                if where:
                    detail += f" (at {where[0].filename}:{where[0].lineno})"
            conn.send((task_id, {"worker": host}, detail))


def _usable_cores() -> int:
    """Cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Worker:
    __slots__ = ("conn", "process", "task")

    def __init__(self, context: Any, runner: Runner) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, runner), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[str, dict[str, Any]] | None = None


class LocalPool:
    """``workers`` processes on this machine that survive a killed worker."""

    def __init__(self, workers: int | None = None, *, retries: int = DEFAULT_RETRIES,
                 preload: tuple[str, ...] = ()) -> None:
        count = _usable_cores() if workers is None else workers
        if count < 1:
            raise ParameterError("--workers", count, "an integer >= 1")
        self.workers = count
        self.retries = retries
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the driver may run a progress thread, and forked threads deadlock.
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn")
        if preload and self._context.get_start_method() == "forkserver":
            # Imported once by the fork server, before it forks the first worker: a
            # worker (a respawned one too) starts with them loaded instead of paying
            # for numpy, scipy and the simulation layers on its first task. Takes
            # effect when this process starts its fork server (its first pool).
            self._context.set_forkserver_preload(list(preload))
        self.lost_workers = 0
        self._pool: list[_Worker] = []

    def describe(self) -> str:
        return f"local pool of {self.workers} worker process(es)"

    def run(self, specs: Iterable[dict[str, Any]], runner: Runner, on_result: OnResult
            ) -> None:
        queue: deque[tuple[str, dict[str, Any]]] = deque((s["id"], s) for s in specs)
        deaths: dict[str, int] = {}
        pool = self._pool = [_Worker(self._context, runner)
                             for _ in range(min(self.workers, len(queue)))]
        try:
            while queue or any(w.task for w in pool):
                for index, worker in enumerate(pool):
                    if worker.task is None and queue:
                        if not worker.process.is_alive():
                            # Died idle: replaced, and no task is charged with it.
                            self.lost_workers += 1
                            worker.conn.close()
                            worker = pool[index] = _Worker(self._context, runner)
                        worker.task = queue.popleft()
                        # A worker that died idle: its sentinel says so below.
                        with contextlib.suppress(BrokenPipeError, OSError):
                            worker.conn.send(worker.task)
                busy = [w for w in pool if w.task is not None]
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for index, worker in enumerate(pool):
                    if worker.task is None:
                        continue
                    task_id = worker.task[0]
                    if worker.conn in ready or (worker.process.sentinel in ready
                                                and worker.conn.poll()):
                        try:
                            got_id, outcome, error = worker.conn.recv()
                        except (EOFError, OSError):
                            got_id = None
                        if got_id == task_id:
                            worker.task = None
                            on_result(task_id, outcome, error)
                            continue
                    if worker.process.sentinel in ready or not worker.process.is_alive():
                        # The worker died with the task: rerun it, on a fresh worker.
                        self.lost_workers += 1
                        deaths[task_id] = deaths.get(task_id, 0) + 1
                        code = worker.process.exitcode
                        if deaths[task_id] > self.retries:
                            on_result(task_id, None, f"WorkerLost: the worker running this task "
                                      f"died {deaths[task_id]} times (last exit code {code})")
                        else:
                            queue.appendleft(worker.task)
                        worker.task = None
                        worker.conn.close()
                        pool[index] = _Worker(self._context, runner)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for worker in self._pool:
            if worker.process.is_alive():
                with contextlib.suppress(BrokenPipeError, OSError):
                    worker.conn.send(None)
        for worker in self._pool:
            worker.process.join(timeout=1.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._pool = []

    def busy_pids(self) -> list[int]:
        """Process ids of the workers running a task now (for tests that kill one)."""
        return [w.process.pid for w in self._pool
                if w.task is not None and w.process.pid is not None]


class DaskExecutor:
    """Tasks on a Dask cluster (see the module docstring)."""

    def __init__(self, address: str, *, retries: int = DEFAULT_RETRIES) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise QdcnetError("--dask needs dask[distributed]: pip install 'qdcnet[dask]'"
                              ) from None
        self.address = address
        self.retries = retries
        self.local_workers: int | None = None
        if address.startswith("local:"):
            try:
                self.local_workers = int(address.split(":", 1)[1])
            except ValueError:
                self.local_workers = -1
            if self.local_workers < 1:
                raise ParameterError("--dask", address, "tcp://host:port or local:N with N >= 1")
        elif not address.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
            raise ParameterError("--dask", address, "tcp://host:port or local:N with N >= 1")
        self.client: Any = None

    def describe(self) -> str:
        if self.local_workers is not None:
            return f"local Dask cluster of {self.local_workers} worker process(es)"
        return f"Dask scheduler at {self.address}"

    def run(self, specs: Iterable[dict[str, Any]], runner: Runner, on_result: OnResult
            ) -> None:
        import dask
        from distributed import Client, LocalCluster, as_completed

        with dask.config.set({"distributed.scheduler.allowed-failures": self.retries}):
            cluster = None
            if self.local_workers is not None:
                # Its workers' own logs stay quiet (a worker whose scheduler closes first
                # at the end logs a heartbeat traceback); every task's failure is in the
                # journal, and a killed worker's tasks are rerun or reported there.
                cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None,
                                       silence_logs=logging.CRITICAL)
            client = self.client = Client(cluster if cluster is not None else self.address)
            try:
                nonce = os.urandom(4).hex()  # a rerun's keys never meet an old run's results
                futures = {}
                for spec in specs:
                    future = client.submit(runner, spec, key=f"qdcnet-{spec['id']}-{nonce}",
                                           pure=False)
                    futures[future] = spec["id"]
                for future in as_completed(futures):
                    task_id = futures.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:
                        on_result(task_id, None, format_error(exc))
                    else:
                        on_result(task_id, outcome, None)
                    future.release()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
                self.client = None


def executor_for(dask: str | None, workers: int | None, *, preload: tuple[str, ...] = ()
                 ) -> LocalPool | DaskExecutor:
    """The local pool, or Dask when ``dask`` names a scheduler (``--dask``)."""
    if dask is not None:
        if workers is not None:
            raise ParameterError("--workers", workers, "not with --dask (the cluster has its "
                                 "own workers; local:N sets their number)")
        return DaskExecutor(dask)
    return LocalPool(workers, preload=preload)
