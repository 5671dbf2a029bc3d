"""A data center assembled from a scenario: simulator, fabric, channels, nodes, services.

:class:`DataCenter` is what later layers drive: it routes segments, finds
and estimates paths, grants fabric circuits (first come, first served, all of
a request's segments at once), and serves pair requests along fixed paths.

Examples
--------
>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.network.topology import linear_chain
>>> dc = build_datacenter(linear_chain(3, profile="trapped_ion_oxford", spacing_m=10.0),
...                       seed=1)
>>> dc.paths("qpu0", "qpu2")[0]
('qpu0', 'qpu1', 'qpu2')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter, deque
from collections.abc import Callable, Iterator
from typing import Any

import networkx as nx

from qdcnet.errors import QdcnetError
from qdcnet.network.classical import ClassicalNetwork
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.fabric import Circuit, Fabric, NotConnectedError, SegmentRoute
from qdcnet.network.layout import DataCenterLayout
from qdcnet.network.paths import PathEstimate, PathModel, RawFigures, segment_graph_edges
from qdcnet.network.qpu import QPU
from qdcnet.network.resources import Booking, Claim
from qdcnet.network.strategies import Strategy
from qdcnet.sim import Simulator
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["ESTIMATE_SEED", "REHEARSAL_PAIRS", "DataCenter"]

#: Seed of the replicas behind every path estimate (common random numbers): plans
#: and admission decisions do not change with the seed of the run they serve.
ESTIMATE_SEED = 0

#: End-to-end pairs a rehearsal measures (after REHEARSAL_WARM_UP more):
#: the rate's relative standard error is then about 1/sqrt(400) = 5%.
REHEARSAL_PAIRS = 400
REHEARSAL_WARM_UP = 40
#: Link pairs a rehearsal may spend, as a multiple of what its pairs would
#: cost if every round succeeded (and at most REHEARSAL_LINK_PAIRS): a
#: strategy that delivers almost nothing (a cutoff far too short, more
#: rounds than the storage slots can hold) is reported with what it
#: delivered by then.
REHEARSAL_WASTE = 10
REHEARSAL_LINK_PAIRS = 300_000


class DataCenter:
    """Everything a run needs, built from a validated scenario."""

    def __init__(self, layout: DataCenterLayout, *, seed: int | None = None) -> None:
        self.layout = layout
        self.seed = layout.seed if seed is None else seed
        self.sim = Simulator(seed=self.seed)
        self.profiles = {node.name: node.profile for node in layout.memory_nodes}
        #: The one QPU model of every memory node (what the compiler targets too).
        self.ops = {node.name: QPU.from_profile(node.name, node.profile,
                                                comm_qubits=node.communication_qubits)
                    for node in layout.memory_nodes}
        self.fabric = Fabric(layout, storage={n: o.storage_slots for n, o in self.ops.items()})
        #: The one book of bookable resources: qubits, storage, ports, units, fibres.
        self.book = self.fabric.book
        self.classical = ClassicalNetwork(layout)
        self.pair_ids: Iterator[int] = itertools.count(1)
        self._waiting: deque[tuple[Any, list[SegmentRoute], Callable[[list[Circuit]], None]]] = (
            deque())
        self._held: dict[int, list[Circuit]] = {}
        self._graph: nx.Graph | None = None
        self._storage_bookings: dict[tuple[str, ...], list[Booking]] = {}
        #: called with the nodes whenever storage slots are given back (free_storage)
        self.storage_listeners: list[Callable[[tuple[str, ...]], None]] = []
        #: Numbers the orchestrators built on this data center in turn: their requests'
        #: ids restart at 1, so names of what is private to them carry this too.
        self.orchestrator_serials = itertools.count(1)
        self._estimates: dict[tuple[Any, ...], PathEstimate] = {}
        self._raw: dict[tuple[Any, ...], RawFigures] = {}
        self._ops_signature = {n: dataclasses.replace(o, name="") for n, o in self.ops.items()}

    # -- paths ---------------------------------------------------------------------------

    @property
    def segment_graph(self) -> nx.Graph:
        """Memory nodes, joined where they share a station (or source) through switches."""
        if self._graph is None:
            graph = nx.Graph()
            graph.add_nodes_from(self.fabric.memory_nodes())
            wanted = ("source" if self.layout.links.scheme == "midpoint_source"
                      else "station")
            graph.add_edges_from(segment_graph_edges(self.fabric.reachable(wanted)))
            self._graph = graph
        return self._graph

    def paths(self, src: str, dst: str, *, k: int = 3, max_hops: int | None = None
              ) -> list[tuple[str, ...]]:
        """Up to ``k`` candidate paths, fewest segments first (k shortest simple paths)."""
        self.fabric.check_node(src, memory=True)
        self.fabric.check_node(dst, memory=True)
        graph = self.segment_graph
        if not nx.has_path(graph, src, dst):
            raise NotConnectedError(f"{src} and {dst} are not connected: no path of segments "
                                    "joins them")
        out = []
        for path in nx.shortest_simple_paths(graph, src, dst):
            if max_hops is not None and len(path) - 1 > max_hops:
                break
            out.append(tuple(path))
            if len(out) >= k:
                break
        return out

    def path_model(self, path: tuple[str, ...], *, max_streams: int | None = None
                   ) -> PathModel:
        """The analytic model of ``path``, each segment at most ``max_streams`` wide."""
        for a, b in itertools.pairwise(path):
            if not self.segment_graph.has_edge(a, b):
                raise NotConnectedError(f"path {' -> '.join(path)}: {a} and {b} share no "
                                        "segment")
        routes = [self.fabric.route(a, b) for a, b in itertools.pairwise(path)]
        segments = [self.fabric.model(r.a, r.b, streams)
                    for r, streams in zip(routes, self.stream_plan(routes, max_streams),
                                          strict=True)]
        swaps = [(self.ops[n].bell_measurement_time_s, self.ops[n].gate_error,
                  self.ops[n].measurement_error) for n in path[1:-1]]
        ends = tuple(self.ops[n] for n in (path[0], path[-1]))
        return PathModel(tuple(path), segments, swaps, self.classical.channel,
                         ends)  # type: ignore[arg-type]

    def estimate(self, path: tuple[str, ...], distillation: DistillationPlan | None = None, *,
                 samples: int = 20_000, max_streams: int | None = None) -> PathEstimate:
        """The analytic estimate of serving pairs along ``path``.

        ``max_streams`` caps each segment's streams (a request's width,
        :meth:`stream_plan`); the estimate is cached by width too.

        Paths that are alike in every figure (the same segment models, node
        operations and latencies, as between any two QPUs of a rack) share
        one estimate, relabelled with their own node names. The estimate
        samples its replicas from :data:`ESTIMATE_SEED`, not the run's seed:
        a plan is a function of the data center, the same in every run.
        """
        model = self.path_model(path, max_streams=max_streams)
        # The width is in the signature too (the segment models' streams), so
        # widths that give the same streams share the sampled raw figures.
        signature = self._signature(model)
        key = (signature, None if distillation is None else
               (distillation.protocol, distillation.rounds, distillation.mode), samples,
               max_streams)
        cached = self._estimates.get(key)
        if cached is None:
            # Every distillation plan on a path starts from the same raw pairs
            # (stored on delivery): sample them once.
            stored = distillation is not None
            raw_key = (signature, stored, samples)
            raw = self._raw.get(raw_key)
            if raw is None:
                raw = self._raw[raw_key] = model.raw_figures(
                    samples=samples, seed=ESTIMATE_SEED, stored=stored)
            cached = model.estimate(distillation=distillation, raw=raw)
            self._estimates[key] = cached
        return dataclasses.replace(cached, path=tuple(path))

    def rehearse(self, path: tuple[str, ...], strategy: Strategy,
                 distillation: DistillationPlan | None = None, *, pairs: int = REHEARSAL_PAIRS,
                 max_streams: int | None = None, min_rate_hz: float = 0.0,
                 max_link_pairs: int = REHEARSAL_LINK_PAIRS) -> PathEstimate:
        """Serve ``path`` with ``strategy`` on a private copy of this data center, and measure.

        The strategies the analytic model does not cover (swap orders, pairing
        policies, cutoffs, nesting) are estimated by running the path service
        itself: a fresh data center built from the same layout, seeded with
        :data:`ESTIMATE_SEED`, the path alone on the fabric, ``pairs``
        end-to-end pairs measured after a warm-up (each taken when delivered).
        The estimate is therefore the executed rule, with its sampling error
        (``rate_se_hz``, ``fidelity_se``). Alike paths share one rehearsal, as
        estimates do.

        ``min_rate_hz``: a search that needs at least this rate stops the
        rehearsal once, after long enough to expect 20 pairs at that rate,
        fewer than that have come; the figures are then those of the time
        rehearsed (and are not kept for later calls).
        """
        from qdcnet.network.service import PathService  # the service builds on this module

        model = self.path_model(path, max_streams=max_streams)
        strategy.check_path(len(path) - 1)
        key = ("rehearsal", self._signature(model), strategy,
               None if distillation is None else
               (distillation.protocol, distillation.rounds, distillation.mode), pairs, max_streams,
               max_link_pairs)
        cached = self._estimates.get(key)
        if cached is not None:
            return dataclasses.replace(cached, path=tuple(path))
        stage = DataCenter(self.layout, seed=ESTIMATE_SEED)
        routes = [stage.fabric.route(a, b) for a, b in itertools.pairwise(path)]
        circuits = stage.try_circuits(routes, max_streams)
        if circuits is None:
            raise QdcnetError(f"path {' -> '.join(path)} cannot be set up on an idle fabric")
        wanted = REHEARSAL_WARM_UP + pairs
        states: list[tuple[float, ...]] = []
        times: list[int] = []

        def take(pair: Any) -> None:
            now = stage.sim.now
            states.append(pair.state_at(now).to_bell_diagonal().coefficients)
            times.append(now)
            pair.consume(now)
            service.release(pair)

        service = PathService(stage, "rehearsal", tuple(path), pairs=wanted,
                              distillation=distillation, strategy=strategy, on_pair=take)
        service.start(circuits, on_release=lambda held: [stage.fabric.release(c) for c in held])
        # Simulated time in growing steps, from the fastest the links could ever serve.
        bound = min(m.num_streams * m.success_probability / m.attempt_period_s
                    for m in model.segments)
        per_output = strategy.segment_pairs_per_output(len(path) - 1) * (
            distillation.raw_pairs_per_output if distillation is not None else 1)
        step = max(1, s_to_ps(wanted * per_output / bound))
        budget = min(max_link_pairs, REHEARSAL_WASTE * wanted * per_output * (len(path) - 1))
        patience = s_to_ps(20.0 / min_rate_hz) if min_rate_hz > 0 else None
        truncated = False
        while (len(times) < wanted and service.stats.raw_pairs < budget
               and stage.sim.peek() is not None):
            stage.sim.run(until=stage.sim.now + (step if patience is None
                                                 else min(step, patience)))
            step *= 2
            if (patience is not None and stage.sim.now >= patience
                    and len(times) / (stage.sim.now / PS_PER_S) < min_rate_hz):
                truncated = True
                break
        service.stop()
        estimate = dataclasses.replace(
            _measured(tuple(path), strategy, distillation, states, times,
                      service.stats.granted_ps or 0, stage.sim.now),
            link_pairs=service.stats.raw_pairs)
        if not truncated:
            self._estimates[key] = estimate
        return estimate

    def _signature(self, model: PathModel) -> tuple[Any, ...]:
        def segment(m: Any) -> tuple[Any, ...]:
            o = m.outcomes
            return (o.p_true, o.p_false, o.state_true.coefficients, o.state_false.coefficients,
                    m.attempt_period_s, m.reference_delay_s, m.learn_delay_s, m.pre_age_s,
                    m.num_streams, m.duty_cycle, m.memories, m.reset_time_s)

        path = model.path
        latencies = tuple(self.classical.channel(n, end) for n in path
                          for end in (path[0], path[-1]))
        return (tuple(segment(m) for m in model.segments), latencies,
                tuple(self._ops_signature[n] for n in path))

    def candidates(self, src: str, dst: str, *, k: int = 3,
                   distillation: DistillationPlan | None = None,
                   min_fidelity: float | None = None) -> list[PathEstimate]:
        """Candidate paths with their estimates, best first.

        Paths that reach ``min_fidelity`` come before those that do not; among
        them, the higher rate wins.
        """
        estimates = [self.estimate(path, distillation) for path in self.paths(src, dst, k=k)]

        def rank(e: PathEstimate) -> tuple[bool, float]:
            meets = min_fidelity is None or e.fidelity >= min_fidelity
            return (not meets, -e.rate_hz)

        return sorted(estimates, key=rank)

    # -- storage qubits --------------------------------------------------------------------

    def take_storage(self, *nodes: str) -> bool:
        """One storage slot at each of ``nodes``, or none (all or nothing)."""
        booking = self.book.try_reserve(Claim(storage=Counter(nodes)))
        if booking is None:
            return False
        self._storage_bookings.setdefault(tuple(sorted(nodes)), []).append(booking)
        return True

    def free_storage(self, *nodes: str, notify: bool = True) -> None:
        """Give back one slot at each of ``nodes``, taken together by :meth:`take_storage`.

        Every listener in :attr:`storage_listeners` hears of it (an orchestrator
        retries requests that waited for storage), unless ``notify`` is False:
        the undoing of a reservation that did not go through frees nothing anyone
        could have waited for.
        """
        held = self._storage_bookings.get(tuple(sorted(nodes)))
        if not held:
            raise QdcnetError(f"storage slots of {', '.join(nodes)} released twice")
        self.book.release(held.pop())
        if notify:
            for listener in self.storage_listeners:
                listener(nodes)

    # -- fabric circuits -------------------------------------------------------------------

    def request_circuits(self, owner: Any, routes: list[SegmentRoute],
                         granted: Callable[[list[Circuit]], None]) -> None:
        """Grant all of ``routes`` at once when free (first come, first served)."""
        self.check_relays(routes)
        self._waiting.append((owner, routes, granted))
        self._grant()

    def check_relays(self, routes: list[SegmentRoute]) -> None:
        """Refuse a path on which a node has fewer communication qubits than segments."""
        needed: dict[str, int] = {}
        for route in routes:
            for node in (route.a, route.b):
                needed[node] = needed.get(node, 0) + 1
        for node, count in needed.items():
            have = self.fabric.communication_qubits(node)
            if have < count:
                raise QdcnetError(
                    f"{node} takes part in {count} segments of this path but has {have} "
                    f"communication qubit(s); a relay needs one per segment (set "
                    f"communication_qubits: {count} or more on {node})")

    def release_circuits(self, owner: Any, circuits: list[Circuit]) -> None:
        held = self._held.pop(id(owner), None)
        if held is None:
            # Still waiting: withdraw the request; those behind it may fit now.
            self._waiting = deque(w for w in self._waiting if w[0] is not owner)
            self._grant()
            return
        for circuit in held:
            self.fabric.release(circuit)
        self._grant()

    def _grant(self) -> None:
        # Head-of-line order keeps the grant order fair and deterministic.
        while self._waiting:
            owner, routes, granted = self._waiting[0]
            circuits = self.try_circuits(routes)
            if circuits is None:
                return
            self._waiting.popleft()
            self._held[id(owner)] = circuits
            self.sim.schedule(0, granted, circuits)

    def stream_plan(self, routes: list[SegmentRoute], cap: int | None = None) -> list[int]:
        """Streams per segment of a request: each node splits its communication
        qubits evenly among the segments of the request it takes part in, and
        no segment takes more than ``cap`` (the request's width)."""
        uses: dict[str, int] = {}
        for route in routes:
            for node in (route.a, route.b):
                uses[node] = uses.get(node, 0) + 1
        plan = [max(1, min(self.fabric.communication_qubits(route.a) // uses[route.a],
                           self.fabric.communication_qubits(route.b) // uses[route.b]))
                for route in routes]
        return plan if cap is None else [min(cap, streams) for streams in plan]

    def try_circuits(self, routes: list[SegmentRoute], max_streams: int | None = None
                     ) -> list[Circuit] | None:
        """Every segment's circuit at once, or none (``None``): all or nothing, no queue.

        ``max_streams`` caps each segment's streams (see :meth:`stream_plan`).
        """
        taken: list[Circuit] = []
        for route, streams in zip(routes, self.stream_plan(routes, max_streams), strict=True):
            circuit = self.fabric.acquire(route, streams)
            if circuit is None:
                for held in taken:
                    self.fabric.release(held)
                return None
            taken.append(circuit)
        return taken


def _measured(path: tuple[str, ...], strategy: Strategy, distillation: DistillationPlan | None,
              states: list[tuple[float, ...]], times: list[int], start_ps: int, end_ps: int
              ) -> PathEstimate:
    """A rehearsal's figures: steady-state rate and mean state after the warm-up."""
    import numpy as np

    from qdcnet.quantum import BellDiagonal

    label = strategy.label() + ("" if distillation is None else f", then {distillation.label()}")
    if len(times) < REHEARSAL_WARM_UP + 2:
        # Too few pairs for a steady state: the rate of what came, over all of it.
        elapsed = max(end_ps - start_ps, 1) / PS_PER_S
        rate = len(times) / elapsed
        measured_states, gaps = states, np.diff(np.asarray([start_ps, *times], dtype=float))
    else:
        measured_states = states[REHEARSAL_WARM_UP:]
        gaps = np.diff(np.asarray(times[REHEARSAL_WARM_UP - 1:], dtype=float))
        rate = len(gaps) / (gaps.sum() / PS_PER_S) if gaps.sum() > 0 else float("inf")
    if measured_states:
        coefficients = np.asarray(measured_states).mean(axis=0)
        fidelities = np.asarray(measured_states)[:, 0]
        fidelity_se = (float(fidelities.std(ddof=1) / np.sqrt(len(fidelities)))
                       if len(fidelities) > 1 else float("nan"))
        state = BellDiagonal(*(float(c) for c in coefficients / coefficients.sum()))
    else:
        state, fidelity_se = BellDiagonal(0.25, 0.25, 0.25, 0.25), float("nan")
    rate_se = (rate * float(gaps.std(ddof=1) / gaps.mean()) / np.sqrt(len(gaps))
               if len(gaps) > 1 and gaps.mean() > 0 else float("nan"))
    latency = (times[0] - start_ps) / PS_PER_S if times else float("inf")
    undistilled = distillation is None and not strategy.nesting
    rate, rate_se = float(rate), float(rate_se)
    return PathEstimate(path, rate, state.fidelity, latency, state,
                        rate if undistilled else float("nan"),
                        state.fidelity if undistilled else float("nan"), label,
                        len(measured_states), strategy=strategy, method="rehearsal",
                        rate_se_hz=rate_se, fidelity_se=fidelity_se)
