"""Pair supplies from the planner, the stock rule, hold limits and the error budget."""

from __future__ import annotations

import dataclasses
import json

import pytest
from _schedule_helpers import GHZ2, timed_target

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.control.admission import Admission, Refusal
from qdcnet.control.planner import Planner
from qdcnet.control.requests import EntanglementRequest
from qdcnet.network.topology import star
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.quantum.pauli import decay_rates
from qdcnet.schedule import (
    ErrorBudget,
    PairSupply,
    ScheduleRefused,
    plan_supplies,
    schedule_program,
)
from qdcnet.schedule.supply import HOLD_FOREVER_PS
from qdcnet.units import PS_PER_S, s_to_ps


@pytest.fixture(scope="module")
def dc():
    return build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1)


def test_supply_is_the_plan_the_orchestrator_would_use(dc):
    planner = Planner(dc)
    supply = PairSupply.from_planner(dc, "qpu1", "qpu0", target_fidelity=0.9, planner=planner)
    decision = planner.plan(EntanglementRequest("qpu0", "qpu1", min_fidelity=0.9))
    assert isinstance(decision, Admission)
    plan = decision.plan
    assert supply.qpus == ("qpu0", "qpu1")
    assert supply.plan == plan
    assert supply.path == plan.path
    assert supply.rounds == plan.distillation_rounds
    streams = min(dc.ops["qpu0"].comm_qubits, dc.ops["qpu1"].comm_qubits)
    assert supply.streams == streams
    assert supply.tau_ps == s_to_ps(streams / plan.estimate.rate_hz)
    assert supply.first_pair_ps == s_to_ps(plan.estimate.latency_s)
    # 10 µs switch reconfiguration at least (no control node: messages are instantaneous)
    assert supply.request_overhead_ps >= s_to_ps(10e-6)


def test_a_higher_target_buys_distillation_rounds_through_the_planner():
    long_lived = {"communication.t2": "200 ms", "memory.t2": "2 s", "qubits.storage": 6}
    dc = build_datacenter(star(2, profile="trapped_ion_oxford", communication_qubits=2,
                               overrides=long_lived), seed=1)
    low = PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.9)
    high = PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.97)
    assert low.rounds == 0 < high.rounds
    assert high.state.fidelity >= 0.97
    assert high.tau_ps > low.tau_ps


def test_a_refusal_carries_the_planners_reason(dc):
    decision = Planner(dc).plan(EntanglementRequest("qpu0", "qpu1", min_fidelity=0.99999))
    assert isinstance(decision, Refusal)
    with pytest.raises(ScheduleRefused) as caught:
        PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.99999)
    assert decision.reason in caught.value.reason
    assert "qpu0 and qpu1" in caught.value.reason


def test_expected_state_is_the_stock_rule(dc):
    supply = PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.9)
    rates = decay_rates(dc.ops["qpu0"].memory, dc.ops["qpu1"].memory)
    hold = 300_000_000  # 300 µs
    expected = supply.plan.estimate.state.age(hold / PS_PER_S, *rates)
    assert supply.expected_state(hold).coefficients == expected.coefficients
    assert supply.expected_fidelity(0) == supply.plan.estimate.fidelity


def test_hold_max_is_the_bound_where_the_fidelity_meets_the_target(dc):
    supply = PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.93)
    hold = supply.hold_max_ps
    assert 0 < hold < HOLD_FOREVER_PS
    assert supply.expected_fidelity(hold) >= 0.93 > supply.expected_fidelity(hold + 1)
    untargeted = dataclasses.replace(supply, target_fidelity=None)
    assert untargeted.hold_max_ps == HOLD_FOREVER_PS
    still = PairSupply(("a", "b"), BellDiagonal.werner(0.95), 10, target_fidelity=0.9)
    assert still.hold_max_ps == HOLD_FOREVER_PS  # perfect memories
    missed = PairSupply(("a", "b"), BellDiagonal.werner(0.85), 10, target_fidelity=0.9)
    assert missed.hold_max_ps == 0


def test_error_budget_by_hand():
    base = timed_target(2, 1, 1)
    qpus = tuple(dataclasses.replace(q, one_qubit_error=1e-4, two_qubit_error=1e-3,
                                     measurement_error=2e-3) for q in base.qpus)
    target = CompileTarget(qpus, base.distance)
    program = compile_circuit(GHZ2, target).program
    # Ten one-qubit gates (u), two cz, two readouts (the copy's), one ebit.
    local = 10 * 1e-4 + 2 * 1e-3 + 2 * 2e-3
    budget = ErrorBudget.split(program, {q.name: q for q in qpus}, 0.9)
    assert budget.local_error == pytest.approx(local, rel=1e-12)
    assert budget.ebits == 1
    assert budget.ebit_target == pytest.approx(1 - (0.1 - local), rel=1e-12)
    assert budget.per_pair == {("m0", "m1"): budget.ebit_target}
    with pytest.raises(ScheduleRefused, match="out of reach"):
        ErrorBudget.split(program, {q.name: q for q in qpus}, 1 - local / 2)


def test_schedule_program_sets_targets_from_min_fidelity(dc):
    program = compile_circuit(GHZ2, CompileTarget.from_datacenter(dc)).program
    schedule = schedule_program(program, dc, policy="prefetch", min_fidelity=0.9)
    assert schedule.budget is not None
    target = schedule.budget.ebit_target
    supply = schedule.supplies[("qpu0", "qpu1")]
    assert supply.target_fidelity == target
    assert all(e.target_fidelity == target and e.expected_fidelity >= target
               for e in schedule.ebits)
    assert plan_supplies(dc, program)[("qpu0", "qpu1")].target_fidelity is None
    with pytest.raises(ScheduleRefused):
        schedule_program(program, dc, min_fidelity=0.995)
    data = json.loads(json.dumps(schedule.to_dict()))
    assert data["makespan_ps"] == schedule.makespan_ps
    assert data["ebits"][0]["use_ps"] >= 0
