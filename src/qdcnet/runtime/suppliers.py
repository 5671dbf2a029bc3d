"""Where a running job's ebits come from: the orchestrator, per ebit or as standing streams.

:class:`JitSupplier` asks the orchestrator for one pair when the operation
is ready for it (admission, reservation and generation on the critical path).
:class:`StreamSupplier` opens one standing stream per QPU pair when the job
starts (one admission and reservation each) and takes pairs from it as soon
as the job's communication qubits allow, so pairs for later operations, and
for the next shot, are made while the QPUs compute.

Stream widths come from the program (:func:`stream_widths`): per QPU pair,
the most ebits of that pair open at once in program order. A narrower stream
could deadlock (an ebit waiting for its stream's slot, held by a copy whose
last use waits for an ebit queued behind it), so if the widths at a QPU add
up to more than its communication qubits, streams do not fit and the job
runs just in time.

A pair the executor moved into storage qubits (``lease.stored_ps`` set) no
longer holds its stream's communication qubits, so both suppliers free it end
by end: the finished end's storage slot goes back with the pair, the other
end's is kept (:meth:`~qdcnet.control.orchestrator.Orchestrator.hold_storage`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qdcnet.control.admission import Refusal
from qdcnet.control.streams import EntanglementStream, request_pair
from qdcnet.errors import QdcnetError
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator
    from qdcnet.schedule.timing import EbitNeed, ProgramTiming

__all__ = ["JitSupplier", "StreamSupplier", "stream_widths"]


def _key(qpus: tuple[str, str]) -> tuple[str, str]:
    a, b = qpus
    return (a, b) if a <= b else (b, a)


class _FromOrchestrator:
    """What both network suppliers share: age limits, and freeing a pair end by end."""

    orchestrator: Orchestrator
    max_age_s: Mapping[tuple[str, str], float | None]

    def max_age_ps(self, qpus: tuple[str, str]) -> int | None:
        age = self.max_age_s.get(_key(qpus))
        return None if age is None else s_to_ps(age)

    def release_first_end(self, lease: Any, still_held: str) -> Any:
        # The pair goes back to the network (its circuit, the finished end's qubit); the
        # other end's qubit stays booked for the copy or qubit that still lives in it:
        # its storage slot if the pair was stored, else its communication qubit.
        stored = getattr(lease, "stored_ps", None) is not None
        lease.release()
        if stored:
            booking = self.orchestrator.hold_storage(still_held)
        else:
            booking = self.orchestrator.hold_communication(still_held)
        if booking is None:
            self.overlaps += 1  # cannot happen while dispatch is deferred; counted if it does
        return booking

    def release_last_end(self, token: Any) -> None:
        if token is not None:
            self.orchestrator.release_hold(token)


@dataclass
class JitSupplier(_FromOrchestrator):
    """One orchestrator request per ebit, made when its operation is ready.

    ``min_fidelity`` per QPU pair (either order) is the fidelity each pair
    must have at delivery (the planner chooses path and distillation for
    it); ``max_age_s`` how long a delivered pair may wait for its first use.
    """

    orchestrator: Orchestrator
    min_fidelity: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    max_age_s: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    name: str = "job"
    eager: bool = False
    requests: int = 0
    overlaps: int = 0

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None:
        self.requests += 1
        signal = request_pair(self.orchestrator, qpus[0], qpus[1],
                              min_fidelity=self.min_fidelity.get(_key(qpus)), streams=1,
                              name=f"{self.name}.e{ebit.index}")
        signal.add_callback(lambda got: deliver(_lease_or_reason(got)))

    def close(self) -> None:
        return None


@dataclass
class StreamSupplier(_FromOrchestrator):
    """Standing streams, one per QPU pair of the program, opened at once.

    ``widths`` per QPU pair (from :func:`stream_widths`); ``min_fidelity``
    and ``max_age_s`` per pair: the delivery target and how long a pair may
    wait for its use before a fresh one replaces it. A stream holds both
    ends of its pairs until both are done (its width counts whole pairs).

    Streams of different jobs (or a job's own, on a shared fabric) can wait
    on each other for network resources forever: if a stream is not granted
    within ``grace_s`` of the start, the supplier closes its streams and asks
    for every further pair just in time (``degraded`` says why).
    """

    orchestrator: Orchestrator
    widths: Mapping[tuple[str, str], int]
    min_fidelity: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    max_age_s: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    name: str = "job"
    grace_s: float | None = None
    eager: bool = True
    streams: dict[tuple[str, str], EntanglementStream] = field(default_factory=dict)
    degraded: str = ""
    overlaps: int = 0
    _waiting: list[tuple[Any, Any, tuple[str, str], Any, Callable[[Any], None]]] = field(
        default_factory=list)
    _jit: JitSupplier | None = None
    _half_done: list[list[Any]] = field(default_factory=list)
    #: set by the executor: give back pairs delivered but unused (they hold the network)
    on_degrade: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        for pair, width in sorted(self.widths.items()):
            self.streams[pair] = EntanglementStream(
                self.orchestrator, pair[0], pair[1], min_fidelity=self.min_fidelity.get(pair),
                streams=width, max_age_s=self.max_age_s.get(pair),
                name=f"{self.name}.{pair[0]}-{pair[1]}")
        if self.grace_s is not None:
            self.orchestrator.sim.schedule(s_to_ps(self.grace_s), self._check_granted)

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None:
        if self._jit is not None:
            self._jit.want(qpus, ebit, deliver)
            return
        stream = self.streams.get(_key(qpus))
        if stream is None:
            raise QdcnetError(f"{self.name}: no stream between {qpus[0]} and {qpus[1]}")
        signal = stream.next_pair()
        entry = (signal, stream, qpus, ebit, deliver)
        self._waiting.append(entry)

        def arrived(got: Any) -> None:
            if entry in self._waiting:
                self._waiting.remove(entry)
            deliver(_lease_or_reason(got))

        signal.add_callback(arrived)

    def release_first_end(self, lease: Any, still_held: str) -> Any:
        if self._jit is not None or getattr(lease, "stored_ps", None) is not None:
            # A stored pair gave its communication qubits (the stream's width) back when
            # it moved: it is freed end by end, its other end's storage slot kept.
            return ["jit", super().release_first_end(lease, still_held), still_held]
        # A stream's width counts whole pairs: it holds both ends until both are done.
        token = ["stream", lease, still_held]
        self._half_done.append(token)
        return token

    def release_last_end(self, token: Any) -> None:
        kind, held, _ = token
        if kind == "jit":
            super().release_last_end(held)
        else:
            self._half_done.remove(token)
            held.release()

    def _check_granted(self) -> None:
        late = sorted(f"{a}-{b}" for (a, b), stream in self.streams.items()
                      if stream.handle.slices == 0 and not stream.closed)
        if late and self._jit is None:
            self._degrade(f"stream(s) {', '.join(late)} not granted within {self.grace_s:g} s "
                          "(the network is held by other work): ebits just in time from then")

    def _degrade(self, reason: str) -> None:
        self.degraded = reason
        self._jit = JitSupplier(self.orchestrator, self.min_fidelity, self.max_age_s,
                                name=self.name)
        self.eager = False
        waiting, self._waiting = self._waiting, []
        for signal, stream, _, _, _ in waiting:
            if not signal.triggered:
                stream.cancel_wait(signal)
        for stream in self.streams.values():
            if not stream.closed:
                stream.close()
        # Pairs with one end done hold their whole circuit while the other end's copy
        # lives: from now on they are freed end by end, like just-in-time pairs.
        for token in self._half_done:
            lease, still_held = token[1], token[2]
            token[0], token[1] = "jit", super().release_first_end(lease, still_held)
        self._half_done.clear()
        # Pairs delivered ahead of need hold circuits that other ebits may wait for: the
        # executor gives them back and asks again, just in time (when each is needed).
        if self.on_degrade is not None:
            self.on_degrade()

    def close(self) -> None:
        for stream in self.streams.values():
            if not stream.closed:
                stream.close()


def _lease_or_reason(got: Any) -> Any:
    if isinstance(got, Refusal):
        return got.reason
    return got


def stream_widths(timing: ProgramTiming, comm_qubits: Mapping[str, int]
                  ) -> dict[tuple[str, str], int] | str:
    """Per QPU pair, how many communication qubits its stream holds; or why streams cannot fit.

    The width is the most ebits of the pair open at once in program order (a
    copy or a parked qubit holds its slot until its last use).

    >>> from types import SimpleNamespace as NS
    >>> ebits = (NS(qpus=("a", "b"), first=(0, 1), last=(4, 5)),
    ...          NS(qpus=("a", "b"), first=(2, 3), last=(6, 7)))
    >>> stream_widths(NS(ebits=ebits), {"a": 2, "b": 2})
    {('a', 'b'): 2}
    >>> stream_widths(NS(ebits=ebits), {"a": 1, "b": 2})
    'a needs 2 communication qubit(s) for standing streams to b and has 1'
    """
    events: list[tuple[int, int, tuple[str, str]]] = []
    for e in timing.ebits:
        pair = _key(e.qpus)
        events.append((min(e.first), 1, pair))
        events.append((max(e.last), -1, pair))
    events.sort(key=lambda item: (item[0], item[1]))  # a release before an open at one index
    open_now: dict[tuple[str, str], int] = {}
    widths: dict[tuple[str, str], int] = {}
    for _, step, pair in events:
        open_now[pair] = open_now.get(pair, 0) + step
        widths[pair] = max(widths.get(pair, 0), open_now[pair])
    for qpu in sorted({q for pair in widths for q in pair}):
        mine = sorted(pair for pair in widths if qpu in pair)
        need = sum(widths[p] for p in mine)
        capacity = int(comm_qubits.get(qpu, 0))
        if need > capacity:
            partners = ", ".join(b if a == qpu else a for a, b in mine)
            return (f"{qpu} needs {need} communication qubit(s) for standing streams to "
                    f"{partners} and has {capacity}")
    return widths
