"""Serving end-to-end pairs along a fixed path, on the event kernel.

:class:`PathService` takes a request (two end nodes, a path of memory nodes,
an amount, optional distillation), acquires every segment's optical circuit
from the fabric (waiting while something is busy, paying reconfiguration
time), runs one :class:`~qdcnet.link.LinkSimulation` per segment, swaps at
each intermediate node as soon as it holds both halves (ASAP), sends every
swap outcome to both ends over the classical channels, distils end to end if
asked, and hands each finished pair to its consumer. Qubits are tracked one
by one: a swap replaces the two pairs that held a node's halves by one pair
between their far qubits, and the communication qubits of every segment in a
pair's lineage are released when that pair is consumed or discarded.

**Pairing rule.** A link with several streams hands its pairs over in herald
order. A relay keeps its halves of pairs from the left link and from the
right link in two first-in, first-out pools, and swaps the oldest left pair
with the oldest right pair whenever both pools hold one: any left pair may
meet any right pair (not stream by stream). Hence the n-th end-to-end pair
is made of the n-th pair heralded on every link, and a stream is busy from
its herald until the end-to-end pair it went into is delivered (consumed
or, if stored, moved to storage). :class:`~qdcnet.network.paths.PathModel`
estimates exactly this rule.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from qdcnet.errors import QdcnetError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.link.pair import Endpoint, EntangledPair, PairStatus
from qdcnet.link.process import LinkSimulation
from qdcnet.network.distillation import DistillationMode, DistillationPlan
from qdcnet.network.fabric import Circuit
from qdcnet.network.protocols import distill_pairs, swap_pairs
from qdcnet.network.strategies import Pairing, Strategy, SwapOrder, span_heights, span_tree
from qdcnet.quantum import PairChain, swap_factors
from qdcnet.quantum.pauli import decay_rates
from qdcnet.sim.statistics import standard_error
from qdcnet.units import PS_PER_S, s_to_ps

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["PathService", "ServiceStats"]


@dataclass
class ServiceStats:
    """What one request got."""

    requested_ps: int = 0
    granted_ps: int | None = None
    first_pair_ps: int | None = None
    completed_ps: int | None = None
    delivered: int = 0
    raw_pairs: int = 0
    swaps: int = 0
    distillations: int = 0
    distillation_failures: int = 0
    discarded: int = 0
    cutoffs: int = 0
    fidelities: list[float] = field(default_factory=list)
    delivery_ps: list[int] = field(default_factory=list)

    @property
    def mean_fidelity(self) -> float:
        return float(sum(self.fidelities) / len(self.fidelities)) if self.fidelities else math.nan

    @property
    def fidelity_standard_error(self) -> float:
        return standard_error(self.fidelities)


class _Virtual:
    """A pair between two tracked qubits, with what each final end has heard.

    The pair knows the node of each of its qubits, so the service keeps no
    per-qubit map that outlives the qubits (a long run stays in bounded memory).
    """

    __slots__ = ("arrival_dst", "arrival_src", "born", "busy", "level", "lineage", "nodes",
                 "pair", "qubits", "rounds", "span", "stored")

    def __init__(self, pair: EntangledPair, qubits: tuple[int, int], nodes: tuple[str, str],
                 lineage: list[tuple[LinkSimulation, EntangledPair]], arrival_src: int,
                 arrival_dst: int) -> None:
        self.pair = pair
        self.qubits = qubits
        self.nodes = nodes
        self.lineage = lineage
        self.arrival_src = arrival_src
        self.arrival_dst = arrival_dst
        self.level = 0
        self.stored = False  # holds a storage slot at each end
        self.span = (0, 0)  # positions along the path of its two ends
        self.born = 0  # creation of its oldest qubit (what a cutoff measures)
        self.rounds = 0  # nested purification rounds at its span
        self.busy = False  # in a purification, or waiting for its outcome

    def other(self, qubit: int) -> tuple[int, str]:
        """The far qubit from ``qubit``, and its node."""
        if self.qubits[0] == qubit:
            return self.qubits[1], self.nodes[1]
        return self.qubits[0], self.nodes[0]


#: One end qubit of a span: (endpoint, memory, learned_ps, since_ps, 1/T1, 1/T2): where
#: it is held, who knows of it when, since when it ages, how fast. A tuple: one is
#: built per end of every link pair.
_End = tuple[Endpoint, QuantumMemory, int, int, float, float]


class _Span(PairChain):
    """On the default path: link pairs joined at relays, their state kept lazily.

    A swap's outcome pair is never built: the span is a
    :class:`~qdcnet.quantum.PairChain` (the product of its pairs'
    Walsh-Hadamard components and its qubits' storage exposure) with each
    end's record. The end-to-end pair is built once, from the chain, when the
    last relay has decided its swap; it is the pair the swaps one by one would
    give. Built by ``_Span.of(state, frame)``, then :meth:`hold`.
    """

    __slots__ = ("arrival_dst", "arrival_src", "last_ps", "left", "lineage", "qubits", "right",
                 "span")

    def hold(self, qubits: tuple[int, int], span: tuple[int, int], left: _End, right: _End,
             lineage: list[tuple[LinkSimulation, EntangledPair]], arrival_src: int,
             arrival_dst: int) -> _Span:
        self.qubits = qubits
        self.span = span
        self.left = left
        self.right = right
        self.lineage = lineage
        self.arrival_src = arrival_src
        self.arrival_dst = arrival_dst
        self.last_ps = 0  # the latest end of a swap in the span
        return self


class PathService:
    """Serve a request along ``path``.

    Parameters
    ----------
    datacenter
        The assembled data center (simulator, fabric, classical network, node
        operations).
    name
        The request's name (used for random streams and records).
    path
        Memory nodes from source to destination.
    pairs
        Stop after this many delivered pairs (``None``: until stopped).
    distillation
        ``None`` or a :class:`~qdcnet.network.distillation.DistillationPlan`.
    on_pair
        Called with each delivered pair, which then belongs to the caller: it
        consumes or discards the pair when it has used it, then calls
        :meth:`release` so the qubits that held it are freed. Without
        ``on_pair`` each pair is consumed as soon as it is delivered.
    on_done
        Called with the service when the request is complete.
    store
        Move each delivered pair into storage qubits at both ends first (as
        for distillation), so it can wait without holding communication
        qubits; its storage slots are freed by :meth:`release`.
    strategy
        How the relays build end-to-end pairs (:class:`~qdcnet.network.strategies.Strategy`:
        swap order, pairing, cutoff, nested purification); the default is
        ASAP swaps, oldest first, no cutoff, no nesting.
    streams
        The name of its random streams when no other service ever uses it (an
        orchestrator's request and slice): they are let go entirely when the service
        closes. Default: ``name``, which others may share; such streams continue one
        another (see :meth:`~qdcnet.sim.kernel.Simulator.release_rng`).
    """

    def __init__(
        self,
        datacenter: DataCenter,
        name: str,
        path: tuple[str, ...],
        *,
        pairs: int | None = None,
        distillation: DistillationPlan | None = None,
        on_pair: Callable[[EntangledPair], None] | None = None,
        on_done: Callable[[PathService], None] | None = None,
        request: Any = None,
        store: bool = False,
        strategy: Strategy | None = None,
        streams: str | None = None,
    ) -> None:
        if len(path) < 2:
            raise QdcnetError(f"request {name}: a path needs two nodes at least")
        if distillation is not None or store:
            for node in (path[0], path[-1]):
                slots = datacenter.ops[node].storage_slots
                if slots < 2:
                    raise QdcnetError(
                        f"request {name}: distillation keeps pairs in storage qubits while they "
                        f"wait for a partner, but {node} has {slots} storage slot(s); it needs "
                        "2 or more (override qubits.storage)")
        strategy = Strategy() if strategy is None else strategy
        strategy.check_path(len(path) - 1)
        self.dc = datacenter
        self.sim = datacenter.sim
        self.name = name
        self.path = tuple(path)
        self.strategy = strategy
        self._default = strategy.is_default
        # The default strategy joins pairs lazily (no intermediate pair per swap):
        # the same pairs at the same times, at a fraction of the cost.
        self._deferred = self._default and len(path) > 2
        self._order = strategy.swap_order
        self._nested = bool(strategy.nesting)
        self._heights = span_heights(len(path) - 1)
        self._halves = {mid: span for span, mid in span_tree(len(path) - 1).items()}
        self._index = {node: i for i, node in enumerate(self.path)}
        self._cutoff_ps = None if strategy.cutoff_s is None else s_to_ps(strategy.cutoff_s)
        self._measuring: set[int] = set()
        self._purifying: dict[tuple[int, int], list[_Virtual]] = {}
        self.pairs = pairs
        self.distillation = distillation
        self.on_pair = on_pair
        self.on_done = on_done
        self.request = request if request is not None else name
        #: move each pair into storage before delivery (the constructor's ``store``)
        self.store_on_delivery = store
        self._on_release: Callable[[list[Circuit]], None] | None = None
        self.stats = ServiceStats()
        self.routes = [datacenter.fabric.route(a, b) for a, b in itertools.pairwise(path)]
        self._check_streams(datacenter.stream_plan(self.routes))
        self._streams = name if streams is None else streams
        self._private_streams = streams is not None
        self._rng = self.sim.acquire_rng(f"service/{self._streams}")
        self._outcome_rng: Any = None
        self._circuits: list[Circuit] = []
        self._links: list[LinkSimulation] = []
        self._owner: dict[int, Any] = {}  # qubit -> the _Virtual (or _Span) holding it
        self._bsm_ps = {node: s_to_ps(datacenter.ops[node].bell_measurement_time_s)
                        for node in path[1:-1]}
        # Messages from a relay to the ends, where the channels have no jitter.
        self._fixed_delays = {
            node: (datacenter.classical.delay_ps(self.sim, node, path[0]),
                   datacenter.classical.delay_ps(self.sim, node, path[-1]))
            for node in path[1:-1]
            if not (datacenter.classical.channel(node, path[0])[1]
                    or datacenter.classical.channel(node, path[-1])[1])}
        self._link_ends: list[tuple[bool, tuple[float, float], tuple[float, float]] | None] = [
            None] * (len(path) - 1)
        self._swap_noise = {node: swap_factors(datacenter.ops[node].gate_error,
                                               datacenter.ops[node].measurement_error)
                            for node in path[1:-1]}
        self._left: dict[str, deque[int]] = {node: deque() for node in path[1:-1]}
        self._right: dict[str, deque[int]] = {node: deque() for node in path[1:-1]}
        self._levels: dict[int, list[_Virtual]] = {}
        self._next_qubit = 0
        self._handed: dict[int, _Virtual] = {}
        #: handed pairs whose move to storage (store) is under way
        self._moving: set[int] = set()
        self._active = False
        self._finished = False
        self._closed = False

    # -- control -------------------------------------------------------------------

    def start(self, circuits: list[Circuit] | None = None,
              on_release: Callable[[list[Circuit]], None] | None = None) -> None:
        """Begin: ask the fabric for every segment, or use ``circuits`` already reserved.

        With reserved circuits, ``on_release`` gets them back when the
        service ends (the reserver frees them); otherwise the data center's
        first-come-first-served queue grants and takes them back.
        """
        self.stats.requested_ps = self.sim.now
        if circuits is not None:
            self._check_streams([c.streams for c in circuits])
            self._on_release = on_release
            self._granted(circuits)
        else:
            self.dc.request_circuits(self, self.routes, self._granted)

    def _check_streams(self, streams: list[int]) -> None:
        needed = self.strategy.streams_needed(len(self.path) - 1)
        if min(streams) < needed:
            raise QdcnetError(
                f"request {self.name}: {self.strategy.label()} holds up to {needed} pairs of a "
                f"segment at once, but a segment of {' -> '.join(self.path)} has "
                f"{min(streams)} stream(s); give the nodes more communication qubits or "
                "purify fewer rounds")

    def _granted(self, circuits: list[Circuit]) -> None:
        self._circuits = circuits
        setup = max((c.setup_s for c in circuits), default=0.0)
        self.stats.granted_ps = self.sim.now
        self.sim.schedule(s_to_ps(setup), self._begin)

    def _begin(self) -> None:
        if self._finished:
            return
        self._active = True
        for index, circuit in enumerate(self._circuits):
            model = self.dc.fabric.model(circuit.route.a, circuit.route.b, circuit.streams)
            link = LinkSimulation(
                self.sim, model, name=f"{self.name}/seg{index}",
                stream=f"{self._streams}/seg{index}",
                skip_failures=self.dc.layout.links.skip_failures,
                on_pair=partial(self._join_link_pair if self._deferred else self._on_link_pair,
                                index),
                pair_ids=self.dc.pair_ids)
            self._links.append(link)
        for link in self._links:
            link.start()

    def stop(self) -> None:
        """End the request: stop the links, drop pairs in flight, release the fabric."""
        if self._finished:
            return
        self._finished = True
        self._active = False
        now = self.sim.now
        for link in self._links:
            link.stop()
        for virtual in {id(v): v for v in self._owner.values()}.values():
            if isinstance(virtual, _Span):
                self.stats.discarded += 1  # its link pairs were taken; no pair was built
            else:
                self._drop(virtual, "request ended", release=False)
        for level in self._levels.values():
            for virtual in level:
                self._drop(virtual, "request ended", release=False)
        self._owner.clear()
        self._levels.clear()
        self._purifying.clear()
        self.stats.completed_ps = now
        if not self._holding_circuits():
            self._close()

    def _holding_circuits(self) -> bool:
        # Delivered pairs moved to storage no longer hold the circuits' qubits.
        return any(virtual.lineage for virtual in self._handed.values())

    def _close(self) -> None:
        # The fabric gets the circuits back once no delivered pair still holds
        # qubits of them.
        if self._closed:
            return
        self._closed = True
        # Nothing of this service draws again: its streams go (a long-lived service
        # would otherwise hold a generator per request it ever served).
        streams = [f"service/{self._streams}"]
        if self._outcome_rng is not None:
            streams.append(f"service/{self._streams}/outcomes")
        for link in self._links:
            streams += [f"link/{link.stream}", f"link/{link.stream}/demand"]
        self.sim.release_rng(*streams, forget=self._private_streams)
        if self._on_release is not None:
            self._on_release(self._circuits)
        else:
            self.dc.release_circuits(self, self._circuits)
        if self.on_done is not None:
            self.on_done(self)

    @property
    def links(self) -> list[LinkSimulation]:
        return self._links

    # -- pairs from the links -------------------------------------------------------------

    def _new_qubit(self) -> int:
        qubit = self._next_qubit
        self._next_qubit += 1
        return qubit

    def _on_link_pair(self, index: int, pair: EntangledPair) -> None:
        if not self._active:
            pair.discard(self.sim.now, "request ended")
            self._links[index].release(pair)
            return
        self.stats.raw_pairs += 1
        left_node, right_node = self.path[index], self.path[index + 1]
        q_a, q_b = self._new_qubit(), self._new_qubit()
        src, dst = self.path[0], self.path[-1]
        # The link keeps its record (to free its qubits later); we work on a copy.
        own = pair.hand_over(self.sim.now)
        virtual = _Virtual(own, (q_a, q_b), (left_node, right_node),
                           [(self._links[index], pair)],
                           pair.learned_a_ps if left_node == src else 0,
                           pair.learned_b_ps if right_node == dst else 0)
        virtual.span = (index, index + 1)
        virtual.born = own.state_time_ps
        self._owner[q_a] = self._owner[q_b] = virtual
        self._arm_cutoff(virtual)
        self._place(virtual)

    def _join_link_pair(self, index: int, pair: EntangledPair) -> None:
        """The default strategy's link pair: pooled at its relays, joined lazily (_Span)."""
        if not self._active:
            pair.discard(self.sim.now, "request ended")
            self._links[index].release(pair)
            return
        self.stats.raw_pairs += 1
        path = self.path
        left_node, right_node = path[index], path[index + 1]
        q_a = self._next_qubit
        q_b = q_a + 1
        self._next_qubit = q_a + 2
        # The link keeps its record (to free its qubits later); the span reads it.
        state, frame, since = pair.consume_raw(self.sim.now)
        ends = self._link_ends[index]
        if ends is None:  # a link's memories and orientation are fixed: read them once
            ends = self._link_ends[index] = (pair.end_a.node == left_node,
                                             decay_rates(pair.memory_a),
                                             decay_rates(pair.memory_b))
        a_is_left, (r1_a, r2_a), (r1_b, r2_b) = ends
        end_a = (pair.end_a, pair.memory_a, pair.learned_a_ps, since, r1_a, r2_a)
        end_b = (pair.end_b, pair.memory_b, pair.learned_b_ps, since, r1_b, r2_b)
        left, right = (end_a, end_b) if a_is_left else (end_b, end_a)
        span = _Span.of(state, frame).hold(
            (q_a, q_b), (index, index + 1), left, right, [(self._links[index], pair)],
            left[2] if index == 0 else 0, right[2] if index + 2 == len(path) else 0)
        owner = self._owner
        owner[q_a] = owner[q_b] = span
        # The right end first (as the pair's two halves reach the relays in this order).
        if index + 2 < len(path):
            pool, other = self._left[right_node], self._right[right_node]
            if other:
                self._join(right_node, q_b, other.popleft())
            else:
                pool.append(q_b)
        if index > 0:
            pool, other = self._right[left_node], self._left[left_node]
            if other:
                self._join(left_node, other.popleft(), q_a)
            else:
                pool.append(q_a)

    def _join(self, node: str, q_left: int, q_right: int) -> None:
        """``node`` Bell-measures its halves of two spans now: they become one."""
        owner = self._owner
        left, right = owner.pop(q_left), owner.pop(q_right)
        end_ps = self.sim.now + self._bsm_ps[node]
        chain = left
        # The measured qubits age until the measurement's end, then are gone.
        _, _, _, since, rate_t1, rate_t2 = left.right
        chain.wait((end_ps - since) / PS_PER_S, rate_t1, rate_t2)
        _, _, _, since, rate_t1, rate_t2 = right.left
        chain.wait((end_ps - since) / PS_PER_S, rate_t1, rate_t2)
        chain.join(right, self._swap_noise[node])
        path = self.path
        delays = self._fixed_delays.get(node)
        if delays is None:  # jittered channels: a fresh delay per message
            classical, sim = self.dc.classical, self.sim
            delays = (classical.delay_ps(sim, node, path[0]),
                      classical.delay_ps(sim, node, path[-1]))
        left.arrival_src = max(left.arrival_src, right.arrival_src, end_ps + delays[0])
        left.arrival_dst = max(left.arrival_dst, right.arrival_dst, end_ps + delays[1])
        left.last_ps = max(left.last_ps, right.last_ps, end_ps)
        left.right = right.right
        left.lineage += right.lineage
        far = right.qubits[1]
        left.qubits = (left.qubits[0], far)
        left.span = (left.span[0], right.span[1])
        owner[far] = left
        self.stats.swaps += 1
        if left.span[0] == 0 and left.span[1] == len(path) - 1:
            self._complete(left)

    def _complete(self, span: _Span) -> None:
        """Every swap of an end-to-end pair is decided: build the pair as it is after the last."""
        last = span.last_ps
        chain = span
        end_a, memory_a, learned_a, since_a, rate_t1_a, rate_t2_a = span.left
        end_b, memory_b, learned_b, since_b, rate_t1_b, rate_t2_b = span.right
        chain.wait((last - since_a) / PS_PER_S, rate_t1_a, rate_t2_a)
        chain.wait((last - since_b) / PS_PER_S, rate_t1_b, rate_t2_b)
        pair = EntangledPair(next(self.dc.pair_ids), end_a, end_b, learned_a, learned_b,
                             chain.state(), last, 0, memory_a, memory_b, self.request)
        virtual = _Virtual(pair, span.qubits, (self.path[0], self.path[-1]), span.lineage,
                           span.arrival_src, span.arrival_dst)
        virtual.span = span.span
        self._ready(virtual)

    def _place(self, virtual: _Virtual) -> None:
        """A new pair in the path: purify it, swap it further, or deliver it."""
        span = virtual.span
        if virtual.rounds < self._target(span):
            self._purify_step(virtual)
            return
        if span == (0, len(self.path) - 1):
            self._ready(virtual)
            return
        i, j = span
        # The right end first (as the pair's two halves reach the relays in this order).
        if j < len(self.path) - 1:
            node = self.path[j]
            self._left[node].append(virtual.qubits[1])
            self._try_swap(node)
        if i > 0 and not virtual.busy and virtual.qubits[0] in self._owner:
            node = self.path[i]
            self._right[node].append(virtual.qubits[0])
            self._try_swap(node)

    def _target(self, span: tuple[int, int]) -> int:
        if not self._nested:
            return 0
        return self.strategy.rounds_at(self._heights[span])

    def _eligible(self, node: str, qubit: int, side: int) -> bool:
        """May ``qubit`` (held at ``node``; side 0: its pair lies to the left) swap here?"""
        rule = self._order
        if rule is SwapOrder.ASAP:
            return True
        virtual = self._owner[qubit]
        k = self._index[node]
        if rule is SwapOrder.SEQUENTIAL:
            return side == 1 or virtual.span[0] == 0
        lo, hi = self._halves[k]
        return virtual.span == ((lo, k) if side == 0 else (k, hi))

    def _pick(self, node: str, pool: deque[int], side: int) -> int | None:
        """The qubit of ``pool`` the pairing policy takes, or None if none may swap."""
        candidates = [q for q in pool if self._eligible(node, q, side)]
        if not candidates:
            return None
        return self._by_policy(candidates, lambda q: self._owner[q].pair)

    def _by_policy(self, candidates: list[Any], pair_of: Callable[[Any], EntangledPair]
                   ) -> Any:
        """The candidate (in arrival order) the pairing policy takes."""
        policy = self.strategy.pairing
        if policy is Pairing.OLDEST:
            return candidates[0]
        if policy is Pairing.FRESHEST:
            return candidates[-1]
        now = self.sim.now
        return max(candidates, key=lambda c: pair_of(c).fidelity_at(now))

    def _try_swap(self, node: str) -> None:
        left, right = self._left[node], self._right[node]
        if self._default:
            while left and right:
                q_left, q_right = left.popleft(), right.popleft()
                self._start_swap(node, q_left, q_right)
            return
        while left and right:
            q_left = self._pick(node, left, 0)
            q_right = self._pick(node, right, 1) if q_left is not None else None
            if q_left is None or q_right is None:
                return
            left.remove(q_left)
            right.remove(q_right)
            self._start_swap(node, q_left, q_right)

    def _start_swap(self, node: str, q_left: int, q_right: int) -> None:
        self._measuring.add(q_left)
        self._measuring.add(q_right)
        ops = self.dc.ops[node]
        self.sim.schedule(s_to_ps(ops.bell_measurement_time_s), self._swap, node, q_left,
                          q_right)

    def _swap(self, node: str, q_left: int, q_right: int) -> None:
        self._measuring.discard(q_left)
        self._measuring.discard(q_right)
        if not self._active:
            return
        now = self.sim.now
        v_left, v_right = self._owner.pop(q_left), self._owner.pop(q_right)
        (far_left, node_left), (far_right, node_right) = (v_left.other(q_left),
                                                          v_right.other(q_right))
        # Orient the new pair from the source side to the destination side.
        if self._outcome_rng is None:
            # Outcomes on their own stream: they change no state (the frame is undone on
            # reading), so the lazy default path, which draws none, stays draw for draw
            # the same as this one.
            self._outcome_rng = self.sim.acquire_rng(f"service/{self._streams}/outcomes")
        pair = swap_pairs(v_left.pair, v_right.pair, self.dc.ops[node], now, self._outcome_rng,
                          next(self.dc.pair_ids))
        if pair.end_a.node != node_left:
            pair = _flipped(pair)
        self.stats.swaps += 1
        src, dst = self.path[0], self.path[-1]
        arrival_src = now + self.dc.classical.delay_ps(self.sim, node, src)
        arrival_dst = now + self.dc.classical.delay_ps(self.sim, node, dst)
        virtual = _Virtual(pair, (far_left, far_right), (node_left, node_right),
                           v_left.lineage + v_right.lineage,
                           max(v_left.arrival_src, v_right.arrival_src, arrival_src),
                           max(v_left.arrival_dst, v_right.arrival_dst, arrival_dst))
        virtual.span = (v_left.span[0], v_right.span[1])
        virtual.born = min(v_left.born, v_right.born)
        self._owner[far_left] = self._owner[far_right] = virtual
        if self._default:
            if node_left == src and node_right == dst:
                self._ready(virtual)
            return
        # The far halves wait in their relays' pools already (unless in a swap of
        # their own); only a pair that must be purified first leaves them.
        if self._arm_cutoff(virtual) and virtual.rounds < self._target(virtual.span):
            self._unpool(virtual)
            self._purify_step(virtual)
        elif virtual.span == (0, len(self.path) - 1):
            self._ready(virtual)
        else:
            for qubit, side in ((far_left, 1), (far_right, 0)):
                pool = (self._right if side == 1 else self._left).get(
                    self.path[virtual.span[1 - side]])
                if pool is not None and qubit in pool:
                    self._try_swap(self.path[virtual.span[1 - side]])

    def _unpool(self, virtual: _Virtual) -> None:
        i, j = virtual.span
        for qubit, pools, position in ((virtual.qubits[0], self._right, i),
                                       (virtual.qubits[1], self._left, j)):
            pool = pools.get(self.path[position])
            if pool is not None and qubit in pool:
                pool.remove(qubit)

    # -- cutoffs ------------------------------------------------------------------------

    def _arm_cutoff(self, virtual: _Virtual) -> bool:
        """Schedule the cutoff of ``virtual``; False if it is past it already (dropped)."""
        cutoff = self._cutoff_ps
        if cutoff is None:
            return True
        due = virtual.born + cutoff
        if due <= self.sim.now and virtual.span != (0, len(self.path) - 1):
            # A pair in a Bell measurement or a purification is kept: the operation uses it.
            return not self._cut(virtual)
        self.sim.schedule_at(max(due, self.sim.now), self._cut, virtual)
        return True

    def _cut(self, virtual: _Virtual) -> bool:
        """The cutoff of ``virtual`` is due: discard it if it still waits in the path.

        Returns whether it was discarded.
        """
        if (not self._active or virtual.busy
                or any(self._owner.get(q) is not virtual for q in virtual.qubits)
                or any(q in self._measuring for q in virtual.qubits)):
            return False
        self._unpool(virtual)
        waiting = self._purifying.get(virtual.span)
        if waiting is not None and virtual in waiting:
            waiting.remove(virtual)
        for qubit in virtual.qubits:
            del self._owner[qubit]
        self.stats.cutoffs += 1
        self._drop(virtual, "cutoff")
        return True

    # -- nested purification --------------------------------------------------------------

    def _purify_step(self, virtual: _Virtual) -> None:
        """Pair ``virtual`` with another of its span for one purification round, or wait."""
        waiting = self._purifying.setdefault(virtual.span, [])
        strategy = self.strategy
        if strategy.nesting_mode is DistillationMode.RECURRENCE:
            partners = [v for v in waiting if v.rounds == virtual.rounds]
        elif virtual.rounds == 0:
            # Pumping: a fresh pair purifies a kept one (one that has been pumped,
            # or another fresh pair when none has).
            partners = [v for v in waiting if v.rounds > 0] or list(waiting)
        else:
            partners = [v for v in waiting if v.rounds == 0]
        if not partners:
            waiting.append(virtual)
            return
        partner = self._by_policy(partners, lambda v: v.pair)
        waiting.remove(partner)
        keep, sacrifice = ((partner, virtual) if partner.rounds >= virtual.rounds
                           else (virtual, partner))
        keep.busy = sacrifice.busy = True
        i, j = virtual.span
        local = max(self.dc.ops[self.path[i]].distillation_time_s,
                    self.dc.ops[self.path[j]].distillation_time_s)
        self.sim.schedule(s_to_ps(local), self._purify, keep, sacrifice)

    def _purify(self, keep: _Virtual, sacrifice: _Virtual) -> None:
        if not self._active:
            self._drop(keep, "request ended")
            self._drop(sacrifice, "request ended")
            return
        now = self.sim.now
        i, j = keep.span
        a, b = self.path[i], self.path[j]
        self.stats.distillations += 1
        out, _ = distill_pairs(keep.pair, sacrifice.pair, self.dc.ops[a], self.dc.ops[b], now,
                               self._rng, next(self.dc.pair_ids),
                               self.strategy.nesting_protocol)
        for qubit in sacrifice.qubits:
            self._owner.pop(qubit, None)
        # The sacrificed pair is measured: its qubits and links are free now.
        self._release_lineage(sacrifice.lineage, now)
        if out is None:
            self.stats.distillation_failures += 1
            for qubit in keep.qubits:
                self._owner.pop(qubit, None)
            self._release_lineage(keep.lineage, now)
            return
        # Both ends learn the outcome from the other's message.
        out.learned_a_ps = now + self.dc.classical.delay_ps(self.sim, b, a)
        out.learned_b_ps = now + self.dc.classical.delay_ps(self.sim, a, b)
        out.request = self.request
        virtual = _Virtual(out, keep.qubits, keep.nodes, keep.lineage,
                           max(keep.arrival_src, out.learned_a_ps if i == 0 else 0),
                           max(keep.arrival_dst, out.learned_b_ps
                               if j == len(self.path) - 1 else 0))
        virtual.span = keep.span
        virtual.born = min(keep.born, sacrifice.born)
        virtual.rounds = keep.rounds + 1
        virtual.busy = True  # until both ends have heard the outcome
        for qubit in virtual.qubits:
            self._owner[qubit] = virtual
        self.sim.schedule_at(max(out.ready_ps, now), self._purified, virtual)

    def _purified(self, virtual: _Virtual) -> None:
        if not self._active:
            self._drop(virtual, "request ended")
            return
        virtual.busy = False
        if self._arm_cutoff(virtual):
            self._place(virtual)

    def _ready(self, virtual: _Virtual) -> None:
        """An end-to-end pair: deliver it when both ends have heard every outcome."""
        for qubit in virtual.qubits:
            self._owner.pop(qubit, None)
        ready = max(virtual.arrival_src, virtual.arrival_dst, virtual.pair.ready_ps)
        pair = virtual.pair
        pair.learned_a_ps = max(pair.learned_a_ps, virtual.arrival_src)
        pair.learned_b_ps = max(pair.learned_b_ps, virtual.arrival_dst)
        pair.request = self.request
        self.sim.schedule_at(max(ready, self.sim.now), self._arrived, virtual)

    def _arrived(self, virtual: _Virtual) -> None:
        if not self._active:
            self._drop(virtual, "request ended")
            return
        if self.distillation is None and not self.store_on_delivery:
            self._deliver(virtual)
            return
        # A pair that will wait (for a distillation partner, or in stock) moves to
        # storage qubits at both ends, freeing the communication qubits.
        transfer = self._book_storage(virtual)
        if transfer is None:
            self._drop(virtual, "no free storage slot")
            return
        self.sim.schedule(transfer, self._stored, virtual)

    def _book_storage(self, virtual: _Virtual) -> int | None:
        """A storage slot at both ends for ``virtual``: the transfer's time (ps), or None."""
        src, dst = self.path[0], self.path[-1]
        if not self.dc.take_storage(src, dst):
            return None
        virtual.stored = True
        return s_to_ps(max(self.dc.ops[src].transfer_time_s, self.dc.ops[dst].transfer_time_s))

    def _move_to_storage(self, virtual: _Virtual) -> None:
        """The transfer's end: both ends in their storage qubits, the lineage's qubits free."""
        now = self.sim.now
        pair = virtual.pair
        for node in (self.path[0], self.path[-1]):
            ops = self.dc.ops[node]
            pair.move_end(now, node=node, slot=-1, memory=ops.data_memory,
                          depolarizing=ops.transfer_error)
        self._release_lineage(virtual.lineage, now)
        virtual.lineage = []

    def _stored(self, virtual: _Virtual) -> None:
        if not self._active:
            self._drop(virtual, "request ended")
            return
        self._move_to_storage(virtual)
        if self.distillation is None:
            self._deliver(virtual)
        else:
            self._distil_step(virtual)

    # -- distillation -----------------------------------------------------------------

    def _distil_step(self, virtual: _Virtual) -> None:
        plan = self.distillation
        if plan.mode is DistillationMode.RECURRENCE:
            level = self._levels.setdefault(virtual.level, [])
            level.append(virtual)
            if len(level) >= 2:
                first, second = level.pop(0), level.pop(0)
                self._schedule_distillation(first, second, virtual.level + 1)
            return
        # Pumping: level > 0 holds the one pair being pumped.
        if virtual.level == 0 and self._levels.get(-1):
            kept = self._levels[-1].pop()
            self._schedule_distillation(kept, virtual, kept.level + 1)
        else:
            self._levels.setdefault(-1, []).append(virtual)

    def _schedule_distillation(self, keep: _Virtual, sacrifice: _Virtual, level: int) -> None:
        src, dst = self.path[0], self.path[-1]
        local = max(self.dc.ops[src].distillation_time_s, self.dc.ops[dst].distillation_time_s)
        self.sim.schedule(s_to_ps(local), self._distil, keep, sacrifice, level)

    def _distil(self, keep: _Virtual, sacrifice: _Virtual, level: int) -> None:
        if not self._active:
            self._drop(keep, "request ended")
            self._drop(sacrifice, "request ended")
            return
        now = self.sim.now
        src, dst = self.path[0], self.path[-1]
        self.stats.distillations += 1
        out, _ = distill_pairs(keep.pair, sacrifice.pair, self.dc.ops[src], self.dc.ops[dst],
                               now, self._rng, next(self.dc.pair_ids),
                               self.distillation.protocol)
        lineage = keep.lineage + sacrifice.lineage
        if sacrifice.stored:
            self.dc.free_storage(src, dst)
        if out is None:
            self.stats.distillation_failures += 1
            self._release_lineage(lineage, now)
            if keep.stored:
                self.dc.free_storage(src, dst)
            return
        # Each end learns the outcome when the other end's message arrives.
        out.learned_a_ps = now + self.dc.classical.delay_ps(self.sim, dst, src)
        out.learned_b_ps = now + self.dc.classical.delay_ps(self.sim, src, dst)
        out.request = self.request
        virtual = _Virtual(out, keep.qubits, keep.nodes, lineage, out.learned_a_ps,
                           out.learned_b_ps)
        virtual.level = level
        virtual.stored = keep.stored
        done = (level >= self.distillation.rounds)
        self.sim.schedule_at(out.ready_ps, self._distilled, virtual, done)

    def _distilled(self, virtual: _Virtual, done: bool) -> None:
        if not self._active:
            self._drop(virtual, "request ended")
            return
        if done:
            self._deliver(virtual)
        elif self.distillation.mode is DistillationMode.RECURRENCE:
            self._distil_step(virtual)
        else:
            self._levels.setdefault(-1, []).append(virtual)

    # -- delivery and release ---------------------------------------------------------------

    def _deliver(self, virtual: _Virtual) -> None:
        now = self.sim.now
        pair = virtual.pair
        stats = self.stats
        if stats.first_pair_ps is None:
            stats.first_pair_ps = now
        stats.delivered += 1
        stats.delivery_ps.append(now)
        stats.fidelities.append(pair.fidelity_at(now))
        done = self.pairs is not None and stats.delivered >= self.pairs
        if self.on_pair is not None:
            self._handed[pair.id] = virtual
            self.on_pair(pair)
        else:
            pair.consume(now)
            self._release_lineage(virtual.lineage, now)
            self._free_storage_of(virtual)
        if done:
            self.stop()

    def release(self, pair: EntangledPair) -> None:
        """Free what held a delivered pair, once its owner has consumed or discarded it."""
        virtual = self._handed.pop(pair.id, None)
        if virtual is None:
            raise QdcnetError(f"pair {pair.id} was not delivered by request {self.name} or was "
                              "released already")
        if pair.status is PairStatus.LIVE:
            self._handed[pair.id] = virtual
            raise QdcnetError(f"pair {pair.id} is still live: consume or discard it first")
        self._release_lineage(virtual.lineage, self.sim.now)
        self._free_storage_of(virtual)
        if self._finished and not self._closed and not self._holding_circuits():
            self._close()

    def store(self, pair: EntangledPair, on_stored: Callable[[bool], None]) -> None:
        """Move a pair already handed over into storage qubits at both ends.

        A storage slot is booked at each end now; after the transfer time both
        ends move into the data memories with the transfer error (the rule
        pairs stored before delivery follow), the communication qubits and
        link streams that made the pair come back, and ``on_stored(True)`` is
        called. :meth:`release` then frees the storage slots. With no free
        storage slot at either end, ``on_stored(False)`` is called at once and
        the pair stays where it is. A pair stored already (distilled, from
        stock) answers ``True`` at once. A pair released, consumed or
        discarded during the transfer is not moved and gets no answer (its
        slots come back on release).
        """
        virtual = self._handed.get(pair.id)
        if virtual is None:
            raise QdcnetError(f"pair {pair.id} was not delivered by request {self.name} or was "
                              "released already")
        if pair.status is not PairStatus.LIVE:
            raise QdcnetError(f"pair {pair.id} is {pair.status.value}: nothing to store")
        if pair.id in self._moving:
            raise QdcnetError(f"pair {pair.id} is being moved to storage already")
        if virtual.stored:
            on_stored(True)
            return
        transfer = self._book_storage(virtual)
        if transfer is None:
            on_stored(False)
            return
        self._moving.add(pair.id)
        self.sim.schedule(transfer, self._stored_handed, virtual, on_stored)

    def _stored_handed(self, virtual: _Virtual, on_stored: Callable[[bool], None]) -> None:
        pair = virtual.pair
        self._moving.discard(pair.id)
        if self._handed.get(pair.id) is not virtual or pair.status is not PairStatus.LIVE:
            return  # released or used during the transfer: release frees its slots
        self._move_to_storage(virtual)
        if self._finished and not self._closed and not self._holding_circuits():
            self._close()
        on_stored(True)

    def _drop(self, virtual: _Virtual, reason: str, *, release: bool = True) -> None:
        if virtual.pair.status is PairStatus.LIVE:
            virtual.pair.discard(self.sim.now, reason)
            self.stats.discarded += 1
        if release:
            self._release_lineage(virtual.lineage, self.sim.now)
        self._free_storage_of(virtual)

    def _free_storage_of(self, virtual: _Virtual) -> None:
        if virtual.stored:
            virtual.stored = False
            self.dc.free_storage(self.path[0], self.path[-1])

    def _release_lineage(self, lineage: list[tuple[LinkSimulation, EntangledPair]],
                         now: int) -> None:
        for link, link_pair in lineage:
            if link_pair.status is PairStatus.LIVE:
                link_pair.discard(now, "released")
            link.release(link_pair)

    # -- figures ----------------------------------------------------------------------------

    def rate_hz(self) -> float:
        """Delivered pairs per second since the service began."""
        stats = self.stats
        if stats.granted_ps is None:
            return 0.0
        end = stats.completed_ps if stats.completed_ps is not None else self.sim.now
        elapsed = (end - stats.granted_ps) / PS_PER_S
        return stats.delivered / elapsed if elapsed > 0 else math.nan


def _flipped(pair: EntangledPair) -> EntangledPair:
    """The same pair with its ends exchanged (Bell-diagonal states are symmetric)."""
    return EntangledPair(pair.id, pair.end_b, pair.end_a, pair.learned_b_ps, pair.learned_a_ps,
                         pair.state, pair.state_time_ps, pair.pending_frame, pair.memory_b,
                         pair.memory_a, pair.request)
