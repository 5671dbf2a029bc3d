"""The stock keeper: pairs made ahead of demand, kept in storage, handed to requests.

Per stocked node pair a *filler* request at :data:`STOCK_PRIORITY` keeps up
to ``depth`` pairs in storage qubits; a pair past the cutoff is discarded; a
request takes stock (freshest first) whose *expected* fidelity (the plan's
state aged by the pair's storage time, which the controller can know)
meets its minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qdcnet.control.admission import Refusal
from qdcnet.control.requests import (
    NO_DISTILLATION,
    EntanglementRequest,
    Plan,
    RequestHandle,
    RequestStatus,
)
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.pair import EntangledPair
from qdcnet.network.service import PathService
from qdcnet.quantum.pauli import decay_rates
from qdcnet.units import PS_PER_S, s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator

__all__ = ["STOCK_PRIORITY", "StockKeeper", "StockSpec"]

#: Priority of a stock filler: below any priority a user would write, so under
#: the strict-priority policy stock only takes capacity no request is asking for.
STOCK_PRIORITY = -(1 << 30)


@dataclass(frozen=True)
class StockSpec:
    """Keep up to ``depth`` pairs between ``a`` and ``b`` ahead of demand.

    Stock sits in storage qubits (bounded by each end's slots); a pair older
    than ``cutoff_s`` is discarded, and a request takes only stock whose
    expected fidelity at that moment meets its ``min_fidelity``.
    """

    a: str
    b: str
    depth: int
    cutoff_s: float = math.inf

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise ParameterError("depth", self.depth, "an integer >= 1")
        if not self.cutoff_s > 0:
            raise ParameterError("cutoff_s", self.cutoff_s, "(0, inf]")


@dataclass
class _Stock:
    spec: StockSpec
    plan: Plan | None = None
    pairs: list[tuple[EntangledPair, PathService]] = field(default_factory=list)
    filler: RequestHandle | None = None
    history: list[tuple[float, int]] = field(default_factory=list)
    discarded: int = 0
    served: int = 0


class StockKeeper:
    """The stocks of one orchestrator (see the module docstring)."""

    def __init__(self, orchestrator: Orchestrator, specs: list[StockSpec]) -> None:
        self.orchestrator = orchestrator
        self.dc = orchestrator.dc
        self.sim = orchestrator.sim
        self._stocks: dict[frozenset[str], _Stock] = {}
        #: Filler handles still queued or serving, and their stock.
        self.fillers: dict[int, _Stock] = {}
        for spec in specs:
            self._add(spec)

    def _add(self, spec: StockSpec) -> None:
        fabric = self.dc.fabric
        fabric.check_node(spec.a, memory=True)
        fabric.check_node(spec.b, memory=True)
        for node in (spec.a, spec.b):
            if self.dc.ops[node].storage_slots < spec.depth:
                raise QdcnetError(f"stock of {spec.depth} pairs between {spec.a} and {spec.b} "
                                  f"needs {spec.depth} storage slots at {node}, which has "
                                  f"{self.dc.ops[node].storage_slots}")
        stock = _Stock(spec)
        self._stocks[frozenset((spec.a, spec.b))] = stock
        stock.history.append((self.sim.now / PS_PER_S, 0))
        self.sim.schedule(0, self._refill, stock)

    def levels(self) -> dict[str, list[tuple[float, int]]]:
        """Stock level over time per node pair: (time in s, pairs)."""
        return {f"{s.spec.a}-{s.spec.b}": list(s.history) for s in self._stocks.values()}

    def is_filler(self, handle: RequestHandle) -> bool:
        return handle.id in self.fillers

    def forget(self, handle: RequestHandle) -> None:
        self.fillers.pop(handle.id, None)

    def _record(self, stock: _Stock) -> None:
        stock.history.append((self.sim.now / PS_PER_S, len(stock.pairs)))

    def _refill(self, stock: _Stock) -> None:
        if stock.filler is not None and not stock.filler.finished:
            return
        missing = stock.spec.depth - len(stock.pairs)
        if missing <= 0:
            return
        orchestrator = self.orchestrator
        # The filler is an ordinary request at the lowest priority, stored on delivery.
        request = EntanglementRequest(stock.spec.a, stock.spec.b, num_pairs=missing,
                                      priority=STOCK_PRIORITY,
                                      name=f"stock:{stock.spec.a}-{stock.spec.b}")
        handle = orchestrator.new_handle(request)
        decision = orchestrator.planner.plan(request)
        if isinstance(decision, Refusal):
            raise QdcnetError(f"cannot stock pairs between {stock.spec.a} and {stock.spec.b}: "
                              f"{decision.reason}")
        stock.plan = decision.plan
        handle.plan = Plan(decision.plan.path, NO_DISTILLATION, decision.plan.estimate)
        handle.status = RequestStatus.QUEUED
        handle.admitted_ps = self.sim.now
        stock.filler = handle
        handle.on_done = lambda _h: self.sim.schedule(0, self._refill, stock)
        self.fillers[handle.id] = stock
        orchestrator.dispatcher.enqueue(handle)

    def store(self, handle: RequestHandle, pair: EntangledPair, service: PathService) -> None:
        """A filler's pair: it stays stored (holding storage slots) until a request takes it."""
        stock = self.fillers[handle.id]
        stock.pairs.append((pair, service))
        if math.isfinite(stock.spec.cutoff_s):
            self.sim.schedule(s_to_ps(stock.spec.cutoff_s) + 1, self._expire_and_refill, stock)
        self._record(stock)

    def serve(self, handle: RequestHandle) -> None:
        """Hand ``handle`` the stocked pairs it can use, freshest first."""
        stock = self._stocks.get(frozenset((handle.request.src, handle.request.dst)))
        if stock is None:
            return
        now = self.sim.now
        self._expire(stock)
        minimum = handle.request.min_fidelity
        # Freshest first: the best fidelity for this request.
        for pair, service in sorted(stock.pairs, key=lambda ps: -ps[0].state_time_ps):
            if handle.remaining == 0:
                break
            if minimum is not None and self._expected_fidelity(stock, pair, now) < minimum:
                continue
            stock.pairs.remove((pair, service))
            stock.served += 1
            self.orchestrator.hand_over(handle, pair, service)
        self.orchestrator.dispatcher.touch((stock.spec.a, stock.spec.b))
        self._record(stock)
        self.sim.schedule(0, self._refill, stock)

    def _expected_fidelity(self, stock: _Stock, pair: EntangledPair, now_ps: int) -> float:
        # What the controller can know: the plan's delivered state, aged by how long
        # this pair has been stored (not which herald made it).
        assert stock.plan is not None
        age = (now_ps - pair.state_time_ps) / PS_PER_S
        t1_rate, t2_rate = decay_rates(pair.memory_a, pair.memory_b)
        return stock.plan.estimate.state.age(age, t1_rate, t2_rate).fidelity

    def _expire(self, stock: _Stock) -> None:
        now = self.sim.now
        cutoff = stock.spec.cutoff_s
        kept = []
        for pair, service in stock.pairs:
            if (now - pair.state_time_ps) / PS_PER_S > cutoff:
                pair.discard(now, "stock cutoff")
                service.release(pair)
                stock.discarded += 1
                self.orchestrator.dispatcher.touch((stock.spec.a, stock.spec.b))
            else:
                kept.append((pair, service))
        stock.pairs = kept

    def _expire_and_refill(self, stock: _Stock) -> None:
        before = len(stock.pairs)
        self._expire(stock)
        if len(stock.pairs) != before:
            self._record(stock)
            self._refill(stock)
