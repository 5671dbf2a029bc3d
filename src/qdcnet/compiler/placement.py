"""Exact gate placement for a fixed assignment of qubits (or segments) to QPUs.

Once every segment's owner sits on a QPU, where should each cut gate run?
A gate between segment ``s`` (owner on QPU ``A``) and ``t`` (owner on ``B``)
runs on ``B`` if ``s`` is shared with ``B`` or on ``A`` if ``t`` is shared with
``A``; a sharing costs ``D[A][B]`` ebits once, however many gates use it. So
the cheapest placement is a **minimum-weight vertex cover** of the bipartite
graph whose nodes are (segment, QPU) shares and whose edges are cut gates
(the two sides: shares toward a higher-numbered QPU and toward a lower one).
It splits by QPU pair and is solved exactly by a maximum flow, so the
partitioner only has to search over qubit positions.

Running a gate on a third QPU (both qubits shared there) is not considered
here; the FM refinement that follows may still find it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching, maximum_flow

from qdcnet.compiler.hypergraph import Hypergraph

__all__ = ["GateStructure", "place_gates"]


class GateStructure:
    """For each gate vertex, its two edges and their roots (precomputed once)."""

    def __init__(self, hg: Hypergraph) -> None:
        self.hg = hg
        self.gates: list[int] = []
        self.edge_pairs: list[tuple[int, int]] = []
        for v, label in enumerate(hg.labels):
            if label[0] != "gate":
                continue
            edges = hg.vertex_edges[v]
            if len(edges) != 2:  # pragma: no cover - normalized gates have two qubits
                raise ValueError(f"gate vertex {v} is in {len(edges)} edges")
            self.gates.append(v)
            self.edge_pairs.append((edges[0], edges[1]))
        self.roots = [pins[0] for pins in hg.pins]
        self.is_gate_edge = [any(hg.labels[p][0] == "gate" for p in pins[1:])
                             for pins in hg.pins]
        # How long a copy of each segment would have to live (in gates of the circuit).
        self.spans: list[int] = []
        for pins in hg.pins:
            indices = [hg.labels[p][1] for p in pins[1:] if hg.labels[p][0] == "gate"]
            self.spans.append(max(indices) - min(indices) if indices else 0)


def place_gates(structure: GateStructure, part: list[int],
                distance: Sequence[Sequence[float]], *, short_copies: bool = False,
                lifetime_penalty: float = 0.0) -> float:
    """Set every gate vertex's block optimally for the roots' blocks in ``part``; return the cost.

    ``part`` is changed in place for gate vertices only; the returned cost is
    the whole hypergraph's (state edges included). With ``short_copies``, among
    placements of least cost the one whose shared segments span the fewest
    gates wins: copies that live briefly need fewer communication qubits at once.
    With ``lifetime_penalty`` > 0 a copy instead costs ``1 + penalty * span / longest``
    ebits, trading ebits for copies that fit few communication qubits; the
    returned cost is still the plain one.
    """
    hg = structure.hg
    roots = structure.roots
    by_pair: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for gate, (e1, e2) in zip(structure.gates, structure.edge_pairs, strict=True):
        a, b = part[roots[e1]], part[roots[e2]]
        if a == b:
            part[gate] = a
        elif a < b:
            by_pair[(a, b)].append((gate, e1, e2))
        else:
            by_pair[(b, a)].append((gate, e2, e1))
    total = 0.0
    spans = structure.spans if short_copies or lifetime_penalty > 0 else None
    for (a, b), gates in by_pair.items():
        total += _cover(gates, a, b, part, hg.weights, distance, spans, lifetime_penalty)
    # Edges without gates (state edges between segments) cost their own cut.
    for e, pins in enumerate(hg.pins):
        if not structure.is_gate_edge[e] and part[pins[0]] != part[pins[1]]:
            total += hg.weights[e] * distance[part[pins[0]]][part[pins[1]]]
    return total


def _cover(gates: list[tuple[int, int, int]], a: int, b: int, part: list[int] | None,
           weights: Sequence[float], distance: Sequence[Sequence[float]],
           spans: Sequence[int] | None = None, penalty: float = 0.0) -> float:
    """Minimum-weight vertex cover for one QPU pair; places the gates (if ``part``); its cost."""
    left: dict[int, int] = {}   # edge rooted in a, shared toward b
    right: dict[int, int] = {}  # edge rooted in b, shared toward a
    rows, cols = [], []
    for _, ea, eb in gates:
        i = left.setdefault(ea, len(left))
        j = right.setdefault(eb, len(right))
        rows.append(i)
        cols.append(j)
    left_w = [weights[e] * distance[a][b] for e in left]
    right_w = [weights[e] * distance[b][a] for e in right]
    uniform = len(set(left_w) | set(right_w)) == 1 and float(left_w[0]).is_integer()
    if spans is not None:
        if penalty > 0:
            # A copy costs 1 + penalty * span / longest ebits (scaled to integers).
            longest = max(1, max(spans[e] for e in (*left, *right)))
            left_cap = [round(1000 * (w + penalty * spans[e] / longest))
                        for w, e in zip(left_w, left, strict=True)]
            right_cap = [round(1000 * (w + penalty * spans[e] / longest))
                         for w, e in zip(right_w, right, strict=True)]
        else:
            # Lexicographic: ebits first, then how long the copies live. The scale must
            # exceed the sum of all tie-break terms; coarsen them if the flow would not
            # fit in 32-bit capacities.
            ties = [spans[e] for e in (*left, *right)]
            budget = (2 ** 30) // max(1, round(sum(left_w) + sum(right_w)))
            if 1 + sum(ties) > budget:
                top = max(max(ties), 1)
                levels = max(1, budget // (2 * len(ties)) - 1)
                ties = [t * levels // top for t in ties]
            scale = 1 + sum(ties)
            left_cap = [w * scale + t for w, t in zip(left_w, ties[:len(left)], strict=True)]
            right_cap = [w * scale + t for w, t in zip(right_w, ties[len(left):], strict=True)]
        in_left, in_right = _min_cut(left_cap, right_cap, rows, cols)
        cost = float(np.dot(in_left, left_w) + np.dot(in_right, right_w))
    elif uniform:
        in_left, in_right = _konig(len(left), len(right), rows, cols)
        cost = (sum(in_left) + sum(in_right)) * left_w[0]
    else:
        in_left, in_right = _min_cut(left_w, right_w, rows, cols)
        cost = float(np.dot(in_left, left_w) + np.dot(in_right, right_w))
    if part is None:
        return float(cost)
    for gate, ea, _ in gates:
        if in_left[left[ea]]:
            part[gate] = b
        else:
            part[gate] = a
    return float(cost)


def _konig(n_left: int, n_right: int, rows: list[int], cols: list[int]
           ) -> tuple[list[bool], list[bool]]:
    """Minimum vertex cover from a maximum matching (König's construction)."""
    adjacency: list[list[int]] = [[] for _ in range(n_left)]
    for i, j in zip(rows, cols, strict=True):
        adjacency[i].append(j)
    if len(rows) > 2000:
        # Hopcroft-Karp in C pays off once the graph is large.
        graph = csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)),
                          shape=(n_left, n_right))
        match_of_left = maximum_bipartite_matching(graph, perm_type="column").tolist()
    else:
        match_of_left = _kuhn(n_left, n_right, adjacency)
    match_of_right = [-1] * n_right
    for i, j in enumerate(match_of_left):
        if j >= 0:
            match_of_right[j] = i
    # Alternating search from unmatched left vertices.
    seen_left = [False] * n_left
    seen_right = [False] * n_right
    stack = [i for i in range(n_left) if match_of_left[i] < 0]
    for i in stack:
        seen_left[i] = True
    while stack:
        i = stack.pop()
        for j in adjacency[i]:
            if not seen_right[j]:
                seen_right[j] = True
                k = match_of_right[j]
                if k >= 0 and not seen_left[k]:
                    seen_left[k] = True
                    stack.append(k)
    return [not s for s in seen_left], seen_right


def _kuhn(n_left: int, n_right: int, adjacency: list[list[int]]) -> list[int]:
    """Maximum bipartite matching by augmenting paths (small graphs)."""
    match_of_left = [-1] * n_left
    match_of_right = [-1] * n_right
    # Greedy start, then augment from each free left vertex.
    for i in range(n_left):
        for j in adjacency[i]:
            if match_of_right[j] < 0:
                match_of_left[i], match_of_right[j] = j, i
                break
    for root in range(n_left):
        if match_of_left[root] >= 0:
            continue
        parent: dict[int, int] = {}
        frontier = [root]
        found = -1
        while frontier and found < 0:
            next_frontier = []
            for i in frontier:
                for j in adjacency[i]:
                    if j in parent:
                        continue
                    parent[j] = i
                    k = match_of_right[j]
                    if k < 0:
                        found = j
                        break
                    next_frontier.append(k)
                if found >= 0:
                    break
            frontier = next_frontier
        j = found
        while j >= 0:
            i = parent[j]
            previous = match_of_left[i]
            match_of_left[i], match_of_right[j] = j, i
            j = previous
    return match_of_left


def _min_cut(left_w: list[float], right_w: list[float], rows: list[int], cols: list[int]
             ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted cover by a minimum s-t cut (integer weights, as hop counts are)."""
    n_left, n_right = len(left_w), len(right_w)
    source, sink = n_left + n_right, n_left + n_right + 1
    big = int(sum(left_w) + sum(right_w)) + 1
    # Gates between the same two segments must give one edge: duplicates would add up
    # their capacities, and several times ``big`` can overflow 32 bits.
    unique = sorted(set(zip(rows, cols, strict=True)))
    rows, cols = [i for i, _ in unique], [j for _, j in unique]
    src = [source] * n_left + [n_left + j for j in range(n_right)] + rows
    dst = list(range(n_left)) + [sink] * n_right + [n_left + c for c in cols]
    cap = [round(w) for w in left_w] + [round(w) for w in right_w] + [big] * len(rows)
    size = n_left + n_right + 2
    graph = csr_array((np.asarray(cap, dtype=np.int32), (src, dst)), shape=(size, size))
    flow = maximum_flow(graph, source, sink).flow
    residual = (graph - flow).tocsr()
    reverse = flow.T.tocsr()
    reach = np.zeros(size, dtype=bool)
    reach[source] = True
    stack = [source]
    while stack:
        u = stack.pop()
        for matrix in (residual, reverse):
            start, end = matrix.indptr[u], matrix.indptr[u + 1]
            for v, c in zip(matrix.indices[start:end], matrix.data[start:end], strict=True):
                if c > 0 and not reach[v]:
                    reach[v] = True
                    stack.append(int(v))
    return ~reach[:n_left], reach[n_left:n_left + n_right]


class IncrementalPlacement:
    """:func:`place_gates`'s cost, recomputed only for the QPU pairs a move touches.

    For local search over owners (qubit vertices) of a hypergraph without
    state edges: moving owners between blocks ``a`` and ``b`` changes the
    covers of pairs that involve ``a`` or ``b`` only.
    """

    def __init__(self, structure: GateStructure, part: list[int],
                 distance: Sequence[Sequence[float]], k: int, owners: Sequence[int]) -> None:
        if not all(structure.is_gate_edge):
            raise ValueError("incremental placement takes hypergraphs without state edges")
        self.structure = structure
        self.distance = distance
        self.k = k
        roots = structure.roots
        self.by_owner: dict[int, list[int]] = defaultdict(list)
        for i, (e1, e2) in enumerate(structure.edge_pairs):
            self.by_owner[roots[e1]].append(i)
            if roots[e2] != roots[e1]:
                self.by_owner[roots[e2]].append(i)
        self.members: list[set[int]] = [set() for _ in range(k)]
        for owner in owners:
            self.members[part[owner]].add(owner)
        self._fast = _matching_costs(structure, distance, k)
        if self._fast:
            # Every cover is one of equal-weight shares, so (König) its cost is a maximum
            # matching's size: one vectorised matching over all changed pairs at once.
            edge1 = np.fromiter((e for e, _ in structure.edge_pairs), np.int64,
                                len(structure.edge_pairs))
            edge2 = np.fromiter((e for _, e in structure.edge_pairs), np.int64,
                                len(structure.edge_pairs))
            roots_of = np.asarray(roots, dtype=np.int64)
            self._edges = (edge1, edge2)
            self._roots = (roots_of[edge1], roots_of[edge2]) if len(edge1) else (edge1, edge2)
            self._block = np.asarray(part, dtype=np.int64)
            self._weight = float(structure.hg.weights[0]) if structure.hg.weights else 1.0
            self.pair_cost = self._matched(self._block, set(range(k)))
        else:
            self.pair_cost = self._pairs(part, set(range(k)), {})

    def _matched(self, block: np.ndarray, blocks: set[int]) -> dict[tuple[int, int], float]:
        """Cover cost of every QPU pair that involves ``blocks``, by maximum matching."""
        k = self.k
        a = block[self._roots[0]]
        b = block[self._roots[1]]
        involved = np.zeros(k, dtype=bool)
        involved[list(blocks)] = True
        keep = (a != b) & (involved[a] | involved[b])
        if not keep.any():
            return {}
        a, b = a[keep], b[keep]
        e1, e2 = self._edges[0][keep], self._edges[1][keep]
        forward = a < b
        low, high = np.where(forward, a, b), np.where(forward, b, a)
        # A share is (edge, QPU it is copied to): left shares are rooted in the lower block.
        left_nodes = np.where(forward, e1, e2) * k + high
        right_nodes = np.where(forward, e2, e1) * k + low
        left, rows = np.unique(left_nodes, return_inverse=True)
        right, cols = np.unique(right_nodes, return_inverse=True)
        graph = csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)),
                          shape=(len(left), len(right)))
        match = maximum_bipartite_matching(graph, perm_type="column")
        pair_of_left = np.zeros(len(left), dtype=np.int64)
        pair_of_left[rows] = low * k + high
        sizes = np.bincount(pair_of_left[match >= 0], minlength=k * k)
        present = np.unique(low * k + high).tolist()
        weight, distance = self._weight, self.distance
        return {(p // k, p % k): float(sizes[p]) * weight * distance[p // k][p % k]
                for p in present}

    def _pairs(self, part: list[int], blocks: set[int],
               moved: dict[int, int]) -> dict[tuple[int, int], float]:
        structure = self.structure
        roots = structure.roots
        owners: set[int] = set()
        for x in blocks:
            owners |= self.members[x]
        owners = {o for o in owners if o not in moved} | {
            o for o, dst in moved.items() if dst in blocks}
        seen: set[int] = set()
        by_pair: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for owner in owners:
            for i in self.by_owner[owner]:
                if i in seen:
                    continue
                seen.add(i)
                e1, e2 = structure.edge_pairs[i]
                a, b = part[roots[e1]], part[roots[e2]]
                if a == b or (a not in blocks and b not in blocks):
                    continue
                gate = structure.gates[i]
                if a < b:
                    by_pair[(a, b)].append((gate, e1, e2))
                else:
                    by_pair[(b, a)].append((gate, e2, e1))
        weights = structure.hg.weights
        return {pair: _cover(gates, pair[0], pair[1], None, weights, self.distance)
                for pair, gates in by_pair.items()}

    def evaluate(self, part: list[int], moved: dict[int, int]) -> tuple[float, dict]:
        """Cost of ``part`` (which already holds the moves ``owner -> block``) and pair costs."""
        blocks = {part[o] for o in moved} | {self._block_of(o) for o in moved}
        if self._fast:
            trial = self._block.copy()
            for owner, dst in moved.items():
                trial[owner] = dst
            fresh = self._matched(trial, blocks)
        else:
            fresh = self._pairs(part, blocks, moved)
        total = sum(c for pair, c in self.pair_cost.items()
                    if pair[0] not in blocks and pair[1] not in blocks)
        return total + sum(fresh.values()), fresh

    def _block_of(self, owner: int) -> int:
        for x, members in enumerate(self.members):
            if owner in members:
                return x
        raise KeyError(owner)  # pragma: no cover

    def accept(self, moved: dict[int, int], fresh: dict) -> None:
        blocks = set(moved.values())
        for owner, dst in moved.items():
            src = self._block_of(owner)
            blocks.add(src)
            self.members[src].discard(owner)
            self.members[dst].add(owner)
            if self._fast:
                self._block[owner] = dst
        self.pair_cost = {pair: c for pair, c in self.pair_cost.items()
                          if pair[0] not in blocks and pair[1] not in blocks}
        self.pair_cost.update(fresh)


def _matching_costs(structure: GateStructure, distance: Sequence[Sequence[float]],
                    k: int) -> bool:
    """Whether every QPU pair's cover has equal integer share weights (costs by matching).

    That holds when all edges weigh the same and the distances are symmetric
    integers (hop counts), as :func:`_cover`'s own test for König's construction.
    """
    weights = structure.hg.weights
    if weights and any(w != weights[0] for w in weights):
        return False
    w0 = float(weights[0]) if weights else 1.0
    return all(distance[a][b] == distance[b][a] and float(w0 * distance[a][b]).is_integer()
               for a in range(k) for b in range(a + 1, k))
