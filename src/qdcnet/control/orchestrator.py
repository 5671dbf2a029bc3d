"""The entanglement orchestrator: requests with QoS served on shared hardware.

The life of a request:

1. :meth:`Orchestrator.submit` (at the source node) sends it over the
   classical channel to the control plane;
2. after its processing latency the control plane plans it
   (:func:`~qdcnet.control.admission.plan_request`): a path and a number of
   distillation rounds whose analytic estimate meets the request, or a
   refusal with the reason, sent back to the source;
3. an admitted request waits in the queue; whenever resources change, the
   policy orders the queue and every request whose circuits are all free is
   granted (communication qubits, switch ports, BSM units, and storage
   slots if it distils), all at once;
4. instructions travel from the control plane to every node of the path;
   the service starts when the last arrives and the switches have
   reconfigured;
5. pairs go to ``on_pair`` as they are delivered (served first from stock
   when the orchestrator keeps some for that node pair);
6. the request ends when its pairs are delivered, its window or deadline
   passes, it is cancelled, or (with time slicing) its slice ends and it
   rejoins the queue; its resources are released and ``on_done`` is called
   when the notice reaches the source.

Nothing is ever double-booked: every reservation goes through the fabric's
all-or-nothing bookkeeping, which the tests check after every event of
random workloads.

Examples
--------
>>> from qdcnet.network import DataCenter
>>> from qdcnet.network.topology import star
>>> dc = DataCenter.from_document(star(4, profile="trapped_ion_oxford"), seed=1)
>>> orch = Orchestrator(dc)
>>> handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=5))
>>> dc.sim.run()
>>> handle.status.value, handle.delivered
('completed', 5)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qdcnet.control.admission import Refusal, plan_key, plan_request
from qdcnet.control.policies import FIFO, Policy
from qdcnet.control.requests import (
    NO_DISTILLATION,
    EntanglementRequest,
    Plan,
    RequestHandle,
    RequestStatus,
)
from qdcnet.errors import ParameterError, QdcnetError, check_range
from qdcnet.link.pair import EntangledPair, PairStatus
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.distillation import MAX_ROUNDS
from qdcnet.network.fabric import Circuit
from qdcnet.network.service import PathService
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["Orchestrator", "StockSpec"]


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
class _Slice:
    handle: RequestHandle
    service: PathService | None
    circuits: list[Circuit]
    granted_ps: int
    started_ps: int | None = None
    events: list[int] = field(default_factory=list)


@dataclass
class _Stock:
    spec: StockSpec
    plan: Plan | None = None
    pairs: list[tuple[EntangledPair, PathService]] = field(default_factory=list)
    filler: RequestHandle | None = None
    history: list[tuple[float, int]] = field(default_factory=list)
    discarded: int = 0
    served: int = 0


class Orchestrator:
    """Serve entanglement requests on a :class:`~qdcnet.network.DataCenter`.

    Parameters
    ----------
    dc
        The data center (its simulator runs everything).
    policy
        Queue order and time slicing (default :class:`~qdcnet.control.policies.FIFO`).
    control_node
        Where the control plane sits (default: the scenario's, else messages
        to and from it are instantaneous).
    processing_latency_s
        Time the control plane takes to plan or to issue instructions.
    stock
        Node pairs to keep pairs in stock for.
    max_rounds
        Most distillation rounds admission considers.
    """

    def __init__(
        self,
        dc: DataCenter,
        *,
        policy: Policy | None = None,
        control_node: str | None = None,
        processing_latency_s: float | None = None,
        stock: list[StockSpec] | None = None,
        max_rounds: int = 3,
        plan_samples: int = 4000,
    ) -> None:
        self.dc = dc
        self.sim = dc.sim
        self.policy = policy or FIFO()
        config = dc.scenario.control_plane
        self.control_node = control_node or (config.node if config is not None else None)
        if self.control_node is not None:
            dc.fabric.check_node(self.control_node)
        self.processing_ps = s_to_ps(processing_latency_s if processing_latency_s is not None
                                     else (config.processing_latency if config else 0.0))
        check_range("max_rounds", max_rounds, 0, MAX_ROUNDS)
        self.max_rounds = max_rounds
        self.plan_samples = plan_samples
        self.handles: list[RequestHandle] = []
        self._ids = itertools.count(1)
        self._queue: list[RequestHandle] = []
        self._serving: dict[int, _Slice] = {}
        self._plans: dict[Any, Any] = {}
        self._stocks: dict[frozenset[str], _Stock] = {}
        self._stock_handles: dict[int, _Stock] = {}
        self._dispatch_pending = False
        self._changed: set[Any] = set()
        self._blocked: set[int] = set()
        self._resource_keys: dict[int, frozenset[Any]] = {}
        for spec in stock or []:
            self._add_stock(spec)

    # -- submission ------------------------------------------------------------------

    def submit(
        self,
        request: EntanglementRequest,
        *,
        on_pair: Callable[[EntangledPair], None] | None = None,
        on_done: Callable[[RequestHandle], None] | None = None,
    ) -> RequestHandle:
        """Send a request to the control plane; returns its handle at once.

        ``on_pair`` receives each delivered pair and owns it (consume it or
        discard it); without it pairs are consumed on delivery. Unknown
        nodes and deadlines already past are refused here, before anything
        is sent.
        """
        fabric = self.dc.fabric
        fabric.check_node(request.src, memory=True)
        fabric.check_node(request.dst, memory=True)
        now = self.sim.now
        if request.deadline_s is not None and s_to_ps(request.deadline_s) <= now:
            raise ParameterError("deadline_s", request.deadline_s,
                                 f"a time after now ({now / PS_PER_S:g} s)")
        handle = RequestHandle(request, next(self._ids), now, on_pair, on_done)
        handle._cancel = self._cancel
        self.handles.append(handle)
        delay = self._delay(request.src, self.control_node) + self.processing_ps
        self.sim.schedule(delay, self._admit, handle)
        return handle

    def _delay(self, src: str | None, dst: str | None) -> int:
        if src is None or dst is None or src == dst:
            return 0
        return self.dc.classical.delay_ps(self.sim, src, dst)

    def _admit(self, handle: RequestHandle) -> None:
        if handle.finished:
            return
        request = handle.request
        decision = self._plan(request)
        if isinstance(decision, Refusal):
            handle.reason = decision.reason
            self._finish(handle, RequestStatus.REFUSED)
            return
        handle.plan = decision.plan
        handle.admitted_ps = self.sim.now
        handle.status = RequestStatus.QUEUED
        if request.deadline_s is not None:
            self.sim.schedule_at(max(self.sim.now, s_to_ps(request.deadline_s)), self._expire,
                                 handle)
        self._take_stock(handle)
        if handle.remaining == 0:
            self._finish(handle, RequestStatus.COMPLETED)
            return
        self._queue.append(handle)
        self._dispatch()

    def _plan(self, request: EntanglementRequest) -> Any:
        # The queue changes nothing in a plan: equal keys, equal plans.
        key = plan_key(request)
        decision = self._plans.get(key) if key is not None else None
        if decision is None:
            decision = plan_request(self.dc, request, now_s=self.sim.now / PS_PER_S,
                                    max_rounds=self.max_rounds, samples=self.plan_samples)
            if key is not None:
                self._plans[key] = decision
        return decision

    # -- dispatching ---------------------------------------------------------------------

    def _dispatch(self) -> None:
        # Coalesce: many releases at one instant dispatch once.
        if not self._dispatch_pending:
            self._dispatch_pending = True
            self.sim.schedule(0, self._dispatch_now, priority=1)

    def _dispatch_now(self) -> None:
        self._dispatch_pending = False
        if not self._queue:
            return
        now = self.sim.now
        changed, self._changed = self._changed, set()
        # A request that was blocked can only fit again if something it uses was
        # released since: re-trying only those keeps a long queue cheap.
        candidates = [h for h in self._queue if h.id not in self._blocked
                      or not changed.isdisjoint(self._resources(h))]
        granted = []
        for handle in self.policy.order(candidates, now):
            circuits = self._reserve(handle)
            if circuits is None:
                self._blocked.add(handle.id)
                continue
            self._blocked.discard(handle.id)
            granted.append(handle)
            self._grant(handle, circuits)
        if granted:
            done = {h.id for h in granted}
            self._queue = [h for h in self._queue if h.id not in done]

    def _resources(self, handle: RequestHandle) -> frozenset[Any]:
        """Every resource key a request's plan uses: nodes, fibres, stations."""
        keys = self._resource_keys.get(handle.id)
        if keys is None:
            fabric = self.dc.fabric
            items: set[Any] = set(handle.plan.path)  # type: ignore[union-attr]
            for a, b in itertools.pairwise(handle.plan.path):  # type: ignore[union-attr]
                route = fabric.route(a, b)
                items.add(route.via)
                items.update(route.fiber_counts)
            keys = self._resource_keys[handle.id] = frozenset(items)
        return keys

    def _touch(self, keys: Any) -> None:
        self._changed.update(keys)

    def _reserve(self, handle: RequestHandle) -> list[Circuit] | None:
        plan = handle.plan
        assert plan is not None
        fabric = self.dc.fabric
        # Cheap test first: a node with no free communication qubit blocks the grant.
        for node in plan.path:
            if fabric.free_communication_qubits(node) < 1:
                return None
        distils = plan.distillation_rounds > 0
        src, dst = plan.path[0], plan.path[-1]
        if distils and not self.dc.take_storage(src, dst):
            return None
        routes = [self.dc.fabric.route(a, b) for a, b in itertools.pairwise(plan.path)]
        circuits = self.dc._try_all(routes)
        if circuits is None and distils:
            self.dc.free_storage(src, dst)
        return circuits

    def _grant(self, handle: RequestHandle, circuits: list[Circuit]) -> None:
        now = self.sim.now
        handle.status = RequestStatus.SERVING
        handle.slices += 1
        if handle.first_grant_ps is None:
            handle.first_grant_ps = now
            request = handle.request
            if request.rate_hz is not None and request.duration_s is not None:
                # A rate asks for rate x duration pairs within its window.
                self.sim.schedule(s_to_ps(request.duration_s), self._window_closed, handle)
        served = _Slice(handle, None, circuits, now)
        self._serving[handle.id] = served
        # Instructions reach every node of the path from the control plane.
        arrival = max(self._delay(self.control_node, node) for node in handle.plan.path)
        self.sim.schedule(self.processing_ps + arrival, self._start_slice, served)

    def _start_slice(self, served: _Slice) -> None:
        handle = served.handle
        if self._serving.get(handle.id) is not served:
            return
        plan = handle.plan
        distillation = plan.distillation if plan.distillation.rounds else None
        if distillation is not None:
            # The reservation took one storage pair; the service takes its own.
            self.dc.free_storage(plan.path[0], plan.path[-1])
        stocking = handle.id in self._stock_handles
        service = PathService(self.dc, f"{handle.name}.{handle.slices}", plan.path,
                              pairs=handle.remaining, distillation=distillation,
                              on_pair=lambda pair: self._deliver(served, pair),
                              request=handle.name, store=stocking)
        served.service = service
        served.started_ps = self.sim.now
        service.start(served.circuits, on_release=lambda circuits: self._release(served))
        if self.policy.quantum_s is not None:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _deliver(self, served: _Slice, pair: EntangledPair) -> None:
        handle = served.handle
        service = served.service
        assert service is not None
        now = self.sim.now
        stock = self._stock_handles.get(handle.id)
        if stock is not None:
            # A stock pair stays stored (holding storage slots) until a request takes it.
            handle.delivered += 1
            self._stock_pair(stock, served, pair)
            if handle.remaining == 0:
                self._finish(handle, RequestStatus.COMPLETED)
            return
        fidelity = pair.fidelity_at(now)
        if handle.first_pair_ps is None:
            handle.first_pair_ps = now
        handle.delivered += 1
        handle.fidelities.append(fidelity)
        minimum = handle.request.min_fidelity
        if minimum is not None and fidelity < minimum:
            handle.below_threshold += 1
        if handle.on_pair is not None:
            handle.on_pair(pair)
        if pair.status is PairStatus.LIVE:
            pair.consume(now)
        service.release(pair)
        if handle.remaining == 0:
            self._finish(handle, RequestStatus.COMPLETED)

    def _quantum(self, served: _Slice) -> None:
        handle = served.handle
        if self._serving.get(handle.id) is not served or handle.finished:
            return
        if self._queue:
            # Others wait: yield the fabric and rejoin the queue.
            handle.status = RequestStatus.QUEUED
            self._end_slice(served)
            self._queue.append(handle)
        else:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _end_slice(self, served: _Slice) -> None:
        if self._serving.get(served.handle.id) is not served:
            return
        if served.service is not None:
            served.service.stop()  # releases through _release when its pairs are back
        else:
            self._release(served)

    def _release(self, served: _Slice) -> None:
        handle = served.handle
        if self._serving.get(handle.id) is not served:
            return
        del self._serving[handle.id]
        now = self.sim.now
        held = now - served.granted_ps
        handle.served_ps += held
        handle.circuit_ps += held * len(served.circuits)
        handle.qubit_ps += held * sum(2 * c.streams for c in served.circuits)
        self.policy.served(handle, held)
        for circuit in served.circuits:
            self.dc.fabric.release(circuit)
        self._touch(self._resources(handle))
        if handle.finished:
            self._forget(handle)
        self._dispatch()

    def _forget(self, handle: RequestHandle) -> None:
        # A finished request lives on in ``handles`` (the record) and nowhere else.
        self._resource_keys.pop(handle.id, None)
        self._stock_handles.pop(handle.id, None)
        self._blocked.discard(handle.id)

    # -- endings ---------------------------------------------------------------------------

    def _window_closed(self, handle: RequestHandle) -> None:
        if not handle.finished:
            handle.reason = "rate window closed before all pairs were delivered"
            self._finish(handle, RequestStatus.EXPIRED)

    def _expire(self, handle: RequestHandle) -> None:
        if not handle.finished:
            handle.reason = "deadline passed"
            self._finish(handle, RequestStatus.EXPIRED)

    def _cancel(self, handle: RequestHandle) -> None:
        self._finish(handle, RequestStatus.CANCELLED)

    def _finish(self, handle: RequestHandle, status: RequestStatus) -> None:
        if handle.finished:
            return
        handle.status = status
        if handle in self._queue:
            self._queue.remove(handle)
        served = self._serving.get(handle.id)
        if served is not None:
            self._end_slice(served)  # forgets the handle once its circuits are back
        else:
            self._forget(handle)
        handle.done_ps = self.sim.now
        if handle.on_done is not None:
            self.sim.schedule(self._delay(self.control_node, handle.request.src),
                              handle.on_done, handle)

    # -- stock -----------------------------------------------------------------------------

    def _add_stock(self, spec: StockSpec) -> None:
        self.dc.fabric.check_node(spec.a, memory=True)
        self.dc.fabric.check_node(spec.b, memory=True)
        for node in (spec.a, spec.b):
            if self.dc.ops[node].storage_slots < spec.depth:
                raise QdcnetError(f"stock of {spec.depth} pairs between {spec.a} and {spec.b} "
                                  f"needs {spec.depth} storage slots at {node}, which has "
                                  f"{self.dc.ops[node].storage_slots}")
        stock = _Stock(spec)
        self._stocks[frozenset((spec.a, spec.b))] = stock
        stock.history.append((self.sim.now / PS_PER_S, 0))
        self.sim.schedule(0, self._refill, stock)

    def stock_levels(self) -> dict[str, list[tuple[float, int]]]:
        """Stock level over time per node pair: (time in s, pairs)."""
        return {f"{s.spec.a}-{s.spec.b}": list(s.history) for s in self._stocks.values()}

    def _record(self, stock: _Stock) -> None:
        stock.history.append((self.sim.now / PS_PER_S, len(stock.pairs)))

    def _refill(self, stock: _Stock) -> None:
        if stock.filler is not None and not stock.filler.finished:
            return
        missing = stock.spec.depth - len(stock.pairs)
        if missing <= 0:
            return
        # The filler is an ordinary request at the lowest priority, stored on delivery.
        request = EntanglementRequest(stock.spec.a, stock.spec.b, num_pairs=missing,
                                      priority=-(1 << 30), name=f"stock:{stock.spec.a}-"
                                      f"{stock.spec.b}")
        handle = RequestHandle(request, next(self._ids), self.sim.now)
        handle._cancel = self._cancel
        decision = self._plan(request)
        if isinstance(decision, Refusal):
            raise QdcnetError(f"cannot stock pairs between {stock.spec.a} and {stock.spec.b}: "
                              f"{decision.reason}")
        stock.plan = decision.plan
        handle.plan = Plan(decision.plan.path, NO_DISTILLATION, decision.plan.estimate)
        handle.status = RequestStatus.QUEUED
        handle.admitted_ps = self.sim.now
        stock.filler = handle
        handle.on_done = lambda _h: self.sim.schedule(0, self._refill, stock)
        self._stock_handles[handle.id] = stock
        self._queue.append(handle)
        self._dispatch()

    def _take_stock(self, handle: RequestHandle) -> None:
        stock = self._stocks.get(frozenset((handle.request.src, handle.request.dst)))
        if stock is None:
            return
        now = self.sim.now
        self._expire_stock(stock)
        minimum = handle.request.min_fidelity
        # Freshest first: the best fidelity for this request.
        for pair, service in sorted(stock.pairs, key=lambda ps: -ps[0].state_time_ps):
            if handle.remaining == 0:
                break
            if minimum is not None and self._expected_fidelity(stock, pair, now) < minimum:
                continue
            stock.pairs.remove((pair, service))
            stock.served += 1
            fidelity = pair.fidelity_at(now)
            if handle.first_pair_ps is None:
                handle.first_pair_ps = now
            handle.delivered += 1
            handle.fidelities.append(fidelity)
            if minimum is not None and fidelity < minimum:
                handle.below_threshold += 1
            if handle.on_pair is not None:
                handle.on_pair(pair)
            if pair.status is PairStatus.LIVE:
                pair.consume(now)
            service.release(pair)
        self._touch((stock.spec.a, stock.spec.b))
        self._record(stock)
        self.sim.schedule(0, self._refill, stock)

    def _expected_fidelity(self, stock: _Stock, pair: EntangledPair, now_ps: int) -> float:
        # What the controller can know: the plan's delivered state, aged by how long
        # this pair has been stored (not which herald made it).
        assert stock.plan is not None
        age = (now_ps - pair.state_time_ps) / PS_PER_S
        a, b = pair.memory_a, pair.memory_b
        return stock.plan.estimate.state.age(age, 1 / a.t1_s + 1 / b.t1_s,
                                             1 / a.t2_s + 1 / b.t2_s).fidelity

    def _expire_stock(self, stock: _Stock) -> None:
        now = self.sim.now
        cutoff = stock.spec.cutoff_s
        kept = []
        for pair, service in stock.pairs:
            if (now - pair.state_time_ps) / PS_PER_S > cutoff:
                pair.discard(now, "stock cutoff")
                service.release(pair)
                stock.discarded += 1
                self._touch((stock.spec.a, stock.spec.b))
            else:
                kept.append((pair, service))
        stock.pairs = kept

    def _stock_pair(self, stock: _Stock, served: _Slice, pair: EntangledPair) -> None:
        stock.pairs.append((pair, served.service))  # type: ignore[arg-type]
        if math.isfinite(stock.spec.cutoff_s):
            self.sim.schedule(s_to_ps(stock.spec.cutoff_s) + 1, self._expire_and_refill, stock)
        self._record(stock)

    def _expire_and_refill(self, stock: _Stock) -> None:
        before = len(stock.pairs)
        self._expire_stock(stock)
        if len(stock.pairs) != before:
            self._record(stock)
            self._refill(stock)

    # -- reports ---------------------------------------------------------------------------

    def request_rows(self) -> list[dict[str, Any]]:
        return [h.metrics() for h in self.handles]

    def check_invariants(self) -> None:
        """Nothing is double-booked and what is held matches what is serving (tests)."""
        fabric = self.dc.fabric
        for node in fabric.memory_nodes():
            free = fabric.free_communication_qubits(node)
            if not 0 <= free <= fabric.communication_qubits(node):
                raise QdcnetError(f"{node}: {free} free communication qubits")
        held: dict[str, int] = {}
        for served in self._serving.values():
            for circuit in served.circuits:
                if circuit.released:
                    raise QdcnetError("a serving request holds a released circuit")
                for node in (circuit.route.a, circuit.route.b):
                    held[node] = held.get(node, 0) + circuit.streams
        for node, count in held.items():
            used = fabric.communication_qubits(node) - fabric.free_communication_qubits(node)
            if used != count:
                raise QdcnetError(f"{node}: {used} communication qubits booked, "
                                  f"{count} held by serving requests")
        for switch, ports in fabric._ports.items():
            for port, state in ports.items():
                if state.capacity_used not in (0, 1):
                    raise QdcnetError(f"switch {switch} port {port} carries "
                                      f"{state.capacity_used} circuits")
        for terminal, busy in fabric._busy_units.items():
            units = (fabric._stations.get(terminal) or fabric._sources[terminal]).count
            if len(busy) > units:
                raise QdcnetError(f"{terminal}: {len(busy)} of {units} units busy")
