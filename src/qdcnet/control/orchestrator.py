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
5. pairs go to ``on_pair`` as they are delivered, or as leases to
   ``on_lease`` (held by the consumer until it releases them); served first
   from stock when the orchestrator keeps some for that node pair;
6. the request ends when its pairs are delivered, its window or deadline
   passes, it is cancelled, or (with time slicing) its slice ends and it
   rejoins the queue; its resources are released and ``on_done`` is called
   when the notice reaches the source.

Nothing is ever double-booked: every reservation goes through the data
center's resource book (all or nothing), which the tests check after every
event of random workloads.

Examples
--------
>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.network.topology import star
>>> dc = build_datacenter(star(4, profile="trapped_ion_oxford"), seed=1)
>>> orch = Orchestrator(dc)
>>> handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=5))
>>> dc.sim.run()
>>> handle.status.value, handle.delivered
('completed', 5)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from qdcnet.control.admission import Refusal
from qdcnet.control.dispatcher import Dispatcher
from qdcnet.control.lease import PairLease
from qdcnet.control.planner import DEFAULT_MAX_ROUNDS, PLAN_SAMPLES, Planner
from qdcnet.control.policies import FIFO, POLICIES, Policy, policy_by_name
from qdcnet.control.requests import EntanglementRequest, RequestHandle, RequestStatus
from qdcnet.control.stock import StockKeeper, StockSpec
from qdcnet.errors import ParameterError, QdcnetError, check_range
from qdcnet.link.pair import EntangledPair, PairStatus
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.distillation import MAX_ROUNDS
from qdcnet.network.resources import Booking, Claim
from qdcnet.network.service import PathService
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["Orchestrator", "OrchestratorSettings", "StockSpec"]


@dataclass(frozen=True)
class OrchestratorSettings:
    """How an orchestrator admits and schedules, as a scenario states it.

    ``policy`` is a name (fifo, edf, priority, fair-share); ``quantum_s`` the
    fair-share time slice; ``max_rounds`` the most distillation rounds
    admission considers; ``stock`` the node pairs kept in stock.
    """

    policy: str = "fifo"
    quantum_s: float | None = None
    max_rounds: int = DEFAULT_MAX_ROUNDS
    stock: tuple[StockSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ParameterError("policy", self.policy, ", ".join(POLICIES))
        if self.quantum_s is not None:
            check_range("quantum_s", self.quantum_s, 0.0, low_open=True)
        check_range("max_rounds", self.max_rounds, 0, MAX_ROUNDS)


class Orchestrator:
    """Serve entanglement requests on a :class:`~qdcnet.network.DataCenter`.

    Three parts do the work: the :class:`~qdcnet.control.planner.Planner`
    (admission), the :class:`~qdcnet.control.dispatcher.Dispatcher` (queue,
    grants, slices) and the :class:`~qdcnet.control.stock.StockKeeper`; this
    class takes submissions, ends requests and delivers every pair, whether
    fresh or from stock, through one path (:meth:`hand_over`).

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
    plan_samples
        Replicas of the path estimate behind each plan.
    keep_handles
        Keep every handle in :attr:`handles` for the run's reports (default). A
        long-running service says ``False``: it records what it needs as the request
        goes, and a finished request then leaves nothing behind.
    """

    def __init__(
        self,
        dc: DataCenter,
        *,
        policy: Policy | None = None,
        control_node: str | None = None,
        processing_latency_s: float | None = None,
        stock: list[StockSpec] | None = None,
        max_rounds: int = DEFAULT_MAX_ROUNDS,
        plan_samples: int = PLAN_SAMPLES,
        keep_handles: bool = True,
    ) -> None:
        self.dc = dc
        self.sim = dc.sim
        config = dc.layout.control_plane
        self.control_node = control_node or (config.node if config is not None else None)
        if self.control_node is not None:
            dc.fabric.check_node(self.control_node)
        self.processing_ps = s_to_ps(processing_latency_s if processing_latency_s is not None
                                     else (config.processing_latency_s if config else 0.0))
        self.handles: list[RequestHandle] = []
        self.keep_handles = keep_handles
        #: 1 for the first orchestrator on this data center, 2 for the next, ...
        self.serial = next(dc.orchestrator_serials)
        self._ids = itertools.count(1)
        self.planner = Planner(dc, max_rounds=max_rounds, samples=plan_samples)
        self.dispatcher = Dispatcher(self, policy or FIFO())
        # A request that waited for storage is retried when some comes back.
        dc.storage_listeners.append(self._storage_freed)
        self.stock = StockKeeper(self, list(stock or []))
        #: communication qubits held outside any request (see hold_communication)
        self._holds: dict[int, tuple[str, Booking]] = {}
        #: storage slots held outside any request (see hold_storage)
        self._storage_holds: dict[int, tuple[str, Booking]] = {}

    @classmethod
    def from_settings(cls, dc: DataCenter, settings: OrchestratorSettings, *,
                      keep_handles: bool = True) -> Orchestrator:
        """The orchestrator ``settings`` describe, on ``dc``."""
        options = ({"quantum_s": settings.quantum_s}
                   if settings.policy == "fair-share" and settings.quantum_s else {})
        return cls(dc, policy=policy_by_name(settings.policy, **options),
                   stock=list(settings.stock), max_rounds=settings.max_rounds,
                   keep_handles=keep_handles)

    @property
    def policy(self) -> Policy:
        return self.dispatcher.policy

    @property
    def max_rounds(self) -> int:
        return self.planner.max_rounds

    # -- submission ------------------------------------------------------------------

    def submit(
        self,
        request: EntanglementRequest,
        *,
        on_pair: Callable[[EntangledPair], None] | None = None,
        on_done: Callable[[RequestHandle], None] | None = None,
        on_lease: Callable[[PairLease], None] | None = None,
    ) -> RequestHandle:
        """Send a request to the control plane; returns its handle at once.

        ``on_pair`` receives each delivered pair and may consume or discard it
        before it returns; the pair is then consumed (if still live) and its
        qubits released. ``on_lease`` instead receives a
        :class:`~qdcnet.control.lease.PairLease`: the pair stays live and its
        qubits and circuits stay booked until the consumer releases the lease.
        Without either, pairs are consumed on delivery. Unknown nodes,
        deadlines already past, and both callbacks at once are refused here,
        before anything is sent.
        """
        if on_pair is not None and on_lease is not None:
            raise ParameterError("on_lease", on_lease, "None when on_pair is given",
                                 "a pair goes either to on_pair or, held, to on_lease")
        fabric = self.dc.fabric
        fabric.check_node(request.src, memory=True)
        fabric.check_node(request.dst, memory=True)
        now = self.sim.now
        if request.deadline_ps is not None and request.deadline_ps <= now:
            raise ParameterError("deadline_s", request.deadline_s,
                                 f"a time after now ({now / PS_PER_S:g} s)")
        handle = self.new_handle(request, on_pair, on_done, on_lease)
        if self.keep_handles:
            self.handles.append(handle)
        delay = self.delay_ps(request.src, self.control_node) + self.processing_ps
        self.sim.schedule(delay, self._admit, handle)
        return handle

    def new_handle(self, request: EntanglementRequest,
                   on_pair: Callable[[EntangledPair], None] | None = None,
                   on_done: Callable[[RequestHandle], None] | None = None,
                   on_lease: Callable[[PairLease], None] | None = None) -> RequestHandle:
        """A handle with the next id, cancellable through this orchestrator."""
        handle = RequestHandle(request, next(self._ids), self.sim.now, on_pair, on_done,
                               on_lease)
        handle._cancel = self._cancel
        return handle

    def delay_ps(self, src: str | None, dst: str | None) -> int:
        """A classical message's delay from ``src`` to ``dst`` (0 without a control node)."""
        if src is None or dst is None or src == dst:
            return 0
        return self.dc.classical.delay_ps(self.sim, src, dst)

    def _admit(self, handle: RequestHandle) -> None:
        if handle.finished:
            return
        request = handle.request
        decision = self.planner.plan(request)
        if isinstance(decision, Refusal):
            handle.reason = decision.reason
            self._finish(handle, RequestStatus.REFUSED)
            if handle.on_decision is not None:
                handle.on_decision(handle)
            return
        handle.plan = decision.plan
        handle.admitted_ps = self.sim.now
        handle.status = RequestStatus.QUEUED
        if handle.on_decision is not None:
            handle.on_decision(handle)
        if request.deadline_ps is not None:
            self.sim.schedule_at(max(self.sim.now, request.deadline_ps), self._expire, handle)
        self.stock.serve(handle)
        if handle.remaining == 0:
            self._finish(handle, RequestStatus.COMPLETED)
            return
        self.dispatcher.enqueue(handle)

    # -- delivery --------------------------------------------------------------------------

    def deliver(self, handle: RequestHandle, pair: EntangledPair, service: PathService) -> None:
        """A pair the service made for ``handle``: stocked, or handed over."""
        if self.stock.is_filler(handle):
            handle.delivered += 1
            self.stock.store(handle, pair, service)
        else:
            self.hand_over(handle, pair, service)
        if handle.remaining == 0:
            self._finish(handle, RequestStatus.COMPLETED)

    def hand_over(self, handle: RequestHandle, pair: EntangledPair,
                  service: PathService) -> None:
        """The one way a pair reaches a request: recorded, then leased (``on_lease``:
        the consumer releases it), or given to ``on_pair`` and released."""
        now = self.sim.now
        fidelity = pair.fidelity_at(now)
        if handle.first_pair_ps is None:
            handle.first_pair_ps = now
        handle.delivered += 1
        handle.fidelities.append(fidelity)
        minimum = handle.request.min_fidelity
        if minimum is not None and fidelity < minimum:
            handle.below_threshold += 1
        if handle.on_lease is not None:
            # Held: the consumer consumes and releases it; its circuits stay booked.
            handle.on_lease(PairLease(pair, handle, service, self.sim))
            return
        if handle.on_pair is not None:
            handle.on_pair(pair)
        if pair.status is PairStatus.LIVE:
            pair.consume(now)
        service.release(pair)

    # -- endings ---------------------------------------------------------------------------

    def window_closed(self, handle: RequestHandle) -> None:
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
        self.dispatcher.withdraw(handle)
        handle.done_ps = self.sim.now
        if handle.on_done is not None:
            self.sim.schedule(self.delay_ps(self.control_node, handle.request.src),
                              handle.on_done, handle)

    # -- reports ---------------------------------------------------------------------------

    def stock_levels(self) -> dict[str, list[tuple[float, int]]]:
        """Stock level over time per node pair: (time in s, pairs)."""
        return self.stock.levels()

    def request_rows(self) -> list[dict[str, object]]:
        return [h.metrics() for h in self.handles]

    def hold_communication(self, node: str) -> Booking | None:
        """Keep one communication qubit of ``node`` booked outside any request.

        For a consumer whose pair is released but whose half lives on in the
        qubit (a cat copy, a teleported qubit): the pair's other end is free
        again, this one is not. ``None`` when no communication qubit of
        ``node`` is free. Give it back with :meth:`release_hold`.
        """
        booking = self.dc.book.try_reserve(Claim(communication={node: 1}))
        if booking is not None:
            self._holds[booking.id] = (node, booking)
        return booking

    def hold_storage(self, node: str) -> Booking | None:
        """Keep one storage slot of ``node`` booked outside any request.

        Like :meth:`hold_communication`, for a pair stored before use
        (:meth:`PairLease.store <qdcnet.control.lease.PairLease.store>`): the
        pair is released when one end is done, freeing the storage at both
        ends, while the other end's half (a cat copy, a teleported qubit) still
        lives in its storage qubit. ``None`` when no storage slot of ``node``
        is free. Give it back with :meth:`release_hold`.
        """
        booking = self.dc.book.try_reserve(Claim(storage={node: 1}))
        if booking is not None:
            self._storage_holds[booking.id] = (node, booking)
        return booking

    def _storage_freed(self, nodes: tuple[str, ...]) -> None:
        self.dispatcher.touch(nodes)
        self.dispatcher.dispatch()

    def release_hold(self, booking: Booking) -> None:
        """Give back a qubit :meth:`hold_communication` or :meth:`hold_storage` kept;
        waiting requests may take it."""
        holds = self._storage_holds if booking.id in self._storage_holds else self._holds
        node, held = holds.pop(booking.id)
        self.dc.book.release(held)
        self.dispatcher.touch((node,))
        self.dispatcher.dispatch()

    def check_invariants(self) -> None:
        """Nothing is double-booked and what is held matches what is serving (tests)."""
        self.dc.book.check_invariants()
        fabric = self.dc.fabric
        held: dict[str, int] = {}
        for node, _ in self._holds.values():
            held[node] = held.get(node, 0) + 1
        for served in self.dispatcher.serving.values():
            for circuit in served.circuits:
                if circuit.released:
                    raise QdcnetError("a serving request holds a released circuit")
                for node in (circuit.route.a, circuit.route.b):
                    held[node] = held.get(node, 0) + circuit.streams
        book = self.dc.book
        stored: dict[str, int] = {}
        for node, _ in self._storage_holds.values():
            stored[node] = stored.get(node, 0) + 1
        for node, count in stored.items():
            # Storage is also booked by services (distillation, stock, stored leases).
            used = book.capacity("storage", node) - book.free_storage(node)
            if used < count:
                raise QdcnetError(f"{node}: {used} storage slots booked, {count} held")
        for node, count in held.items():
            used = fabric.communication_qubits(node) - fabric.free_communication_qubits(node)
            if used != count:
                raise QdcnetError(f"{node}: {used} communication qubits booked, "
                                  f"{count} held by serving requests")
