"""Standing entanglement streams and just-in-time pairs, as kernel signals.

An :class:`EntanglementStream` is one open-ended request between two nodes,
admitted and granted once: its circuits stay booked and pairs keep flowing
into the consumer's communication qubits with no control-plane round trip
per pair. Each pair arrives as a :class:`~qdcnet.control.lease.PairLease`;
the stream buffers it until the consumer asks with :meth:`~EntanglementStream.next_pair`.
A buffered lease holds its qubits, so the stream stops making pairs once
``streams`` (its width) are buffered or held: the buffer never outgrows the
width (for a plan that distils, pairs wait in storage slots instead and the
storage bounds it). With ``max_age_s`` a buffered pair that old is discarded
and its qubits make a fresh one.

:func:`request_pair` is the just-in-time counterpart: one pair, asked for
when it is needed.

Both answer with a kernel :class:`~qdcnet.sim.process.Signal` whose value is
a :class:`~qdcnet.control.lease.PairLease`, or a
:class:`~qdcnet.control.admission.Refusal` saying why there will be no pair
(refused by admission, closed, cancelled, expired): the caller checks which,
nothing is raised inside the kernel. The consumer must consume and release
every lease it gets.

Examples
--------
>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.control import Orchestrator
>>> from qdcnet.network.topology import star
>>> dc = build_datacenter(star(3, profile="trapped_ion_oxford"), seed=1)
>>> stream = EntanglementStream(Orchestrator(dc), "qpu0", "qpu1", streams=1)
>>> def consumer():
...     for _ in range(3):
...         lease = yield stream.next_pair()
...         lease.consume()
...         lease.release()
...     stream.close()
>>> _ = dc.sim.process(consumer())
>>> dc.sim.run()
>>> stream.delivered, stream.handle.slices
(3, 1)
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from qdcnet.control.admission import Refusal
from qdcnet.control.lease import PairLease
from qdcnet.control.requests import EntanglementRequest, RequestHandle
from qdcnet.errors import check_range
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator
    from qdcnet.sim.process import Signal

__all__ = ["EntanglementStream", "request_pair"]


class EntanglementStream:
    """One admission and reservation between ``src`` and ``dst``; then pairs flow.

    Parameters
    ----------
    orchestrator
        Submits the stream's open-ended request (at once).
    src, dst
        The two nodes.
    min_fidelity
        Fidelity each pair must have at delivery (admission plans for it).
    streams
        Width: the most communication qubits the stream holds at each end
        (``None``: all of them).
    max_age_s
        Discard a buffered pair this long after its delivery, so the stream
        makes a fresh one (``None``: keep it).
    name, priority
        The request's name and priority.

    Attributes
    ----------
    handle
        The request's handle (its plan, status and counts).
    delivered
        Leases handed to consumers.
    discarded
        Buffered pairs discarded at ``max_age_s``.
    """

    def __init__(self, orchestrator: Orchestrator, src: str, dst: str, *,
                 min_fidelity: float | None = None, streams: int | None = None,
                 max_age_s: float | None = None, name: str = "", priority: int = 0) -> None:
        if max_age_s is not None:
            check_range("max_age_s", max_age_s, 0.0, low_open=True)
        self.sim = orchestrator.sim
        self.max_age_ps = None if max_age_s is None else s_to_ps(max_age_s, name="max_age_s")
        self.delivered = 0
        self.discarded = 0
        self._buffer: deque[PairLease] = deque()
        self._waiters: deque[Signal] = deque()
        self._ended: Refusal | None = None
        request = EntanglementRequest(src, dst, min_fidelity=min_fidelity, priority=priority,
                                      name=name, streams=streams)
        self.handle: RequestHandle = orchestrator.submit(request, on_lease=self._on_lease,
                                                         on_done=self._on_done)
        self._label = f"{self.handle.name}.next_pair"

    @property
    def buffered(self) -> int:
        """Leases made and waiting for a consumer."""
        return len(self._buffer)

    @property
    def waiting(self) -> int:
        """Consumers waiting for a pair."""
        return len(self._waiters)

    @property
    def closed(self) -> bool:
        """No more pairs will come (closed, cancelled or refused)."""
        return self._ended is not None

    def next_pair(self) -> Signal:
        """A signal that fires with the next lease (at once if one is buffered).

        Consumers are served first come, first served, the oldest buffered
        pair first. On a stream that is closed or was refused the signal
        fires with a :class:`~qdcnet.control.admission.Refusal` instead.
        """
        signal = self.sim.signal(self._label)
        if self._buffer:
            self.delivered += 1
            signal.fire(self._buffer.popleft())
        elif self._ended is not None:
            signal.fire(self._ended)
        else:
            self._waiters.append(signal)
        return signal

    def cancel_wait(self, signal: Signal) -> None:
        """Stop waiting on ``signal`` (from :meth:`next_pair`).

        If it has fired with a lease already (e.g. at the same instant as a
        timeout it raced), the lease goes back to the front of the buffer,
        so call this only for a lease you have not taken.
        """
        if not signal.triggered:
            if signal in self._waiters:
                self._waiters.remove(signal)
            return
        lease = signal.value
        if isinstance(lease, PairLease) and not lease.released and lease.consumed_ps is None:
            self.delivered -= 1
            if self._ended is not None:
                lease.discard("stream closed")
            else:
                self._buffer.appendleft(lease)
                self._schedule_age_out(lease)

    def close(self) -> None:
        """Cancel the request and release every buffered lease.

        Leases already handed out stay with their consumers (who release
        them); consumers still waiting get a :class:`Refusal`.
        """
        if self._ended is None:
            self._end(Refusal(f"stream {self.handle.name} closed"))
        self.handle.cancel()

    # -- from the orchestrator ---------------------------------------------------------

    def _on_lease(self, lease: PairLease) -> None:
        if self._ended is not None:
            lease.discard("stream closed")
            return
        if self._waiters:
            self.delivered += 1
            self._waiters.popleft().fire(lease)
            return
        self._buffer.append(lease)
        self._schedule_age_out(lease)

    def _schedule_age_out(self, lease: PairLease) -> None:
        if self.max_age_ps is not None:
            at = max(self.sim.now, lease.granted_ps + self.max_age_ps)
            self.sim.schedule_at(at, self._age_out, lease)

    def _age_out(self, lease: PairLease) -> None:
        # The buffer is at most the width long: a scan is cheap.
        if lease in self._buffer:
            self._buffer.remove(lease)
            self.discarded += 1
            lease.discard("stream max age")  # its qubits make a fresh pair

    def _on_done(self, handle: RequestHandle) -> None:
        if self._ended is None:
            reason = handle.reason or f"stream {handle.name} {handle.status.value}"
            self._end(Refusal(reason))

    def _end(self, refusal: Refusal) -> None:
        self._ended = refusal
        while self._buffer:
            self._buffer.popleft().discard("stream closed")
        while self._waiters:
            self._waiters.popleft().fire(refusal)

    def __repr__(self) -> str:
        state = "closed" if self._ended is not None else self.handle.status.value
        return (f"EntanglementStream({self.handle.name}, {state}, {self.buffered} buffered, "
                f"{self.waiting} waiting, {self.delivered} delivered)")


def request_pair(orchestrator: Orchestrator, src: str, dst: str, *,
                 min_fidelity: float | None = None, streams: int | None = 1,
                 name: str = "") -> Signal:
    """Ask for one pair now: a signal that fires with its lease, or a Refusal.

    A one-pair request of width ``streams`` submitted with ``on_lease``. If
    no pair comes (refused, expired, cancelled) the signal fires with a
    :class:`~qdcnet.control.admission.Refusal` when the notice reaches
    ``src``.
    """
    request = EntanglementRequest(src, dst, num_pairs=1, min_fidelity=min_fidelity,
                                  streams=streams, name=name)
    signal = orchestrator.sim.signal(f"{name or 'pair'}:{src}-{dst}")

    def done(handle: RequestHandle) -> None:
        if not signal.triggered:
            signal.fire(Refusal(handle.reason or f"request {handle.name} "
                                f"{handle.status.value}"))

    orchestrator.submit(request, on_lease=signal.fire, on_done=done)
    return signal
