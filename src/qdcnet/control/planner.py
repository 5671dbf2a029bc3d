"""The planner: one plan per kind of request, from the analytic path estimate.

:class:`Planner` wraps :func:`~qdcnet.control.admission.plan_request` with
the cache that lets a thousand alike requests cost one plan: requests with
the same :func:`~qdcnet.control.admission.plan_key` get the same decision; a
request with a deadline (whose plan depends on when it is made) is planned
afresh each time.
"""

from __future__ import annotations

from typing import Any

from qdcnet.control.admission import PLAN_SAMPLES, Admission, Refusal, plan_key, plan_request
from qdcnet.control.requests import EntanglementRequest
from qdcnet.errors import check_range
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.distillation import MAX_ROUNDS
from qdcnet.units import PS_PER_S

__all__ = ["DEFAULT_MAX_ROUNDS", "PLAN_SAMPLES", "Planner"]


#: Distillation rounds admission tries when a request pins none (a scenario
#: may allow up to MAX_ROUNDS). Every extra round lowers the rate and costs
#: one more estimate per path, so the search stops at a depth that plans
#: rarely need.
DEFAULT_MAX_ROUNDS = 3


class Planner:
    """Plans requests on ``dc`` (see the module docstring)."""

    def __init__(self, dc: DataCenter, *, max_rounds: int = DEFAULT_MAX_ROUNDS,
                 samples: int = PLAN_SAMPLES, search: bool | tuple[str, ...] = True) -> None:
        check_range("max_rounds", max_rounds, 0, MAX_ROUNDS)
        check_range("samples", samples, 1)
        self.dc = dc
        self.max_rounds = max_rounds
        self.samples = samples
        #: search the relays' strategies (:mod:`.strategy_search`) where they can matter
        self.search = search
        self._plans: dict[Any, Admission | Refusal] = {}

    def plan(self, request: EntanglementRequest) -> Admission | Refusal:
        """The decision for ``request`` now: a plan, or a refusal that says why."""
        # The queue changes nothing in a plan: equal keys, equal plans.
        key = plan_key(request)
        decision = self._plans.get(key) if key is not None else None
        if decision is None:
            decision = plan_request(self.dc, request, now_s=self.dc.sim.now / PS_PER_S,
                                    max_rounds=self.max_rounds, samples=self.samples,
                                    search=self.search)
            if key is not None:
                self._plans[key] = decision
        return decision
