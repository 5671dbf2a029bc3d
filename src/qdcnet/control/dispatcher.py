"""The dispatcher: admitted requests queued under a policy, granted their circuits, served.

Dispatching is work-conserving: the policy orders the queue and every
request whose resources are free is granted, all of them at once (through
the data center's resource book). A request that was blocked waits on what
blocked it: a node short of communication qubits, a fibre short of
channels, or else all of its resources (nodes, fibres, station). It is re-tried only when one of
those was released since and has as much free as it needs (the
communication qubits of a node, the channels of a fibre), found through an
index from resource to waiting requests, so a dispatch costs what changed,
not the length of the queue (10,000 queued requests stay cheap). A grant is a *slice*: the
instructions travel to every node of the path, the service runs, and the
slice ends when the request does, or when a fair-share time slice is over
and others wait (the request then rejoins the queue, and may be granted a
new slice while the old one still hands back the circuits its delivered
pairs hold).

A tenant may have a quota of pairs per second (:meth:`Dispatcher.set_quota`),
an input of the dispatch like the policy's order: a token bucket of
``burst`` pairs refilled at the quota, debited for each pair delivered to
the tenant's requests. When it runs dry the tenant's slices end (their
circuits go to others), its requests wait in the queue, and they are tried
again when the bucket holds a pair again; over any window the tenant
receives at most ``burst + quota x window`` pairs, plus those already in
flight when its slices ended.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qdcnet.control.policies import Policy
from qdcnet.control.requests import RequestHandle, RequestStatus
from qdcnet.errors import check_range
from qdcnet.link.pair import EntangledPair
from qdcnet.network.fabric import Circuit
from qdcnet.network.service import PathService
from qdcnet.units import PS_PER_S, s_to_ps

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


def _streams(handle: RequestHandle, serial: int) -> str:
    """The name of a slice's random streams, its own: an unnamed request's name is
    unique within its orchestrator (``request<id>``); a named one takes its id after a
    ``#`` (which no unnamed one has), so two requests a client named alike never share
    a stream; the data center's second orchestrator on (``serial``) prefixes ``o<n>/``,
    since its ids start again at 1."""
    name = (f"{handle.name}.{handle.slices}" if not handle.request.name
            else f"{handle.request.name}#{handle.id}.{handle.slices}")
    return name if serial == 1 else f"o{serial}/{name}"


@dataclass
class _Bucket:
    """A tenant's pairs-per-second quota: tokens (pairs) refilled at ``per_ps``."""

    per_ps: float
    burst: float
    tokens: float
    refilled_ps: int
    #: While dry: when the bucket holds a pair again (its requests wait until then).
    held_until_ps: int | None = None


@dataclass(frozen=True)
class _Demand:
    """What a request's circuits take: its routes, qubits per node, channels per fibre."""

    routes: list[Any]
    qubits: tuple[tuple[str, int], ...]
    channels: tuple[tuple[Any, int], ...]


class Dispatcher:
    """The queue and the requests being served for one orchestrator."""

    def __init__(self, orchestrator: Orchestrator, policy: Policy) -> None:
        self.orchestrator = orchestrator
        self.dc = orchestrator.dc
        self.sim = orchestrator.sim
        self.policy = policy
        #: Queued requests by id, in arrival order.
        self.queue: dict[int, RequestHandle] = {}
        self.serving: dict[int, Slice] = {}
        #: Slices ended while their request went back to the queue, until their circuits
        #: are back (by id: a request may have one serving and others draining).
        self._draining: dict[int, Slice] = {}
        self._pending = False
        self._changed: set[Any] = set()
        #: Queued requests not tried since they (re)joined the queue.
        self._fresh: set[int] = set()
        #: Blocked requests: the resource keys whose release may unblock each, and
        #: what it needs of them (kind, key, amount) ...
        self._blocked: dict[int, tuple[frozenset[Any], tuple[Any, ...]]] = {}
        #: ... and the same, indexed by key.
        self._waiting_on: dict[Any, set[int]] = {}
        self._resource_keys: dict[int, frozenset[Any]] = {}
        self._demands: dict[int, _Demand] = {}
        #: Tenants' pairs-per-second buckets, and their queued requests held while dry.
        self._quotas: dict[str, _Bucket] = {}
        self._held: dict[str, set[int]] = {}

    # -- tenants' quotas -----------------------------------------------------------------

    def set_quota(self, tenant: str, pairs_per_s: float | None,
                  burst: float | None = None) -> None:
        """Hold ``tenant``'s requests to ``pairs_per_s`` (``None``: no quota), with a bucket
        of ``burst`` pairs (default a tenth of a second's worth, at least one).

        A change keeps the pairs the bucket holds (capped at the new burst).
        """
        if pairs_per_s is None:
            if self._quotas.pop(tenant, None) is not None:
                self._release_held(tenant)
            return
        check_range("pairs_per_s", pairs_per_s, 0.0, low_open=True)
        burst = max(1.0, pairs_per_s / 10) if burst is None else burst
        check_range("burst", burst, 1.0)
        now = self.sim.now
        bucket = self._quotas.get(tenant)
        if bucket is None:
            self._quotas[tenant] = _Bucket(pairs_per_s / PS_PER_S, burst, burst, now)
            return
        self._refill(bucket, now)
        bucket.per_ps, bucket.burst = pairs_per_s / PS_PER_S, burst
        bucket.tokens = min(bucket.tokens, burst)

    def quota(self, tenant: str | None) -> dict[str, Any] | None:
        """A tenant's quota and bucket now (``None``: it has none). Only a look: the
        bucket is left as it is (a read from outside must not change the simulation)."""
        bucket = self._quotas.get(tenant) if tenant is not None else None
        if bucket is None:
            return None
        tokens = min(bucket.burst, bucket.tokens + (self.sim.now - bucket.refilled_ps)
                     * bucket.per_ps)
        return {"pairs_per_s": bucket.per_ps * PS_PER_S, "burst": bucket.burst,
                "tokens": tokens, "held": bucket.held_until_ps is not None,
                "held_until_s": (None if bucket.held_until_ps is None
                                 else bucket.held_until_ps / PS_PER_S)}

    @staticmethod
    def _refill(bucket: _Bucket, now: int) -> None:
        bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.refilled_ps)
                            * bucket.per_ps)
        bucket.refilled_ps = now

    def _debit(self, tenant: str, bucket: _Bucket) -> None:
        """One pair delivered to ``tenant``: when the bucket runs dry, its slices end."""
        now = self.sim.now
        self._refill(bucket, now)
        bucket.tokens -= 1.0
        if bucket.tokens >= 1.0 or bucket.held_until_ps is not None:
            return
        # Integer picoseconds, rounded up: the bucket holds a whole pair then.
        wait = max(1, math.ceil((1.0 - bucket.tokens) / bucket.per_ps))
        bucket.held_until_ps = now + wait
        self.sim.schedule(wait, self._refilled, tenant, bucket)
        held = self._held.setdefault(tenant, set())
        for served in [s for s in self.serving.values()
                       if s.handle.request.tenant == tenant and not s.handle.finished]:
            served.handle.status = RequestStatus.QUEUED
            self._yield_slice(served)
            self.queue[served.handle.id] = served.handle
            held.add(served.handle.id)

    def _refilled(self, tenant: str, bucket: _Bucket) -> None:
        if self._quotas.get(tenant) is not bucket or bucket.held_until_ps is None:
            return
        if bucket.held_until_ps > self.sim.now:
            return  # a later debit moved it
        self._release_held(tenant)

    def _release_held(self, tenant: str) -> None:
        bucket = self._quotas.get(tenant)
        if bucket is not None:
            bucket.held_until_ps = None
        held = self._held.pop(tenant, set())
        self._fresh |= {i for i in held if i in self.queue}
        if held:
            self.dispatch()

    # -- the queue -----------------------------------------------------------------------

    def enqueue(self, handle: RequestHandle) -> None:
        self.queue[handle.id] = handle
        self._fresh.add(handle.id)
        self.dispatch()

    def withdraw(self, handle: RequestHandle) -> None:
        """Take a finished request out: from the queue, or end its slice."""
        self.queue.pop(handle.id, None)
        self._fresh.discard(handle.id)
        if handle.request.tenant in self._held:
            self._held[handle.request.tenant].discard(handle.id)
        served = self.serving.get(handle.id)
        if served is not None:
            self._end_slice(served)  # forgets the handle once its circuits are back
        else:
            self.forget(handle)

    def forget(self, handle: RequestHandle) -> None:
        # A finished request lives on in the orchestrator's ``handles`` and nowhere else.
        self._resource_keys.pop(handle.id, None)
        self._demands.pop(handle.id, None)
        self._unblock(handle.id)
        self.orchestrator.stock.forget(handle)

    def _block(self, request_id: int, why: tuple[frozenset[Any], tuple[Any, ...]]) -> None:
        self._blocked[request_id] = why
        keys = why[0]
        waiting_on = self._waiting_on
        for key in keys:
            waiting = waiting_on.get(key)
            if waiting is None:
                waiting_on[key] = {request_id}
            else:
                waiting.add(request_id)

    def _unblock(self, request_id: int) -> None:
        why = self._blocked.pop(request_id, None)
        if why is None:
            return
        waiting_on = self._waiting_on
        for key in why[0]:
            waiting = waiting_on.get(key)
            if waiting is not None:
                waiting.discard(request_id)
                if not waiting:
                    del waiting_on[key]

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
        changed, self._changed = self._changed, set()
        queue = self.queue
        if not queue:
            return
        # A request that was blocked can only fit again if what blocked it was
        # released since: only those, and the new ones, are tried.
        tried, self._fresh = self._fresh, set()
        waiting_on = self._waiting_on
        for key in changed:
            waiting = waiting_on.get(key)
            if waiting:
                tried |= waiting
        blocked = self._blocked
        quotas = self._quotas
        candidates = []
        for request_id in tried:
            handle = queue.get(request_id)
            if handle is None:
                continue
            if quotas:
                tenant = handle.request.tenant
                bucket = quotas.get(tenant) if tenant is not None else None
                if bucket is not None and bucket.held_until_ps is not None:
                    self._held.setdefault(tenant, set()).add(request_id)  # type: ignore[arg-type]
                    continue
            why = blocked.get(request_id)
            if why is not None:
                if self._still_short(why[1]):
                    continue  # the release did not free enough of what it waits on
                self._unblock(request_id)
            candidates.append(handle)
        for handle in self.policy.order(candidates, self.sim.now):
            circuits, why = self._reserve(handle)
            if circuits is None:
                self._block(handle.id, why)
                continue
            del queue[handle.id]
            self._grant(handle, circuits)

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

    def _demand(self, handle: RequestHandle) -> _Demand:
        demand = self._demands.get(handle.id)
        if demand is None:
            plan = handle.plan
            assert plan is not None
            fabric = self.dc.fabric
            routes = [fabric.route(a, b) for a, b in itertools.pairwise(plan.path)]
            qubits: dict[str, int] = {}
            channels: dict[Any, int] = {}
            # At the request's width, the one its plan was estimated at.
            for route, streams in zip(routes, self.dc.stream_plan(routes,
                                                                  handle.request.streams),
                                      strict=True):
                for node in (route.a, route.b):
                    qubits[node] = qubits.get(node, 0) + streams
                for fiber, needed in route.fiber_counts.items():
                    channels[fiber] = channels.get(fiber, 0) + needed
            demand = self._demands[handle.id] = _Demand(routes, tuple(qubits.items()),
                                                        tuple(channels.items()))
        return demand

    def _still_short(self, reason: tuple[Any, ...]) -> bool:
        """Is the resource that blocked a request still short of what it needs?"""
        kind, key, needed = reason
        if kind == "node":
            return self.dc.fabric.free_communication_qubits(key) < needed
        if kind == "fiber":
            return self.dc.book.free_fiber_channels(key) < needed
        return False

    def _reserve(self, handle: RequestHandle
                 ) -> tuple[list[Circuit] | None, tuple[frozenset[Any], tuple[Any, ...]]]:
        """The request's circuits, or None and why: the keys whose release may
        unblock it, and what it needs of them."""
        plan = handle.plan
        assert plan is not None
        demand = self._demand(handle)
        fabric, book = self.dc.fabric, self.dc.book
        # Cheap tests first: the communication qubits and fibre channels the circuits
        # need (the checks the fabric makes, summed over the segments).
        for node, qubits in demand.qubits:
            if fabric.free_communication_qubits(node) < qubits:
                return None, (frozenset((node,)), ("node", node, qubits))
        for fiber, channels in demand.channels:
            if book.free_fiber_channels(fiber) < channels:
                return None, (frozenset((fiber,)), ("fiber", fiber, channels))
        distils = plan.distillation_rounds > 0
        src, dst = plan.path[0], plan.path[-1]
        if distils and not self.dc.take_storage(src, dst):
            return None, (self._resources(handle), ("any", None, 0))
        circuits = self.dc.try_circuits(demand.routes, max_streams=handle.request.streams)
        if circuits is None:
            if distils:
                self.dc.free_storage(src, dst, notify=False)  # undone, not given back
            return None, (self._resources(handle), ("any", None, 0))
        return circuits, (frozenset(), ("any", None, 0))

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
                              store=self.orchestrator.stock.is_filler(handle),
                              streams=_streams(handle, self.orchestrator.serial))
        served.service = service
        served.started_ps = self.sim.now
        service.start(served.circuits, on_release=lambda circuits: self._release(served))
        if self.policy.quantum_s is not None:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _delivered(self, served: Slice, pair: EntangledPair) -> None:
        assert served.service is not None
        handle = served.handle
        self.orchestrator.deliver(handle, pair, served.service)
        if self._quotas:
            tenant = handle.request.tenant
            bucket = self._quotas.get(tenant) if tenant is not None else None
            if bucket is not None:
                self._debit(tenant, bucket)  # type: ignore[arg-type]

    def _quantum(self, served: Slice) -> None:
        handle = served.handle
        if self.serving.get(handle.id) is not served or handle.finished:
            return
        if self.queue:
            # Others wait: yield the fabric and rejoin the queue.
            handle.status = RequestStatus.QUEUED
            self._yield_slice(served)
            self.queue[handle.id] = handle
            self._fresh.add(handle.id)
        else:
            self.sim.schedule(s_to_ps(self.policy.quantum_s), self._quantum, served)

    def _end_slice(self, served: Slice) -> None:
        if self.serving.get(served.handle.id) is not served:
            return
        if served.service is not None:
            served.service.stop()  # releases through _release when its pairs are back
        else:
            self._release(served)

    def _yield_slice(self, served: Slice) -> None:
        """End a slice whose request goes back to the queue. It may be granted again at
        once: this slice, set aside, still hands back its circuits when the pairs it
        delivered are released (a consumer may hold one until the next slice delivers)."""
        del self.serving[served.handle.id]
        self._draining[id(served)] = served
        if served.service is not None:
            served.service.stop()  # releases through _release when its pairs are back
        else:
            self._release(served)

    def _release(self, served: Slice) -> None:
        handle = served.handle
        if self._draining.pop(id(served), None) is None:
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
        if handle.finished and handle.id not in self.serving:
            self.forget(handle)
        self.dispatch()
