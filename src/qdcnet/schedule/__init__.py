"""Place a distributed program in time on a data center (layer 8, below the runtime).

:func:`schedule_program` takes a compiled :class:`~qdcnet.compiler.DistributedProgram`
and a data center and returns a :class:`Schedule`: every instruction's
start, every ebit's generation, arrival and expected state at use, the
makespan, the shot period when shots pipeline, and lower bounds. The pieces:

* :mod:`~qdcnet.schedule.timing`: the instruction DAG with durations and latencies;
* :mod:`~qdcnet.schedule.supply`: ebits per QPU pair from the orchestrator's planner,
  the error budget that sets their fidelity target, and the storage option
  where both QPUs have dedicated storage qubits;
* :mod:`~qdcnet.schedule.policies`: when each ebit's generation starts, and
  whether a waiting pair moves into storage;
* :mod:`~qdcnet.schedule.scheduler`: the single pass, with in-order binding of
  logical communication slots;
* :mod:`~qdcnet.schedule.bounds`: lower bounds on any schedule.
"""

from qdcnet.schedule.bounds import lower_bounds
from qdcnet.schedule.policies import POLICIES, EbitPolicy, JustInTime, Lookahead, Prefetch
from qdcnet.schedule.result import EbitPlacement, LowerBounds, Schedule, ScheduledOp
from qdcnet.schedule.scheduler import schedule_program, schedule_timing
from qdcnet.schedule.supply import (
    ErrorBudget,
    PairSupply,
    ScheduleRefused,
    dedicated_storage,
    plan_supplies,
)
from qdcnet.schedule.timing import EbitNeed, ProgramTiming

__all__ = [
    "POLICIES",
    "EbitNeed",
    "EbitPlacement",
    "EbitPolicy",
    "ErrorBudget",
    "JustInTime",
    "Lookahead",
    "LowerBounds",
    "PairSupply",
    "Prefetch",
    "ProgramTiming",
    "Schedule",
    "ScheduleRefused",
    "ScheduledOp",
    "dedicated_storage",
    "lower_bounds",
    "plan_supplies",
    "schedule_program",
    "schedule_timing",
]
