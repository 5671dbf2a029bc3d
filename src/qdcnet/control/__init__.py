"""The entanglement orchestrator: requests with QoS, admission, reservation, stock, policies,
and the runtime seam: pair leases, standing streams and just-in-time pairs."""

from qdcnet.control.admission import Admission, Refusal, plan_request
from qdcnet.control.lease import PairLease
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
from qdcnet.control.streams import EntanglementStream, request_pair

__all__ = [
    "FIFO",
    "POLICIES",
    "Admission",
    "EarliestDeadlineFirst",
    "EntanglementRequest",
    "EntanglementStream",
    "Orchestrator",
    "OrchestratorSettings",
    "PairLease",
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
    "request_pair",
]
