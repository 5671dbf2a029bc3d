"""The entanglement orchestrator: requests with QoS, admission, reservation, stock, policies."""

from qdcnet.control.admission import Admission, Refusal, plan_request
from qdcnet.control.orchestrator import Orchestrator, OrchestratorSettings, StockSpec
from qdcnet.control.policies import (
    FIFO,
    POLICIES,
    EarliestDeadlineFirst,
    Policy,
    StrictPriority,
    WeightedFairShare,
    policy_by_name,
)
from qdcnet.control.requests import EntanglementRequest, Plan, RequestHandle, RequestStatus

__all__ = [
    "FIFO",
    "POLICIES",
    "Admission",
    "EarliestDeadlineFirst",
    "EntanglementRequest",
    "Orchestrator",
    "OrchestratorSettings",
    "Plan",
    "Policy",
    "Refusal",
    "RequestHandle",
    "RequestStatus",
    "StockSpec",
    "StrictPriority",
    "WeightedFairShare",
    "plan_request",
    "policy_by_name",
]
