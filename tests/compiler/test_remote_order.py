"""remote_ops chooses its own order over the commutation DAG.

The same circuit with the same partition costs the same ebits whatever order
its commuting gates were written in (commute.random_order permutes them), at
any number of communication qubits, and the programs stay correct.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qdcnet.compiler import (
    Circuit,
    CompileTarget,
    Condition,
    Gate,
    RemoteOps,
    check,
    compile_circuit,
)
from qdcnet.compiler.commute import random_order
from qdcnet.compiler.hypergraph import analyse_segments
from qdcnet.compiler.remote import Assignment


def _random_circuit(rng: np.random.Generator, n: int, length: int, *,
                    classical: bool = True) -> Circuit:
    """Normalized gates: mostly cz/cp, some u/h-like u, measurements, conditions, resets."""
    gates: list[Gate] = []
    measured: list[int] = []
    for _ in range(length):
        r = rng.random()
        q = int(rng.integers(n))
        if r < 0.55:
            p = (q + int(rng.integers(1, n))) % n
            if rng.random() < 0.5:
                gates.append(Gate("cz", (q, p)))
            else:
                gates.append(Gate("cp", (q, p), (float(rng.uniform(-math.pi, math.pi)),)))
        elif r < 0.75:
            gates.append(Gate("u", (q,), (math.pi / 2, 0.0, math.pi)))  # h
        elif r < 0.85:
            gates.append(Gate("u", (q,), (0.0, 0.0, float(rng.uniform(0, math.pi)))))  # rz
        elif r < 0.88:
            gates.append(Gate("u", (q,), (math.pi, 0.0, math.pi)))  # x: embedded
        elif classical and r < 0.93:
            gates.append(Gate("measure", (q,), clbits=(q,)))
            measured.append(q)
        elif classical and r < 0.95:
            gates.append(Gate("reset", (q,)))
        elif classical and measured:
            bit = measured[int(rng.integers(len(measured)))]
            p = (q + int(rng.integers(1, n))) % n
            if rng.random() < 0.5:
                gates.append(Gate("u", (q,), (math.pi, 0.0, math.pi),
                                  condition=Condition((bit,), 1)))
            else:
                gates.append(Gate("cz", (q, p), condition=Condition((bit,), 1)))
    return Circuit(n, n, tuple(gates), name="random")


def _qft_rows(n: int) -> Circuit:
    """A QFT (no swaps) in textbook order, normalized gates."""
    gates = []
    for j in range(n):
        gates.append(Gate("u", (j,), (math.pi / 2, 0.0, math.pi)))
        for k in range(j + 1, n):
            gates.append(Gate("cp", (k, j), (math.pi / 2 ** (k - j),)))
    return Circuit(n, 0, tuple(gates), name=f"qft_{n}")


def _permuted(circuit: Circuit, assignment: Assignment, order: list[int]
              ) -> tuple[Circuit, object, Assignment]:
    """``circuit`` in ``order``, with the same partition mapped onto it."""
    old_segs = analyse_segments(circuit)
    new = Circuit(circuit.num_qubits, circuit.num_clbits,
                  tuple(circuit.gates[g] for g in order), name=circuit.name)
    segs = analyse_segments(new)
    gate_block = {p: assignment.gate_block[g] for p, g in enumerate(order)
                  if g in assignment.gate_block}
    segment_block = [0] * len(segs.segments)
    for q, chain in enumerate(segs.by_qubit):
        old_chain = old_segs.by_qubit[q]
        assert len(chain) == len(old_chain)
        for s, old in zip(chain, old_chain, strict=True):
            segment_block[s] = (assignment.initial_block[q] if assignment.model == "fixed"
                                else assignment.segment_block[old])
    mapped = Assignment(assignment.model, tuple(segment_block), gate_block,
                        assignment.initial_block, assignment.planned_cost,
                        assignment.planned_ebits, assignment.seed)
    return new, segs, mapped


def _ebits_in_orders(circuit: Circuit, target: CompileTarget, model: str, orders: int,
                     seed: int, *, verify: bool = False) -> list[int]:
    result = compile_circuit(circuit, target, model=model, seed=seed, starts=1,
                             search_evaluations=200, translate=False)
    base = result.normalized
    rng = np.random.default_rng(seed)
    out = []
    for i in range(orders):
        order = list(range(len(base.gates))) if i == 0 else random_order(base, rng)
        new, segs, assignment = _permuted(base, result.assignment, order)
        program = RemoteOps().build(new, segs, assignment, target)
        if verify:
            check(new, program, new, branches=2, seed=i)
        out.append(program.num_ebits)
    return out


# The teleport model needs two communication qubits per QPU.
@pytest.mark.parametrize(("model", "comm"), [("fixed", 1), ("fixed", 2), ("fixed", 64),
                                             ("teleport", 2), ("teleport", 64)])
def test_ebits_do_not_depend_on_the_order_of_commuting_gates(model, comm):
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        n = int(rng.integers(4, 10))
        circuit = _random_circuit(rng, n, int(rng.integers(20, 70)))
        k = int(rng.integers(2, 4))
        target = CompileTarget.equal_modules(k, math.ceil(n / k) + 1, comm_qubits=comm)
        ebits = _ebits_in_orders(circuit, target, model, 5, seed)
        assert len(set(ebits)) == 1, (seed, ebits)


@pytest.mark.parametrize("comm", [1, 2, 64])
def test_qft_costs_the_same_in_any_order(comm):
    circuit = _qft_rows(12)
    target = CompileTarget.equal_modules(3, 4, comm_qubits=comm)
    for model in ("fixed", "teleport") if comm > 1 else ("fixed",):
        ebits = _ebits_in_orders(circuit, target, model, 5, 0)
        assert len(set(ebits)) == 1, ebits


def test_programs_in_random_commuting_orders_are_correct():
    for seed in range(8):
        rng = np.random.default_rng(200 + seed)
        n = int(rng.integers(3, 7))
        circuit = _random_circuit(rng, n, int(rng.integers(10, 35)))
        model = "teleport" if seed % 2 else "fixed"
        comm = 2 if model == "teleport" else 1 + seed % 3
        target = CompileTarget.equal_modules(2 + seed % 2, math.ceil(n / 2), comm_qubits=comm)
        ebits = _ebits_in_orders(circuit, target, model, 3, seed, verify=True)
        assert len(set(ebits)) == 1, (seed, ebits)


def test_interleaved_qft_costs_what_the_textbook_order_costs():
    # Rows interleaved (as qiskit.transpile writes them) thrashed the copies in
    # program order; the scheduler runs a row's gates on one copy whatever the order.
    textbook = _qft_rows(12)
    layered = _layered(textbook)
    target = CompileTarget.equal_modules(3, 4, comm_qubits=1)
    result = compile_circuit(textbook, target, seed=0, starts=1, translate=False)
    order = [textbook.gates.index(g) for g in layered.gates]
    new, segs, assignment = _permuted(result.normalized, result.assignment, order)
    scheduled = RemoteOps().build(new, segs, assignment, target)
    in_order = RemoteOps(reorder=False).build(new, segs, assignment, target)
    assert scheduled.num_ebits == result.program.num_ebits
    assert scheduled.num_ebits <= result.assignment.planned_ebits
    assert in_order.num_ebits > scheduled.num_ebits


def _layered(circuit: Circuit) -> Circuit:
    """The gates of ``circuit`` written ASAP layer by layer."""
    level = [0] * circuit.num_qubits
    tagged = []
    for i, g in enumerate(circuit.gates):
        lv = max(level[q] for q in g.qubits)
        for q in g.qubits:
            level[q] = lv + 1
        tagged.append((lv, i, g))
    return Circuit(circuit.num_qubits, circuit.num_clbits,
                   tuple(g for _, _, g in sorted(tagged)), name=circuit.name)


def test_a_copy_closes_when_its_segment_has_no_use_left_on_the_block():
    # q0's copy serves cz(0,2) and cz(0,3) on b; then q1 needs the one comm qubit of b.
    # Program order interleaves them; the scheduler finishes q0's uses first and
    # closes its copy, so each copy is made once.
    circuit = Circuit(4, 0, (
        Gate("cz", (0, 2)), Gate("cz", (1, 2)), Gate("cz", (0, 3)), Gate("cz", (1, 3)),
    ))
    target = CompileTarget.equal_modules(2, 2, comm_qubits=1)
    segs = analyse_segments(circuit)
    segment_block = tuple(0 if seg.qubit < 2 else 1 for seg in segs.segments)
    assignment = Assignment("fixed", segment_block, {0: 1, 1: 1, 2: 1, 3: 1}, (0, 0, 1, 1),
                            2.0, 2)
    program = RemoteOps().build(circuit, segs, assignment, target)
    assert program.num_ebits == 2
    assert RemoteOps(reorder=False).build(circuit, segs, assignment, target).num_ebits == 4
    check(circuit, program, circuit, branches=1)
