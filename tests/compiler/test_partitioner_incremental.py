"""The partitioner's incremental shortcuts agree with counting from scratch.

FM keeps O(1) gains for uniform distances (``_State`` gain caches) and the owner
search scores moves by vectorised matchings (``IncrementalPlacement``); both
must give exactly what a full recount gives.
"""

from __future__ import annotations

import numpy as np
import pytest
from _hypergraphs import random_hypergraph

from qdcnet.compiler.hypergraph import Hypergraph
from qdcnet.compiler.partitioner import _coarsen, _State, fm_refine, partition
from qdcnet.compiler.placement import (
    GateStructure,
    IncrementalPlacement,
    _cover,
    _matching_costs,
    place_gates,
)

UNIFORM4 = [[0.0 if i == j else 1.0 for j in range(4)] for i in range(4)]
LINE4 = [[float(abs(i - j)) for j in range(4)] for i in range(4)]


def _hypergraph(seed: int, n: int = 10, gates: int = 60) -> Hypergraph:
    return random_hypergraph(seed, n, gates)


def _coarse(seed: int) -> Hypergraph:
    """A coarsened level: merged vertices, edges of weight above 1."""
    coarse = _hypergraph(seed)
    rng = np.random.default_rng(seed)
    while max(coarse.weights) == 1:
        step = _coarsen(coarse, [len(s) for s in coarse.spans], 10, rng, None)
        assert step is not None
        coarse = step[0]
    return coarse


def _recount_gain(hg: Hypergraph, part: list[int], v: int, b: int) -> float:
    moved = list(part)
    moved[v] = b
    return hg.cost(part) - hg.cost(moved)


@pytest.mark.parametrize("coarse", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_cached_gains_and_candidates_match_a_recount_after_every_move(seed, coarse):
    hg = _coarse(seed) if coarse else _hypergraph(seed)
    rng = np.random.default_rng(seed)
    part = [int(x) for x in rng.integers(4, size=hg.num_vertices)]
    state = _State(hg, part, [hg.num_vertices] * 4, UNIFORM4)
    assert state.uniform
    for _ in range(25):
        gains = {(u, x): state.gain(u, x) for u in range(hg.num_vertices)
                 for x in range(4) if x != part[u]}
        v = int(rng.integers(hg.num_vertices))
        a, b = part[v], int((part[v] + 1 + rng.integers(3)) % 4)
        changed: tuple[set[int], set[int], set[int]] = (set(), set(), set())
        state.move(v, b, changed)
        every, toward_a, toward_b = changed
        assert state.cost() == hg.cost(part)
        for u in range(hg.num_vertices):
            reached = {part[w] for e in hg.vertex_edges[u] for w in hg.pins[e]} - {part[u]}
            assert state.candidates(u) == reached
            for x in range(4):
                if x == part[u]:
                    continue
                assert state.gain(u, x) == pytest.approx(_recount_gain(hg, part, u, x))
                # Every gain that changed (of a vertex that stayed put) was reported.
                if u != v and state.gain(u, x) != pytest.approx(gains[(u, x)]):
                    assert (u in every or (x == a and u in toward_a)
                            or (x == b and u in toward_b)), (u, x)


@pytest.mark.parametrize("seed", range(3))
def test_fm_on_uniform_distances_never_worsens_and_repeats_with_the_seed(seed):
    hg = _hypergraph(seed, n=12, gates=80)
    start = partition(hg, [4, 4, 4, 4], UNIFORM4, seed=seed).part
    runs = []
    for _ in range(2):
        part = list(start)
        cost = fm_refine(hg, part, [4, 4, 4, 4], UNIFORM4, np.random.default_rng(seed))
        assert cost == hg.cost(part, UNIFORM4) <= hg.cost(list(start), UNIFORM4)
        assert np.bincount(part[:12], minlength=4).max() <= 4
        runs.append(part)
    assert runs[0] == runs[1]


@pytest.mark.parametrize("distance", [UNIFORM4, LINE4])
@pytest.mark.parametrize("seed", range(4))
def test_matching_costs_agree_with_the_flow_covers(seed, distance):
    hg = _hypergraph(seed, n=10, gates=50)
    structure = GateStructure(hg)
    rng = np.random.default_rng(seed)
    part = [int(x) for x in rng.integers(4, size=hg.num_vertices)]
    owners = list(range(10))
    fast = IncrementalPlacement(structure, part, distance, 4, owners)
    assert fast._fast
    slow = IncrementalPlacement(structure, part, distance, 4, owners)
    slow._fast = False
    slow.pair_cost = slow._pairs(part, set(range(4)), {})
    assert fast.pair_cost == pytest.approx(slow.pair_cost)
    for _ in range(15):
        moved = {int(rng.integers(10)): int(rng.integers(4))}
        if rng.random() < 0.5:  # a swap
            moved[int(rng.integers(10))] = int(rng.integers(4))
        before = {o: part[o] for o in moved}
        for o, dst in moved.items():
            part[o] = dst
        cost, fresh = fast.evaluate(part, moved)
        slow_cost, slow_fresh = slow.evaluate(part, moved)
        assert cost == pytest.approx(slow_cost)
        assert cost == pytest.approx(place_gates(structure, list(part), distance))
        assert {p: c for p, c in fresh.items() if c} == pytest.approx(
            {p: c for p, c in slow_fresh.items() if c})
        if rng.random() < 0.5:
            fast.accept(moved, fresh)
            slow.accept(moved, slow_fresh)
        else:
            for o, src in before.items():
                part[o] = src


def test_matching_costs_need_equal_weights_and_symmetric_integer_distances():
    hg = _hypergraph(0)
    structure = GateStructure(hg)
    assert _matching_costs(structure, LINE4, 4)
    assert not _matching_costs(structure, [[0.0, 1.5], [1.5, 0.0]], 2)
    assert not _matching_costs(structure, [[0.0, 1.0], [2.0, 0.0]], 2)
    hg.weights[0] = 2.0
    assert not _matching_costs(structure, LINE4, 4)


def test_short_copy_covers_stay_covers_when_gates_repeat_and_copies_live_long():
    # Four gates between the same two segments, copies spanning ~2**30 / 6 gates: their
    # scaled capacities must not add up past 32 bits (they did, and the "cover" cost 0).
    gates = [(10 + i, e, 3 + e) for i, e in enumerate([0] * 4 + [1] * 4 + [2] * 4)]
    part = [0] * 10 + [-1] * 12
    cost = _cover(gates, 0, 1, part, [1.0] * 6, [[0.0, 1.0], [1.0, 0.0]],
                  [30_000_000] * 6)
    # A gate placed on block 1 uses a copy of its left segment there, and vice versa.
    shared = {ea if part[gate] == 1 else eb for gate, ea, eb in gates}
    assert cost == len(shared) == 3
