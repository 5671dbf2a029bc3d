"""What the compiler compiles for: QPUs with capacities, gate sets, and distances.

A :class:`CompileTarget` holds :class:`~qdcnet.network.qpu.QPU` records (the
one QPU model, shared with the network) and the distances between them. It
comes from a data-center scenario (each QPU's profile gives its data qubits,
communication qubits, native gates and durations; the network gives the
distance between two QPUs, counted in elementary links, so an ebit between
far QPUs costs more than one between neighbours) or is made directly, as the
benchmarks do, with :meth:`CompileTarget.equal_modules`.

>>> target = CompileTarget.equal_modules(2, 16)
>>> [q.data_qubits for q in target.qpus], target.distance[0][1]
([16, 16], 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qdcnet.errors import ParameterError
from qdcnet.network.qpu import QPU

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["CompileTarget"]


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
        """The scenario's QPUs (memory banks excluded), distances from the link graph."""
        import networkx as nx

        qpus = tuple(datacenter.ops[q.name] for q in datacenter.layout.qpus)
        graph = datacenter.segment_graph
        names = [q.name for q in qpus]
        hops = {}
        for name in names:
            if name in graph:
                hops[name] = nx.single_source_shortest_path_length(graph, name)
            else:
                hops[name] = {name: 0}
        unreachable = 10 ** 6
        distance = tuple(tuple(hops[a].get(b, unreachable) for b in names) for a in names)
        return cls(qpus, distance)
