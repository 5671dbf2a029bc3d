"""remote_ops + translate, checked by simulation against the circuit.

Ebits ideal, measurements ideal, corrections as the program says: the
distributed program must give the circuit's state (up to global phase) on
every branch of the circuit's own measurements, whatever the protocol's
measurements give.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.compiler import (
    Circuit,
    CompileTarget,
    Condition,
    Gate,
    RemoteOps,
    check,
    compile_circuit,
)
from qdcnet.network.qpu import QPU

ONE_QUBIT = ("h", "x", "sx", "t", "s")
ANGLED = ("rz", "rx", "ry")
TWO_QUBIT = ("cx", "cz", "swap")
TWO_ANGLED = ("cp", "rzz", "crz")


@st.composite
def circuits(draw, max_qubits: int = 12):
    n = draw(st.integers(2, max_qubits))
    clbits = n
    gates: list[Gate] = []
    measured: list[int] = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["1q", "1qa", "2q", "2qa", "2q", "measure", "cond"]))
        q = draw(st.integers(0, n - 1))
        if kind == "1q":
            gates.append(Gate(draw(st.sampled_from(ONE_QUBIT)), (q,)))
        elif kind == "1qa":
            gates.append(Gate(draw(st.sampled_from(ANGLED)), (q,),
                              (draw(st.floats(-math.pi, math.pi)),)))
        elif kind in ("2q", "2qa"):
            r = (q + draw(st.integers(1, n - 1))) % n
            if kind == "2q":
                gates.append(Gate(draw(st.sampled_from(TWO_QUBIT)), (q, r)))
            else:
                gates.append(Gate(draw(st.sampled_from(TWO_ANGLED)), (q, r),
                                  (draw(st.floats(-math.pi, math.pi)),)))
        elif kind == "measure":
            gates.append(Gate("measure", (q,), clbits=(q,)))
            measured.append(q)
        elif measured:
            bit = draw(st.sampled_from(measured))
            r = (q + draw(st.integers(1, n - 1))) % n
            if draw(st.booleans()):
                gates.append(Gate("x", (q,), condition=Condition((bit,), 1)))
            else:
                gates.append(Gate("cx", (q, r), condition=Condition((bit,), 1)))
    return Circuit(n, clbits, tuple(gates), name="hypothesis")


@st.composite
def targets(draw, n: int, teleport: bool):
    k = draw(st.integers(2, 4))
    sizes = [1] * k
    for _ in range(max(0, n - k) + draw(st.integers(0, 2))):
        sizes[draw(st.integers(0, k - 1))] += 1
    low = 2 if teleport else 1
    qpus = tuple(QPU(f"p{i}", data_qubits=sizes[i],
                     comm_qubits=draw(st.integers(low, 3)))
                 for i in range(k))
    distance = tuple(tuple(0 if i == j else 1 + (abs(i - j) > 1) for j in range(k))
                     for i in range(k))
    return CompileTarget(qpus, distance)


def _check_program(circuit, target, model, seed):
    result = compile_circuit(circuit, target, model=model, seed=seed,
                             search_evaluations=200)
    report = check(result.circuit, result.program, result.normalized, branches=3, seed=seed)
    assert report.worst_overlap > 1 - 1e-8
    check(result.circuit, result.untranslated, result.normalized, branches=2, seed=seed)
    _check_dag(result.program)
    return result


def _check_dag(program):
    """Predecessors are earlier, and every slot's and bit's users are chained."""
    last_slot: dict[tuple[str, int], int] = {}
    last_bit: dict[str, int] = {}
    live_copies: dict[str, set[int]] = {q.name: set() for q in program.qpus}
    for op in program.operations:
        assert all(p < op.id for p in op.predecessors)
        slots = {(ins.qpu, s) for ins in op.instructions for s in ins.slots}
        slots |= {end for pair in op.ebit_slots for end in pair}
        bits = {b for ins in op.instructions
                for b in ([ins.bit] if ins.bit else []) + list(
                    ins.condition.bits if ins.condition else ())}
        bits |= {b for m in op.messages for b in m.bits}
        for key in slots:
            if key in last_slot:
                assert last_slot[key] in op.predecessors
        for bit in bits:
            if bit in last_bit:
                assert last_bit[bit] in op.predecessors
        for key in slots:
            last_slot[key] = op.id
        for bit in bits:
            last_bit[bit] = op.id
        # A cat copy holds one communication slot until its disentangle.
        if op.kind == "cat_entangle":
            (_, _), (dst, slot) = op.ebit_slots[0]
            assert slot not in live_copies[dst]
            live_copies[dst].add(slot)
            assert len(live_copies[dst]) <= program.qpu(dst).comm
        elif op.kind == "cat_disentangle":
            first = op.instructions[0]
            live_copies[first.qpu].discard(first.slots[0])
        assert sum(n for _, _, n in op.ebits) == len(op.ebit_slots)
        if op.ebits:
            assert op.messages, "a remote operation sends its measurement results"
    assert all(not slots for slots in live_copies.values())


def _random_case(data) -> None:
    circuit = data.draw(circuits())
    model = data.draw(st.sampled_from(["fixed", "teleport"]))
    target = data.draw(targets(circuit.num_qubits, model == "teleport"))
    _check_program(circuit, target, model, data.draw(st.integers(0, 3)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_circuits_compile_to_equivalent_programs(data):
    _random_case(data)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_circuits_compile_to_equivalent_programs_at_length(data):
    _random_case(data)


def test_one_ebit_serves_a_run_of_gates_and_embedding_crosses_an_x():
    # q0 controls three gates on the other module, with an X in between.
    circuit = Circuit(4, 0, (
        Gate("h", (0,)), Gate("cz", (0, 2)), Gate("x", (0,)), Gate("cz", (0, 3)),
        Gate("rz", (0,), (0.3,)), Gate("cp", (0, 2), (0.4,)),
    ))
    target = CompileTarget((QPU("a", data_qubits=2, comm_qubits=2),
                            QPU("b", data_qubits=2, comm_qubits=2)), ((0, 1), (1, 0)))
    fixed_layout = _check_program(circuit, target, "fixed", 0)
    assert fixed_layout.program.num_ebits == 1
    kinds = fixed_layout.program.summary()["operations_by_kind"]
    assert kinds["cat_entangle"] == 1
    assert kinds["cat_disentangle"] == 1


def test_mid_circuit_measurement_branches_agree():
    circuit = Circuit(3, 2, (
        Gate("h", (0,)), Gate("cx", (0, 1)), Gate("measure", (0,), clbits=(0,)),
        Gate("x", (2,), condition=Condition((0,), 1)), Gate("cx", (1, 2)),
        Gate("measure", (2,), clbits=(1,)), Gate("h", (1,)),
    ))
    target = CompileTarget.equal_modules(3, 1)
    result = _check_program(circuit, target, "fixed", 1)
    report = check(result.circuit, result.program, result.normalized, branches=8)
    assert report.branches == 8
    kinds = result.program.summary()["operations_by_kind"]
    assert kinds.get("classical", 0) >= 1  # the bit travels to the QPU that needs it


def test_qubits_move_when_that_is_cheaper():
    # q0 talks to q2 three times with an H between each: sharing costs three
    # ebits, teleporting q0 next to q2 (and q2's partner back) costs two.
    body = []
    for _ in range(3):
        body += [Gate("h", (0,)), Gate("cz", (0, 2)), Gate("h", (1,)), Gate("cz", (1, 3))]
    circuit = Circuit(4, 0, tuple(body))
    target = CompileTarget.equal_modules(2, 2, comm_qubits=2)
    fixed = _check_program(circuit, target, "fixed", 0)
    moving = _check_program(circuit, target, "teleport", 0)
    assert moving.program.num_ebits <= fixed.program.num_ebits


def test_few_communication_qubits_cost_extra_ebits_but_stay_correct(circuits_dir):
    from qdcnet.compiler import load_circuit

    qaoa = load_circuit(circuits_dir / "qaoa_32.qasm")
    roomy = compile_circuit(qaoa, CompileTarget.equal_modules(4, 8, comm_qubits=32), starts=1)
    narrow = CompileTarget.equal_modules(4, 8, comm_qubits=1)
    tight = compile_circuit(qaoa, narrow, starts=1)
    assert tight.program.num_ebits >= tight.assignment.planned_ebits
    assert roomy.program.num_ebits == roomy.assignment.planned_ebits
    _check_dag(tight.program)
    # In program order one communication qubit thrashes (copies evicted and re-made);
    # the scheduled order (the default) uses each copy up before the next: no more
    # evictions and fewer ebits (qaoa_32 here: none at all, where this once asserted some).
    in_order = RemoteOps(reorder=False).build(tight.normalized, tight.segments,
                                              tight.assignment, narrow)
    _check_dag(in_order)
    assert in_order.metadata.get("evictions", 0) > 0
    assert (tight.program.metadata.get("evictions", 0)
            < in_order.metadata.get("evictions", 0))
    assert tight.untranslated.num_ebits < in_order.num_ebits
