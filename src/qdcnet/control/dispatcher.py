"""The dispatcher: admitted requests queued under a policy, granted their circuits, served.

Dispatching is work-conserving: the policy orders the queue and every
request whose resources are free is granted, all of them at once (through
the data center's resource book). A request that was blocked is only
re-tried when one of its resources (nodes, fibres, station) was released
since; this keeps 1,000 queued requests cheap. A grant is a *slice*: the
instructions travel to every node of the path, the service runs, and the
slice ends when the request does, or when a fair-share time slice is over
and others wait (the request then rejoins the queue).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qdcnet.control.policies import Policy
from qdcnet.control.requests import RequestHandle, RequestStatus
from qdcnet.link.pair import EntangledPair
from qdcnet.network.fabric import Circuit
from qdcnet.network.service import PathService
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator

__all__ = ["Dispatcher", "Slice"]

#: Kernel priority of the coalesced dispatch: after every other event of the
#: same instant (priority 0), so all releases at one time are seen at once.
_DISPATCH_PRIORITY = 1


@dataclass
class Slice:
    """One grant of a request: its circuits and the service running on them."""

    handle: RequestHandle
    service: PathService | None
    circuits: list[Circuit]
    granted_ps: int
    started_ps: int | None = None
    #: The reservation's storage pair (distilling requests), until the service takes its own.
    holds_storage: bool = False


class Dispatcher:
    """The queue and the requests being served for one orchestrator."""

    def __init__(self, orchestrator: Orchestrator, policy: Policy) -> None:
        self.orchestrator = orchestrator
        self.dc = orchestrator.dc
        self.sim = orchestrator.sim
        self.policy = policy
        self.queue: list[RequestHandle] = []
        self.serving: dict[int, Slice] = {}
        self._pending = False
        self._changed: set[Any] = set()
        self._blocked: set[int] = set()
        self._resource_keys: dict[int, frozenset[Any]] = {}

    # -- the queue -----------------------------------------------------------------------

    def enqueue(self, handle: RequestHandle) -> None:
        self.queue.append(handle)
        self.dispatch()

    def withdraw(self, handle: RequestHandle) -> None:
        """Take a finished request out: from the queue, or end its slice."""
        if handle in self.queue:
            self.queue.remove(handle)
        served = self.serving.get(handle.id)
        if served is not None:
            self._end_slice(served)  # forgets the handle once its circuits are back
        else:
            self.forget(handle)

    def forget(self, handle: RequestHandle) -> None:
        # A finished request lives on in the orchestrator's ``handles`` and nowhere else.
        self._resource_keys.pop(handle.id, None)
        self._blocked.discard(handle.id)
        self.orchestrator.stock.forget(handle)

    def dispatch(self) -> None:
        # Coalesce: many releases at one instant dispatch once.
        if not self._pending:
            self._pending = True
            self.sim.schedule(0, self._dispatch_now, priority=_DISPATCH_PRIORITY)

    def touch(self, keys: Any) -> None:
        """Resources (node, fibre, station names) whose state changed since the last dispatch."""
        self._changed.update(keys)

    def _dispatch_now(self) -> None:
        self._pending = False
        if not self.queue:
            return
        now = self.sim.now
        changed, self._changed = self._changed, set()
        # A request that was blocked can only fit again if something it uses was
        # released since: re-trying only those keeps a long queue cheap.
        candidates = [h for h in self.queue if h.id not in self._blocked
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
            self.queue = [h for h in self.queue if h.id not in done]

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
        routes = [fabric.route(a, b) for a, b in itertools.pairwise(plan.path)]
        # At the request's width, the one its plan was estimated at.
        circuits = self.dc.try_circuits(routes, max_streams=handle.request.streams)
        if circuits is None and distils:
            self.dc.free_storage(src, dst)
        return circuits

    # -- slices ----------------------------------------------------------------------------

    def _grant(self, handle: RequestHandle, circuits: list[Circuit]) -> None:
        orchestrator = self.orchestrator
        now = self.sim.now
        handle.status = RequestStatus.SERVING
        handle.slices += 1
        if handle.first_grant_ps is None:
            handle.first_grant_ps = now
            request = handle.request
            if request.rate_hz is not None and request.duration_ps is not None:
                # A rate asks for rate x duration pairs within its window.
                self.sim.schedule(request.duration_ps, orchestrator.window_closed, handle)
        served = Slice(handle, None, circuits, now,
                       holds_storage=handle.plan.distillation_rounds > 0)  # type: ignore[union-attr]
        self.serving[handle.id] = served
        # Instructions reach every node of the path from the control plane.
        arrival = max(orchestrator.delay_ps(orchestrator.control_node, node)
                      for node in handle.plan.path)  # type: ignore[union-attr]
        self.sim.schedule(orchestrator.processing_ps + arrival, self._start_slice, served)

    def _start_slice(self, served: Slice) -> None:
        handle = served.handle
        if self.serving.get(handle.id) is not served:
            return
        plan = handle.plan
        assert plan is not None
        distillation = plan.distillation if plan.distillation.rounds else None
        if served.holds_storage:
            # The reservation took one storage pair; the service takes its own.
            self.dc.free_storage(plan.path[0], plan.path[-1])
            served.holds_storage = False
        service = PathService(self.dc, f"{handle.name}.{handle.slices}", plan.path,
                              pairs=handle.remaining, distillation=distillation,
                              strategy=plan.strategy,
                              on_pair=lambda pair: self._delivered(served, pair),
                              request=handle.name,
                              store=self.orchestrator.stock.is_filler(handle))
        served.service = service
        served.started_ps = self.sim.now
        service.start(served.circuits, on_release=lambda circuits: self._release(served))
        if self.policy.quantum_s is not None:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _delivered(self, served: Slice, pair: EntangledPair) -> None:
        assert served.service is not None
        self.orchestrator.deliver(served.handle, pair, served.service)

    def _quantum(self, served: Slice) -> None:
        handle = served.handle
        if self.serving.get(handle.id) is not served or handle.finished:
            return
        if self.queue:
            # Others wait: yield the fabric and rejoin the queue.
            handle.status = RequestStatus.QUEUED
            self._end_slice(served)
            self.queue.append(handle)
        else:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _end_slice(self, served: Slice) -> None:
        if self.serving.get(served.handle.id) is not served:
            return
        if served.service is not None:
            served.service.stop()  # releases through _release when its pairs are back
        else:
            self._release(served)

    def _release(self, served: Slice) -> None:
        handle = served.handle
        if self.serving.get(handle.id) is not served:
            return
        del self.serving[handle.id]
        now = self.sim.now
        held = now - served.granted_ps
        handle.served_ps += held
        handle.circuit_ps += held * len(served.circuits)
        handle.qubit_ps += held * sum(2 * c.streams for c in served.circuits)
        self.policy.served(handle, held)
        for circuit in served.circuits:
            self.dc.fabric.release(circuit)
        if served.holds_storage:
            # Ended before its service started (cancelled, expired): the storage comes back too.
            self.dc.free_storage(handle.plan.path[0], handle.plan.path[-1])  # type: ignore[union-attr]
            served.holds_storage = False
        self.touch(self._resources(handle))
        if handle.finished:
            self.forget(handle)
        self.dispatch()
