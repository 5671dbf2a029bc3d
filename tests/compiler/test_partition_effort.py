"""The partition pass's default effort (multi-start) and its communication-limit search."""

from __future__ import annotations

import itertools

import pytest

from qdcnet.compiler import CompileTarget, compile_circuit, load_circuit
from qdcnet.compiler.normalize import Normalize
from qdcnet.compiler.partition import Partition
from qdcnet.compiler.remote import RemoteOps
from qdcnet.errors import ParameterError


@pytest.fixture(scope="module")
def random_circuit(circuits_dir):
    return Normalize().rewrite(load_circuit(circuits_dir / "cz_frac_0.3_seed0.qasm"))


@pytest.fixture(scope="module")
def dense_circuit(circuits_dir):
    return Normalize().rewrite(load_circuit(circuits_dir / "cz_frac_0.7_seed0.qasm"))


def test_multi_start_is_a_pure_function_of_the_seed_and_never_worse_than_its_first_start(
        random_circuit):
    target = CompileTarget.equal_modules(2, 16, comm_qubits=32)
    _, first = Partition(starts=1, seed=3).assign(random_circuit, target)
    _, many = Partition(starts=4, patience=4, seed=3).assign(random_circuit, target)
    _, again = Partition(starts=4, patience=4, seed=3).assign(random_circuit, target)
    assert many == again
    assert many.details["starts_run"] == 4
    cost = RemoteOps().build
    segs, _ = Partition(starts=1, seed=3).assign(random_circuit, target)
    assert (cost(random_circuit, segs, many, target).num_ebits
            <= cost(random_circuit, segs, first, target).num_ebits)
    assert first.seed == 3
    assert 3 <= many.seed < 7


def test_patience_stops_the_search_and_the_gate_budget_caps_it(random_circuit):
    target = CompileTarget.equal_modules(2, 16, comm_qubits=32)
    _, patient = Partition(starts=16, patience=1).assign(random_circuit, target)
    # Patience 1: the search stops at the first start that finds nothing cheaper.
    assert patient.details["starts_run"] < 16
    gates = random_circuit.num_two_qubit_gates
    capped = Partition(starts=16, gate_budget=3 * gates)
    assert capped.planned_starts(gates) == 3
    _, assignment = capped.assign(random_circuit, target)
    assert assignment.details["starts_allowed"] == 3
    assert assignment.details["starts_run"] <= 3
    assert Partition(gate_budget=1).planned_starts(gates) == 1


@pytest.mark.parametrize(("field", "value"), [("starts", 0), ("patience", 0),
                                              ("gate_budget", -5)])
def test_effort_out_of_range_is_refused_naming_the_field(field, value):
    with pytest.raises(ParameterError, match=field):
        Partition(**{field: value})


def test_the_communication_limit_search_cuts_the_ebits_the_plan_could_not_keep(
        dense_circuit, monkeypatch):
    target = CompileTarget.equal_modules(2, 16, comm_qubits=2)
    result = compile_circuit(dense_circuit, target, starts=1, translate=False)
    details = result.assignment.details
    # The partition pass's plan under the limits is the schedule remote_ops then runs.
    assert details["comm_planned_ebits"] == result.program.num_ebits
    monkeypatch.setattr(Partition, "_within_limits",
                        lambda self, c, s, hg, part, program, a, *rest: (program.num_ebits, a))
    unsearched = compile_circuit(dense_circuit, target, starts=1, translate=False)
    # Without the search the same start keeps a partition whose copies do not fit.
    assert result.program.num_ebits < unsearched.program.num_ebits
    gap = result.program.num_ebits - result.assignment.planned_ebits
    unsearched_gap = unsearched.program.num_ebits - unsearched.assignment.planned_ebits
    assert gap < unsearched_gap


def test_the_chosen_start_can_be_rerun_alone(random_circuit):
    target = CompileTarget.equal_modules(2, 16, comm_qubits=32)
    many = compile_circuit(random_circuit, target, starts=5, patience=5, translate=False)
    alone = compile_circuit(random_circuit, target, starts=1, seed=many.assignment.seed,
                            translate=False)
    assert alone.program.num_ebits == many.program.num_ebits


@pytest.mark.slow
def test_teleport_with_two_communication_qubits_falls_back_to_a_runnable_placement(
        circuits_dir):
    # Quantum Volume on 4 modules with 2 communication qubits: the teleport search's
    # placements park teleported qubits in every communication qubit a copy needs; the
    # walk refused them all ("all busy"). The fixed placement is always a candidate now.
    circuit = load_circuit(circuits_dir / "qv_32.qasm")
    target = CompileTarget.equal_modules(4, 8, comm_qubits=2)
    moving = compile_circuit(circuit, target, model="teleport", starts=1, translate=False)
    fixed = compile_circuit(circuit, target, model="fixed", starts=1, translate=False)
    assert moving.program.num_ebits <= fixed.program.num_ebits


def _shuffled_chain(n: int, rounds: int, seed: int):
    """A Trotter-like chain whose qubit labels are shuffled: line order is not index order."""
    import numpy as np

    from qdcnet.compiler import Circuit, Gate

    label = np.random.default_rng(seed).permutation(n)
    body = []
    for _ in range(rounds):
        for i in range(n - 1):
            body.append(Gate("cz", (int(label[i]), int(label[i + 1]))))
            body.append(Gate("h", (int(label[i]),)))
    return Circuit(n, 0, tuple(body), name="shuffled_chain"), label


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_spectral_start_cuts_a_shuffled_chain_into_contiguous_runs(seed):
    from qdcnet.compiler.hypergraph import analyse_segments, build_hypergraph
    from qdcnet.compiler.partition import _spectral_start

    circuit, label = _shuffled_chain(16, 1, seed)
    hg = build_hypergraph(analyse_segments(circuit), movable=False)
    distance = [[0.0 if i == j else 1.0 for j in range(4)] for i in range(4)]
    part = _spectral_start(hg, [4, 4, 4, 4], distance)
    owner = {hg.labels[v][1]: part[v] for v in range(hg.num_vertices)
             if hg.labels[v][0] == "qubit"}
    along_line = [owner[int(q)] for q in label]
    # Four runs of four along the line (in one direction or the other): three cuts.
    assert sum(a != b for a, b in itertools.pairwise(along_line)) == 3
    assert sorted(along_line.count(b) for b in range(4)) == [4, 4, 4, 4]
    assert hg.cost(part, None) == 3


def test_one_start_finds_the_three_cuts_of_a_chain_on_four_modules():
    circuit, _ = _shuffled_chain(24, 3, seed=5)
    target = CompileTarget.equal_modules(4, 6, comm_qubits=24)
    result = compile_circuit(circuit, target, starts=1)
    # Three cuts, each crossed by one CZ per round: a copy per crossing gate at most,
    # and no fewer than one ebit per cut and round (each round's CZ is separated by H).
    assert result.program.num_ebits == 9


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_v_cycles_never_raise_the_cost_and_repeat_with_the_seed(seed):
    from _hypergraphs import random_hypergraph

    from qdcnet.compiler.partition import _v_cycles
    from qdcnet.compiler.partitioner import partition

    hg = random_hypergraph(seed, 20, 80)
    capacity = [5, 5, 5, 5]
    distance = [[0.0 if i == j else 1.0 + abs(i - j) for j in range(4)] for i in range(4)]
    start = list(partition(hg, capacity, distance, seed=seed).part)
    cycled = _v_cycles(hg, list(start), capacity, distance, seed, 16)
    assert hg.cost(cycled, distance) <= hg.cost(start, distance) + 1e-9
    assert cycled == _v_cycles(hg, list(start), capacity, distance, seed, 16)
    loads = [sum(1 for v, b in enumerate(cycled) if hg.labels[v][0] == "qubit" and b == x)
             for x in range(4)]
    assert all(load <= 5 for load in loads)
