"""The orchestrator: validation, admission, reservation, policies, stock, metrics."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import (
    FIFO,
    EarliestDeadlineFirst,
    EntanglementRequest,
    Orchestrator,
    RequestStatus,
    StockSpec,
    StrictPriority,
    WeightedFairShare,
)
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.network.topology import leaf_spine, linear_chain, star
from qdcnet.units import PS_PER_S, s_to_ps

LONG = {"communication.t2": "200 ms", "memory.t2": "2 s", "qubits.storage": 6}


def racks(**changes):
    document = leaf_spine(2, 3, profile="trapped_ion_oxford", communication_qubits=2,
                          overrides=LONG)
    document["control_plane"] = {"node": "spine0", "processing_latency": "3 us"}
    document.update(changes)
    return build_datacenter(document, seed=4)


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: EntanglementRequest("a", "b", num_pairs=3, min_fidelity=0.2),
         r"min_fidelity = 0.2 .*\(0.25, 1\]"),
        (lambda: EntanglementRequest("a", "b", num_pairs=3, min_fidelity=1.01), "min_fidelity"),
        (lambda: EntanglementRequest("a", "b", rate_hz=50.0), "a rate needs a duration"),
        (lambda: EntanglementRequest("a", "b", num_pairs=3, deadline_s=-1.0), "deadline_s"),
        (lambda: EntanglementRequest("a", "b", num_pairs=0), "num_pairs"),
        (lambda: EntanglementRequest("a", "a", num_pairs=1), "a node other than src"),
        (lambda: EntanglementRequest("a", "b", deadline_s=1.0),
         r"deadline_s = 1.0 .*open-ended"),
    ],
)
def test_bad_requests_fail_on_construction(build, match):
    with pytest.raises(ParameterError, match=match):
        build()


def test_unknown_node_and_past_deadline_are_refused_at_submit():
    dc = racks()
    orch = Orchestrator(dc)
    with pytest.raises(QdcnetError, match=r"no memory node .*'r0q9'.*did you mean"):
        orch.submit(EntanglementRequest("r0q0", "r0q9", num_pairs=1))
    dc.sim.run(until=s_to_ps(0.5))
    with pytest.raises(ParameterError, match=r"deadline_s = 0.2 .*after now"):
        orch.submit(EntanglementRequest("r0q0", "r0q1", num_pairs=1, deadline_s=0.2))


def test_refusals_say_why():
    dc = racks()
    orch = Orchestrator(dc)
    fidelity = orch.submit(EntanglementRequest("r0q0", "r1q0", num_pairs=5, min_fidelity=0.999))
    rate = orch.submit(EntanglementRequest("r0q0", "r0q1", rate_hz=1e6, duration_s=0.01))
    deadline = orch.submit(EntanglementRequest("r0q2", "r1q2", num_pairs=500,
                                               deadline_s=0.05))
    dc.sim.run(until=s_to_ps(0.01))
    assert fidelity.status is RequestStatus.REFUSED
    assert fidelity.reason.startswith("min_fidelity 0.999 unreachable between r0q0 and r1q0: "
                                      "best plan 0.")
    assert "DEJMPS round" in fidelity.reason
    assert rate.status is RequestStatus.REFUSED
    assert rate.reason.startswith("rate 1e+06 pairs/s unreachable")
    assert deadline.status is RequestStatus.REFUSED
    assert "deadline 0.05 s unreachable" in deadline.reason


# -- admission accuracy ---------------------------------------------------------------------

ACCURACY = {
    "in-rack": (racks, ("r0q0", "r0q1"), None),
    "cross-rack": (racks, ("r0q0", "r1q1"), None),
    "needs distillation": (racks, ("r0q2", "r0q1"), 0.97),
    "three-node chain": (lambda: build_datacenter(
        linear_chain(3, profile="trapped_ion_oxford", spacing_m=20.0, overrides=LONG), seed=2),
        ("qpu0", "qpu2"), None),
}


@pytest.mark.parametrize("name", list(ACCURACY))
def test_plan_predicts_what_the_simulation_measures(name):
    make, (src, dst), min_fidelity = ACCURACY[name]
    dc = make()
    orch = Orchestrator(dc)
    handle = orch.submit(EntanglementRequest(src, dst, num_pairs=1500,
                                             min_fidelity=min_fidelity))
    dc.sim.run()
    plan = handle.plan
    assert handle.status is RequestStatus.COMPLETED, handle.reason
    if min_fidelity is not None:
        assert plan.distillation_rounds >= 1
    serving = (handle.done_ps - handle.first_pair_ps) / PS_PER_S
    measured_rate = (handle.delivered - 1) / serving
    assert measured_rate == pytest.approx(plan.rate_hz, rel=0.10), name
    assert handle.mean_fidelity == pytest.approx(plan.fidelity, abs=0.01), name


# -- reservation: never double-booked ---------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 8),
                          st.integers(0, 3), st.sampled_from([None, 0.9]),
                          st.floats(0.0, 0.05), st.booleans()), min_size=1, max_size=12),
       st.sampled_from(["fifo", "edf", "priority", "fair-share"]))
def test_nothing_is_double_booked(workload, policy_name):
    dc = racks()
    policy = {"fifo": FIFO(), "edf": EarliestDeadlineFirst(), "priority": StrictPriority(),
              "fair-share": WeightedFairShare(0.002)}[policy_name]
    orch = Orchestrator(dc, policy=policy, plan_samples=500,
                        stock=[StockSpec("r1q0", "r1q1", depth=2, cutoff_s=0.01)])
    nodes = [q.name for q in dc.layout.qpus]
    handles = []

    def submit(a, b, pairs, priority, fidelity, cancel):
        handle = orch.submit(EntanglementRequest(nodes[a], nodes[b], num_pairs=pairs,
                                                 priority=priority, min_fidelity=fidelity,
                                                 deadline_s=dc.sim.now / PS_PER_S + 0.2))
        handles.append(handle)
        if cancel:
            dc.sim.schedule(s_to_ps(0.003), handle.cancel)

    for a, b, pairs, priority, fidelity, at, cancel in workload:
        if a == b:
            continue
        dc.sim.schedule(s_to_ps(at), submit, a, b, pairs, priority, fidelity, cancel)
    dc.sim.set_trace(lambda record: orch.check_invariants())
    dc.sim.run(until=s_to_ps(0.4))
    orch.check_invariants()
    assert all(h.finished for h in handles)
    # Only the stock's own reservations can still be out.
    busy = dc.fabric.busy_summary()
    assert sum(busy["communication_qubits"].values()) <= 4


# -- policies -----------------------------------------------------------------------------------


def _contend(policy, requests):
    dc = build_datacenter(star(3, profile="trapped_ion_oxford", overrides=LONG), seed=1)
    orch = Orchestrator(dc, policy=policy)
    handles = [orch.submit(r) for r in requests]
    dc.sim.run()
    return handles


def test_fifo_edf_and_priority_order_contending_requests():
    # All three use qpu0, which has one communication qubit: one at a time.
    reqs = [EntanglementRequest("qpu0", "qpu1", num_pairs=20, name="first"),
            EntanglementRequest("qpu0", "qpu2", num_pairs=20, priority=5, deadline_s=3.0,
                                name="urgent"),
            EntanglementRequest("qpu0", "qpu1", num_pairs=20, deadline_s=1.0, name="soon")]

    def order(handles):
        return [h.name for h in sorted(handles, key=lambda h: h.first_grant_ps)]

    # No control-plane latency: all three are queued before the first grant.
    assert order(_contend(FIFO(), reqs)) == ["first", "urgent", "soon"]
    assert order(_contend(EarliestDeadlineFirst(), reqs)) == ["soon", "urgent", "first"]
    assert order(_contend(StrictPriority(), reqs)) == ["urgent", "first", "soon"]


def test_fair_share_time_slices():
    reqs = [EntanglementRequest("qpu0", "qpu1", num_pairs=60, name="a"),
            EntanglementRequest("qpu0", "qpu2", num_pairs=60, name="b", weight=2.0)]
    handles = _contend(WeightedFairShare(quantum_s=0.02), reqs)
    assert all(h.status is RequestStatus.COMPLETED for h in handles)
    assert all(h.slices > 1 for h in handles)


# -- latency, stock, cancel, metrics -----------------------------------------------------------


def test_requests_and_instructions_travel_over_classical_channels():
    dc = racks()
    orch = Orchestrator(dc)
    done = []
    handle = orch.submit(EntanglementRequest("r0q0", "r1q0", num_pairs=2),
                         on_done=lambda h: done.append(dc.sim.now))
    dc.sim.run()
    latency = dc.classical.latency_s("r0q0", "spine0")
    assert handle.admitted_ps / PS_PER_S == pytest.approx(latency + 3e-6, rel=1e-9)
    instructions = max(dc.classical.latency_s("spine0", n) for n in ("r0q0", "r1q0"))
    assert handle.first_grant_ps == handle.admitted_ps
    assert handle.first_pair_ps / PS_PER_S > (handle.first_grant_ps / PS_PER_S + 3e-6
                                              + instructions)
    assert done[0] / PS_PER_S == pytest.approx(handle.done_ps / PS_PER_S + latency, rel=1e-9)


def test_stock_is_kept_aged_discarded_and_served():
    dc = racks()
    orch = Orchestrator(dc, stock=[StockSpec("r0q0", "r0q1", depth=3, cutoff_s=0.05)])
    dc.sim.run(until=s_to_ps(0.2))
    levels = orch.stock_levels()["r0q0-r0q1"]
    assert max(level for _, level in levels) == 3
    stock = next(iter(orch.stock._stocks.values()))
    assert stock.discarded > 0  # aged past the cutoff, then refilled
    handle = orch.submit(EntanglementRequest("r0q0", "r0q1", num_pairs=2))
    dc.sim.run(until=s_to_ps(0.21))
    assert handle.status is RequestStatus.COMPLETED
    assert handle.first_grant_ps is None  # served entirely from stock
    assert handle.first_pair_ps == handle.admitted_ps
    # A request whose fidelity old stock cannot meet does not take it.
    strict = orch.submit(EntanglementRequest("r0q0", "r0q1", num_pairs=1,
                                             min_fidelity=0.9546))
    dc.sim.run(until=s_to_ps(0.3))
    assert strict.status is RequestStatus.COMPLETED
    assert strict.first_grant_ps is not None


def test_cancel_releases_everything():
    dc = racks()
    orch = Orchestrator(dc)
    handle = orch.submit(EntanglementRequest("r0q0", "r1q2", num_pairs=10_000))
    dc.sim.run(until=s_to_ps(0.05))
    assert handle.status is RequestStatus.SERVING
    handle.cancel()
    dc.sim.run(until=s_to_ps(0.06))
    assert handle.status is RequestStatus.CANCELLED
    busy = dc.fabric.busy_summary()
    assert sum(busy["communication_qubits"].values()) == 0
    assert sum(busy["ports"].values()) == 0
    assert sum(busy["terminals"].values()) == 0
    metrics = handle.metrics()
    assert metrics["circuit_s"] > 0
    assert metrics["qubit_s"] >= 2 * metrics["circuit_s"]
    assert metrics["qos_met"] is False


def test_deadline_expiry_and_metrics():
    dc = racks()
    orch = Orchestrator(dc)
    # Feasible alone, but it waits behind a long request for both of r0q0's qubits.
    busy = orch.submit(EntanglementRequest("r0q0", "r0q1", num_pairs=300))
    late = orch.submit(EntanglementRequest("r0q0", "r1q1", num_pairs=10, deadline_s=0.6))
    dc.sim.run()
    assert busy.status is RequestStatus.COMPLETED
    assert late.status is RequestStatus.EXPIRED
    assert late.reason == "deadline passed"
    row = late.metrics()
    assert row["deadline_met"] is False
    assert row["planned_rate_hz"] > 0
    assert busy.metrics()["qos_met"] is True
    assert math.isfinite(busy.metrics()["time_to_first_pair_s"])
