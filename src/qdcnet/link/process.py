"""Heralded entanglement on one segment, simulated event by event.

Each stream (a pair of communication qubits, one per end, on its own optical
channel) repeats attempts on a fixed grid: one attempt per period, and with
a duty cycle only inside the bursts. A success is announced to each end at
its own time; the pair is delivered when both ends know. Every draw comes
from the analytic model's outcome probabilities, so the two views share
their physics and differ only in what the simulation adds: timing,
contention for memory, cutoffs and demand.

**Skipping failed attempts.** Attempts on a stream are independent with one
constant success probability p, so the number of attempts up to the next
success is geometric: one draw replaces the whole run of failures, and one
event announces the success (REFERENCE.md section 1). Each stream draws for
itself. Anything that changes the process (:meth:`LinkSimulation.pause`,
:meth:`LinkSimulation.stop`) truncates the jump and, on resumption, a fresh
draw continues it: exact, because the geometric distribution is
memoryless. ``skip_failures=False`` simulates every attempt as an event,
for testing and benchmarking the skip.

Examples
--------
>>> from qdcnet.link.examples import symmetric_single_click
>>> from qdcnet.sim import Simulator
>>> sim = Simulator(seed=7)
>>> link = LinkSimulation(sim, LinkModel.from_spec(symmetric_single_click()))
>>> link.start()
>>> sim.run(until=s_to_ps(1.0))
>>> link.stats.delivered > 0
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.model import LinkModel
from qdcnet.link.pair import Endpoint, EntangledPair, PairStatus
from qdcnet.quantum import BellDiagonal
from qdcnet.sim import Simulator
from qdcnet.sim.statistics import standard_error_from_sums
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["LinkSimulation", "LinkStats", "s_to_ps"]


@dataclass
class LinkStats:
    """Counts and sums gathered by a :class:`LinkSimulation`.

    Fidelities and states are those at consumption (served pairs).
    """

    attempts: int = 0
    heralds: int = 0
    false_heralds: int = 0
    delivered: int = 0
    consumed: int = 0
    discarded: int = 0
    demands: int = 0
    misses: int = 0
    fidelity_sum: float = 0.0
    fidelity_sq_sum: float = 0.0
    state_sum: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    # Running sums, not a list per herald: a long run keeps constant memory.
    cycles: int = 0
    cycle_sum_s: float = 0.0
    cycle_sq_sum_s2: float = 0.0
    first_pair_ps: int | None = None
    started_ps: int = 0
    stopped_ps: int | None = None

    def elapsed_s(self, now_ps: int) -> float:
        end = self.stopped_ps if self.stopped_ps is not None else now_ps
        return (end - self.started_ps) / PS_PER_S

    @property
    def mean_fidelity(self) -> float:
        return self.fidelity_sum / self.consumed if self.consumed else math.nan

    @property
    def fidelity_standard_error(self) -> float:
        return standard_error_from_sums(self.consumed, self.fidelity_sum, self.fidelity_sq_sum)

    @property
    def mean_state(self) -> BellDiagonal:
        if not self.consumed:
            return BellDiagonal.maximally_mixed()
        return BellDiagonal(*(x / self.consumed for x in self.state_sum))

    def mean_cycle_s(self) -> tuple[float, float]:
        """Mean time between deliveries on one stream, and its standard error."""
        n = self.cycles
        if n < 2:
            return math.nan, math.nan
        return self.cycle_sum_s / n, standard_error_from_sums(n, self.cycle_sum_s,
                                                              self.cycle_sq_sum_s2)


class _Draws:
    """Random numbers drawn from a generator in blocks (one numpy call per block).

    A scalar numpy draw costs about as much as the rest of a herald event;
    blocks keep the stream deterministic for a given seed.
    """

    __slots__ = ("_block", "_draw", "_index", "_values")

    def __init__(self, draw: Callable[[int], np.ndarray]) -> None:
        self._draw = draw
        # Blocks grow from 16 to 1024: a link used a few times draws little.
        self._block = 16
        self._values: list[float] = []
        self._index = 0

    def __call__(self) -> float:
        index = self._index
        if index == len(self._values):
            self._values = self._draw(self._block).tolist()
            self._block = min(1024, self._block * 4)
            index = 0
        self._index = index + 1
        return self._values[index]


class _Stream:
    __slots__ = ("attempts_counted", "cutoff_handle", "end_a", "end_b", "handle",
                 "herald_scheduled", "index", "last_ready_ps", "next_index", "next_start_ps",
                 "pair", "paused", "success_index", "success_start_ps")

    def __init__(self, index: int, end_a: Endpoint, end_b: Endpoint) -> None:
        self.index = index
        self.end_a = end_a  # built once: frozen dataclasses are slow to construct
        self.end_b = end_b
        self.handle: int | None = None
        self.cutoff_handle: int | None = None
        self.pair: EntangledPair | None = None
        self.next_index = 0  # grid index of the next attempt (duty-cycled links)
        self.next_start_ps = 0  # time of the next attempt (links without duty cycle)
        self.success_index = 0
        self.success_start_ps = 0
        self.attempts_counted = 0
        self.last_ready_ps: int | None = None
        self.paused = False
        self.herald_scheduled = False


class LinkSimulation:
    """One segment on the event kernel.

    Parameters
    ----------
    sim
        The simulator; random numbers come from its stream ``link/<name>`` (or
        ``link/<stream>``).
    model
        The analytic model of the segment (outcome probabilities, states,
        timing).
    skip_failures
        Jump over failed attempts with one geometric draw per success
        (default) or simulate every attempt.
    on_pair
        Called with each :class:`~qdcnet.link.pair.EntangledPair` when both
        ends know of it. The owner uses the pair (``pair.consume``) or drops
        it (``pair.discard``), then calls :meth:`release` to free the
        communication qubits. Without ``on_pair`` and without demand, pairs
        are consumed as soon as they are ready.
    demand_rate_hz
        Poisson demand: each demand takes the freshest held pair or misses.
    cutoff_s
        A held pair older than this (since its state time) is discarded.
    pair_ids
        Shared id source when several links feed one simulation.
    stream
        The name of its random streams, ``link/<stream>`` (default its name).
    """

    def __init__(
        self,
        sim: Simulator,
        model: LinkModel,
        *,
        name: str | None = None,
        skip_failures: bool = True,
        on_pair: Callable[[EntangledPair], None] | None = None,
        demand_rate_hz: float | None = None,
        cutoff_s: float | None = None,
        pair_ids: Iterator[int] | None = None,
        stream: str | None = None,
    ) -> None:
        self.sim = sim
        self.model = model
        self.name = name or model.spec.name
        #: The name of its random streams (``link/<stream>``): its name unless given.
        self.stream = stream or self.name
        self.skip_failures = skip_failures
        self.on_pair = on_pair
        if demand_rate_hz is not None and not demand_rate_hz > 0:
            raise ParameterError("demand_rate_hz", demand_rate_hz, "(0, inf)")
        if demand_rate_hz is not None and on_pair is not None:
            raise QdcnetError("give either on_pair (an owner uses the pairs) or demand_rate_hz")
        if cutoff_s is not None and not cutoff_s > 0:
            raise ParameterError("cutoff_s", cutoff_s, "(0, inf)")
        self.demand_rate_hz = demand_rate_hz
        self.cutoff_ps = s_to_ps(cutoff_s) if cutoff_s is not None else None
        self._ids = pair_ids if pair_ids is not None else itertools.count(1)
        # Counted: the owner of a link that ends (a path service) lets its streams go.
        rng = sim.acquire_rng(f"link/{self.stream}")
        self._demand_rng = sim.acquire_rng(f"link/{self.stream}/demand")
        outcomes = model.outcomes
        self._p = outcomes.p_success
        if not 0.0 < self._p <= 1.0:
            raise QdcnetError(f"link {self.name}: success probability per attempt is "
                              f"{self._p:g}; no pair can ever be heralded")
        p = self._p
        self._uniform = _Draws(rng.random)
        self._geometric = _Draws(lambda n: rng.geometric(p, n))
        self._p_true_given_success = outcomes.p_true / self._p
        self._frames = [frame for frame, _ in outcomes.frames]
        self._frame_cdf = np.cumsum([w for _, w in outcomes.frames]).tolist()
        # Raw (uncorrected) states per frame, prepared once.
        self._true_raw = {f: outcomes.state_true.apply_frame(f) for f in self._frames}
        self._false_raw = {f: outcomes.state_false.apply_frame(f) for f in self._frames}
        self._period_ps = s_to_ps(model.attempt_period_s)
        if self._period_ps <= 0:
            raise QdcnetError(f"link {self.name}: attempt period rounds to 0 ps")
        self._reference_ps = s_to_ps(model.reference_delay_s)
        self._learn_ps = (s_to_ps(model.learn_delay_s[0]), s_to_ps(model.learn_delay_s[1]))
        self._ready_ps = max(self._learn_ps)
        self._reset_ps = s_to_ps(model.reset_time_s)
        if model.duty_cycle is not None:
            self._per_burst = model.attempts_per_burst
            # Built from the rounded period so that no attempt overlaps the next burst.
            self._cycle_ps = (self._per_burst * self._period_ps
                              + s_to_ps(model.duty_cycle.pause_s))
        else:
            self._per_burst = None
            self._cycle_ps = 0
        spec = model.spec
        node_a = spec.end_a.name  # type: ignore[attr-defined]
        node_b = spec.end_b.name  # type: ignore[attr-defined]
        self._memory_a, self._memory_b = model.memories
        self._streams = [_Stream(i, Endpoint(node_a, i), Endpoint(node_b, i))
                         for i in range(model.num_streams)]
        self.stats = LinkStats()
        self._running = False
        self._demand_handle: int | None = None

    # -- grid --------------------------------------------------------------------

    def _slot_start(self, index: int) -> int:
        m = self._per_burst
        return self._origin_ps + (index // m) * self._cycle_ps + (index % m) * self._period_ps

    def _first_slot_at_or_after(self, time_ps: int) -> int:
        m = self._per_burst
        offset = time_ps - self._origin_ps
        if offset <= 0:
            return 0
        bursts, within = divmod(offset, self._cycle_ps)
        in_burst = -(-within // self._period_ps)  # ceil
        if in_burst >= m:
            return (bursts + 1) * m
        return bursts * m + in_burst

    # -- control -----------------------------------------------------------------

    def start(self) -> None:
        """Begin attempting on every stream at the current time."""
        if self._running:
            raise QdcnetError(f"link {self.name} is already running")
        self._running = True
        self._origin_ps = self.sim.now
        self.stats.started_ps = self.sim.now
        for stream in self._streams:
            stream.next_index = 0
            stream.next_start_ps = self.sim.now
            self._begin(stream)
        if self.demand_rate_hz is not None:
            self._schedule_demand()

    def stop(self) -> None:
        """Stop attempting; held pairs stay with their owner."""
        if not self._running:
            return
        for stream in self._streams:
            self._truncate(stream)
        if self._demand_handle is not None:
            self.sim.cancel(self._demand_handle)
            self._demand_handle = None
        self._running = False
        self.stats.stopped_ps = self.sim.now

    def pause(self) -> None:
        """Suspend attempts (e.g. while a switch reconfigures); in-flight heralds still land."""
        for stream in self._streams:
            if not stream.paused:
                self._truncate(stream)
                stream.paused = True

    def resume(self) -> None:
        """Continue after :meth:`pause` with a fresh draw (exact: memoryless)."""
        now = self.sim.now
        for stream in self._streams:
            if stream.paused:
                stream.paused = False
                if stream.pair is None and stream.handle is None:
                    self._restart(stream, now)

    def release(self, pair: EntangledPair) -> None:
        """Free the communication qubits that held ``pair`` (after use or discard)."""
        index = pair.end_a.slot
        streams = self._streams
        if 0 <= index < len(streams) and streams[index].pair is pair:
            stream = streams[index]
        else:
            stream = self._stream_of(pair)  # raises: not held here
        if pair.status is PairStatus.LIVE:
            raise QdcnetError(f"pair {pair.id} is still live: consume or discard it before "
                              "releasing its qubits")
        self._free(stream)

    # -- attempts ----------------------------------------------------------------

    def _stream_of(self, pair: EntangledPair) -> _Stream:
        index = pair.end_a.slot
        if not (0 <= index < len(self._streams)) or self._streams[index].pair is not pair:
            raise QdcnetError(f"pair {pair.id} is not held by link {self.name}")
        return self._streams[index]

    def _restart(self, stream: _Stream, earliest_ps: int) -> None:
        # The next attempt is the first grid slot at or after `earliest_ps`
        # and after every attempt already made.
        per_burst = self._per_burst
        if per_burst is not None:
            first = self._first_slot_at_or_after(earliest_ps)
            if first > stream.next_index:
                stream.next_index = first
        elif earliest_ps > stream.next_start_ps:
            stream.next_start_ps = earliest_ps
        if self.skip_failures and not stream.paused and self._running:
            # _begin's common case inline (with _slot_start): this runs once per pair.
            attempts = int(self._geometric())
            stream.attempts_counted = attempts
            if per_burst is not None:
                stream.success_index = index = stream.next_index + attempts - 1
                start = (self._origin_ps + (index // per_burst) * self._cycle_ps
                         + (index % per_burst) * self._period_ps)
            else:
                start = stream.next_start_ps + (attempts - 1) * self._period_ps
            stream.success_start_ps = start
            stream.herald_scheduled = True
            stream.handle = self.sim.schedule_at(start + self._ready_ps, self._herald, stream)
            return
        self._begin(stream)

    def _begin(self, stream: _Stream) -> None:
        if stream.paused or not self._running:
            return
        if self.skip_failures:
            attempts = int(self._geometric())
            stream.attempts_counted = attempts
            if self._per_burst is not None:
                stream.success_index = stream.next_index + attempts - 1
                start = self._slot_start(stream.success_index)
            else:
                start = stream.next_start_ps + (attempts - 1) * self._period_ps
            stream.success_start_ps = start
            stream.herald_scheduled = True
            stream.handle = self.sim.schedule_at(start + self._ready_ps, self._herald, stream)
        else:
            start = (self._slot_start(stream.next_index) if self._per_burst is not None
                     else stream.next_start_ps)
            stream.handle = self.sim.schedule_at(start, self._attempt, stream)

    def _attempt(self, stream: _Stream) -> None:
        # One attempt, simulated on its own (skip_failures=False).
        self.stats.attempts += 1
        now = self.sim.now
        if self._per_burst is not None:
            stream.next_index += 1
        else:
            stream.next_start_ps = now + self._period_ps
        if self._uniform() < self._p:
            stream.success_start_ps = now
            stream.herald_scheduled = True
            stream.handle = self.sim.schedule(self._ready_ps, self._herald, stream)
            return
        next_start = (self._slot_start(stream.next_index) if self._per_burst is not None
                      else stream.next_start_ps)
        stream.handle = self.sim.schedule_at(next_start, self._attempt, stream)

    def _truncate(self, stream: _Stream) -> None:
        if stream.handle is None:
            return
        now = self.sim.now
        if stream.herald_scheduled and stream.success_start_ps <= now:
            return  # the successful attempt was made; its herald is in flight
        self.sim.cancel(stream.handle)
        stream.handle = None
        stream.herald_scheduled = False
        if self.skip_failures:
            # Every attempt that started by now failed (the success lay later).
            if self._per_burst is not None:
                first_unstarted = self._first_slot_at_or_after(now + 1)
                started = first_unstarted - stream.next_index
                stream.next_index = first_unstarted
            else:
                started = -(-(now + 1 - stream.next_start_ps) // self._period_ps)
                stream.next_start_ps += max(0, started) * self._period_ps
            self.stats.attempts += max(0, started)

    def _herald(self, stream: _Stream) -> None:
        # Once per pair: locals rather than repeated attribute lookups.
        stream.handle = None
        stream.herald_scheduled = False
        stats = self.stats
        if self.skip_failures:
            stats.attempts += stream.attempts_counted
            if self._per_burst is not None:
                stream.next_index = stream.success_index + 1
            else:
                stream.next_start_ps = stream.success_start_ps + self._period_ps
        stats.heralds += 1
        uniform = self._uniform
        true = uniform() < self._p_true_given_success
        frames = self._frames
        if len(frames) == 1:
            frame = frames[0]
        else:
            draw = uniform()
            frame = frames[-1]
            for candidate, edge in zip(frames, self._frame_cdf, strict=True):
                if draw < edge:
                    frame = candidate
                    break
        if not true:
            stats.false_heralds += 1
        start = stream.success_start_ps
        learn_a, learn_b = self._learn_ps
        pair = EntangledPair(
            next(self._ids), stream.end_a, stream.end_b, start + learn_a, start + learn_b,
            (self._true_raw if true else self._false_raw)[frame], start + self._reference_ps,
            frame, self._memory_a, self._memory_b, None, true,
        )
        stream.pair = pair
        now = self.sim.now
        stats.delivered += 1
        last = stream.last_ready_ps
        if last is not None:
            cycle = (now - last) / PS_PER_S
            stats.cycles += 1
            stats.cycle_sum_s += cycle
            stats.cycle_sq_sum_s2 += cycle * cycle
        else:
            if stats.first_pair_ps is None:
                stats.first_pair_ps = now
        stream.last_ready_ps = now
        if self.cutoff_ps is not None:
            deadline = pair.state_time_ps + self.cutoff_ps
            stream.cutoff_handle = self.sim.schedule_at(max(deadline, now), self._cutoff, stream)
        on_pair = self.on_pair
        if on_pair is not None:
            on_pair(pair)
        elif self.demand_rate_hz is None:
            self._serve(stream)

    def _serve(self, stream: _Stream) -> None:
        pair = stream.pair
        assert pair is not None
        state = pair.consume(self.sim.now)
        stats = self.stats
        stats.consumed += 1
        f = state.fidelity
        stats.fidelity_sum += f
        stats.fidelity_sq_sum += f * f
        for k, c in enumerate(state.to_bell_diagonal().coefficients):
            stats.state_sum[k] += c
        self._free(stream)

    def _cutoff(self, stream: _Stream) -> None:
        stream.cutoff_handle = None
        pair = stream.pair
        if pair is None or pair.status is not PairStatus.LIVE:
            return
        pair.discard(self.sim.now, "cutoff")
        self.stats.discarded += 1
        self._free(stream)

    def _free(self, stream: _Stream) -> None:
        if stream.cutoff_handle is not None:
            self.sim.cancel(stream.cutoff_handle)
            stream.cutoff_handle = None
        stream.pair = None
        if self._running:
            self._restart(stream, self.sim.now + self._reset_ps)

    # -- demand ------------------------------------------------------------------

    def _schedule_demand(self) -> None:
        gap = self._demand_rng.exponential(1.0 / self.demand_rate_hz)
        self._demand_handle = self.sim.schedule(max(1, s_to_ps(gap)), self._demand)

    def _demand(self) -> None:
        self.stats.demands += 1
        held = [s for s in self._streams if s.pair is not None and s.pair.is_live]
        if held:
            freshest = max(held, key=lambda s: s.pair.state_time_ps)  # type: ignore[union-attr]
            self._serve(freshest)
        else:
            self.stats.misses += 1
        self._schedule_demand()

    def __repr__(self) -> str:
        return (f"LinkSimulation({self.name!r}, scheme={self.model.scheme}, "
                f"streams={len(self._streams)}, delivered={self.stats.delivered})")
