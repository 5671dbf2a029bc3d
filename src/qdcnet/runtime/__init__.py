"""Running work on the simulated data center: today, a scenario's workload of requests."""

from qdcnet.runtime.workload import TimedRequest, Workload, WorkloadResult, run_workload

__all__ = ["TimedRequest", "Workload", "WorkloadResult", "run_workload"]
