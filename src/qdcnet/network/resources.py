"""The one book of a data center's bookable resources, each with an identity.

Resources are communication qubits and storage slots (per memory node),
switch ports (per switch, named by neighbour and fibre channel), station or
source units (per terminal) and fibre channels (per fibre). A
:class:`Claim` names what a piece of work needs: a number of interchangeable
items (qubits, slots, fibre channels, taken lowest index first) and specific
items (the ports and the unit the fabric chose). :meth:`ResourceBook.try_reserve`
books all of it or nothing and returns a :class:`Booking` naming exactly
which items are held; :meth:`ResourceBook.release` gives them back, once.

Every layer books through here: the fabric (segment circuits), the data
center (storage while pairs wait) and the orchestrator (through the data
center). Nothing else keeps a count of free resources.

Examples
--------
>>> book = ResourceBook(communication={"a": 2, "b": 1}, storage={"a": 1})
>>> first = book.try_reserve(Claim(communication={"a": 1, "b": 1}))
>>> first.communication
(('a', 0), ('b', 0))
>>> book.try_reserve(Claim(communication={"b": 1})) is None
True
>>> book.release(first)
>>> book.free_communication("b")
1
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from qdcnet.errors import QdcnetError

__all__ = ["Booking", "Claim", "ResourceBook"]

Port = tuple[str, int]  # (neighbour, fibre channel)
Fiber = tuple[str, str]  # sorted node names


@dataclass(frozen=True)
class Claim:
    """What a piece of work needs: counts of interchangeable items, and named items."""

    communication: Mapping[str, int] = field(default_factory=dict)
    storage: Mapping[str, int] = field(default_factory=dict)
    fibers: Mapping[Fiber, int] = field(default_factory=dict)
    ports: tuple[tuple[str, Port], ...] = ()
    units: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, eq=False)
class Booking:
    """Exactly which items one claim holds; give it back with :meth:`ResourceBook.release`."""

    id: int
    communication: tuple[tuple[str, int], ...] = ()
    storage: tuple[tuple[str, int], ...] = ()
    fibers: tuple[tuple[Fiber, int], ...] = ()
    ports: tuple[tuple[str, Port], ...] = ()
    units: tuple[tuple[str, int], ...] = ()


class ResourceBook:
    """Free and held resources of a data center (see the module docstring)."""

    def __init__(
        self,
        *,
        communication: Mapping[str, int] | None = None,
        storage: Mapping[str, int] | None = None,
        ports: Mapping[str, Iterable[Port]] | None = None,
        units: Mapping[str, int] | None = None,
        fibers: Mapping[Fiber, int] | None = None,
    ) -> None:
        self._capacity = {
            "communication": dict(communication or {}),
            "storage": dict(storage or {}),
            "fibers": dict(fibers or {}),
        }
        # Free items by kind and owner, lowest index first.
        self._free: dict[str, dict[object, list[int]]] = {
            kind: {owner: list(range(count)) for owner, count in capacity.items()}
            for kind, capacity in self._capacity.items()}
        # Ordered (insertion order): the fabric scans ports in a reproducible order.
        self._ports = {switch: dict.fromkeys(names) for switch, names in (ports or {}).items()}
        self._ports_held: set[tuple[str, Port]] = set()
        self._units = dict(units or {})
        self._units_held: set[tuple[str, int]] = set()
        self._bookings: dict[int, Booking] = {}
        self._ids = itertools.count(1)

    # -- queries -------------------------------------------------------------------------

    def capacity(self, kind: str, owner: object) -> int:
        """How many items of ``kind`` (communication, storage, fibers) ``owner`` has."""
        return self._capacity[kind].get(owner, 0)

    def free_communication(self, node: str) -> int:
        return len(self._free["communication"].get(node, ()))

    def free_storage(self, node: str) -> int:
        return len(self._free["storage"].get(node, ()))

    def free_fiber_channels(self, fiber: Fiber) -> int:
        return len(self._free["fibers"].get(fiber, ()))

    def port_free(self, switch: str, port: Port) -> bool:
        return port in self._ports.get(switch, ()) and (switch, port) not in self._ports_held

    def ports_of(self, switch: str) -> Iterable[Port]:
        """The switch's ports in a fixed order."""
        return self._ports[switch].keys()

    def free_units(self, terminal: str) -> list[int]:
        return [u for u in range(self._units.get(terminal, 0))
                if (terminal, u) not in self._units_held]

    @property
    def bookings(self) -> int:
        """Bookings now held."""
        return len(self._bookings)

    # -- booking ---------------------------------------------------------------------------

    def try_reserve(self, claim: Claim) -> Booking | None:
        """Book everything ``claim`` names, or nothing (``None`` if any of it is taken).

        A claim naming a resource the book does not have is a programming
        error and raises.
        """
        counted = (("communication", claim.communication), ("storage", claim.storage),
                   ("fibers", claim.fibers))
        for kind, wanted in counted:
            free = self._free[kind]
            for owner, count in wanted.items():
                if owner not in free:
                    raise QdcnetError(f"no {kind} resource at {owner!r}")
                if count < 0:
                    raise QdcnetError(f"a claim of {count} {kind} items at {owner!r}")
                if len(free[owner]) < count:
                    return None
        for switch, port in claim.ports:
            if port not in self._ports.get(switch, ()):
                raise QdcnetError(f"switch {switch!r} has no port {port!r}")
            if (switch, port) in self._ports_held:
                return None
        if len(set(claim.ports)) != len(claim.ports) or len(set(claim.units)) != len(claim.units):
            return None
        for terminal, unit in claim.units:
            if not 0 <= unit < self._units.get(terminal, 0):
                raise QdcnetError(f"{terminal!r} has no unit {unit}")
            if (terminal, unit) in self._units_held:
                return None
        taken: dict[str, list[tuple[object, int]]] = {}
        for kind, wanted in counted:
            free = self._free[kind]
            items = taken[kind] = []
            for owner, count in wanted.items():
                indices, free[owner] = free[owner][:count], free[owner][count:]
                items.extend((owner, i) for i in indices)
        self._ports_held.update(claim.ports)
        self._units_held.update(claim.units)
        booking = Booking(next(self._ids), tuple(taken["communication"]),  # type: ignore[arg-type]
                          tuple(taken["storage"]), tuple(taken["fibers"]),  # type: ignore[arg-type]
                          tuple(claim.ports), tuple(claim.units))
        self._bookings[booking.id] = booking
        return booking

    def release(self, booking: Booking) -> None:
        """Give back everything ``booking`` holds; a second release raises."""
        if self._bookings.get(booking.id) is not booking:
            raise QdcnetError(f"booking {booking.id} released twice (or never made here)")
        del self._bookings[booking.id]
        for kind, items in (("communication", booking.communication),
                            ("storage", booking.storage), ("fibers", booking.fibers)):
            free = self._free[kind]
            for owner, index in items:
                free[owner].append(index)
                free[owner].sort()
        self._ports_held.difference_update(booking.ports)
        self._units_held.difference_update(booking.units)

    # -- checks ----------------------------------------------------------------------------

    def check_invariants(self) -> None:
        """Every item is free or held by exactly one booking, never both (tests call this)."""
        for kind, capacity in self._capacity.items():
            held: dict[object, list[int]] = {}
            for booking in self._bookings.values():
                for owner, index in getattr(booking, kind):
                    held.setdefault(owner, []).append(index)
            for owner, count in capacity.items():
                items = held.get(owner, []) + self._free[kind][owner]
                if sorted(items) != list(range(count)):
                    raise QdcnetError(f"{kind} at {owner!r}: items {sorted(items)} are booked "
                                      f"or free, expected each of 0..{count - 1} exactly once")
        for name, attribute, held_set in (("ports", "ports", self._ports_held),
                                          ("units", "units", self._units_held)):
            booked = [item for b in self._bookings.values() for item in getattr(b, attribute)]
            if len(booked) != len(set(booked)) or set(booked) != held_set:
                raise QdcnetError(f"{name}: bookings and the held set disagree")
