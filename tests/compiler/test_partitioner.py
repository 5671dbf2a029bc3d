"""The partitioner, exact gate placement and the partition pass."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _hypergraphs import random_hypergraph

from qdcnet.compiler import CircuitError, CompileTarget, Normalize, Partition, load_circuit
from qdcnet.compiler.partitioner import fm_refine, partition
from qdcnet.compiler.placement import GateStructure, IncrementalPlacement, place_gates

UNIFORM3 = [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
LINE3 = [[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]]


def _random_hypergraph(seed: int, n: int = 6, gates: int = 10):
    return random_hypergraph(seed, n, gates)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("distance", [UNIFORM3, LINE3])
def test_exact_placement_matches_brute_force(seed, distance):
    hg = _random_hypergraph(seed)
    structure = GateStructure(hg)
    rng = np.random.default_rng(seed)
    part = [int(x) for x in rng.integers(3, size=hg.num_vertices)]
    placed = list(part)
    cost = place_gates(structure, placed, distance)
    assert hg.cost(placed, distance) == pytest.approx(cost)
    # Brute force over every gate placement on one of its two qubits' blocks.
    options = []
    for _gate, (e1, e2) in zip(structure.gates, structure.edge_pairs, strict=True):
        options.append(sorted({part[structure.roots[e1]], part[structure.roots[e2]]}))
    best = min(
        hg.cost([*part[:len(part) - len(structure.gates)], *choice], distance)
        for choice in itertools.product(*options))
    assert cost == pytest.approx(best)
    # Short-lived copies never cost more ebits.
    short = list(part)
    assert place_gates(structure, short, distance, short_copies=True) == pytest.approx(cost)


@pytest.mark.parametrize("seed", range(4))
def test_incremental_placement_agrees_with_the_full_one(seed):
    hg = _random_hypergraph(seed, n=8, gates=20)
    structure = GateStructure(hg)
    rng = np.random.default_rng(seed)
    part = [int(x) for x in rng.integers(3, size=hg.num_vertices)]
    owners = list(range(8))
    incremental = IncrementalPlacement(structure, part, UNIFORM3, 3, owners)
    for _ in range(10):
        v = int(rng.integers(8))
        b = int(rng.integers(3))
        part[v] = b
        cost, fresh = incremental.evaluate(part, {v: b})
        assert cost == pytest.approx(place_gates(structure, list(part), UNIFORM3))
        incremental.accept({v: b}, fresh)


def test_partition_respects_capacity_and_refinement_never_hurts():
    hg = _random_hypergraph(3, n=12, gates=40)
    result = partition(hg, [4, 4, 4], UNIFORM3, seed=0)
    part = list(result.part)
    counts = np.bincount([part[v] for v in range(12)], minlength=3)
    assert counts.tolist() == [4, 4, 4]
    before = hg.cost(part, UNIFORM3)
    after = fm_refine(hg, part, [4, 4, 4], UNIFORM3, np.random.default_rng(1))
    assert after <= before
    with pytest.raises(ValueError, match="capacities"):
        partition(hg, [3, 3, 3], UNIFORM3, seed=0)


def test_qft32_on_two_halves_reaches_its_schmidt_rank_bound(circuits_dir):
    # LOCC cannot raise operator Schmidt rank: QFT-32 split 16|16 needs >= 16 ebits.
    normalized = Normalize().rewrite(load_circuit(circuits_dir / "qft_32.qasm"))
    # Communication qubits unconstrained: the bound is on ebits, whatever their timing.
    target = CompileTarget.equal_modules(2, 16, comm_qubits=16)
    segs, assignment = Partition().assign(normalized, target)
    assert assignment.planned_ebits == 16
    assert sorted(assignment.initial_block).count(0) == 16
    assert len(segs.segments) == 62


def test_teleport_model_never_costs_more_than_fixed(circuits_dir):
    normalized = Normalize().rewrite(load_circuit(circuits_dir / "cz_frac_0.5_seed0.qasm"))
    target = CompileTarget.equal_modules(4, 8)
    # Per start: the teleport search starts from that start's fixed solution.
    _, fixed = Partition(model="fixed", starts=1).assign(normalized, target)
    _, moving = Partition(model="teleport", starts=1).assign(normalized, target)
    assert moving.planned_cost <= fixed.planned_cost


def test_far_qpus_get_less_traffic():
    # Three QPUs on a line: the partition should put the busy pair on neighbours.
    from qdcnet.network.qpu import QPU

    text = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[6];' + "".join(
        f"h q[{a}]; cz q[{a}],q[{b}];" for a, b in [(0, 2), (1, 3), (2, 4), (3, 5)] * 3)
    qpus = tuple(QPU(f"n{i}", data_qubits=2, comm_qubits=2) for i in range(3))
    line = CompileTarget(qpus, ((0, 1, 2), (1, 0, 1), (2, 1, 0)))
    uniform = CompileTarget(qpus, ((0, 1, 1), (1, 0, 1), (1, 1, 0)))
    circuit = Normalize().rewrite(load_circuit(text))
    _, on_line = Partition().assign(circuit, line)
    _, anywhere = Partition().assign(circuit, uniform)
    # Distance-weighted cost on the line is at most the uniform ebit count
    # plus one extra link per ebit that cannot avoid the far pair.
    assert on_line.planned_cost <= 2 * anywhere.planned_ebits
    assert on_line.planned_cost >= on_line.planned_ebits


def test_too_many_qubits_and_missing_communication_qubits_are_clear_errors():
    circuit = Normalize().rewrite(load_circuit(
        'OPENQASM 2.0; include "qelib1.inc"; qreg q[5]; cz q[0],q[4];'))
    with pytest.raises(CircuitError, match="5 qubits but the QPUs hold 4 data qubits"):
        Partition().assign(circuit, CompileTarget.equal_modules(2, 2))
    with pytest.raises(CircuitError, match="two communication qubits per QPU"):
        Partition(model="teleport").assign(circuit,
                                           CompileTarget.equal_modules(2, 3, comm_qubits=1))
    with pytest.raises(ValueError, match="model"):
        Partition(model="magic")
