"""Running work on the simulated data center: jobs shot by shot, and workloads.

- :mod:`~qdcnet.runtime.jobs`: a :class:`Job` (a compiled program, shots,
  QoS) admitted with a schedule or refused, executed with the orchestrator
  live, measured (:func:`run_job`, :func:`execute`); the :class:`JobManager`
  of a workload.
- :mod:`~qdcnet.runtime.executor` and :mod:`~qdcnet.runtime.suppliers`: the
  instruction DAG on the kernel, ebits just in time or from standing streams.
- :mod:`~qdcnet.runtime.noisy` and :mod:`~qdcnet.runtime.engines`: the
  noisy circuit of an executed shot and the engines that give its fidelity.
- :mod:`~qdcnet.runtime.workload`: requests and jobs submitted at their times.
"""

from qdcnet.runtime.engines import EngineResult, choose_engine, run_engine
from qdcnet.runtime.jobs import Job, JobManager, JobRefused, JobResult, execute, run_job
from qdcnet.runtime.noisy import NoiseOptions, build_noisy_circuit
from qdcnet.runtime.trace import EbitUse, ShotTrace, TimeBreakdown, time_breakdown
from qdcnet.runtime.workload import (
    TimedJob,
    TimedRequest,
    Workload,
    WorkloadResult,
    run_workload,
)

__all__ = [
    "EbitUse",
    "EngineResult",
    "Job",
    "JobManager",
    "JobRefused",
    "JobResult",
    "NoiseOptions",
    "ShotTrace",
    "TimeBreakdown",
    "TimedJob",
    "TimedRequest",
    "Workload",
    "WorkloadResult",
    "build_noisy_circuit",
    "choose_engine",
    "execute",
    "run_engine",
    "run_job",
    "run_workload",
    "time_breakdown",
]
