"""PathService.store: a pair already handed over moves into storage qubits at both ends."""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import QdcnetError
from qdcnet.network.service import PathService
from qdcnet.network.topology import star
from qdcnet.units import s_to_ps

ENDS = ("qpu0", "qpu1")


def _served(pairs: int, seed: int = 3, expect: int | None = None):
    """An Oxford star (one 43Ca+ storage qubit per node) and a service that handed over
    ``pairs`` pairs, each held by the test."""
    dc = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=seed)
    held = []
    done = []
    service = PathService(dc, "r", ENDS, pairs=pairs, on_pair=held.append,
                          on_done=done.append)
    service.start()
    dc.sim.run()
    assert len(held) == (pairs if expect is None else expect)
    return dc, service, held, done


def _free(dc, kind):
    if kind == "storage":
        return [dc.book.free_storage(n) for n in ENDS]
    return [dc.book.free_communication(n) for n in ENDS]


def test_a_stored_pair_follows_the_stock_rule_books_storage_and_frees_the_circuit():
    dc, service, (pair,), done = _served(1)
    assert done == []  # the handed pair holds the circuit's qubits: not closed yet
    comm_before = _free(dc, "communication")
    assert _free(dc, "storage") == [1, 1]
    asked = dc.sim.now
    transfer = s_to_ps(max(dc.ops[n].transfer_time_s for n in ENDS))
    # What the stock rule (pairs stored before delivery) gives at the end of the move.
    expected = pair.state_at(asked + transfer)
    for qubit, node in enumerate(ENDS):
        expected = expected.depolarize_qubit(dc.ops[node].transfer_error, qubit=qubit)
    answers = []
    service.store(pair, lambda ok: answers.append((ok, dc.sim.now)))
    assert answers == []
    assert _free(dc, "storage") == [0, 0]
    dc.sim.run()
    assert answers == [(True, asked + transfer)]
    assert pair.state_time_ps == asked + transfer
    assert pair.state.coefficients == pytest.approx(expected.coefficients, abs=1e-15)
    assert pair.memory_a is dc.ops["qpu0"].data_memory
    assert pair.memory_b is dc.ops["qpu1"].data_memory
    assert pair.end_a.slot == pair.end_b.slot == -1
    # The lineage went back: the finished service closed and the circuit is free.
    assert done == [service]
    assert all(after > before for after, before in zip(_free(dc, "communication"),
                                                       comm_before, strict=True))
    assert _free(dc, "storage") == [0, 0]
    pair.consume(dc.sim.now)
    service.release(pair)
    assert _free(dc, "storage") == [1, 1]
    dc.book.check_invariants()
    assert dc.book.bookings == 0


def test_a_stored_pair_frees_the_communication_qubit_and_store_is_refused_when_full():
    # One communication qubit per node: the held pair blocks the next one until stored.
    dc, service, held, _ = _served(2, expect=1)
    first = held[0]
    answers = []
    service.store(first, lambda ok: answers.append(("first", ok)))
    dc.sim.run()
    assert answers == [("first", True)]
    assert len(held) == 2
    second = held[1]
    memory = second.memory_a
    service.store(second, lambda ok: answers.append(("second", ok)))
    assert answers[-1] == ("second", False)  # one storage qubit per node, held by first
    assert _free(dc, "storage") == [0, 0]
    dc.sim.run()
    assert len(answers) == 2
    assert second.memory_a is memory  # the refused pair stays in its communication qubit
    for pair in (first, second):
        pair.consume(dc.sim.now)
        service.release(pair)
    assert _free(dc, "storage") == [1, 1]
    assert dc.book.bookings == 0


def test_a_pair_released_during_the_move_frees_its_storage_and_gets_no_answer():
    dc, service, (pair,), _ = _served(1)
    answers = []
    service.store(pair, answers.append)
    with pytest.raises(QdcnetError, match="being moved to storage already"):
        service.store(pair, answers.append)
    pair.discard(dc.sim.now, "not needed")
    service.release(pair)
    assert _free(dc, "storage") == [1, 1]
    dc.sim.run()
    assert answers == []
    assert dc.book.bookings == 0


def test_only_a_live_pair_handed_over_by_the_service_can_be_stored():
    dc, service, (pair,), _ = _served(1)
    pair.consume(dc.sim.now)
    with pytest.raises(QdcnetError, match="consumed: nothing to store"):
        service.store(pair, lambda ok: None)
    service.release(pair)
    with pytest.raises(QdcnetError, match="was not delivered"):
        service.store(pair, lambda ok: None)
