"""Parameter sweeps: tasks run exactly once, on a laptop or a Dask cluster.

:mod:`~qdcnet.sweep.tasks` is a task as plain data (id, point, repetition,
seed, scenario); :mod:`~qdcnet.sweep.paths` the dotted paths an axis sets
and a metric reads; :mod:`~qdcnet.sweep.executors` runs tasks (a local pool
that survives a killed worker, or a Dask cluster);
:mod:`~qdcnet.sweep.journal` keeps the results, written by the driver
alone, one JSON line per finished task; :mod:`~qdcnet.sweep.driver` ties
them together. Study files are read at the edge, by
:mod:`qdcnet.config.study`.
"""

from qdcnet.sweep.driver import SweepSummary, run_sweep
from qdcnet.sweep.executors import DaskExecutor, LocalPool, executor_for
from qdcnet.sweep.journal import Journal, merge_rows, read_rows
from qdcnet.sweep.tasks import Task, derive_seed

__all__ = ["DaskExecutor", "Journal", "LocalPool", "SweepSummary", "Task", "derive_seed",
           "executor_for", "merge_rows", "read_rows", "run_sweep"]
