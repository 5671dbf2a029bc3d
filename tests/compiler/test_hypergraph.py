"""Segments and the hypergraph whose rooted connectivity is the ebit count."""

from __future__ import annotations

from qdcnet.compiler import Circuit, Gate
from qdcnet.compiler.hypergraph import analyse_segments, build_hypergraph, gate_kind


def _circuit(*gates: Gate, n: int = 3) -> Circuit:
    return Circuit(n, 1, tuple(gates))


def test_gate_kinds():
    assert gate_kind("rz", (0.3,)) == "diagonal"
    assert gate_kind("x", ()) == "anti"
    assert gate_kind("u", (3.141592653589793, 0.2, 0.1)) == "anti"
    assert gate_kind("h", ()) == "general"


def test_diagonal_gates_keep_a_segment_and_h_splits_it():
    circuit = _circuit(Gate("cz", (0, 1)), Gate("rz", (0,), (0.4,)), Gate("cz", (0, 2)),
                       Gate("h", (0,)), Gate("cz", (0, 1)))
    segs = analyse_segments(circuit)
    assert [segs.segments[s].gates for s in segs.by_qubit[0]] == [[0, 2], [4]]
    assert segs.boundaries == frozenset({3})
    assert segs.gate_segments[2] == (segs.by_qubit[0][0], segs.by_qubit[2][0])


def test_an_anti_diagonal_gate_is_embedded_unless_embedding_is_off():
    circuit = _circuit(Gate("cz", (0, 1)), Gate("x", (0,)), Gate("cz", (0, 2)))
    embedded = analyse_segments(circuit)
    assert len(embedded.by_qubit[0]) == 1
    assert embedded.flips == frozenset({1})
    plain = analyse_segments(circuit, embed=False)
    assert len(plain.by_qubit[0]) == 2
    assert plain.flips == frozenset()


def test_measurement_ends_a_segment():
    circuit = _circuit(Gate("cz", (0, 1)), Gate("measure", (0,), clbits=(0,)),
                       Gate("cz", (0, 2)))
    assert len(analyse_segments(circuit).by_qubit[0]) == 2


def test_cost_is_rooted_connectivity_minus_one():
    # Qubit 0 talks to 1 and 2 within one segment: placed apart, one copy per other block.
    circuit = _circuit(Gate("cz", (0, 1)), Gate("cz", (0, 2)))
    hg = build_hypergraph(analyse_segments(circuit), movable=False)
    qubit0, gate_a, gate_b = 0, 3, 4
    assert hg.labels[gate_a] == ("gate", 0)
    assert hg.labels[gate_b] == ("gate", 1)
    part = [0, 1, 2, 1, 2]  # both gates run where the other qubit is
    assert hg.cost(part) == 2
    assert hg.cost(part, [[0, 1, 3], [1, 0, 1], [3, 1, 0]]) == 4
    part = [0, 1, 1, 1, 1]
    assert hg.cost(part) == 1
    assert hg.pins[0][0] == qubit0


def test_movable_hypergraph_has_state_edges_and_time_spans():
    circuit = _circuit(Gate("cz", (0, 1)), Gate("h", (0,)), Gate("cz", (0, 1)))
    segs = analyse_segments(circuit)
    hg = build_hypergraph(segs, movable=True)
    kinds = [label[0] for label in hg.labels]
    assert kinds.count("segment") == 3
    assert kinds.count("idle") == 1
    state_edges = [pins for pins in hg.pins if len(pins) == 2
                   and all(hg.labels[p][0] == "segment" for p in pins)]
    assert len(state_edges) == 1
    first, second = state_edges[0]
    assert hg.spans[first][0][1] == hg.spans[second][0][0]
