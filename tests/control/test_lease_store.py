"""PairLease.store and Orchestrator.hold_storage: a held pair waits in storage qubits."""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import EntanglementRequest, Orchestrator
from qdcnet.errors import QdcnetError
from qdcnet.network.topology import star

ENDS = ("qpu0", "qpu1")


def _leased(seed: int = 4):
    dc = build_datacenter(star(3, profile="trapped_ion_oxford"), seed=seed)
    orch = Orchestrator(dc)
    leases = []
    orch.submit(EntanglementRequest(*ENDS, num_pairs=1), on_lease=leases.append)
    dc.sim.run()
    (lease,) = leases
    return dc, orch, lease


def test_a_stored_lease_records_when_and_its_release_frees_the_storage():
    dc, orch, lease = _leased()
    answers = []
    lease.store(answers.append)
    dc.sim.run()
    assert answers == [True]
    assert lease.stored_ps is not None
    assert lease.pair.state_time_ps == lease.stored_ps
    assert lease.pair.memory_a is dc.ops["qpu0"].data_memory
    orch.check_invariants()
    assert [dc.book.free_storage(n) for n in ENDS] == [0, 0]
    lease.consume()
    lease.release()
    assert [dc.book.free_storage(n) for n in ENDS] == [1, 1]
    with pytest.raises(QdcnetError, match="released: nothing to store"):
        lease.store(answers.append)
    orch.check_invariants()


def test_hold_storage_keeps_one_end_booked_outside_any_request():
    dc, orch, lease = _leased()
    lease.store(lambda ok: None)
    dc.sim.run()
    lease.consume()
    # The per-end release of a stored pair: the pair goes back, qpu1's half lives on.
    lease.release()
    booking = orch.hold_storage("qpu1")
    assert booking is not None
    assert [dc.book.free_storage(n) for n in ENDS] == [1, 0]
    assert orch.hold_storage("qpu1") is None  # its one storage qubit is held
    # A storage hold is not a communication qubit: the invariants count it apart.
    orch.check_invariants()
    orch.release_hold(booking)
    assert [dc.book.free_storage(n) for n in ENDS] == [1, 1]
    orch.check_invariants()
    assert dc.book.bookings == 0


def test_check_invariants_catches_a_storage_hold_whose_slot_was_given_back():
    dc, orch, _ = _leased()
    booking = orch.hold_storage("qpu2")
    orch.check_invariants()
    dc.book.release(booking)  # behind the orchestrator's back
    with pytest.raises(QdcnetError, match="qpu2: 0 storage slots booked, 1 held"):
        orch.check_invariants()
