"""The circuit hypergraph whose cut is the ebit count (Andres-Martinez & Heunen 2019).

A normalized circuit has only diagonal two-qubit gates, so a qubit can be
*shared* with another QPU (cat-entangled: one ebit) for a whole run of gates
as long as it sees only diagonal one-qubit gates in between; an anti-diagonal
gate (``X`` times a phase) may also sit in the run when the copies apply the
``X`` too (the embedding of Wu et al. 2023). Such a run is a **segment**.

Vertices are qubits (or, when qubits may move, their segments) and two-qubit
gates; each segment is a hyperedge holding its qubit (the *root*) and its
gates. Putting a gate on a QPU other than its qubit's costs that segment one
ebit per extra QPU, whatever the number of gates there: the hyperedge's
connectivity minus one. With a distance matrix between QPUs the cost of
reaching QPU ``b`` from the root's QPU ``r`` is ``D[r][b]``.

With state teleportation allowed (``movable=True``) each segment is its own
vertex, consecutive segments of a qubit are joined by a two-pin *state edge*
(cut: one teleportation), and a vertex occupies a slot on its QPU only
during its segment's time span, so capacity is checked per time layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qdcnet.compiler.ir import Circuit, gate_matrix, is_anti_diagonal, is_diagonal

__all__ = ["CircuitSegments", "Hypergraph", "Segment", "analyse_segments", "build_hypergraph"]


@dataclass(slots=True)
class Segment:
    """A run of two-qubit gates on one qubit that one shared copy can serve."""

    qubit: int
    index: int
    gates: list[int] = field(default_factory=list)
    #: gate index of the boundary event that opened it (-1 for a qubit's first run)
    opened_by: int = -1
    #: ASAP layer at which a teleported qubit arrives for this segment
    move_layer: int = 0


@dataclass
class CircuitSegments:
    """Segments of every qubit and, for each two-qubit gate, its two segments."""

    circuit: Circuit
    segments: list[Segment]
    by_qubit: list[list[int]]
    #: gate index -> (segment of qubits[0], segment of qubits[1]) for two-qubit gates
    gate_segments: dict[int, tuple[int, int]]
    #: gate index -> ASAP layer
    layers: list[int]
    num_layers: int
    #: gate indices of one-qubit gates that the copies must mirror (anti-diagonal)
    flips: frozenset[int]
    #: gate indices that end a segment on their qubit
    boundaries: frozenset[int]


def gate_kind(gate_name: str, params: tuple[float, ...], atol: float = 1e-9) -> str:
    """``diagonal``, ``anti`` (X times diagonal) or ``general`` for a one-qubit gate."""
    matrix = gate_matrix(gate_name, params)
    if is_diagonal(matrix, atol):
        return "diagonal"
    if is_anti_diagonal(matrix, atol):
        return "anti"
    return "general"


def analyse_segments(circuit: Circuit, *, embed: bool = True) -> CircuitSegments:
    """Cut each qubit's history into segments (``circuit`` must be normalized)."""
    n = circuit.num_qubits
    segments: list[Segment] = []
    by_qubit: list[list[int]] = [[] for _ in range(n)]
    open_segment: list[int] = [-1] * n
    last_boundary: list[int] = [-1] * n
    gate_segments: dict[int, tuple[int, int]] = {}
    flips: set[int] = set()
    boundaries: set[int] = set()
    qubit_level = [0] * n
    bit_level = [0] * max(1, circuit.num_clbits)
    layers: list[int] = []
    for index, gate in enumerate(circuit.gates):
        bits = gate.clbits + (gate.condition.bits if gate.condition else ())
        level = max([qubit_level[q] for q in gate.qubits] + [bit_level[b] for b in bits],
                    default=0)
        layers.append(level)
        for q in gate.qubits:
            qubit_level[q] = level + 1
        for b in bits:
            bit_level[b] = level + 1
        if gate.is_two_qubit:
            pair = []
            for q in gate.qubits:
                if open_segment[q] < 0:
                    seg = Segment(q, len(by_qubit[q]), opened_by=last_boundary[q])
                    segments.append(seg)
                    open_segment[q] = len(segments) - 1
                    by_qubit[q].append(open_segment[q])
                segments[open_segment[q]].gates.append(index)
                pair.append(open_segment[q])
            gate_segments[index] = (pair[0], pair[1])
            continue
        q = gate.qubits[0]
        if gate.name in ("measure", "reset"):
            kind = "general"
        else:
            kind = gate_kind(gate.name, gate.params)
            if gate.condition is not None and kind != "diagonal":
                kind = "general"
        if kind == "anti" and embed:
            if open_segment[q] >= 0:
                flips.add(index)
            continue
        if kind != "diagonal":
            boundaries.add(index)
            last_boundary[q] = index
            open_segment[q] = -1
    num_layers = 1 + max(layers, default=0)
    for seg in segments:
        seg.move_layer = layers[seg.opened_by] if seg.opened_by >= 0 else 0
    return CircuitSegments(circuit, segments, by_qubit, gate_segments, layers, num_layers,
                           frozenset(flips), frozenset(boundaries))


@dataclass
class Hypergraph:
    """Vertices with time-profiled weights and rooted, weighted hyperedges.

    ``spans[v]`` lists the half-open time intervals during which vertex ``v``
    occupies one slot of its block (empty for gate vertices); ``pins[e][0]``
    is edge ``e``'s root.
    """

    num_vertices: int
    pins: list[list[int]]
    weights: list[float]
    spans: list[list[tuple[int, int]]]
    num_times: int
    #: what each vertex stands for: ("qubit", q), ("segment", s) or ("gate", index)
    labels: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.vertex_edges: list[list[int]] = [[] for _ in range(self.num_vertices)]
        for e, pins in enumerate(self.pins):
            for v in pins:
                self.vertex_edges[v].append(e)

    @property
    def num_edges(self) -> int:
        return len(self.pins)

    def cost(self, part: list[int], distance: list[list[float]] | None = None) -> float:
        """Sum over edges of ``weight * sum(D[root block][b])`` over the other blocks it touches."""
        total = 0.0
        for pins, w in zip(self.pins, self.weights, strict=True):
            root = part[pins[0]]
            blocks = {part[v] for v in pins}
            blocks.discard(root)
            if distance is None:
                total += w * len(blocks)
            else:
                total += w * sum(distance[root][b] for b in blocks)
        return total


def build_hypergraph(segs: CircuitSegments, *, movable: bool) -> Hypergraph:
    """The partitioning hypergraph: fixed qubits (``movable=False``) or movable segments."""
    circuit = segs.circuit
    n = circuit.num_qubits
    gate_ids = sorted(segs.gate_segments)
    labels: list[tuple[str, int]] = []
    spans: list[list[tuple[int, int]]] = []
    pins: list[list[int]] = []
    weights: list[float] = []
    if not movable:
        for q in range(n):
            labels.append(("qubit", q))
            spans.append([(0, 1)])
        owner = [seg.qubit for seg in segs.segments]
        num_times = 1
    else:
        # One vertex per segment; a qubit without segments still needs a slot.
        owner = []
        times = sorted({0, segs.num_layers} | {s.move_layer for s in segs.segments})
        compress = {t: i for i, t in enumerate(times)}
        for q in range(n):
            chain = segs.by_qubit[q]
            if not chain:
                labels.append(("idle", q))
                spans.append([(0, len(times) - 1)])
                continue
            first_vertex = len(labels)
            for position, s in enumerate(chain):
                start = 0 if position == 0 else compress[segs.segments[s].move_layer]
                end = (len(times) - 1 if position == len(chain) - 1
                       else compress[segs.segments[chain[position + 1]].move_layer])
                labels.append(("segment", s))
                spans.append([(start, end)] if end > start else [])
            for position in range(1, len(chain)):
                pins.append([first_vertex + position - 1, first_vertex + position])
                weights.append(1.0)
        vertex_of_segment = {label[1]: v for v, label in enumerate(labels)
                             if label[0] == "segment"}
        owner = [vertex_of_segment[s] for s in range(len(segs.segments))]
        num_times = len(times) - 1
    gate_vertex = {}
    for index in gate_ids:
        gate_vertex[index] = len(labels)
        labels.append(("gate", index))
        spans.append([])
    for s, seg in enumerate(segs.segments):
        pins.append([owner[s]] + [gate_vertex[g] for g in seg.gates])
        weights.append(1.0)
    return Hypergraph(len(labels), pins, weights, spans, max(1, num_times), labels)

