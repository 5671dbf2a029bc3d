"""The single pass: hand-checked on GHZ over two QPUs, then properties on random programs."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
from _schedule_helpers import GHZ2, US, timed_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.compiler import Circuit, CompileTarget, Condition, Gate, compile_circuit
from qdcnet.errors import ParameterError
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.schedule import (
    JustInTime,
    Lookahead,
    PairSupply,
    Prefetch,
    ProgramTiming,
    schedule_timing,
)


def _ghz_timing(latency_us: int = 3):
    target = timed_target(2, 1, 1)
    program = compile_circuit(GHZ2, target).program
    return ProgramTiming.build(program, {q.name: q for q in target.qpus},
                               lambda a, b: latency_us * 1e-6)


def _supply(tau_us=100, overhead_us=20, **kw):
    return {("m0", "m1"): PairSupply(("m0", "m1"), BellDiagonal.werner(0.9), tau_us * US,
                                     request_overhead_ps=overhead_us * US, **kw)}


def test_ghz_by_hand_under_jit_and_prefetch():
    timing = _ghz_timing()
    jit = schedule_timing(timing, _supply(), policy="jit")
    # The Hadamard ends at 1 µs: JIT asks then, pays 20 µs of control, 100 µs of generation.
    (e,) = jit.ebits
    assert (e.need_ps, e.gen_ps, e.ready_ps, e.use_ps) == (1 * US, 21 * US, 121 * US, 121 * US)
    # From 121: u cz u (12) + measure (5) + latency (3) + x (1) + cz (10) + h (1)
    # + measure (5) + latency (3) + z (1) = 162 µs
    assert jit.makespan_ps == 162 * US
    assert e.release_ps == (139 * US, 159 * US)  # m0's reset, m1's reset
    assert e.wait_ps == 120 * US
    assert e.age_ps == 0
    prefetch = schedule_timing(timing, _supply(), policy="prefetch")
    # The stream's overhead is paid at the start; generation starts at once.
    (p,) = prefetch.ebits
    assert (p.gen_ps, p.ready_ps) == (20 * US, 120 * US)
    assert prefetch.makespan_ps == 161 * US
    op_ends = {o.op: o.end_ps for o in prefetch.ops}
    assert op_ends[2] == 141 * US  # the cat_entangle ends with the correction on m1
    cat = prefetch.ops[2]
    assert cat.ebits == (0,)
    assert set(cat.slots) == {("m0", 0), ("m0", 2), ("m1", 2)}
    # The copy closes right after its last use (before m1's closing u): the Z correction
    # on m0 (instruction 14) is the last to start.
    assert prefetch.instr_start_ps[0][14] == 160 * US
    assert prefetch.instr_start_ps[0][15] == 151 * US


def test_instant_supply_gives_the_critical_path():
    timing = _ghz_timing()
    instant = {("m0", "m1"): PairSupply.instant("m0", "m1")}
    for policy in ("jit", "prefetch", "lookahead"):
        schedule = schedule_timing(timing, instant, policy=policy)
        assert schedule.makespan_ps == timing.critical_path_ps() == 42 * US
        assert schedule.ratio == 1.0


def test_critical_path_equals_makespan_with_instant_ebits_on_a_chain():
    # GHZ-8 over 4 modules: copies live briefly, communication qubits never bind.
    lines = ['OPENQASM 2.0;', 'include "qelib1.inc";', "qreg q[8];", "h q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(7)]
    target = timed_target(4, 2, 2)
    program = compile_circuit("\n".join(lines), target, seed=0).program
    timing = ProgramTiming.build(program, {q.name: q for q in target.qpus}, lambda a, b: 2e-6)
    supplies = {pair: PairSupply.instant(*pair) for pair in program.ebits_by_pair()}
    assert program.num_ebits >= 3
    assert schedule_timing(timing, supplies).makespan_ps == timing.critical_path_ps()


def test_prefetch_holds_no_longer_than_the_fidelity_allows():
    timing = _ghz_timing()
    # A pair decays (T2 = 1 ms at both ends) and must stay >= 0.89 at use: F(h) from 0.9.
    supplies = _supply(tau_us=1, overhead_us=0, decay=(0.0, 2000.0), target_fidelity=0.89)
    supply = supplies[("m0", "m1")]
    hold = supply.hold_max_ps
    assert 0 < hold < 100 * US
    # Delay the op's data side far beyond the hold: a 1 ms Hadamard before the cx.
    base = timed_target(2, 1, 1)
    target = CompileTarget((dataclasses.replace(base.qpus[0], one_qubit_time_s=1e-3),
                            base.qpus[1]), base.distance)
    program = compile_circuit(GHZ2, target).program
    timing = ProgramTiming.build(program, {q.name: q for q in target.qpus}, lambda a, b: 0.0)
    schedule = schedule_timing(timing, supplies, policy="prefetch")
    (e,) = schedule.ebits
    assert e.need_ps > hold + supply.tau_ps
    assert e.age_ps == hold
    assert e.ready_ps == e.need_ps - hold
    assert e.expected_fidelity >= 0.89
    assert not schedule.violations
    lookahead = schedule_timing(timing, supplies, policy="lookahead")
    assert lookahead.ebits[0].age_ps == 0
    assert lookahead.makespan_ps == schedule.makespan_ps


def test_two_shots_pipeline_when_the_qubits_allow():
    timing = _ghz_timing()
    one = schedule_timing(timing, _supply(), policy="prefetch")
    two = schedule_timing(timing, _supply(), policy="prefetch", shots=2)
    assert two.makespan_ps == one.makespan_ps
    assert two.shot_period_ps is not None
    assert two.shot_period_ps < one.makespan_ps
    assert two.total_ps == one.makespan_ps + two.shot_period_ps
    # Shot 1's first instruction on a data qubit waits for shot 0's last one on it.
    assert two.instr_start_ps[1][0] >= one.instr_start_ps[0][15] + timing.duration_ps[15]
    assert len(two.ebits) == 2
    assert two.ebits[1].shot == 1


def test_bad_arguments_are_refused():
    timing = _ghz_timing()
    with pytest.raises(ParameterError, match="policy"):
        schedule_timing(timing, _supply(), policy="asap")
    with pytest.raises(ParameterError, match="supplies"):
        schedule_timing(timing, {}, policy="jit")
    with pytest.raises(ParameterError, match="margin_ps"):
        Lookahead(margin_ps=-1)


# -- properties on random programs ---------------------------------------------------------


@st.composite
def programs(draw):
    n = draw(st.integers(2, 7))
    gates = []
    measured = []
    for _ in range(draw(st.integers(3, 30))):
        kind = draw(st.sampled_from(["1q", "2q", "2q", "2q", "2q", "2q", "measure", "cond"]))
        q = draw(st.integers(0, n - 1))
        r = (q + draw(st.integers(1, n - 1))) % n
        if kind == "1q":
            name = draw(st.sampled_from(["h", "t", "rz"]))
            gates.append(Gate(name, (q,), (0.3,) if name == "rz" else ()))
        elif kind == "2q":
            gates.append(Gate(draw(st.sampled_from(["cx", "cz"])), (q, r)))
        elif kind == "measure":
            gates.append(Gate("measure", (q,), clbits=(q,)))
            measured.append(q)
        elif measured:
            gates.append(Gate("x", (q,), condition=Condition((draw(st.sampled_from(measured)),),
                                                             1)))
    circuit = Circuit(n, n, tuple(gates), name="random")
    k = draw(st.integers(2, 3))
    sizes = [1] * k
    for _ in range(max(0, n - k) + draw(st.integers(0, 1))):
        sizes[draw(st.integers(0, k - 1))] += 1
    teleport = draw(st.booleans())
    base = timed_target(k, 1, 1)
    qpus = tuple(dataclasses.replace(
        q, data_qubits=sizes[i], comm_qubits=draw(st.integers(2 if teleport else 1, 3)),
        two_qubit_time_s=draw(st.sampled_from([1e-6, 10e-6, 100e-6])),
        measurement_time_s=draw(st.sampled_from([1e-6, 50e-6])))
        for i, q in enumerate(base.qpus))
    target = CompileTarget(qpus, base.distance)
    program = compile_circuit(circuit, target, model="teleport" if teleport else "fixed",
                              seed=0, search_evaluations=50).program
    latency = draw(st.sampled_from([0.0, 1e-6, 30e-6]))
    timing = ProgramTiming.build(program, {q.name: q for q in qpus}, lambda a, b: latency)
    supplies = {}
    for pair in program.ebits_by_pair():
        supplies[pair] = PairSupply(
            pair, BellDiagonal.werner(draw(st.sampled_from([0.9, 0.97]))),
            draw(st.sampled_from([0, 5 * US, 200 * US, 2000 * US])),
            request_overhead_ps=draw(st.sampled_from([0, 20 * US])),
            decay=(0.0, draw(st.sampled_from([0.0, 100.0, 3000.0]))),
            target_fidelity=draw(st.sampled_from([None, 0.8, 0.89])))
    return timing, supplies


def _check(schedule, timing):
    starts = schedule.instr_start_ps
    ne = len(timing.ebits)
    for shot, start in enumerate(starts):
        end = [s + d for s, d in zip(start, timing.duration_ps, strict=True)]
        for i in range(timing.num_instructions):
            for j in timing.slot_deps[i]:
                assert start[i] >= end[j]
            for j, lag in timing.bit_deps[i]:
                assert start[i] >= end[j] + lag
            for key in timing.data_first.get(i, ()):
                if shot:
                    prev = starts[shot - 1][timing.slot_last[key]]
                    assert start[i] >= prev + timing.duration_ps[timing.slot_last[key]]
        for e in schedule.ebits[shot * ne:(shot + 1) * ne]:
            need = timing.ebits[e.index]
            for i in need.first:
                assert start[i] >= e.ready_ps
                assert start[i] >= e.need_ps
            for j, lag in need.need_deps:
                assert e.need_ps >= end[j] + lag
            assert e.gen_ps <= e.ready_ps <= e.use_ps
            assert e.release_ps == (end[need.last[0]], end[need.last[1]])
    # No communication qubit is held twice; no QPU holds more than it has.
    comm = {q.name: q.comm for q in timing.program.qpus}
    held: dict = {}
    for e in schedule.ebits:
        for end_ in (0, 1):
            held.setdefault((e.qpus[end_], e.physical[end_]), []).append(
                (e.gen_ps, e.release_ps[end_]))
    for (qpu, k), spans in held.items():
        assert 0 <= k < comm[qpu]
        spans.sort()
        for (_, r), (g, _) in itertools.pairwise(spans):
            assert g >= r
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(1, 2))
def test_random_programs_respect_everything(case, shots):
    timing, supplies = case
    results = {p.name: schedule_timing(timing, supplies, policy=p, shots=shots)
               for p in (JustInTime(), Prefetch(), Lookahead())}
    for schedule in results.values():
        _check(schedule, timing)
        assert schedule.total_ps >= schedule.bounds.largest[1]
        assert schedule.makespan_ps >= timing.critical_path_ps()
    assert results["prefetch"].total_ps <= results["jit"].total_ps
    assert results["lookahead"].total_ps <= results["jit"].total_ps
    # In-order binding frees a qubit at its slot's last use, not at generation: lookahead
    # and prefetch start every operation at the same time.
    assert results["lookahead"].total_ps == results["prefetch"].total_ps
    assert not results["prefetch"].violations
    assert not results["lookahead"].violations
    assert math.isfinite(results["prefetch"].ratio) or results["prefetch"].total_ps > 0


def test_a_bit_sent_to_another_qpu_delays_its_reader_by_the_latency():
    target = timed_target(2, 1, 1)
    program = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[1]; '
                              'measure q[0] -> c[0]; if (c == 1) x q[1];', target).program
    kinds = [op.kind for op in program.operations]
    assert "classical" in kinds
    assert program.num_ebits == 0
    timing = ProgramTiming.build(program, {q.name: q for q in target.qpus}, lambda a, b: 7e-6)
    schedule = schedule_timing(timing, {}, policy="jit")
    # measure (5 µs) + latency (7 µs) + x (1 µs)
    assert schedule.makespan_ps == 13 * US == timing.critical_path_ps()
    classical = schedule.ops[kinds.index("classical")]
    assert (classical.start_ps, classical.end_ps) == (5 * US, 12 * US)
