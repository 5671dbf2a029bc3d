"""A multilevel k-way hypergraph partitioner for the ebit objective.

The objective is the rooted connectivity cost of :mod:`qdcnet.compiler.hypergraph`
(each edge pays ``D[root block][b]`` for every other block it touches), the
constraint a per-block capacity over time (a vertex fills one slot of its
block during each of its spans). The scheme is the classic one of hMETIS and
KaHyPar, kept small:

1. **coarsen** by heavy-edge matching (rating ``sum w_e / (|e| - 1)`` over
   shared edges), merging vertices until the hypergraph is small;
2. **initial partition** the coarsest hypergraph several times (random
   first-fit by weight, then refinement) and keep the best;
3. **uncoarsen**, projecting the partition and refining it at every level
   with k-way **Fiduccia-Mattheyses**: single-vertex moves in order of gain
   from a lazily updated heap, each vertex moved at most once per pass,
   moves that overfill a block by up to one coarse vertex allowed in passing
   (so two full blocks can swap) and the pass rolled back to its best
   feasible prefix.

A *V-cycle* (:func:`v_cycle`) refines an existing partition the same way,
coarsening only inside blocks so the partition survives the trip down.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from qdcnet.compiler.hypergraph import Hypergraph

__all__ = ["PartitionResult", "fm_refine", "partition", "v_cycle"]

_EPS = 1e-9


@dataclass(frozen=True)
class PartitionResult:
    part: tuple[int, ...]
    cost: float
    levels: int


class _Profiles:
    """Each vertex's occupancy over time as (offset, dense counts) or None."""

    def __init__(self, hg: Hypergraph) -> None:
        self.offset: list[int] = []
        self.arrays: list[np.ndarray | None] = []
        self.peak: list[int] = []
        for spans in hg.spans:
            if not spans:
                self.offset.append(0)
                self.arrays.append(None)
                self.peak.append(0)
                continue
            lo = min(s for s, _ in spans)
            hi = max(e for _, e in spans)
            arr = np.zeros(hi - lo, dtype=np.int64)
            for s, e in spans:
                arr[s - lo:e - lo] += 1
            self.offset.append(lo)
            self.arrays.append(arr)
            self.peak.append(int(arr.max()))


class _State:
    """A partition with incremental pin counts and block occupancy."""

    def __init__(self, hg: Hypergraph, part: list[int], capacity: Sequence[int],
                 distance: list[list[float]], profiles: _Profiles | None = None) -> None:
        self.hg = hg
        self.k = len(capacity)
        self.part = part
        self.distance = distance
        k = len(capacity)
        # With every distance 1, the cost is connectivity minus one and a move's
        # gain needs no distance lookups (the root's own block always holds a pin).
        self.uniform = all(distance[i][j] == (0.0 if i == j else 1.0)
                           for i in range(k) for j in range(k))
        self.cap = np.asarray(capacity, dtype=np.int64)
        self.profiles = profiles if profiles is not None else _Profiles(hg)
        k = self.k
        self.pc = [[0] * k for _ in range(hg.num_edges)]
        for e, pins in enumerate(hg.pins):
            counts = self.pc[e]
            for v in pins:
                counts[part[v]] += 1
        self.counts = np.zeros((k, hg.num_times), dtype=np.int64)
        for v in range(hg.num_vertices):
            arr = self.profiles.arrays[v]
            if arr is not None:
                off = self.profiles.offset[v]
                self.counts[part[v], off:off + len(arr)] += arr
        self.overflow = int(np.maximum(self.counts - self.cap[:, None], 0).sum())
        if self.uniform:
            self._track_gains()

    def _track_gains(self) -> None:
        """Gain caches for uniform distances, so a gain costs O(1) instead of O(degree).

        With every distance 1, ``gain(u, x) = own[u] - total[u] + conn[u][x]``:
        ``total[u]`` weighs all of ``u``'s edges, ``own[u]`` those where ``u`` is
        the only pin in its block, ``conn[u][x]`` those with a pin in block ``x``
        (``x`` is a candidate block for ``u`` exactly when it is a key: the dicts
        hold the few blocks a vertex's edges reach, not all ``k``). A move
        changes them only on edges whose counts cross 0, 1 or 2, the classic FM
        critical edges, and reports which gains it changed.
        """
        hg, part, k = self.hg, self.part, self.k
        n = hg.num_vertices
        self.total = [0.0] * n
        self.own = [0.0] * n
        self.conn: list[dict[int, float]] = [{} for _ in range(n)]
        total, own, conn = self.total, self.own, self.conn
        for pins, we, counts in zip(hg.pins, hg.weights, self.pc, strict=True):
            present = [x for x in range(k) if counts[x]]
            for u in pins:
                total[u] += we
                if counts[part[u]] == 1:
                    own[u] += we
                row = conn[u]
                for x in present:
                    row[x] = row.get(x, 0.0) + we

    def cost(self) -> float:
        if self.uniform:  # connectivity minus one, straight from the pin counts
            k = self.k
            return float(sum(w * (k - 1 - counts.count(0))
                             for w, counts in zip(self.hg.weights, self.pc, strict=True)))
        return self.hg.cost(self.part, self.distance)

    def gain(self, v: int, b: int) -> float:
        if self.uniform:
            return self.own[v] - self.total[v] + self.conn[v].get(b, 0.0)
        part, distance, k = self.part, self.distance, self.k
        a = part[v]
        pins_of, pc_of, weights = self.hg.pins, self.pc, self.hg.weights
        delta = 0.0
        for e in self.hg.vertex_edges[v]:
            pc = pc_of[e]
            root = pins_of[e][0]
            if root == v:
                da, db = distance[a], distance[b]
                old = new = 0.0
                for x in range(k):
                    c = pc[x]
                    if c:
                        old += da[x]
                    c2 = c - (x == a) + (x == b)
                    if c2:
                        new += db[x]
                delta += weights[e] * (new - old)
            else:
                r = part[root]
                if pc[a] == 1 and a != r:
                    delta -= weights[e] * distance[r][a]
                if pc[b] == 0 and b != r:
                    delta += weights[e] * distance[r][b]
        return -delta

    def candidates(self, v: int) -> set[int]:
        if self.uniform:
            own_block = self.part[v]
            return {x for x in self.conn[v] if x != own_block}
        pc_of = self.pc
        blocks: set[int] = set()
        for e in self.hg.vertex_edges[v]:
            blocks.update(x for x, c in enumerate(pc_of[e]) if c)
        blocks.discard(self.part[v])
        return blocks

    def _move_gains(self, v: int, a: int, b: int,
                    changed: tuple[set[int], set[int], set[int]] | None) -> None:
        part, own, conn = self.part, self.own, self.conn
        pins_of, weights, pc_of = self.hg.pins, self.hg.weights, self.pc
        every, toward_a, toward_b = changed if changed is not None else (set(), set(), set())
        for e in self.hg.vertex_edges[v]:
            counts, we, pins = pc_of[e], weights[e], pins_of[e]
            ca, cb = counts[a], counts[b]
            counts[a] = ca - 1
            counts[b] = cb + 1
            if ca == 1:
                own[v] -= we
                for u in pins:  # block a left the edge
                    row = conn[u]
                    left = row[a] - we
                    if left > _EPS:
                        row[a] = left
                    else:
                        del row[a]
                toward_a.update(pins)
            elif ca == 2:
                for u in pins:  # the last pin left in a is now alone there
                    if part[u] == a:
                        own[u] += we
                        every.add(u)
                        break
            if cb == 0:
                own[v] += we
                for u in pins:  # block b joined the edge
                    row = conn[u]
                    row[b] = row.get(b, 0.0) + we
                toward_b.update(pins)
            elif cb == 1:
                for u in pins:  # b's pin is no longer alone
                    if part[u] == b and u != v:
                        own[u] -= we
                        every.add(u)
                        break

    def fits(self, v: int, b: int, slack: int) -> bool:
        arr = self.profiles.arrays[v]
        if arr is None:
            return True
        off = self.profiles.offset[v]
        window = self.counts[b, off:off + len(arr)]
        return bool(((window + arr) <= self.cap[b] + slack).all())

    def move(self, v: int, b: int,
             changed: tuple[set[int], set[int], set[int]] | None = None) -> None:
        """Move ``v`` to block ``b``; with uniform distances, note changed gains in ``changed``.

        ``changed`` is three sets the move adds to: the vertices all of whose gains
        changed, those whose gain toward ``v``'s old block changed, and toward its new one.
        """
        a = self.part[v]
        self.part[v] = b
        if self.uniform:
            self._move_gains(v, a, b, changed)
        else:
            for e in self.hg.vertex_edges[v]:
                pc = self.pc[e]
                pc[a] -= 1
                pc[b] += 1
        arr = self.profiles.arrays[v]
        if arr is not None:
            off = self.profiles.offset[v]
            end = off + len(arr)
            before = (np.maximum(self.counts[a, off:end] - self.cap[a], 0).sum()
                      + np.maximum(self.counts[b, off:end] - self.cap[b], 0).sum())
            self.counts[a, off:end] -= arr
            self.counts[b, off:end] += arr
            after = (np.maximum(self.counts[a, off:end] - self.cap[a], 0).sum()
                     + np.maximum(self.counts[b, off:end] - self.cap[b], 0).sum())
            self.overflow += int(after - before)


def fm_refine(hg: Hypergraph, part: list[int], capacity: Sequence[int],
              distance: list[list[float]], rng: np.random.Generator, *,
              max_passes: int = 8, profiles: _Profiles | None = None) -> float:
    """Refine ``part`` in place with k-way FM passes; return the final cost."""
    state = _State(hg, part, capacity, distance, profiles)
    slack = max(state.profiles.peak, default=1)
    current = state.cost()
    for _ in range(max_passes):
        improved = _fm_pass(state, rng, slack, current)
        if improved <= _EPS:
            break
        current -= improved
    return state.cost()


def _noise(rng: np.random.Generator) -> Iterator[float]:
    """Tie-breaking noise for heap entries, drawn in batches (one draw each is slow)."""
    while True:
        yield from rng.random(4096).tolist()


def _fm_pass(state: _State, rng: np.random.Generator, slack: int, current: float) -> float:
    """One FM pass; return the (non-negative) improvement it kept."""
    hg = state.hg
    part = state.part
    heap: list[tuple[float, float, int, int]] = []
    noise = functools.partial(next, _noise(rng))
    pins_of, pc_of = hg.pins, state.pc
    uniform = state.uniform
    if uniform:
        # A vertex is on the boundary exactly when it has a candidate block.
        own, weight_of, conn = state.own, state.total, state.conn
        for v in range(hg.num_vertices):
            home, base = part[v], weight_of[v] - own[v]
            for b, reach in conn[v].items():
                if b != home:
                    heap.append((base - reach, noise(), v, b))
        heapq.heapify(heap)
    else:
        boundary = set()
        for e, pins in enumerate(pins_of):
            pc = pc_of[e]
            if sum(1 for c in pc if c) > 1:
                boundary.update(pins)
        for v in boundary:
            for b in state.candidates(v):
                heapq.heappush(heap, (-state.gain(v, b), noise(), v, b))
    start_feasible = state.overflow == 0
    locked = bytearray(hg.num_vertices)
    moves: list[tuple[int, int]] = []
    total = 0.0
    best_total = 0.0 if start_feasible else -math.inf
    best_index = 0
    stall_limit = max(64, hg.num_vertices // 8)
    while heap:
        negative, _, v, b = heapq.heappop(heap)
        if locked[v] or part[v] == b:
            continue
        g = state.gain(v, b)
        if abs(g + negative) > _EPS:
            heapq.heappush(heap, (-g, noise(), v, b))
            continue
        if not state.fits(v, b, slack):
            continue
        a = part[v]
        changed: tuple[set[int], set[int], set[int]] = (set(), set(), set())
        state.move(v, b, changed)
        locked[v] = 1
        moves.append((v, a))
        total += g
        if state.overflow == 0 and total > best_total + _EPS:
            best_total = total
            best_index = len(moves)
        elif len(moves) - best_index > stall_limit:
            break
        if uniform:
            every, toward_a, toward_b = changed
            for u in every:
                if not locked[u]:
                    home, base = part[u], weight_of[u] - own[u]
                    for x, reach in conn[u].items():
                        if x != home:
                            heapq.heappush(heap, (base - reach, noise(), u, x))
            for x, group in ((a, toward_a), (b, toward_b)):
                for u in group:
                    if not locked[u] and u not in every and part[u] != x:
                        reach = conn[u].get(x)
                        if reach is not None:
                            heapq.heappush(heap, (weight_of[u] - own[u] - reach, noise(), u, x))
            continue
        touched: dict[int, bool] = {}
        for e in hg.vertex_edges[v]:
            pins = pins_of[e]
            everything = pins[0] == v
            for u in pins:
                if not locked[u]:
                    touched[u] = touched.get(u, False) or everything or part[u] in (a, b)
        for u, everything in touched.items():
            # Only gains toward the two blocks whose pin counts changed can have moved,
            # unless u sits in one of them or the moved vertex was a root.
            for x in state.candidates(u):
                if everything or x in (a, b):
                    heapq.heappush(heap, (-state.gain(u, x), noise(), u, x))
    for v, a in reversed(moves[best_index:]):
        state.move(v, a)
    if best_total == -math.inf:
        return 0.0
    return best_total


# -- coarsening ------------------------------------------------------------------------


def _coarsen(hg: Hypergraph, peaks: list[int], max_peak: int, rng: np.random.Generator,
             restrict: list[int] | None) -> tuple[Hypergraph, list[int]] | None:
    n = hg.num_vertices
    cluster = [-1] * n
    next_id = 0
    pins_of, weights = hg.pins, hg.weights
    for u in rng.permutation(n).tolist():
        if cluster[u] >= 0:
            continue
        score: dict[int, float] = {}
        for e in hg.vertex_edges[u]:
            pins = pins_of[e]
            size = len(pins)
            if size > 256:
                continue
            rating = weights[e] / (size - 1)
            for v in pins:
                if v != u and cluster[v] < 0:
                    score[v] = score.get(v, 0.0) + rating
        best, best_score = -1, 0.0
        for v, s in score.items():
            if peaks[u] + peaks[v] > max_peak:
                continue
            if restrict is not None and restrict[u] != restrict[v]:
                continue
            if s > best_score:
                best, best_score = v, s
        cluster[u] = next_id
        if best >= 0:
            cluster[best] = next_id
        next_id += 1
    if next_id > 0.95 * n:
        return None
    spans: list[list[tuple[int, int]]] = [[] for _ in range(next_id)]
    for v in range(n):
        spans[cluster[v]].extend(hg.spans[v])
    merged: dict[tuple[int, tuple[int, ...]], float] = {}
    for e, pins in enumerate(pins_of):
        root = cluster[pins[0]]
        rest = {cluster[v] for v in pins[1:]}
        rest.discard(root)
        if not rest:
            continue
        key = (root, tuple(sorted(rest)))
        merged[key] = merged.get(key, 0.0) + weights[e]
    coarse = Hypergraph(next_id, [[root, *rest] for root, rest in merged],
                        list(merged.values()), spans, hg.num_times)
    return coarse, cluster


def _hierarchy(hg: Hypergraph, capacity: Sequence[int], rng: np.random.Generator,
               restrict: list[int] | None, stop_at: int
               ) -> list[tuple[Hypergraph, list[int] | None, list[int] | None]]:
    """Levels from fine to coarse: (hypergraph, map to the next coarser level, restriction)."""
    max_peak = max(1, math.ceil(min(capacity) / 4))
    levels: list[tuple[Hypergraph, list[int] | None, list[int] | None]] = []
    current, current_restrict = hg, restrict
    while current.num_vertices > stop_at:
        peaks = _Profiles(current).peak
        step = _coarsen(current, peaks, max_peak, rng, current_restrict)
        if step is None:
            break
        coarse, cluster = step
        levels.append((current, cluster, current_restrict))
        if current_restrict is not None:
            projected = [0] * coarse.num_vertices
            for v, c in enumerate(cluster):
                projected[c] = current_restrict[v]
            current_restrict = projected
        current = coarse
    levels.append((current, None, current_restrict))
    return levels


# -- initial partitioning --------------------------------------------------------------


def _initial(hg: Hypergraph, capacity: Sequence[int], rng: np.random.Generator,
             profiles: _Profiles, tight: bool = False) -> list[int] | None:
    """Weighted vertices by decreasing weight into blocks; gates follow their roots.

    Worst fit (the emptiest block) spreads load; ``tight`` uses best fit (the
    fullest block that still fits), which packs nearly full capacities.
    """
    k = len(capacity)
    cap = np.asarray(capacity, dtype=np.int64)
    counts = np.zeros((k, hg.num_times), dtype=np.int64)
    part = [-1] * hg.num_vertices
    weighted = [v for v in range(hg.num_vertices) if profiles.arrays[v] is not None]
    order = sorted(weighted, key=lambda v: (-profiles.peak[v], rng.random()))
    for v in order:
        arr = profiles.arrays[v]
        off = profiles.offset[v]
        assert arr is not None
        best, best_room = -1, -1
        for b in rng.permutation(k).tolist():
            window = counts[b, off:off + len(arr)] + arr
            if (window <= cap[b]).all():
                room = int((cap[b] - window).min())
                score = -room if tight else room
                if best < 0 or score > best_room:
                    best, best_room = b, score
        if best < 0:
            return None
        part[v] = best
        counts[best, off:off + len(arr)] += arr
    # Weightless vertices (gates) go where one of their edges' roots went.
    for v in range(hg.num_vertices):
        if part[v] >= 0:
            continue
        choices = [part[hg.pins[e][0]] for e in hg.vertex_edges[v] if part[hg.pins[e][0]] >= 0]
        part[v] = choices[int(rng.integers(len(choices)))] if choices else int(rng.integers(k))
    return part


# -- drivers ---------------------------------------------------------------------------


def partition(hg: Hypergraph, capacity: Sequence[int], distance: list[list[float]],
              *, seed: int = 0, initial_tries: int = 8, stop_at: int | None = None
              ) -> PartitionResult:
    """Multilevel k-way partition of ``hg`` into blocks of the given capacities.

    Raises ``ValueError`` when no feasible assignment is found.
    """
    rng = np.random.default_rng(seed)
    k = len(capacity)
    stop_at = stop_at or max(40, 6 * k)
    levels = _hierarchy(hg, capacity, rng, None, stop_at)
    best: tuple[float, list[int]] | None = None
    # Nearly full blocks can defeat packing at the coarsest level: then start finer.
    while best is None and levels:
        coarsest = levels[-1][0]
        profiles = _Profiles(coarsest)
        for attempt in range(initial_tries):
            part = _initial(coarsest, capacity, rng, profiles, tight=attempt % 2 == 1)
            if part is None:
                continue
            cost = fm_refine(coarsest, part, capacity, distance, rng, profiles=profiles)
            if best is None or cost < best[0] - _EPS:
                best = (cost, part)
        if best is None:
            levels.pop()
            if levels:
                levels[-1] = (levels[-1][0], None, levels[-1][2])
    if best is None:
        raise ValueError("no assignment of the circuit's qubits fits the QPUs' capacities")
    part = _uncoarsen(levels, best[1], capacity, distance, rng)
    return PartitionResult(tuple(part), hg.cost(part, distance), len(levels))


def v_cycle(hg: Hypergraph, part: list[int], capacity: Sequence[int],
            distance: list[list[float]], *, seed: int = 0, stop_at: int | None = None
            ) -> PartitionResult:
    """Refine a feasible partition through a restricted coarsen / uncoarsen cycle."""
    rng = np.random.default_rng(seed)
    stop_at = stop_at or max(40, 6 * len(capacity))
    levels = _hierarchy(hg, capacity, rng, list(part), stop_at)
    coarsest, _, restrict = levels[-1]
    assert restrict is not None
    coarse_part = list(restrict)
    fm_refine(coarsest, coarse_part, capacity, distance, rng)
    refined = _uncoarsen(levels, coarse_part, capacity, distance, rng)
    if hg.cost(refined, distance) <= hg.cost(list(part), distance) + _EPS:
        return PartitionResult(tuple(refined), hg.cost(refined, distance), len(levels))
    return PartitionResult(tuple(part), hg.cost(list(part), distance), len(levels))


def _uncoarsen(levels: list[tuple[Hypergraph, list[int] | None, list[int] | None]],
               coarse_part: list[int], capacity: Sequence[int],
               distance: list[list[float]], rng: np.random.Generator) -> list[int]:
    part = coarse_part
    for fine, cluster, _ in reversed(levels[:-1]):
        assert cluster is not None
        part = [part[c] for c in cluster]
        fm_refine(fine, part, capacity, distance, rng)
    return part


def _keep_better(hg: Hypergraph, structure: object, part: list[int], original: list[int],
                 original_cost: float, distance: list[list[float]]) -> float:
    """Place gates exactly for the searched owners; fall back to ``original`` if worse.

    Exact placement never uses a third QPU, so a search can end above an FM
    result that did; the better of the two is kept.
    """
    from qdcnet.compiler.placement import place_gates

    place_gates(structure, part, distance)  # type: ignore[arg-type]
    cost = hg.cost(part, distance)
    if cost > original_cost + _EPS:
        part[:] = original
        return original_cost
    return cost


def owner_search(hg: Hypergraph, part: list[int], capacity: Sequence[int],
                 distance: list[list[float]], rng: np.random.Generator, *,
                 max_evaluations: int = 4000) -> float:
    """Improve the owners' blocks (gates placed exactly each time) by moves and swaps.

    Each candidate is scored with :func:`~qdcnet.compiler.placement.place_gates`,
    so the search sees the true cost of a qubit's position rather than the
    plateau a single gate move shows FM. First improvement, random order,
    until a sweep finds nothing or ``max_evaluations`` run out. Changes
    ``part`` in place and returns its cost.
    """
    from qdcnet.compiler.placement import GateStructure, IncrementalPlacement, place_gates

    structure = GateStructure(hg)
    profiles = _Profiles(hg)
    k = len(capacity)
    cap = np.asarray(capacity, dtype=np.int64)
    counts = np.zeros((k, hg.num_times), dtype=np.int64)
    owners = [v for v in range(hg.num_vertices) if profiles.arrays[v] is not None]
    for v in owners:
        off, arr = profiles.offset[v], profiles.arrays[v]
        counts[part[v], off:off + len(arr)] += arr  # type: ignore[arg-type]
    original = list(part)
    original_cost = hg.cost(original, distance)
    best = place_gates(structure, part, distance)
    incremental = IncrementalPlacement(structure, part, distance, k, owners)
    evaluations = 0

    def shift(v: int, src: int, dst: int) -> None:
        off, arr = profiles.offset[v], profiles.arrays[v]
        counts[src, off:off + len(arr)] -= arr  # type: ignore[arg-type]
        counts[dst, off:off + len(arr)] += arr  # type: ignore[arg-type]

    def feasible(*blocks: int) -> bool:
        return bool((counts[list(blocks)] <= cap[list(blocks), None]).all())

    improved = True
    while improved and evaluations < max_evaluations:
        improved = False
        for v in rng.permutation(owners).tolist():
            a = part[v]
            for b in rng.permutation(k).tolist():
                if b == a:
                    continue
                partners = [None, *[u for u in owners if part[u] == b]]
                for u in partners:
                    if evaluations >= max_evaluations:
                        break
                    shift(v, a, b)
                    if u is not None:
                        shift(u, b, a)
                    if not feasible(a, b):
                        if u is not None:
                            shift(u, a, b)
                        shift(v, b, a)
                        continue
                    moved = {v: b} if u is None else {v: b, u: a}
                    part[v] = b
                    if u is not None:
                        part[u] = a
                    cost, fresh = incremental.evaluate(part, moved)
                    evaluations += 1
                    if cost < best - _EPS:
                        best = cost
                        incremental.accept(moved, fresh)
                        improved = True
                        break
                    part[v] = a
                    if u is not None:
                        part[u] = b
                        shift(u, a, b)
                    shift(v, b, a)
                if part[v] != a:
                    break
    return _keep_better(hg, structure, part, original, original_cost, distance)


def exchange_search(hg: Hypergraph, chains: list[list[int]], part: list[int],
                    distance: list[list[float]], rng: np.random.Generator, *,
                    max_evaluations: int = 3000) -> float:
    """Let two qubits trade places for a while (two teleportations each way at most).

    ``chains[q]`` lists qubit ``q``'s segment vertices in time order; their
    spans tile the time line. For a cut gate at time ``t`` between a qubit on
    ``A`` and one on ``B``, try swapping the blocks of the first qubit and of
    some qubit ``r`` on ``B`` over a window around ``t`` that starts and ends on
    segment boundaries of both: the occupancy of every block stays the same at
    every time, so capacity holds by construction. Each trial is scored with
    exact gate placement. Changes ``part`` in place; returns its cost.
    """
    from qdcnet.compiler.placement import GateStructure, place_gates

    structure = GateStructure(hg)
    original = list(part)
    original_cost = hg.cost(original, distance)
    best = place_gates(structure, part, distance)
    starts: list[list[int]] = []
    for chain in chains:
        starts.append([hg.spans[v][0][0] if hg.spans[v] else 0 for v in chain])
    vertex_time: dict[int, tuple[int, int]] = {}
    for q, chain in enumerate(chains):
        for position, v in enumerate(chain):
            vertex_time[v] = (q, position)
    boundary_sets = [set(s) | {hg.num_times} for s in starts]
    evaluations = 0
    improved = True
    while improved and evaluations < max_evaluations:
        improved = False
        cut = []
        for _gate, (e1, e2) in zip(structure.gates, structure.edge_pairs, strict=True):
            r1, r2 = structure.roots[e1], structure.roots[e2]
            if part[r1] != part[r2] and r1 in vertex_time and r2 in vertex_time:
                cut.append((r1, r2))
        for index in rng.permutation(len(cut)).tolist():
            if evaluations >= max_evaluations:
                break
            v, w = cut[index]
            if rng.random() < 0.5:
                v, w = w, v
            q, position = vertex_time[v]
            target = part[w]
            home = part[v]
            t_start = starts[q][position]
            chain_starts = starts[q]
            ends = sorted({chain_starts[position + j] for j in (1, 2, 3, 6, 12)
                           if position + j < len(chain_starts)} | {hg.num_times})
            accepted = False
            for t_end in ends:
                window_q = [u for u, s in zip(chains[q], chain_starts, strict=True)
                            if t_start <= s < t_end]
                if any(part[u] != home for u in window_q):
                    break
                partners = [r for r in range(len(chains)) if r != q
                            and t_start in boundary_sets[r] and t_end in boundary_sets[r]]
                for r in rng.permutation(partners).tolist() if partners else []:
                    window_r = [u for u, s in zip(chains[r], starts[r], strict=True)
                                if t_start <= s < t_end]
                    if any(part[u] != target for u in window_r):
                        continue
                    trial = list(part)
                    for u in window_q:
                        trial[u] = target
                    for u in window_r:
                        trial[u] = home
                    cost = place_gates(structure, trial, distance)
                    evaluations += 1
                    if cost < best - _EPS:
                        best = cost
                        part[:] = trial
                        improved = accepted = True
                        break
                    if evaluations >= max_evaluations:
                        break
                if accepted or evaluations >= max_evaluations:
                    break
    return _keep_better(hg, structure, part, original, original_cost, distance)
