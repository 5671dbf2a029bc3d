"""Classical channels between nodes: latency and jitter, as kernel events.

A message from one node to another arrives after the channel's latency plus
a jitter drawn uniformly from [0, jitter] (from the stream
``classical/<src>-<dst>``). Explicit channels in the scenario win; otherwise
the latency is the shortest fibre route between the nodes at the classical
velocity, plus a processing delay per hop.

>>> from qdcnet.config.scenario import DataCenterScenario
>>> from qdcnet.network.topology import linear_chain
>>> layout = DataCenterScenario.model_validate(linear_chain(3, spacing_m=2000)).layout()
>>> net = ClassicalNetwork(layout)
>>> round(net.latency_s("qpu0", "qpu2"), 9)
1.9587e-05
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from qdcnet.errors import QdcnetError
from qdcnet.network.layout import DataCenterLayout
from qdcnet.sim import Simulator
from qdcnet.units import s_to_ps

__all__ = ["ClassicalNetwork"]


class ClassicalNetwork:
    """Latencies between any two nodes of a scenario, and message delivery."""

    def __init__(self, layout: DataCenterLayout) -> None:
        self._config = layout.classical
        self._graph = nx.Graph()
        self._graph.add_nodes_from(layout.node_kinds())
        for fiber in layout.fibers:
            self._graph.add_edge(*fiber.between, length_m=fiber.length_m)
        self._explicit: dict[frozenset[str], tuple[float, float]] = {
            frozenset(c.between): (c.latency_s, c.jitter_s) for c in layout.classical.channels}
        self._channels: dict[tuple[str, str], tuple[float, float]] = {}
        self._reach: dict[str, dict[str, tuple[float, int]]] = {}
        self._asked: dict[str, int] = {}
        self._matrix: Any = None
        self._names: list[str] = []
        self._index: dict[str, int] = {}

    def _distances(self, source: str) -> dict[str, tuple[float, int]]:
        # Kept per network, not in a class-level cache that would keep it alive.
        cached = self._reach.get(source)
        if cached is None:
            cached = self._reach[source] = self._search(source)
        return cached

    def _search(self, source: str) -> dict[str, tuple[float, int]]:
        """(length, hops) of the shortest fibre route from ``source`` to every node it reaches.

        scipy's Dijkstra on the fibre graph (a data center of a thousand QPUs asks
        this from every QPU); hops follow the predecessor tree.
        """
        if self._matrix is None:
            self._names = list(self._graph.nodes)
            self._index = {name: i for i, name in enumerate(self._names)}
            # networkx stores a zero-length fibre as an explicit 0; it becomes the
            # smallest positive length so that no reading of the matrix drops it (no
            # latency at picosecond resolution).
            self._matrix = nx.to_scipy_sparse_array(
                self._graph, nodelist=self._names, weight="length_m", format="csr")
            self._matrix.data = np.maximum(self._matrix.data, np.finfo(float).tiny)
        lengths, previous = dijkstra(self._matrix, directed=False, indices=self._index[source],
                                     return_predecessors=True)
        hops = np.zeros(len(lengths), dtype=np.int64)
        step = previous.copy()
        on_route = step >= 0
        while on_route.any():
            hops[on_route] += 1
            step[on_route] = previous[step[on_route]]
            on_route = step >= 0
        reached = np.flatnonzero(np.isfinite(lengths))
        names = self._names
        return {names[i]: (0.0 if i == self._index[source] else float(lengths[i]), int(hops[i]))
                for i in reached}

    def channel(self, src: str, dst: str) -> tuple[float, float]:
        """(latency, jitter) in seconds from ``src`` to ``dst``."""
        cached = self._channels.get((src, dst))
        if cached is None:
            cached = self._channels[(src, dst)] = self._channel(src, dst)
        return cached

    def _channel(self, src: str, dst: str) -> tuple[float, float]:
        if src == dst:
            return 0.0, 0.0
        explicit = self._explicit.get(frozenset((src, dst)))
        if explicit is not None:
            return explicit
        # Distances are symmetric: one search from a node serves every message to or
        # from it. Messages go to few destinations (path ends) or come from few
        # sources (the control plane): search from the end asked about more often.
        asked = self._asked
        asked[src] = asked.get(src, 0) + 1
        asked[dst] = asked.get(dst, 0) + 1
        reach_src, reach_dst = self._reach.get(src), self._reach.get(dst)
        if reach_dst is not None:
            reach, far = reach_dst, src
        elif reach_src is not None or asked[src] > asked[dst]:
            reach, far = self._distances(src), dst
        else:
            reach, far = self._distances(dst), src
        if far not in reach:
            raise QdcnetError(f"no classical channel from {src} to {dst}: add one under "
                              "classical.channels or connect them by fibre")
        length, hops = reach[far]
        config = self._config
        return length / config.velocity_m_per_s + hops * config.per_hop_s, config.jitter_s

    def latency_s(self, src: str, dst: str) -> float:
        return self.channel(src, dst)[0]

    def mean_latency_s(self, src: str, dst: str) -> float:
        latency, jitter = self.channel(src, dst)
        return latency + jitter / 2.0

    def send(self, sim: Simulator, src: str, dst: str, callback: Callable[..., Any],
             *args: Any) -> int:
        """Deliver a message: ``callback(*args)`` runs at ``dst`` when it arrives."""
        latency, jitter = self.channel(src, dst)
        delay = latency
        if jitter > 0.0:
            delay += float(sim.rng(f"classical/{src}-{dst}").uniform(0.0, jitter))
        return sim.schedule(s_to_ps(delay), callback, *args)

    def delay_ps(self, sim: Simulator, src: str, dst: str) -> int:
        """One message's delay (drawn now), in picoseconds."""
        latency, jitter = self.channel(src, dst)
        if jitter > 0.0:
            latency += float(sim.rng(f"classical/{src}-{dst}").uniform(0.0, jitter))
        return s_to_ps(latency)
