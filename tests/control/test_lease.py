"""Pair leases: held pairs keep their qubits and circuits booked until released."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import (
    FIFO,
    EntanglementRequest,
    Orchestrator,
    PairLease,
    RequestStatus,
    StockSpec,
    StrictPriority,
    WeightedFairShare,
)
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.pair import PairStatus, PairUsedError
from qdcnet.network.topology import leaf_spine, star
from qdcnet.quantum.pauli import decay_rates
from qdcnet.units import PS_PER_S, s_to_ps

MS = s_to_ps(1e-3)


def one_comm_qubit_star():
    """Three Oxford ions on one switch, one communication qubit each: qpu0 serves one
    partner at a time."""
    return build_datacenter(star(3, profile="trapped_ion_oxford"), seed=5)


def watch_invariants(dc, orch, every_ps=MS):
    """A kernel process checking the book and the orchestrator every ``every_ps``."""
    checks = []

    def watcher():
        while True:
            orch.check_invariants()
            checks.append(dc.sim.now)
            yield dc.sim.timeout(every_ps)

    dc.sim.process(watcher(), name="invariants")
    return checks


def holder(dc, consume_after_ps, release_after_ps, log):
    """An on_lease callback that consumes and releases each lease later, logging times."""

    def on_lease(lease):
        log.append(lease)
        dc.sim.schedule(consume_after_ps, lease.consume)
        dc.sim.schedule(release_after_ps, lease.release)

    return on_lease


def test_on_pair_and_on_lease_together_are_refused_before_anything_is_sent():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    with pytest.raises(ParameterError, match=r"on_lease = .* None when on_pair is given"):
        orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1),
                    on_pair=lambda pair: None, on_lease=lambda lease: None)
    assert orch.handles == []


def test_a_leased_pair_stays_live_and_its_circuit_booked_until_release():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    checks = watch_invariants(dc, orch)
    leases: list[PairLease] = []
    seen_live = []

    def on_lease(lease):
        leases.append(lease)
        # After the callback returns the pair must still be live and held.
        dc.sim.schedule(0, lambda: seen_live.append((lease.live, lease.released)))
        dc.sim.schedule(2 * MS, lease.consume)
        dc.sim.schedule(5 * MS, check_then_release, lease)

    def check_then_release(lease):
        # Consumed but not released: the request still holds its circuit and qubits.
        assert not lease.live
        assert not lease.released
        assert lease.handle.id in orch.dispatcher.serving
        assert dc.fabric.free_communication_qubits("qpu0") == 0
        lease.release()
        assert lease.released_ps == dc.sim.now

    handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=3), on_lease=on_lease)
    dc.sim.run(until=s_to_ps(1.0))
    assert handle.status is RequestStatus.COMPLETED
    assert len(leases) == 3
    assert seen_live == [(True, False)] * 3
    for lease in leases:
        assert lease.pair.status is PairStatus.CONSUMED
        assert lease.consumed_ps == lease.granted_ps + 2 * MS
        assert lease.released_ps == lease.granted_ps + 5 * MS
    # The last release gave everything back, at that instant.
    assert handle.id not in orch.dispatcher.serving
    assert dc.fabric.free_communication_qubits("qpu0") == 1
    orch.check_invariants()
    assert len(checks) > 900


def test_a_lease_is_consumed_once_released_once_and_released_unused_is_discarded():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    leases: list[PairLease] = []
    orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=2), on_lease=leases.append)
    dc.sim.run(until=s_to_ps(0.5))
    (first,) = leases  # the second pair needs the first one's qubit
    now = dc.sim.now
    state = first.consume()
    assert state == first.pair.state_at(now)
    assert first.consumed_ps == now
    with pytest.raises(PairUsedError, match="already consumed"):
        first.consume()
    first.release()
    with pytest.raises(QdcnetError, match="released already"):
        first.release()
    dc.sim.run(until=s_to_ps(1.0))
    # The second (never consumed) is discarded as it is released.
    assert len(leases) == 2
    leases[1].release()
    assert leases[1].pair.status is PairStatus.DISCARDED
    assert leases[1].pair.discard_reason == "released unused"
    with pytest.raises(ParameterError, match="now_ps"):
        leases[1].state_at(1.5)  # type: ignore[arg-type]
    orch.check_invariants()


def test_discard_drops_the_pair_with_its_reason_and_releases_it():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    leases: list[PairLease] = []
    orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1), on_lease=leases.append)
    dc.sim.run(until=s_to_ps(0.5))
    (lease,) = leases
    assert dc.fabric.free_communication_qubits("qpu0") == 0
    lease.discard("too old")
    assert lease.pair.discard_reason == "too old"
    assert lease.released
    assert dc.fabric.free_communication_qubits("qpu0") == 1
    orch.check_invariants()


def test_state_and_expected_fidelity_follow_the_pair_and_the_stock_rule():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    leases: list[PairLease] = []
    handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1),
                         on_lease=leases.append)
    dc.sim.run(until=s_to_ps(0.5))
    (lease,) = leases
    later = lease.granted_ps + 3 * MS
    assert lease.state_at(later) == lease.pair.state_at(later)
    assert lease.pair.is_live, "reading the state uses nothing"
    # Expected: the plan's delivered state, aged by the time since delivery.
    assert lease.expected_fidelity(lease.granted_ps) == pytest.approx(handle.plan.fidelity,
                                                                      abs=1e-12)
    rates = decay_rates(lease.pair.memory_a, lease.pair.memory_b)
    aged = handle.plan.estimate.state.age(3 * MS / PS_PER_S, *rates).fidelity
    assert lease.expected_fidelity(later) == pytest.approx(aged, rel=1e-12)
    assert lease.expected_fidelity(later) < handle.plan.fidelity
    lease.release()


def test_held_leases_make_the_next_request_wait_for_the_last_release():
    # Two requests share qpu0's one communication qubit; every pair is held 5 ms.
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    watch_invariants(dc, orch)
    first_log: list[PairLease] = []
    second_log: list[PairLease] = []
    first = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=4),
                        on_lease=holder(dc, 2 * MS, 5 * MS, first_log))
    second = orch.submit(EntanglementRequest("qpu0", "qpu2", num_pairs=2),
                         on_lease=holder(dc, 2 * MS, 5 * MS, second_log))
    dc.sim.run(until=s_to_ps(2.0))
    assert first.status is second.status is RequestStatus.COMPLETED
    assert all(lease.pair.status is PairStatus.CONSUMED for lease in first_log + second_log)
    last_release = max(lease.released_ps for lease in first_log)
    # The circuit stays booked after the first request completes, until its last lease
    # is released; the second is granted at that very instant.
    assert last_release == first.done_ps + 5 * MS
    assert second.first_grant_ps == last_release
    orch.check_invariants()


def test_a_lease_never_released_keeps_the_circuit_and_later_requests_wait():
    dc = one_comm_qubit_star()
    orch = Orchestrator(dc)
    watch_invariants(dc, orch)
    leases: list[PairLease] = []
    first = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1), on_lease=leases.append)
    second = orch.submit(EntanglementRequest("qpu0", "qpu2", num_pairs=1))
    # Admitted (the fabric could serve it), but its circuit never comes: it expires at
    # its deadline, to the picosecond.
    late = orch.submit(EntanglementRequest("qpu1", "qpu2", num_pairs=1, deadline_s=0.3))
    dc.sim.run(until=s_to_ps(1.0))
    assert first.status is RequestStatus.COMPLETED
    assert leases[0].live
    assert second.status is RequestStatus.QUEUED
    assert second.first_grant_ps is None
    assert late.status is RequestStatus.EXPIRED
    assert late.done_ps == s_to_ps(0.3)
    assert dc.fabric.free_communication_qubits("qpu0") == 0
    leases[0].consume()
    leases[0].release()
    dc.sim.run(until=s_to_ps(2.0))
    assert second.status is RequestStatus.COMPLETED
    assert second.first_grant_ps == s_to_ps(1.0)
    orch.check_invariants()


def test_a_lease_from_stock_holds_its_storage_slots_until_release():
    document = star(3, profile="trapped_ion_oxford",
                    overrides={"memory.t2": "2 s", "qubits.storage": 4})
    dc = build_datacenter(document, seed=5)
    orch = Orchestrator(dc, stock=[StockSpec("qpu0", "qpu1", depth=2)])
    dc.sim.run(until=s_to_ps(0.3))
    assert dc.book.free_storage("qpu0") == 2  # two pairs in stock
    leases: list[PairLease] = []
    handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1),
                         on_lease=leases.append)
    dc.sim.run(until=s_to_ps(0.3) + 1)
    assert handle.status is RequestStatus.COMPLETED
    assert handle.first_grant_ps is None  # served from stock
    (lease,) = leases
    assert lease.live
    assert lease.pair.end_a.slot == -1  # a stored pair
    dc.sim.run(until=s_to_ps(0.5))
    # Held: its slots are not back, so the refilled stock plus the lease use all four.
    assert dc.book.free_storage("qpu0") == 4 - 2 - 1
    lease.consume()
    lease.release()
    assert dc.book.free_storage("qpu0") == 4 - 2
    orch.check_invariants()


def racks():
    document = leaf_spine(2, 3, profile="trapped_ion_oxford", communication_qubits=2,
                          overrides={"communication.t2": "200 ms", "memory.t2": "2 s",
                                     "qubits.storage": 6})
    document["control_plane"] = {"node": "spine0", "processing_latency": "3 us"}
    return build_datacenter(document, seed=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 6),
                          st.sampled_from([None, 1, 2]), st.integers(0, 10),
                          st.floats(0.0, 0.05), st.sampled_from(["hold", "keep", "cancel"])),
                min_size=1, max_size=10),
       st.sampled_from(["fifo", "priority", "fair-share"]))
def test_leases_never_double_book_and_everything_comes_back(workload, policy_name):
    dc = racks()
    policy = {"fifo": FIFO(), "priority": StrictPriority(),
              "fair-share": WeightedFairShare(0.002)}[policy_name]
    orch = Orchestrator(dc, policy=policy, plan_samples=500)
    nodes = [q.name for q in dc.layout.qpus]
    kept: list[PairLease] = []

    def on_lease(hold_ms, keep):
        def take(lease):
            if keep:
                kept.append(lease)  # released only at the end
            else:
                dc.sim.schedule(hold_ms * MS, lease.consume)
                dc.sim.schedule(hold_ms * MS + MS, lease.release)
        return take

    def submit(a, b, pairs, width, hold_ms, what):
        handle = orch.submit(EntanglementRequest(nodes[a], nodes[b], num_pairs=pairs,
                                                 streams=width),
                             on_lease=on_lease(hold_ms, what == "keep"))
        if what == "cancel":
            dc.sim.schedule(s_to_ps(0.003), handle.cancel)

    for a, b, pairs, width, hold_ms, at, what in workload:
        if a != b:
            dc.sim.schedule(s_to_ps(at), submit, a, b, pairs, width, hold_ms, what)
    dc.sim.set_trace(lambda record: orch.check_invariants())
    dc.sim.run(until=s_to_ps(0.4))
    for lease in kept:
        lease.release()
    for handle in orch.handles:
        handle.cancel()
    dc.sim.run(until=s_to_ps(0.5))
    orch.check_invariants()
    assert not orch.dispatcher.serving
    busy = dc.fabric.busy_summary()
    assert sum(busy["communication_qubits"].values()) == 0


def test_expected_fidelity_predicts_the_state_at_use():
    # Each pair is held 20 ms in the communication qubits (T2 = 200 ms) before use:
    # the plan's state aged by the stock rule must match the measured states.
    dc = racks()
    orch = Orchestrator(dc)
    hold = 20 * MS
    measured, expected = [], []

    def on_lease(lease):
        expected.append(lease.expected_fidelity(lease.granted_ps + hold))
        dc.sim.schedule(hold, lambda: (measured.append(lease.consume().fidelity),
                                       lease.release()))

    handle = orch.submit(EntanglementRequest("r0q0", "r0q1", num_pairs=400),
                         on_lease=on_lease)
    dc.sim.run()
    assert handle.status is RequestStatus.COMPLETED
    assert len(set(expected)) == 1  # a prediction, the same for every pair
    mean = float(np.mean(measured))
    error = float(np.std(measured, ddof=1)) / len(measured) ** 0.5
    # 5 standard errors of the simulation, plus the plan's own sampling error
    # (planner.PLAN_SAMPLES: fidelity within 1.2e-4 over seeds).
    assert abs(mean - expected[0]) <= 5 * error + 5 * 1.2e-4
    assert expected[0] < handle.plan.fidelity - 5 * error  # the hold does cost fidelity
