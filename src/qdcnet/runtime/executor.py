"""A distributed program executed shot by shot on the event kernel, the network live.

The executor walks the program's timed instruction DAG
(:class:`~qdcnet.schedule.timing.ProgramTiming`): an instruction starts when
the instructions before it on its slots have ended, when the bits of its
condition have arrived (the classical latency included), and, for the first
instruction at each end of an ebit, when its ``need_deps`` are done (the data
side of its operation and of the far half's consumers) and it has arrived.
Ebits come from an :class:`EbitSupplier`: just in
time from the orchestrator (one request per ebit), from standing streams
(pairs made ahead of need), or at once (an ideal network, for tests and
baselines). A pair is leased: consumed at its first use; each end's
communication qubit counts as free at that end's last use (the supplier
gives the pair back to the network then and keeps the other end's qubit
booked for what still lives in it, see :meth:`EbitSupplier.release_first_end`),
as the compiler fitted the slots. A pair that waits longer than the
supplier's age limit before its first use is given back and made afresh.
Where the schedule stored an ebit, a pair that comes before its operation is
ready moves into dedicated storage qubits instead (see :class:`Execution`),
freeing its communication qubits; it holds a storage qubit at each end until
that end's last use.

Deadlock freedom. Ebits are asked for in program order per QPU, and at most
as many communication slots are open on a QPU as it has communication
qubits. Every instruction's dependencies come earlier in program order, so
the earliest unfinished instruction can always run once its ebit comes: the
slots open before it are exactly those open at that point of the sequential
program, which the compiler fitted into the communication qubits. An ebit
the network cannot deliver (refused, expired) ends the job with its reason.

Shots pipeline: at most ``window`` shots are in flight. Shot ``k+1``'s data
qubits start when shot ``k`` has finished with them (slot by slot), and its
ebits may be asked for while shot ``k`` computes, in order, within the
communication qubits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from qdcnet.errors import QdcnetError
from qdcnet.quantum import BellDiagonal
from qdcnet.runtime.trace import EbitUse, ShotTrace
from qdcnet.schedule.timing import EbitNeed, ProgramTiming
from qdcnet.sim import Simulator

__all__ = ["EbitSupplier", "Execution", "ExecutionError", "InstantSupplier"]


class ExecutionError(QdcnetError):
    """A job that cannot finish: an ebit refused, or no event left to make progress."""

    code = "execution"


class Lease(Protocol):
    """What the executor needs of a delivered pair (:class:`~qdcnet.control.lease.PairLease`)."""

    granted_ps: int

    def consume(self, now_ps: int | None = None) -> Any: ...

    def release(self, now_ps: int | None = None) -> None: ...


class EbitSupplier(Protocol):
    """Where a job's ebits come from.

    :meth:`want` asks for one pair between ``qpus`` for ebit ``ebit`` of the
    program; ``deliver(lease)`` is called when it is there, or
    ``deliver(reason)`` with a string when it will never come. ``eager`` says
    whether the executor should ask as soon as the communication qubits
    allow (prefetch) or only when the operation's data side is ready (just in
    time).
    """

    eager: bool

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None: ...

    def close(self) -> None: ...

    def max_age_ps(self, qpus: tuple[str, str]) -> int | None:
        """How long a delivered pair may wait for its first use (None: no limit)."""
        ...

    def release_first_end(self, lease: Any, still_held: str) -> Any:
        """One end is done with the pair: free it, keep ``still_held``'s qubit; a token."""
        ...

    def release_last_end(self, token: Any) -> None:
        """The other end is done too: free what the token keeps."""
        ...


class _InstantLease:
    __slots__ = ("granted_ps", "state")

    def __init__(self, granted_ps: int, state: BellDiagonal) -> None:
        self.granted_ps = granted_ps
        self.state = state

    def consume(self, now_ps: int | None = None) -> BellDiagonal:
        return self.state

    def release(self, now_ps: int | None = None) -> None:
        return None


@dataclass
class InstantSupplier:
    """Ebits that arrive the moment they are asked for, in a fixed state (an ideal network).

    ``state`` is one :class:`~qdcnet.quantum.BellDiagonal` for every ebit, or
    a mapping from QPU pair (either order) to one.
    """

    sim: Simulator
    state: BellDiagonal | Mapping[tuple[str, str], BellDiagonal] = field(
        default_factory=lambda: BellDiagonal.werner(1.0))
    eager: bool = False

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None:
        state = self.state
        if not isinstance(state, BellDiagonal):
            state = state.get(qpus) or state[(qpus[1], qpus[0])]
        self.sim.schedule(0, deliver, _InstantLease(self.sim.now, state))

    def close(self) -> None:
        return None

    def max_age_ps(self, qpus: tuple[str, str]) -> int | None:
        return None

    def release_first_end(self, lease: Any, still_held: str) -> Any:
        lease.release()
        return None

    def release_last_end(self, token: Any) -> None:
        return None


@dataclass
class _Shot:
    number: int
    remaining: list[int]
    need_left: list[int]
    starts: list[int]
    done: int = 0
    started_ps: int | None = None
    ended_ps: int = 0
    leases: dict[int, Any] = field(default_factory=dict)
    #: per ebit with one end done, what keeps the other end's qubit (the supplier's token)
    halves: dict[int, Any] = field(default_factory=dict)
    uses: dict[int, EbitUse] = field(default_factory=dict)
    requested: dict[int, int] = field(default_factory=dict)
    #: per ebit, the number of its current ask (an answer to an older ask is stale)
    asks: dict[int, int] = field(default_factory=dict)
    needed: dict[int, int] = field(default_factory=dict)
    last_left: dict[int, int] = field(default_factory=dict)
    #: data keys whose last instruction of this shot has ended
    keys_done: set[tuple[str, int]] = field(default_factory=set)
    #: ebits whose pair is moving into storage qubits, and those that are there
    storing: set[int] = field(default_factory=set)
    stored: set[int] = field(default_factory=set)


class Execution:
    """One job's shots on the kernel: start with :meth:`start`, then run the kernel.

    ``on_shot(trace)`` is called as each shot ends and ``on_done(execution)``
    when all have (or the job failed: :attr:`failure` says why).

    Storage: ``stored_ebits`` are the ebits (program indices) the schedule
    moved into storage qubits, ``storage`` each QPU's dedicated storage
    qubits. Such an ebit's pair, when it arrives before its operation is
    ready and a storage qubit is free at both ends, moves into storage
    (:meth:`PairLease.store <qdcnet.control.lease.PairLease.store>`): its
    first use waits for the transfer, its communication qubits are free once
    it is there, and each end's storage qubit is held until that end's last
    use. A stored pair is used whatever its age: a fresh one would need
    communication qubits that later ebits may hold by then.
    """

    def __init__(self, sim: Simulator, timing: ProgramTiming, supplier: EbitSupplier, *,
                 shots: int, comm_qubits: Mapping[str, int], window: int = 2,
                 name: str = "job", on_shot: Callable[[ShotTrace], None] | None = None,
                 on_done: Callable[[Execution], None] | None = None,
                 stored_ebits: Collection[int] = (),
                 storage: Mapping[str, int] | None = None) -> None:
        if shots < 1:
            raise QdcnetError(f"{name}: shots = {shots}: at least one shot is needed")
        self.sim = sim
        self.timing = timing
        self.supplier = supplier
        self.shots = shots
        self.window = max(1, window)
        self.name = name
        self.on_shot = on_shot
        self.on_done = on_done
        self.traces: list[ShotTrace] = []
        self.failure: str | None = None
        #: pairs given back unused at the supplier's age limit (and made afresh)
        self.expired = 0
        self.started_ps: int | None = None
        self.finished_ps: int | None = None
        self._build_static()
        self._capacity = {q: int(comm_qubits.get(q, 0)) for q in self._order}
        self._open = dict.fromkeys(self._order, 0)
        #: the most communication slots open at once on each QPU (never above its qubits)
        self.peak_open = dict.fromkeys(self._order, 0)
        self._store_ebits = frozenset(stored_ebits)
        self._storage_capacity = {q: int((storage or {}).get(q, 0)) for q in self._order}
        #: storage qubits holding (or being filled with) this job's pairs, per QPU
        self.storage_open = dict.fromkeys(self._order, 0)
        #: the most storage qubits held at once on each QPU (never above its pool)
        self.peak_storage = dict.fromkeys(self._order, 0)
        #: pairs moved into storage, and moves refused by the network (no free slot)
        self.stored = 0
        self.store_refused = 0
        self._live: dict[int, _Shot] = {}
        self._next_shot = 0
        # Ebits in the order they may be asked for: (shot, ebit), per QPU.
        self._queue: dict[str, deque[tuple[int, int]]] = {q: deque() for q in self._order}
        self._asked: set[tuple[int, int]] = set()

    # -- static tables ---------------------------------------------------------------------

    def _build_static(self) -> None:
        t = self.timing
        n = t.num_instructions
        succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        count = [0] * n
        for i in range(n):
            for j in t.slot_deps[i]:
                succ[j].append((i, 0))
                count[i] += 1
            for j, lag in t.bit_deps[i]:
                succ[j].append((i, lag))
                count[i] += 1
        need_succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for e in t.ebits:
            for i in e.first:
                count[i] += 1  # the ebit itself
                for j, lag in e.need_deps:
                    succ[j].append((i, lag))
                    count[i] += 1
            for j, lag in e.need_deps:
                need_succ[j].append((e.index, lag))
        last_of: dict[int, list[int]] = {}
        for e in t.ebits:
            for i in e.last:
                last_of.setdefault(i, []).append(e.index)
        self._succ = succ
        self._count = count
        self._need_succ = need_succ
        self._last_of = last_of
        self._first_of: dict[int, tuple[int, ...]] = t.ebit_first
        # Cross-shot: the last instruction on each data key, and who touches it first.
        data = {q.name: q.data for q in t.program.qpus}
        self._data_last = {key: i for key, i in t.slot_last.items() if key[1] < data[key[0]]}
        self._last_keys: dict[int, list[tuple[str, int]]] = {}
        for key, i in self._data_last.items():
            self._last_keys.setdefault(i, []).append(key)
        self._first_data = t.data_first
        self._first_of_key = {key: i for i, keys in t.data_first.items() for key in keys}
        # An ebit's operation may hold a data qubit's first touch of the shot: across
        # shots, the pair is not engaged before the last shot is done with that qubit.
        self._key_ebits: dict[tuple[str, int], list[int]] = {}
        for e in t.ebits:
            begin, end = t.op_span[e.op]
            for i in range(begin, end):
                for key in t.data_first.get(i, ()):
                    self._key_ebits.setdefault(key, []).append(e.index)
        self._order = [q.name for q in t.program.qpus]

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        """Begin the first shots now."""
        if hasattr(self.supplier, "on_degrade"):
            self.supplier.on_degrade = self.unask_unused
        self.started_ps = self.sim.now
        for _ in range(min(self.window, self.shots)):
            self._open_shot()

    @property
    def finished(self) -> bool:
        return self.finished_ps is not None

    def _open_shot(self) -> None:
        k = self._next_shot
        self._next_shot += 1
        t = self.timing
        shot = _Shot(k, list(self._count), [len(e.need_deps) for e in t.ebits],
                     [-1] * t.num_instructions)
        shot.last_left = {e.index: 2 for e in t.ebits}
        previous = self._live.get(k - 1)
        if previous is not None:
            for i, keys in self._first_data.items():
                for key in keys:
                    if key not in previous.keys_done:
                        shot.remaining[i] += 1
                        for e in self._key_ebits.get(key, ()):
                            shot.need_left[e] += 1
                            for first in t.ebits[e].first:
                                shot.remaining[first] += 1
        self._live[k] = shot
        for e in t.ebits:
            for q in e.qpus:
                self._queue[q].append((k, e.index))
        for e in t.ebits:
            if shot.need_left[e.index] == 0:
                shot.needed[e.index] = self.sim.now
        self._ask_eligible()
        for i, left in enumerate(shot.remaining):
            if left == 0:
                self._begin(shot, i)

    def _ask_eligible(self) -> None:
        """Ask for every ebit at the head of its QPUs' queues that may be asked for now."""
        progress = True
        while progress and self.failure is None:
            progress = False
            for q in self._order:
                queue = self._queue[q]
                if not queue:
                    continue
                k, e = queue[0]
                ebit = self.timing.ebits[e]
                a, b = ebit.qpus
                if self._queue[a][0] != (k, e) or self._queue[b][0] != (k, e):
                    continue
                if self._open[a] >= self._capacity[a] or self._open[b] >= self._capacity[b]:
                    continue
                shot = self._live[k]
                if not self.supplier.eager and e not in shot.needed:
                    continue
                self._queue[a].popleft()
                self._queue[b].popleft()
                self._open[a] += 1
                self._open[b] += 1
                self.peak_open[a] = max(self.peak_open[a], self._open[a])
                self.peak_open[b] = max(self.peak_open[b], self._open[b])
                self._want(shot, e)
                progress = True

    def _want(self, shot: _Shot, e: int) -> None:
        shot.requested[e] = self.sim.now
        ask = shot.asks[e] = shot.asks.get(e, 0) + 1
        ebit = self.timing.ebits[e]
        self.supplier.want(ebit.qpus, ebit,
                           lambda got, s=shot, x=e, n=ask: self._answer(s, x, n, got))

    def _answer(self, shot: _Shot, e: int, ask: int, got: Any) -> None:
        if shot.asks.get(e) != ask:  # asked again since (or given back): not this one
            if hasattr(got, "release"):
                got.release()
            return
        self._arrive(shot, e, got)

    def _arrive(self, shot: _Shot, e: int, got: Any) -> None:
        if isinstance(got, str) or not hasattr(got, "consume"):
            self._fail(f"ebit {e} between {' and '.join(self.timing.ebits[e].qpus)} "
                       f"(shot {shot.number}) will not come: {getattr(got, 'reason', got)}")
            return
        if self.failure is not None:
            got.release()
            return
        shot.leases[e] = got
        if self._should_store(shot, e, got):
            self._store(shot, e, got)
            return
        self._held(shot, e, got)

    def _held(self, shot: _Shot, e: int, lease: Any) -> None:
        """The pair waits in its communication qubits: its age limit runs, its use may begin."""
        limit = self.supplier.max_age_ps(self.timing.ebits[e].qpus)
        if limit is not None:
            self.sim.schedule(limit, self._expire, shot, e, lease)
        for i in self.timing.ebits[e].first:
            self._ready(shot, i)

    def _should_store(self, shot: _Shot, e: int, lease: Any) -> bool:
        """The schedule stored this ebit, its operation is not ready, and storage is free."""
        if e not in self._store_ebits or not hasattr(lease, "store"):
            return False
        if e in shot.needed:  # the operation's data side is ready: use the pair now
            return False
        return all(self.storage_open[q] < self._storage_capacity[q]
                   for q in self.timing.ebits[e].qpus)

    def _store(self, shot: _Shot, e: int, lease: Any) -> None:
        for q in self.timing.ebits[e].qpus:
            self.storage_open[q] += 1
            self.peak_storage[q] = max(self.peak_storage[q], self.storage_open[q])
        shot.storing.add(e)
        lease.store(lambda ok: self._stored(shot, e, lease, ok))

    def _stored(self, shot: _Shot, e: int, lease: Any, ok: bool) -> None:
        """The move into storage ended (``ok``) or was refused: the first use may begin."""
        if e not in shot.storing or shot.leases.get(e) is not lease or self.failure is not None:
            return
        shot.storing.discard(e)
        qpus = self.timing.ebits[e].qpus
        if not ok:
            self.store_refused += 1
            for q in qpus:
                self.storage_open[q] -= 1
            self._held(shot, e, lease)
            return
        self.stored += 1
        shot.stored.add(e)
        for q in qpus:
            self._open[q] -= 1  # the communication qubits are free: the next ebit may come
        for i in self.timing.ebits[e].first:
            self._ready(shot, i)
        self._ask_eligible()

    def _expire(self, shot: _Shot, e: int, lease: Any) -> None:
        """A pair past its age limit and still unused: give it back, ask for a fresh one."""
        if (self.failure is not None or e in shot.uses or shot.leases.get(e) is not lease
                or e in shot.stored or e in shot.storing):
            return
        self.expired += 1
        self._reissue(shot, e)

    def _reissue(self, shot: _Shot, e: int) -> None:
        shot.leases.pop(e).release()
        for i in self.timing.ebits[e].first:
            shot.remaining[i] += 1
        self._want(shot, e)

    def unask_unused(self) -> None:
        """Take back every ebit asked for but not yet used: pairs held go back, asks lapse.

        A supplier that changes how it gets pairs (standing streams that could
        not all be granted, falling back to just in time) calls this: the
        ebits return to the head of their QPUs' queues, in order, and are asked
        for again as the supplier now asks (just in time: when needed), so no
        pair is held ahead of need on network resources another ebit waits for.
        """
        taken: list[tuple[int, int]] = []
        for shot in self._live.values():
            for e in list(shot.requested):
                if e in shot.uses or e in shot.stored or e in shot.storing:
                    continue  # stored pairs hold no network resource and need no more
                lease = shot.leases.pop(e, None)
                if lease is not None:
                    lease.release()
                    for i in self.timing.ebits[e].first:
                        shot.remaining[i] += 1
                shot.asks[e] = shot.asks.get(e, 0) + 1  # any answer on its way is stale
                del shot.requested[e]
                taken.append((shot.number, e))
        for k, e in sorted(taken, reverse=True):  # back to the front, in program order
            for q in self.timing.ebits[e].qpus:
                self._open[q] -= 1
                self._queue[q].appendleft((k, e))
        self._ask_eligible()

    def _ready(self, shot: _Shot, i: int) -> None:
        shot.remaining[i] -= 1
        if shot.remaining[i] == 0:
            self._begin(shot, i)

    def _begin(self, shot: _Shot, i: int) -> None:
        now = self.sim.now
        shot.starts[i] = now
        if shot.started_ps is None:
            shot.started_ps = now
        for e in self._first_of.get(i, ()):
            if e not in shot.uses:
                lease = shot.leases[e]
                state = lease.consume(now)
                coefficients = state.to_bell_diagonal().coefficients if hasattr(
                    state, "to_bell_diagonal") else state.coefficients
                ebit = self.timing.ebits[e]
                pair = getattr(lease, "pair", None)
                shot.uses[e] = EbitUse(
                    ebit=e, qpus=ebit.qpus, slots=ebit.slots,
                    requested_ps=shot.requested[e], ready_ps=lease.granted_ps, used_ps=now,
                    state=tuple(float(c) for c in coefficients),  # type: ignore[arg-type]
                    pair_id=None if pair is None else pair.id,
                    born_ps=None if pair is None else pair.state_time_ps,
                    needed_ps=shot.needed.get(e), stored=e in shot.stored)
        self.sim.schedule(self.timing.duration_ps[i], self._end, shot, i)

    def _end(self, shot: _Shot, i: int) -> None:
        if self.failure is not None:
            return
        now = self.sim.now
        shot.done += 1
        if now > shot.ended_ps:
            shot.ended_ps = now
        schedule = self.sim.schedule
        # The operation's readiness first: an ebit's first touch may start in this very
        # event (or one at the same time), and its use records when it was needed.
        for e, lag in self._need_succ[i]:
            if lag:
                schedule(lag, self._need_done, shot, e)
            else:
                self._need_done(shot, e)
        for j, lag in self._succ[i]:
            if lag:
                schedule(lag, self._ready, shot, j)
            else:
                self._ready(shot, j)
        for e in self._last_of.get(i, ()):
            self._end_of_slot(shot, e, i)
        keys = self._last_keys.get(i)
        if keys:
            shot.keys_done.update(keys)
            following = self._live.get(shot.number + 1)
            if following is not None:
                for key in keys:
                    first = self._first_of_key.get(key)
                    if first is not None:
                        self._ready(following, first)
                    for e in self._key_ebits.get(key, ()):
                        self._need_done(following, e)
                        for first_touch in self.timing.ebits[e].first:
                            self._ready(following, first_touch)
        if shot.done == self.timing.num_instructions:
            self._finish_shot(shot)

    def _need_done(self, shot: _Shot, e: int) -> None:
        shot.need_left[e] -= 1
        if shot.need_left[e] == 0:
            shot.needed[e] = self.sim.now
            if not self.supplier.eager:
                self._ask_eligible()

    def _end_of_slot(self, shot: _Shot, e: int, i: int) -> None:
        """Instruction ``i`` was the last on one of ebit ``e``'s logical slots: free that end."""
        ebit = self.timing.ebits[e]
        end = 0 if ebit.last[0] == i else 1
        if e in shot.stored:
            self.storage_open[ebit.qpus[end]] -= 1
        else:
            self._open[ebit.qpus[end]] -= 1
        shot.last_left[e] -= 1
        if shot.last_left[e] == 1:
            shot.halves[e] = self.supplier.release_first_end(shot.leases.pop(e),
                                                             ebit.qpus[1 - end])
        else:
            shot.stored.discard(e)
            self.supplier.release_last_end(shot.halves.pop(e))
        self._ask_eligible()

    def _finish_shot(self, shot: _Shot) -> None:
        start = shot.started_ps if shot.started_ps is not None else self.sim.now
        trace = ShotTrace(shot.number, start, shot.ended_ps, tuple(shot.starts),
                          tuple(shot.uses[e] for e in sorted(shot.uses)))
        self.traces.append(trace)
        del self._live[shot.number]
        if self.on_shot is not None:
            self.on_shot(trace)
        if self._next_shot < self.shots:
            self._open_shot()
        elif not self._live:
            self.finished_ps = self.sim.now
            self.supplier.close()
            if self.on_done is not None:
                self.on_done(self)

    def abort(self, reason: str) -> None:
        """Stop the job now (e.g. out of time): leases back, streams closed, ``failure`` set."""
        self._fail(reason)

    def _fail(self, reason: str) -> None:
        if self.failure is not None:
            return
        self.failure = reason
        for shot in self._live.values():
            for lease in shot.leases.values():
                lease.release()
            shot.leases.clear()
            for token in shot.halves.values():
                self.supplier.release_last_end(token)
            shot.halves.clear()
        self.finished_ps = self.sim.now
        self.supplier.close()
        if self.on_done is not None:
            self.on_done(self)

    def check_finished(self) -> None:
        """Raise :class:`ExecutionError` unless every shot ran (call after the kernel stops)."""
        if self.failure is not None:
            raise ExecutionError(f"{self.name}: {self.failure}")
        if not self.finished:
            waiting = sum(1 for s in self._live.values() for x in s.remaining if x > 0)
            raise ExecutionError(
                f"{self.name}: stopped after {len(self.traces)} of {self.shots} shots with "
                f"{waiting} instruction(s) still waiting (the run ended, or no ebit came)")
