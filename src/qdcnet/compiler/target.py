"""What the compiler compiles for: QPUs with capacities, gate sets, and distances.

A :class:`CompileTarget` holds :class:`~qdcnet.network.qpu.QPU` records (the
one QPU model, shared with the network) and the distances between them. It
comes from a data-center scenario (each QPU's profile gives its data qubits,
communication qubits, native gates and durations; the network gives the
distance between two QPUs, counted in elementary links weighted by how much slower
each is than the fastest, so an ebit between far QPUs, or over a slow link, costs more
than one between neighbours) or is made directly, as the
benchmarks do, with :meth:`CompileTarget.equal_modules`.

>>> target = CompileTarget.equal_modules(2, 16)
>>> [q.data_qubits for q in target.qpus], target.distance[0][1]
([16, 16], 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.network.qpu import QPU

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["SLOW_LINK_WEIGHT", "CompileTarget"]

#: the most an elementary link weighs in ebit distance, however slow it is
SLOW_LINK_WEIGHT = 100
#: links are weighed by their rates up to this many elementary links (about 35 QPUs that
#: all reach each other); above, every link weighs 1 (hops)
WEIGHED_LINKS_MAX = 600


@dataclass(frozen=True)
class CompileTarget:
    """QPUs and the ebit distance between each pair (elementary links per end-to-end ebit)."""

    qpus: tuple[QPU, ...]
    distance: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        k = len(self.qpus)
        if k == 0:
            raise ParameterError("qpus", [], "at least one QPU")
        if len(self.distance) != k or any(len(row) != k for row in self.distance):
            raise ParameterError("distance", f"{len(self.distance)} rows", f"a {k}x{k} matrix")
        names = [q.name for q in self.qpus]
        if len(set(names)) != k:
            raise ParameterError("qpus", names, "distinct names")

    @property
    def capacity(self) -> int:
        return sum(q.data_qubits for q in self.qpus)

    def index(self, name: str) -> int:
        for i, q in enumerate(self.qpus):
            if q.name == name:
                return i
        raise KeyError(name)

    @classmethod
    def equal_modules(cls, count: int, qubits_each: int, *, comm_qubits: int = 2,
                      native_gates: tuple[str, ...] = ("u", "cz"),
                      prefix: str = "m") -> CompileTarget:
        """``count`` identical modules, every pair one link apart (the benchmark setting)."""
        if count < 1:
            raise ParameterError("count", count, ">= 1")
        if qubits_each < 1:
            raise ParameterError("qubits_each", qubits_each, ">= 1")
        qpus = tuple(QPU(f"{prefix}{i}", data_qubits=qubits_each, comm_qubits=comm_qubits,
                         native_gates=native_gates) for i in range(count))
        distance = tuple(tuple(0 if i == j else 1 for j in range(count)) for i in range(count))
        return cls(qpus, distance)

    @classmethod
    def from_datacenter(cls, datacenter: DataCenter) -> CompileTarget:
        """The scenario's QPUs (memory banks excluded), distances from the link graph.

        Each elementary link weighs its ebit time against the fastest link's
        (rate of the fastest over its own, rounded, at least 1 and at most
        :data:`SLOW_LINK_WEIGHT`), and the distance between two QPUs is the
        lightest path: in a network of alike links that is the number of hops,
        and a link thousands of times slower than the rest (a transducer whose
        pump is pulsed at a few hertz) is used only where nothing else fits.
        Fabrics of more than :data:`WEIGHED_LINKS_MAX` elementary links are
        measured in hops (a link's model takes milliseconds to build).
        """
        import networkx as nx

        qpus = tuple(datacenter.ops[q.name] for q in datacenter.layout.qpus)
        graph = datacenter.segment_graph.copy()
        rates = {}
        # Each link's model takes milliseconds: a big fabric is measured in hops alone.
        for a, b in graph.edges if graph.number_of_edges() <= WEIGHED_LINKS_MAX else ():
            try:
                rates[(a, b)] = datacenter.fabric.model(a, b).rate_hz
            except QdcnetError:
                rates[(a, b)] = 0.0
        fastest = max(rates.values(), default=0.0)
        for (a, b), rate in rates.items() if fastest > 0.0 else ():
            graph.edges[a, b]["weight"] = (
                SLOW_LINK_WEIGHT if rate <= 0.0 else
                min(SLOW_LINK_WEIGHT, max(1, round(fastest / rate))))
        names = [q.name for q in qpus]
        lengths = {}
        for name in names:
            if name in graph:
                lengths[name] = nx.single_source_dijkstra_path_length(graph, name)
            else:
                lengths[name] = {name: 0}
        unreachable = 10 ** 6
        distance = tuple(tuple(int(lengths[a].get(b, unreachable)) for b in names)
                         for a in names)
        return cls(qpus, distance)
