"""Standing entanglement streams and just-in-time pairs, as kernel signals."""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import (
    EntanglementStream,
    Orchestrator,
    PairLease,
    Refusal,
    RequestStatus,
    request_pair,
)
from qdcnet.errors import ParameterError
from qdcnet.link.pair import PairStatus
from qdcnet.network.topology import star
from qdcnet.units import s_to_ps

MS = s_to_ps(1e-3)


def hub(seed=7):
    """qpu0 with two communication qubits (two fibre channels, two BSM units)."""
    document = star(3, profile="trapped_ion_oxford", communication_qubits=2, stations=2)
    for fiber in document["fibers"]:
        if fiber["between"][0] == "qpu0":
            fiber["channels"] = 2
    document["switches"][0]["ports"] += 1
    return build_datacenter(document, seed=seed)


def counting_admissions(orch):
    """Count the control plane's plans (one per admission)."""
    calls = []
    plan = orch.planner.plan

    def counted(request):
        calls.append(request)
        return plan(request)

    orch.planner.plan = counted
    return calls


def watch(dc, orch, stream, width):
    """Every 1 ms: the book's invariants and the buffer bound."""
    levels = []

    def watcher():
        while True:
            orch.check_invariants()
            assert stream.buffered <= width
            levels.append(stream.buffered)
            yield dc.sim.timeout(MS)

    dc.sim.process(watcher(), name="watch")
    return levels


def test_a_process_gets_its_pairs_from_one_admission():
    dc = hub()
    orch = Orchestrator(dc)
    admissions = counting_admissions(orch)
    stream = EntanglementStream(orch, "qpu0", "qpu1", streams=2, name="s")
    got: list[PairLease] = []

    def consumer():
        for _ in range(20):
            lease = yield stream.next_pair()
            got.append(lease)
            yield dc.sim.timeout(MS)
            lease.consume()
            lease.release()

    dc.sim.process(consumer())
    watch(dc, orch, stream, 2)
    dc.sim.run(until=s_to_ps(1.0))
    assert len(got) == 20
    assert all(isinstance(lease, PairLease) for lease in got)
    assert all(lease.pair.status is PairStatus.CONSUMED and lease.released for lease in got)
    # No control-plane round trip per pair: one admission, one grant.
    assert len(admissions) == 1
    assert stream.handle.slices == 1
    assert stream.delivered == 20
    assert [lease.pair.id for lease in got] == sorted(lease.pair.id for lease in got)
    stream.close()
    dc.sim.run(until=s_to_ps(1.1))
    orch.check_invariants()


@pytest.mark.parametrize("width", [1, 2])
def test_buffered_pairs_never_exceed_the_width(width):
    dc = hub()
    orch = Orchestrator(dc)
    stream = EntanglementStream(orch, "qpu0", "qpu1", streams=width)
    levels = watch(dc, orch, stream, width)
    dc.sim.run(until=s_to_ps(0.5))  # nobody asks: the stream fills and stops
    assert stream.buffered == width
    assert max(levels) == width
    assert stream.handle.delivered == width
    assert dc.fabric.free_communication_qubits("qpu0") == 2 - width


def test_max_age_discards_buffered_pairs_and_the_stream_makes_fresh_ones():
    dc = hub()
    orch = Orchestrator(dc)
    stream = EntanglementStream(orch, "qpu0", "qpu1", streams=1, max_age_s=5e-3)
    watch(dc, orch, stream, 1)
    got: list[PairLease] = []

    def late_consumer():
        yield dc.sim.timeout(s_to_ps(0.3))
        lease = yield stream.next_pair()
        got.append(lease)
        lease.consume()
        lease.release()

    dc.sim.process(late_consumer())
    dc.sim.run(until=s_to_ps(0.4))
    assert stream.discarded >= 5
    # Regenerated: the stream made more pairs than it threw away, and the one taken
    # at 0.3 s was at most 5 ms old.
    assert stream.handle.delivered >= stream.discarded + 1
    (lease,) = got
    assert lease.consumed_ps - lease.granted_ps <= 5 * MS
    assert lease.pair.status is PairStatus.CONSUMED
    with pytest.raises(ParameterError, match="max_age_s"):
        EntanglementStream(orch, "qpu0", "qpu1", max_age_s=0.0)


def test_close_releases_every_buffered_lease_and_refuses_waiters():
    dc = hub()
    orch = Orchestrator(dc)
    stream = EntanglementStream(orch, "qpu0", "qpu1", streams=2)
    dc.sim.run(until=s_to_ps(0.3))
    assert stream.buffered == 2
    buffered = list(stream._buffer)
    held = stream.next_pair().value  # a consumer holds one through the close
    stream.close()
    assert stream.buffered == 0
    assert stream.closed
    assert all(lease.released and lease.pair.status is PairStatus.DISCARDED
               for lease in buffered if lease is not held)
    after = stream.next_pair()
    assert after.triggered
    assert isinstance(after.value, Refusal)
    assert "closed" in after.value.reason
    dc.sim.run(until=s_to_ps(0.4))
    # The held lease keeps its circuit until its consumer releases it.
    assert stream.handle.id in orch.dispatcher.serving
    held.consume()
    held.release()
    assert stream.handle.status is RequestStatus.CANCELLED
    assert not orch.dispatcher.serving
    assert dc.fabric.free_communication_qubits("qpu0") == 2
    orch.check_invariants()


def test_waiters_are_served_first_come_first_served_and_can_stop_waiting():
    dc = hub()
    orch = Orchestrator(dc)
    stream = EntanglementStream(orch, "qpu0", "qpu1", streams=1)
    first, gone, second = stream.next_pair(), stream.next_pair(), stream.next_pair()
    stream.cancel_wait(gone)
    assert stream.waiting == 2
    order = []
    first.add_callback(lambda lease: (order.append("first"), lease.release()))
    second.add_callback(lambda lease: (order.append("second"), lease.release()))
    dc.sim.run(until=s_to_ps(0.5))
    assert order == ["first", "second"]
    assert not gone.triggered
    # A signal that fired with a lease nobody took goes back to the buffer.
    raced = stream.next_pair()
    dc.sim.run(until=s_to_ps(0.6))
    assert raced.triggered
    assert stream.buffered == 0
    stream.cancel_wait(raced)
    assert stream.buffered == 1
    assert stream.next_pair().value is raced.value
    raced.value.release()
    stream.close()
    dc.sim.run(until=s_to_ps(0.7))
    orch.check_invariants()


def test_a_refused_stream_answers_every_wait_with_the_refusal():
    dc = hub()
    orch = Orchestrator(dc)
    stream = EntanglementStream(orch, "qpu0", "qpu1", min_fidelity=0.999)
    waiting = stream.next_pair()
    dc.sim.run(until=s_to_ps(0.1))
    assert stream.handle.status is RequestStatus.REFUSED
    assert isinstance(waiting.value, Refusal)
    assert waiting.value.reason.startswith("min_fidelity 0.999 unreachable")
    assert stream.next_pair().value is waiting.value


def test_request_pair_fires_with_a_lease_or_the_refusal():
    dc = hub()
    orch = Orchestrator(dc)
    admissions = counting_admissions(orch)
    got = []

    def consumer():
        lease = yield request_pair(orch, "qpu0", "qpu2", name="jit")
        got.append(lease)
        lease.consume()
        lease.release()
        refusal = yield request_pair(orch, "qpu0", "qpu2", min_fidelity=0.999)
        got.append(refusal)

    dc.sim.process(consumer())
    dc.sim.run(until=s_to_ps(0.5))
    lease, refusal = got
    assert isinstance(lease, PairLease)
    assert lease.handle.request.streams == 1
    assert lease.handle.name == "jit"
    assert lease.handle.status is RequestStatus.COMPLETED
    assert isinstance(refusal, Refusal)
    assert "unreachable" in refusal.reason
    assert len(admissions) == 2
    orch.check_invariants()
