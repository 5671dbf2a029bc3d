"""Prefetch into storage qubits: the storage rule, a hand-checked schedule, properties."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from _schedule_helpers import GHZ2, US, timed_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scheduler import programs

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.link.pair import Endpoint, EntangledPair
from qdcnet.network.topology import star
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.quantum.pauli import decay_rates
from qdcnet.schedule import (
    JustInTime,
    Lookahead,
    PairSupply,
    Prefetch,
    ProgramTiming,
    schedule_program,
    schedule_timing,
)
from qdcnet.schedule.supply import HOLD_FOREVER_PS, dedicated_storage

COMM = QuantumMemory(0.5, 0.01)    # T1 0.5 s, T2 10 ms: communication qubits
STORE = QuantumMemory(10.0, 1.0)   # storage qubits keep a pair 100 times longer


def _stored_supply(**kw) -> PairSupply:
    fields = dict(tau_ps=100 * US, decay=decay_rates(COMM, COMM), storage_slots=(1, 2),
                  transfer_ps=50 * US, transfer_error=(0.01, 0.02),
                  storage_decay=decay_rates(STORE, STORE))
    fields.update(kw)
    return PairSupply(("a", "b"), BellDiagonal(0.93, 0.03, 0.025, 0.015), **fields)


# -- the storage rule ------------------------------------------------------------------------


def test_stored_state_is_what_move_end_does_to_a_pair():
    # The path service's move: both ends move when the transfer ends; then storage decay.
    supply = _stored_supply()
    transfer, hold = supply.transfer_ps, 3_000 * US
    pair = EntangledPair(1, Endpoint("a", 0), Endpoint("b", 0), 0, 0, supply.state, 0, 0,
                         COMM, COMM)
    pair.move_end(transfer, node="a", slot=-1, memory=STORE, depolarizing=0.01)
    pair.move_end(transfer, node="b", slot=-1, memory=STORE, depolarizing=0.02)
    expected = pair.state_at(transfer + hold).coefficients
    got = supply.expected_state(hold, stored=True).coefficients
    assert got == pytest.approx(expected, abs=1e-12)
    assert supply.expected_state(0, stored=True).coefficients == pytest.approx(
        pair.state_at(transfer).coefficients, abs=1e-12)


def test_storage_hold_limit_is_exact_and_longer_than_in_the_comm_qubits():
    supply = _stored_supply(target_fidelity=0.88)
    comm, stored = supply.hold_max_ps, supply.hold_max_storage_ps
    assert stored is not None
    assert 0 < comm < stored < HOLD_FOREVER_PS
    assert supply.expected_fidelity(stored, stored=True) >= 0.88
    assert supply.expected_fidelity(stored + 1, stored=True) < 0.88
    # A target the move itself misses: storage is out (None), the comm qubits are not.
    moved = supply.expected_fidelity(0, stored=True)
    between = _stored_supply(target_fidelity=(moved + supply.state.fidelity) / 2)
    assert between.hold_max_storage_ps is None
    assert between.hold_max_ps > 0
    # One end without storage: no storage option at all.
    one_sided = _stored_supply(storage_slots=(1, 0), target_fidelity=0.88)
    assert not one_sided.has_storage
    assert one_sided.hold_max_storage_ps is None
    with pytest.raises(QdcnetError, match="no dedicated storage"):
        one_sided.stored_state()
    data = json.loads(json.dumps(supply.to_dict()))
    assert data["hold_max_storage_ps"] == stored
    assert data["storage_slots"] == [1, 2]


def test_bad_storage_fields_are_refused():
    with pytest.raises(ParameterError, match="storage_slots"):
        _stored_supply(storage_slots=(1, -1))
    with pytest.raises(ParameterError, match="transfer_ps"):
        _stored_supply(transfer_ps=1.5)
    with pytest.raises(ParameterError, match="transfer_error"):
        _stored_supply(transfer_error=(0.1, 1.5))
    with pytest.raises(ParameterError, match="target_fidelity"):
        _stored_supply(target_fidelity=0.2)


# -- dedicated storage from the data center ----------------------------------------------------


def test_only_profiles_with_their_own_storage_qubits_offer_storage():
    oxford = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1)
    ion = build_datacenter(star(2, profile="trapped_ion"), seed=1)
    # trapped_ion keeps pairs in its data qubits (qubits.storage: 0): none for a schedule.
    assert ion.ops["qpu0"].storage_slots == ion.ops["qpu0"].data_qubits > 0
    assert dedicated_storage(ion, "qpu0") == 0
    assert dedicated_storage(oxford, "qpu0") == oxford.ops["qpu0"].storage_slots == 1
    supply = PairSupply.from_planner(oxford, "qpu0", "qpu1", target_fidelity=0.5)
    ops = oxford.ops["qpu0"]
    assert supply.storage_slots == (1, 1)
    assert supply.transfer_ps == round(ops.transfer_time_s * 1e12)
    assert supply.transfer_error == (ops.transfer_error, ops.transfer_error)
    assert supply.storage_decay == decay_rates(ops.data_memory, ops.data_memory)
    assert supply.hold_max_storage_ps is not None
    assert supply.hold_max_storage_ps > supply.hold_max_ps  # 70 s against 1 ms
    plain = PairSupply.from_planner(ion, "qpu0", "qpu1", target_fidelity=0.5)
    assert plain.storage_slots == (0, 0)
    assert plain.hold_max_storage_ps is None


def test_no_storage_is_used_where_the_qpus_have_none():
    ion = build_datacenter(star(2, profile="trapped_ion"), seed=1)
    program = compile_circuit(GHZ2, CompileTarget.from_datacenter(ion)).program
    schedule = schedule_program(program, ion, policy="prefetch", min_fidelity=0.5, shots=2)
    assert schedule.stored == 0
    assert all(e.stored_ps is None and e.storage is None for e in schedule.ebits)
    # Hand-made supplies without storage slots: same.
    timing, supplies = _three_module_case()
    bare = {k: dataclasses.replace(s, storage_slots=(0, 0)) for k, s in supplies.items()}
    assert schedule_timing(timing, bare, policy="prefetch").stored == 0


# -- a hand-checked schedule ---------------------------------------------------------------


def _three_module_case():
    # GHZ-3 over m0-m1-m2, one data and one communication qubit each; one-qubit gates
    # take 1 ms on m0 and m2, so the m0-m1 ebit waits for m0's Hadamard.
    base = timed_target(3, 1, 1)
    slow = [dataclasses.replace(q, one_qubit_time_s=1e-3) if i != 1 else q
            for i, q in enumerate(base.qpus)]
    target = CompileTarget(tuple(slow), base.distance)
    program = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; h q[0]; '
                              'cx q[0],q[1]; cx q[1],q[2];', target).program
    timing = ProgramTiming.build(program, {q.name: q for q in target.qpus}, lambda a, b: 0.0)
    supplies = {pair: PairSupply(pair, BellDiagonal.werner(0.95), 100 * US,
                                 storage_slots=(1, 1), transfer_ps=10 * US)
                for pair in program.ebits_by_pair()}
    return timing, supplies


def test_storage_frees_the_comm_qubit_and_shortens_the_makespan():
    timing, supplies = _three_module_case()
    assert [e.qpus for e in timing.ebits] == [("m0", "m1"), ("m1", "m2")]
    comm_only = schedule_timing(timing, supplies, policy=Prefetch(storage=False))
    stored = schedule_timing(timing, supplies, policy="prefetch")
    jit = schedule_timing(timing, supplies, policy="jit")
    first, second = comm_only.ebits
    # Held in communication qubits: m1's only one is taken by the m0-m1 copy until its
    # last use (3033 µs), so the m1-m2 pair starts then, arrives at 3133 µs and its
    # operation, otherwise ready at 3027 µs, waits 106 µs.
    assert (first.gen_ps, first.ready_ps, first.need_ps) == (0, 100 * US, 1000 * US)
    assert first.release_ps[1] == 3033 * US
    assert (second.gen_ps, second.ready_ps, second.need_ps) == (3033 * US, 3133 * US, 3027 * US)
    assert second.wait_ps == 106 * US
    # Stored: the m0-m1 pair would wait 900 µs for m0's Hadamard, so it moves to storage
    # on arrival; m1's communication qubit is free at 100 + 10 = 110 µs, the m1-m2 pair
    # starts then and waits for its operation instead of the other way round. It stays
    # in its communication qubits: m1's one storage qubit holds the first pair.
    s_first, s_second = stored.ebits
    assert s_first.stored
    assert s_first.stored_ps == 110 * US
    assert s_first.storage == (0, 0)
    assert s_first.comm_release_ps == (110 * US, 110 * US)
    assert s_first.use_ps == 1000 * US
    assert not s_second.stored
    assert (s_second.gen_ps, s_second.ready_ps, s_second.use_ps) == (110 * US, 210 * US,
                                                                      3027 * US)
    assert s_second.wait_ps == 0
    assert stored.makespan_ps == comm_only.makespan_ps - 106 * US == 5060 * US
    assert stored.makespan_ps == timing.critical_path_ps()  # the instant-ebit optimum
    assert jit.makespan_ps == 5266 * US
    assert stored.stored == 1
    data = json.loads(json.dumps(stored.to_dict()))
    assert data["ebits"][0]["stored"] is True
    assert data["stored_ebits"] == 1


def test_storage_keeps_a_pair_above_target_that_comm_qubits_cannot_hold_early():
    # GHZ over two modules whose Hadamard takes 1 ms: in the comm qubits (T2 = 10 ms at
    # each end) the pair may wait only hold_max_ps, so it is made late; in storage it can
    # be made at once, it frees the comm qubits after the transfer, and stays >= target.
    base = timed_target(2, 1, 1)
    target = CompileTarget((dataclasses.replace(base.qpus[0], one_qubit_time_s=1e-3),
                            base.qpus[1]), base.distance)
    program = compile_circuit(GHZ2, target).program
    timing = ProgramTiming.build(program, {q.name: q for q in target.qpus}, lambda a, b: 0.0)
    supply = _stored_supply(target_fidelity=0.88)
    supplies = {("m0", "m1"): dataclasses.replace(supply, qpus=("m0", "m1"))}
    comm_hold = supply.hold_max_ps
    assert 0 < comm_hold < 800 * US
    comm_only = schedule_timing(timing, supplies, policy=Prefetch(storage=False))
    stored = schedule_timing(timing, supplies, policy="prefetch")
    (c,), (s,) = comm_only.ebits, stored.ebits
    assert c.need_ps == s.need_ps == 1000 * US
    assert c.gen_ps == c.need_ps - supply.tau_ps - comm_hold  # as late as the hold demands
    assert s.stored
    assert s.gen_ps == 0
    assert s.stored_ps == supply.tau_ps + supply.transfer_ps
    assert s.expected_fidelity == pytest.approx(
        supply.expected_fidelity(s.use_ps - s.stored_ps, stored=True), abs=1e-15)
    assert s.expected_fidelity >= 0.88
    assert c.expected_fidelity >= 0.88
    assert not stored.violations
    assert not comm_only.violations
    assert stored.makespan_ps == comm_only.makespan_ps
    # Storage as leaky as the comm qubits (a 217 µs limit after the move): the stored
    # pair is made as late as that limit demands, and is exactly at it when used.
    tight = dataclasses.replace(supplies[("m0", "m1")], storage_decay=decay_rates(COMM, COMM))
    (t,) = schedule_timing(timing, {("m0", "m1"): tight}, policy="prefetch").ebits
    assert t.stored
    assert t.gen_ps > s.gen_ps
    assert t.use_ps - t.stored_ps == tight.hold_max_storage_ps
    assert t.expected_fidelity >= 0.88


def test_lookahead_and_jit_never_store():
    timing, supplies = _three_module_case()
    for policy in (JustInTime(), Lookahead()):
        assert schedule_timing(timing, supplies, policy=policy).stored == 0


def test_inconsistent_storage_slots_are_refused():
    timing, supplies = _three_module_case()
    (k1, s1), (k2, s2) = sorted(supplies.items())
    bad = {k1: s1, k2: dataclasses.replace(s2, storage_slots=(2, 1))}
    with pytest.raises(ParameterError, match="storage_slots"):
        schedule_timing(timing, bad)


# -- properties on random programs --------------------------------------------------------------


@st.composite
def stored_programs(draw):
    timing, supplies = draw(programs())
    qpus = sorted({q for pair in supplies for q in pair})
    slots = {q: draw(st.integers(0, 2)) for q in qpus}
    out = {}
    for pair, supply in supplies.items():
        out[pair] = dataclasses.replace(
            supply, storage_slots=(slots[pair[0]], slots[pair[1]]),
            transfer_ps=draw(st.sampled_from([0, 10 * US, 300 * US])),
            transfer_error=(draw(st.sampled_from([0.0, 0.01])), 0.0),
            storage_decay=(0.0, draw(st.sampled_from([0.0, 1.0, 3000.0]))))
    return timing, out, slots


def _check_storage(schedule, timing, slots):
    starts = schedule.instr_start_ps
    ne = len(timing.ebits)
    for shot, start in enumerate(starts):
        end = [s + d for s, d in zip(start, timing.duration_ps, strict=True)]
        for i in range(timing.num_instructions):
            for j in timing.slot_deps[i]:
                assert start[i] >= end[j]
            for j, lag in timing.bit_deps[i]:
                assert start[i] >= end[j] + lag
        for e in schedule.ebits[shot * ne:(shot + 1) * ne]:
            need = timing.ebits[e.index]
            usable = e.ready_ps if e.stored_ps is None else e.stored_ps
            for i in need.first:
                assert start[i] >= usable
                assert start[i] >= e.need_ps
            assert e.gen_ps <= e.ready_ps <= e.use_ps
            assert e.release_ps == (end[need.last[0]], end[need.last[1]])
            if e.stored:
                supply = schedule.supplies[tuple(sorted(e.qpus))]
                assert supply.has_storage
                assert e.stored_ps == e.ready_ps + supply.transfer_ps <= e.use_ps
    # No communication qubit and no storage qubit is held twice.
    comm = {q.name: q.comm for q in timing.program.qpus}
    held: dict = {}
    for e in schedule.ebits:
        for end_ in (0, 1):
            held.setdefault(("comm", e.qpus[end_], e.physical[end_]), []).append(
                (e.gen_ps, e.comm_release_ps[end_]))
            if e.stored:
                held.setdefault(("store", e.qpus[end_], e.storage[end_]), []).append(
                    (e.ready_ps, e.release_ps[end_]))
    for (kind, qpu, k), spans in held.items():
        assert 0 <= k < (comm[qpu] if kind == "comm" else slots[qpu])
        spans.sort()
        for (_, r), (g, _) in itertools.pairwise(spans):
            assert g >= r


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stored_programs(), st.integers(1, 2))
def test_random_programs_with_storage_respect_everything(case, shots):
    timing, supplies, slots = case
    results = {name: schedule_timing(timing, supplies, policy=p, shots=shots)
               for name, p in (("jit", JustInTime()), ("comm", Prefetch(storage=False)),
                               ("stored", Prefetch()))}
    for schedule in results.values():
        _check_storage(schedule, timing, slots)
        assert schedule.total_ps >= schedule.bounds.largest[1]
        assert schedule.makespan_ps >= timing.critical_path_ps()
    stored = results["stored"]
    assert stored.total_ps <= results["jit"].total_ps
    # Storing never delays an operation and frees comm qubits earlier: never longer.
    assert stored.total_ps <= results["comm"].total_ps
    assert not stored.violations
    assert results["jit"].stored == results["comm"].stored == 0
