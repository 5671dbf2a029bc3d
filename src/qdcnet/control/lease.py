"""Pair leases: a delivered pair held by its consumer until it releases it.

A request submitted with ``on_lease`` (see
:meth:`~qdcnet.control.orchestrator.Orchestrator.submit`) receives each pair
as a :class:`PairLease`. The pair stays live, and the qubits and circuits
that hold it stay booked, until the consumer **consumes** it (uses the
entanglement: the pair's state is read at that moment) and then
**releases** it (gives back the communication qubits). The two are separate
because a program's remote gate consumes the pair at one moment and frees
the qubits at another. While leases are held their request's circuits stay
booked, so a stream never makes more pairs than its width: holding a pair
is backpressure.

Examples
--------
>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.control import EntanglementRequest, Orchestrator
>>> from qdcnet.network.topology import star
>>> dc = build_datacenter(star(3, profile="trapped_ion_oxford"), seed=1)
>>> orch = Orchestrator(dc)
>>> leases = []
>>> handle = orch.submit(EntanglementRequest("qpu0", "qpu1", num_pairs=1),
...                      on_lease=leases.append)
>>> dc.sim.run()
>>> lease = leases[0]
>>> lease.live, lease.released   # held: the pair waits, its qubits stay booked
(True, False)
>>> state = lease.consume()
>>> lease.release()
>>> lease.live, lease.released
(False, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.pair import EntangledPair, PairStatus
from qdcnet.quantum.pauli import decay_rates
from qdcnet.units import PS_PER_S

if TYPE_CHECKING:
    from qdcnet.control.requests import RequestHandle
    from qdcnet.network.service import PathService
    from qdcnet.quantum import PairState
    from qdcnet.sim import Simulator

__all__ = ["PairLease"]


class PairLease:
    """A delivered pair held by a consumer until it consumes and releases it.

    Attributes
    ----------
    pair
        The pair (live until consumed or discarded).
    handle
        The request it was delivered to.
    granted_ps
        When it was delivered (integer picoseconds).
    consumed_ps, released_ps
        When it was consumed and released (``None`` until then).
    """

    __slots__ = ("_service", "_sim", "consumed_ps", "granted_ps", "handle", "pair",
                 "released_ps", "stored_ps")

    def __init__(self, pair: EntangledPair, handle: RequestHandle, service: PathService,
                 sim: Simulator) -> None:
        self.pair = pair
        self.handle = handle
        self.granted_ps: int = sim.now
        self.consumed_ps: int | None = None
        self.released_ps: int | None = None
        #: when the pair's move into storage qubits ended (None: not stored by :meth:`store`)
        self.stored_ps: int | None = None
        self._service = service
        self._sim = sim

    @property
    def live(self) -> bool:
        """The pair can still be consumed."""
        return self.pair.status is PairStatus.LIVE

    @property
    def released(self) -> bool:
        """The qubits that held the pair are given back."""
        return self.released_ps is not None

    def _now(self, now_ps: int | None) -> int:
        if now_ps is None:
            return self._sim.now
        if now_ps.__class__ is not int:
            raise ParameterError("now_ps", now_ps, "an integer number of picoseconds")
        return now_ps

    def state_at(self, now_ps: int | None = None) -> PairState:
        """The pair's state at ``now_ps`` (default: now), aged exactly; uses nothing."""
        return self.pair.state_at(self._now(now_ps))

    def expected_fidelity(self, now_ps: int | None = None) -> float:
        """The fidelity the control plane expects the pair to have at ``now_ps``.

        The stock's rule: the plan's delivered state aged by the time since
        delivery in the two ends' memories. It reads only what a controller
        knows (not this pair's herald history), so a scheduler can use it
        before the pair exists.
        """
        plan = self.handle.plan
        if plan is None:
            raise QdcnetError(f"lease of pair {self.pair.id}: its request has no plan")
        age_s = (self._now(now_ps) - self.granted_ps) / PS_PER_S
        t1_rate, t2_rate = decay_rates(self.pair.memory_a, self.pair.memory_b)
        return float(plan.estimate.state.age(max(0.0, age_s), t1_rate, t2_rate).fidelity)

    def consume(self, now_ps: int | None = None) -> PairState:
        """Use the pair: its state at ``now_ps`` (default: now). Once only.

        The qubits stay booked until :meth:`release`. A second call raises
        :class:`~qdcnet.link.pair.PairUsedError`.
        """
        now = self._now(now_ps)
        state = self.pair.consume(now)
        self.consumed_ps = now
        return state

    def store(self, on_stored: Callable[[bool], None]) -> None:
        """Move the held pair into storage qubits at both ends, freeing its communication qubits.

        ``on_stored(True)`` when the transfer has ended (the pair then waits in
        the storage memories, and :meth:`release` frees the storage slots);
        ``on_stored(False)`` at once if a storage slot is not free at both
        ends (the pair stays in its communication qubits). See
        :meth:`PathService.store <qdcnet.network.service.PathService.store>`.
        """
        if self.released_ps is not None or self.consumed_ps is not None:
            raise QdcnetError(f"lease of pair {self.pair.id} is "
                              f"{'released' if self.released else 'consumed'}: nothing to store")

        def stored(ok: bool) -> None:
            if ok and self.stored_ps is None:
                self.stored_ps = self._sim.now
            on_stored(ok)

        self._service.store(self.pair, stored)

    def release(self, now_ps: int | None = None) -> None:
        """Give back the qubits that held the pair (a live pair is discarded first).

        ``now_ps`` is the time recorded (default now); the qubits come back at
        the kernel's present, so release from an event at the time you mean.
        Releasing twice is an error.
        """
        if self.released_ps is not None:
            raise QdcnetError(f"lease of pair {self.pair.id} was released already")
        now = self._now(now_ps)
        if self.pair.status is PairStatus.LIVE:
            self.pair.discard(now, "released unused")
        self.released_ps = now
        self._service.release(self.pair)

    def discard(self, reason: str) -> None:
        """Drop the pair unused (``reason`` is recorded on it) and release it, now."""
        now = self._sim.now
        if self.pair.status is PairStatus.LIVE:
            self.pair.discard(now, reason)
        self.release(now)

    def __repr__(self) -> str:
        state = ("released" if self.released else "consumed" if self.consumed_ps is not None
                 else "held")
        return f"PairLease(pair {self.pair.id}, {self.handle.name}, {state})"
