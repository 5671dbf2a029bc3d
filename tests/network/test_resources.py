"""The resource book: all or nothing, items with identity, released once (issue 11)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qdcnet.errors import QdcnetError
from qdcnet.network.resources import Claim, ResourceBook


def book() -> ResourceBook:
    return ResourceBook(communication={"a": 2, "b": 2}, storage={"a": 1, "b": 1},
                        ports={"sw": [("a", 0), ("b", 0), ("st", 0), ("st", 1)]},
                        units={"st": 1}, fibers={("a", "sw"): 1, ("b", "sw"): 1})


def test_a_claim_is_booked_whole_or_not_at_all():
    b = book()
    first = b.try_reserve(Claim(communication={"a": 1, "b": 1}, units=(("st", 0),),
                                ports=(("sw", ("a", 0)), ("sw", ("st", 0)))))
    assert first is not None
    assert first.communication == (("a", 0), ("b", 0))
    # The unit is taken: nothing of this claim is booked, not even the free qubits.
    assert b.try_reserve(Claim(communication={"a": 1}, units=(("st", 0),))) is None
    assert b.free_communication("a") == 1
    b.check_invariants()
    b.release(first)
    assert b.free_communication("a") == 2
    assert b.free_units("st") == [0]
    assert b.port_free("sw", ("a", 0))
    b.check_invariants()


def test_items_have_identity_and_come_back_in_order():
    b = book()
    one = b.try_reserve(Claim(communication={"a": 1}))
    two = b.try_reserve(Claim(communication={"a": 1}))
    assert (one.communication, two.communication) == ((("a", 0),), (("a", 1),))
    b.release(one)
    three = b.try_reserve(Claim(communication={"a": 1}))
    assert three.communication == (("a", 0),)


def test_a_second_release_and_unknown_resources_raise():
    b = book()
    taken = b.try_reserve(Claim(storage={"a": 1}))
    b.release(taken)
    with pytest.raises(QdcnetError, match="released twice"):
        b.release(taken)
    with pytest.raises(QdcnetError, match="no storage resource at 'z'"):
        b.try_reserve(Claim(storage={"z": 1}))
    with pytest.raises(QdcnetError, match="has no port"):
        b.try_reserve(Claim(ports=(("sw", ("q", 3)),)))


def test_a_claim_naming_one_port_twice_is_refused():
    assert book().try_reserve(Claim(ports=(("sw", ("a", 0)), ("sw", ("a", 0))))) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 2),
                          st.sampled_from([(), (("st", 0),)])), max_size=40))
def test_random_claims_and_releases_keep_the_books_exact(steps):
    b = book()
    held = []
    for release, a, s_, units in steps:
        if release and held:
            b.release(held.pop(0))
        else:
            booking = b.try_reserve(Claim(communication={"a": a}, storage={"b": min(s_, 1)},
                                          units=units))
            if booking is not None:
                held.append(booking)
        b.check_invariants()
        in_use = sum(len(h.communication) for h in held)
        assert b.free_communication("a") == 2 - in_use
