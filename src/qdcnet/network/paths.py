"""Paths of segments and their analytic estimates: rate, fidelity, latency.

A path is a sequence of memory nodes; consecutive nodes share a segment,
and the nodes in between swap as soon as they hold both of their halves
(ASAP). :class:`PathModel` estimates, without the event simulation, what a
request on the path gets, following the service's rules exactly:

- **pairing**: each link runs several streams (``DataCenter.stream_plan``:
  a relay splits its communication qubits between its two links). A relay
  keeps the pairs waiting on its left and on its right in two first-in,
  first-out pools and swaps the oldest of each, so the n-th end-to-end pair
  is made of the n-th pair heralded on every link; the streams that made it
  attempt again once it is delivered (or, when pairs are stored at the ends,
  once it has moved to storage). The model runs exactly this recursion,
  vectorised over independent replicas: per link, the first herald among
  its streams (geometric attempt counts on the link's grid, duty cycles
  included), the swap times, the outcome messages to both ends, the
  delivery, and each stream's restart. Rate and state are steady-state
  figures (after a warm-up of two rounds of every stream); the latency is
  the time to the first pair. For a single stream per link, perfect
  memories and instant swaps this is the closed form of Shchukin et al.
  (2019);
- **state**: swapping is the XOR convolution of the segment states with
  each swap's noise, and every stored qubit decays for exactly as long as
  it waits (segment creation to its swap, or to delivery for the ends),
  computed in the Walsh–Hadamard domain where all of it multiplies (the
  domain's pieces are :mod:`qdcnet.quantum.batch`'s: ``to_hat``,
  ``swap_noise_hat``, ``decay_exponents``, ``from_hat``);
- **distillation** (end to end): recurrence or pumping, each round's
  success probability and output from the DEJMPS/BBPSSW formulas, the
  first pair of a round aged by the (exponential) wait for its partner.

Examples
--------
>>> round(waiting_time_closed_form(2, 0.1), 6)
14.736842
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.link.model import LinkModel
from qdcnet.network.distillation import DistillationMode, DistillationPlan
from qdcnet.network.strategies import Strategy
from qdcnet.quantum import BellDiagonal, batch
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["PathEstimate", "PathModel", "RawFigures", "waiting_time_closed_form"]


def waiting_time_closed_form(num_segments: int, p: float) -> float:
    """Mean attempts until n independent segments all succeed (Shchukin et al. 2019).

    E[T] = Σₖ (−1)^(k+1) C(n, k) / (1 − (1 − p)^k).
    """
    return sum((-1) ** (k + 1) * math.comb(num_segments, k) / (1.0 - (1.0 - p) ** k)
               for k in range(1, num_segments + 1))


@dataclass(frozen=True)
class PathEstimate:
    """What a request on a path can expect."""

    path: tuple[str, ...]
    rate_hz: float
    fidelity: float
    latency_s: float
    state: BellDiagonal
    raw_rate_hz: float
    raw_fidelity: float
    distillation: str
    samples: int
    #: How the relays build the pairs (the analytic model covers the default).
    strategy: Strategy = field(default_factory=Strategy)
    #: "analytic" (:class:`PathModel`) or "rehearsal" (the path service run on
    #: a private copy of the data center, :meth:`DataCenter.rehearse`).
    method: str = "analytic"
    #: Standard errors of a rehearsal's figures (0 for the analytic model).
    rate_se_hz: float = 0.0
    fidelity_se: float = 0.0
    #: Link pairs a rehearsal spent (its cost; 0 for the analytic model).
    link_pairs: int = 0

    @property
    def num_segments(self) -> int:
        return len(self.path) - 1

    def to_dict(self) -> dict[str, Any]:
        return {"path": list(self.path), "rate_hz": self.rate_hz, "fidelity": self.fidelity,
                "latency_s": self.latency_s, "raw_rate_hz": self.raw_rate_hz,
                "raw_fidelity": self.raw_fidelity, "distillation": self.distillation,
                "state": list(self.state.coefficients), "strategy": self.strategy.to_dict(),
                "method": self.method, "rate_se_hz": self.rate_se_hz,
                "fidelity_se": self.fidelity_se}


def _state(hat: np.ndarray) -> BellDiagonal:
    """A Bell-diagonal state back from its Walsh–Hadamard components."""
    return BellDiagonal(*(float(x) for x in batch.from_hat(hat)))


#: Warm-up and measured pairs per replica, in units of the most streams on a link
#: (few long replicas: the sampling loop's cost is mostly per step).
WARM_UP_ROUNDS = 2
MEASURED_ROUNDS = 4
MIN_MEASURED = 32


@dataclass(frozen=True)
class RawFigures:
    """Undistilled end-to-end pairs: steady-state rate and mean state, first-pair latency."""

    rate_hz: float
    state: BellDiagonal
    latency_s: float
    samples: int
    stored: bool


class PathModel:
    """Analytic estimate of serving end-to-end pairs along ``path``.

    Parameters
    ----------
    segments
        The ``LinkModel`` of each consecutive pair of nodes, oriented along
        the path (end A is the earlier node).
    swap_ops
        For each intermediate node: (Bell-measurement time, gate error,
        measurement error).
    latency
        ``latency(src, dst)`` -> (latency, jitter) of the classical channel.
    end_ops
        The two end nodes' :class:`~qdcnet.network.qpu.QPU`, used
        when distilling (local operations, the move to storage, storage decay).
    """

    def __init__(
        self,
        path: tuple[str, ...],
        segments: list[LinkModel],
        swap_ops: list[tuple[float, float, float]],
        latency: Any,
        end_ops: tuple[Any, Any] | None = None,
    ) -> None:
        if len(path) < 2 or len(segments) != len(path) - 1:
            raise QdcnetError(f"a path of {len(path)} nodes needs {len(path) - 1} segments")
        if len(swap_ops) != len(path) - 2:
            raise QdcnetError("one swap description per intermediate node")
        self.path = path
        self.segments = segments
        self.swap_ops = swap_ops
        self.latency = latency
        self.end_ops = end_ops

    def estimate(self, *, samples: int = 20_000, seed: int = 0,
                 distillation: DistillationPlan | None = None, store: bool = False,
                 raw: RawFigures | None = None) -> PathEstimate:
        """Rate, fidelity and latency of end-to-end pairs, optionally distilled.

        ``distillation`` is ``None`` or a ``DistillationPlan`` with ``protocol`` (dejmps,
        bbpssw), ``rounds`` and ``mode`` (recurrence, pumping). ``store``:
        every pair moves to storage at both ends on delivery (as distilled
        pairs do). ``raw``: the undistilled figures from :meth:`raw_figures`
        (with ``stored`` as distillation or ``store`` implies), when the
        caller keeps them; otherwise they are sampled here.
        """
        stored = distillation is not None or store
        if raw is None:
            raw = self.raw_figures(samples=samples, seed=seed, stored=stored)
        elif raw.stored != stored:
            raise QdcnetError("raw figures sampled with the wrong release rule: stored "
                              f"{raw.stored}, needed {stored}")
        transfer = self._transfer_s() if stored else 0.0
        if distillation is None:
            state = self._stored(raw.state) if store else raw.state
            return PathEstimate(self.path, raw.rate_hz, state.fidelity, raw.latency_s + transfer,
                                state, raw.rate_hz, raw.state.fidelity, "none", raw.samples)
        rate, state, extra_latency = self._distil(raw.state, raw.rate_hz, distillation)
        label = f"{distillation.protocol} x{distillation.rounds} ({distillation.mode})"
        return PathEstimate(self.path, rate, state.fidelity, raw.latency_s + extra_latency, state,
                            raw.rate_hz, raw.state.fidelity, label, raw.samples)

    def raw_figures(self, *, samples: int = 20_000, seed: int = 0, stored: bool = False
                    ) -> RawFigures:
        """Steady-state rate and state of undistilled end-to-end pairs, and the first's latency.

        ``samples`` end-to-end pairs are sampled after a warm-up, over
        independent replicas of the service. ``stored``: each pair moves to
        storage on delivery, so its communication qubits are held for the
        transfer too.
        """
        if samples < 1:
            raise ParameterError("samples", samples, "[1, inf)")
        rng = np.random.default_rng(seed)
        streams = max(s.num_streams for s in self.segments)
        # Warm-up: every stream starts free and the relays' pools empty; a few
        # rounds of every stream bring them to their working level.
        burn_in = WARM_UP_ROUNDS * streams
        measured = max(MIN_MEASURED, MEASURED_ROUNDS * streams)
        replicas = max(4, -(-samples // measured))
        transfer = self._transfer_s() if stored else 0.0
        delivered, hat = self._sample(rng, replicas, burn_in + measured, burn_in, transfer)
        order = np.sort(delivered, axis=1)
        span_s = float((order[:, -1] - order[:, burn_in - 1]).sum()) / PS_PER_S
        coefficients = batch.from_hat(hat)
        state = BellDiagonal(*(float(max(0.0, c)) for c in coefficients))
        state = BellDiagonal(*(c / sum(state.coefficients) for c in state.coefficients))
        return RawFigures(rate_hz=replicas * measured / span_s, state=state,
                          latency_s=float(order[:, 0].mean()) / PS_PER_S,
                          samples=replicas * measured, stored=stored)

    def _transfer_s(self) -> float:
        """Moving a delivered pair into storage at both ends (in parallel)."""
        if self.end_ops is None:
            raise QdcnetError("stored pairs need the end nodes' operations")
        return max(self.end_ops[0].transfer_time_s, self.end_ops[1].transfer_time_s)

    def _stored(self, state: BellDiagonal) -> BellDiagonal:
        """A delivered pair after its move to storage: it decays in the communication
        qubits for the transfer time, then each end depolarises with the transfer error."""
        assert self.end_ops is not None
        ops_a, ops_b = self.end_ops
        comm_decay = batch.decay_exponents(self.segments[0].memories[0],
                                           self.segments[-1].memories[1])
        moved = _state(batch.to_hat(state.coefficients) * np.exp(-comm_decay * self._transfer_s()))
        return (moved.depolarize_qubit(ops_a.transfer_error, qubit=0)
                .depolarize_qubit(ops_b.transfer_error, qubit=1))

    # -- end-to-end pairs --------------------------------------------------------------

    def _sample(self, rng: np.random.Generator, replicas: int, steps: int, burn_in: int,
                release_delay_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Delivery times of the first ``steps`` end-to-end pairs of ``replicas``
        independent runs, and the mean hat vector of the pairs after ``burn_in``.

        The recursion is the service's own (see the module docstring): pair n
        is made of the n-th pair heralded on every link; a link's n-th pair
        comes from whichever of its streams heralds first, and the stream that
        made pair n attempts again once pair n is delivered (and, if stored,
        moved to storage). Times are integer picoseconds, as in the kernel.
        """
        links = len(self.segments)
        models = self.segments
        streams = max(m.num_streams for m in models)
        p = np.array([m.success_probability for m in models])
        period = np.array([s_to_ps(m.attempt_period_s) for m in models], dtype=np.int64)
        learn_a = np.array([s_to_ps(m.learn_delay_s[0]) for m in models], dtype=np.int64)
        learn_b = np.array([s_to_ps(m.learn_delay_s[1]) for m in models], dtype=np.int64)
        ready = np.maximum(learn_a, learn_b)
        reference = np.array([s_to_ps(m.reference_delay_s) for m in models], dtype=np.int64)
        reset = np.array([s_to_ps(m.reset_time_s) for m in models], dtype=np.int64)
        duty = np.array([m.duty_cycle is not None for m in models])
        any_duty = bool(duty.any())
        per_burst = np.array([m.attempts_per_burst or 1 for m in models], dtype=np.int64)
        # A burst and its pause: where the next burst's first attempt starts.
        cycle = np.array([s_to_ps(m.attempt_start_s(m.attempts_per_burst))
                          if m.duty_cycle is not None else 1 for m in models], dtype=np.int64)

        def slot_start(index: np.ndarray) -> np.ndarray:
            # Attempt ``index`` on a duty-cycled grid that starts at 0.
            return (index // per_burst) * cycle + (index % per_burst) * period

        def first_slot_at_or_after(time: np.ndarray) -> np.ndarray:
            bursts, within = np.divmod(np.maximum(time, 0), cycle)
            in_burst = -(-within // period)
            return np.where(in_burst >= per_burst, (bursts + 1) * per_burst,
                            bursts * per_burst + in_burst)

        # Integer picoseconds, as in the kernel, unless the links are so slow
        # that the sampled times could overflow them (then float picoseconds).
        slowest = max(m.attempt_start_s(max(1.0, min(1.0 / m.success_probability, 1e30)))
                      for m in models)
        exact = slowest * PS_PER_S * 64 * (steps + streams) < 2.0**62
        if not exact:
            period, learn_a, learn_b, ready, reference, reset, per_burst, cycle = (
                x.astype(float) for x in (period, learn_a, learn_b, ready, reference, reset,
                                          per_burst, cycle))

        def geometric(shape: tuple[int, ...]) -> np.ndarray:
            if exact:
                return rng.geometric(p, shape).astype(np.int64)
            # Inversion (exact in law) where int64 counts would saturate.
            return np.ceil(np.log1p(-rng.random(shape)) / np.log1p(-p))

        # Every stream starts at 0 with a fresh geometric draw. Streams are laid
        # out (stream, replica, link); a stream's herald time and its number
        # share one int64 key (time << bits | stream), so one min over streams
        # finds both the first herald and its stream. Missing streams (links
        # with fewer than the most) never herald.
        grid = geometric((streams, replicas, links)) - 1  # each stream's next success
        start0 = np.where(duty, slot_start(grid), grid * period)
        bits = max(1, (streams - 1).bit_length())
        mask = (1 << bits) - 1
        limit = (1 << 62) >> bits
        never = np.iinfo(np.int64).max if exact else np.inf
        herald0 = start0 + ready
        packed = exact and bool(herald0.max() < limit)
        numbers = np.arange(streams, dtype=np.int64)[:, None, None]
        keys = (herald0 << bits) | numbers if packed else herald0
        missing = np.arange(streams)[:, None] >= np.array([m.num_streams for m in models])
        keys[np.broadcast_to(missing[:, None, :], keys.shape)] = never

        relays = list(zip(self.path[1:-1], self.swap_ops, strict=True))
        src, dst = self.path[0], self.path[-1]
        bsm = np.array([s_to_ps(t) for _, (t, _, _) in relays], dtype=np.int64)
        lat_src = np.array([self.latency(node, src)[0] for node, _ in relays])
        jit_src = np.array([self.latency(node, src)[1] for node, _ in relays])
        lat_dst = np.array([self.latency(node, dst)[0] for node, _ in relays])
        jit_dst = np.array([self.latency(node, dst)[1] for node, _ in relays])
        fixed = (_delays(rng, lat_src, 0 * jit_src, 1), _delays(rng, lat_dst, 0 * jit_dst, 1))
        # Swapping multiplies the segments' Walsh-Hadamard components with each swap's noise.
        base_hat = np.ones(4)
        for m in models:
            base_hat = base_hat * batch.to_hat(m.outcomes.mixed_state.coefficients)
        for _, (_, gate_error, measurement_error) in relays:
            base_hat = base_hat * batch.swap_noise_hat(gate_error, measurement_error)
        # Decay rates of the qubits in path order: link 0's end A, its end B, link 1's A, ...
        rates = np.array([batch.decay_exponents(memory) for m in models
                          for memory in m.memories])
        release_ps = s_to_ps(release_delay_s)

        rows = np.arange(replicas)[:, None]
        columns = np.arange(links)[None, :]
        delivered = np.empty((replicas, steps), dtype=np.int64 if exact else float)
        waits = np.empty((steps - burn_in, replicas, 2 * links))
        for n in range(steps):
            if packed:
                best = keys.min(axis=0)
                chosen = best & mask
                heralds = best >> bits
            else:
                chosen = keys.argmin(axis=0)
                heralds = keys[chosen, rows, columns]
            if any_duty:
                index_now = grid[chosen, rows, columns]
            start = heralds - ready
            created = start + reference
            arrival_src = start[:, 0] + learn_a[0]
            arrival_dst = start[:, -1] + learn_b[-1]
            if relays:
                swapped = np.maximum(heralds[:, :-1], heralds[:, 1:]) + bsm
                # Every swap outcome travels to both ends.
                for latency, jitter, end in ((lat_src, jit_src, 0), (lat_dst, jit_dst, 1)):
                    delays = (_delays(rng, latency, jitter, replicas) if jitter.any()
                              else fixed[end])
                    heard = (swapped + delays).max(axis=1)
                    if end == 0:
                        arrival_src = np.maximum(arrival_src, heard)
                    else:
                        arrival_dst = np.maximum(arrival_dst, heard)
            done = np.maximum(arrival_src, arrival_dst)
            delivered[:, n] = done
            if n >= burn_in:
                # Each physical qubit waits from its creation to its swap (relays)
                # or to delivery (the ends).
                w = waits[n - burn_in]
                w[:, 0] = done - created[:, 0]
                w[:, -1] = done - created[:, -1]
                if relays:
                    w[:, 1:-1:2] = swapped - created[:, :-1]
                    w[:, 2:-1:2] = swapped - created[:, 1:]
            # The streams that made this pair attempt again once it is released.
            free_at = (done + release_ps)[:, None] + reset
            draws = geometric((replicas, links))
            # As LinkSimulation._restart: the first slot at or after the release
            # (and the reset), never before the slot after the last attempt.
            new_start = np.maximum(start + period, free_at) + (draws - 1) * period
            if any_duty:
                success = np.maximum(index_now + 1, first_slot_at_or_after(free_at)) + draws - 1
                grid[chosen, rows, columns] = success
                new_start = np.where(duty, slot_start(success), new_start)
            new_herald = new_start + ready
            if packed and new_herald.max() >= limit:
                # Times outgrew the packed keys (very slow links): plain times from here.
                keys = np.where(keys == never, never, keys >> bits)
                packed = False
            keys[chosen, rows, columns] = (new_herald << bits) | chosen if packed else new_herald
        # Pauli decay multiplies in the Walsh-Hadamard domain.
        factors = np.exp(-(waits.reshape(-1, 2 * links) / PS_PER_S) @ rates)
        return delivered, base_hat * factors.mean(axis=0)

    # -- distillation ------------------------------------------------------------------

    def _distil(self, raw: BellDiagonal, raw_rate: float, plan: Any
                ) -> tuple[float, BellDiagonal, float]:
        if self.end_ops is None:
            raise QdcnetError("distillation estimates need the end nodes' operations")
        src, dst = self.path[0], self.path[-1]
        ops_a, ops_b = self.end_ops
        # A pair waiting for its partner sits in storage qubits (moved there with
        # the transfer's time and noise): it decays with the storage memories.
        decay = batch.decay_exponents(ops_a.data_memory, ops_b.data_memory)
        transfer = self._transfer_s()
        local = max(ops_a.distillation_time_s, ops_b.distillation_time_s)
        exchange = max(self.latency(src, dst)[0] + self.latency(src, dst)[1] / 2,
                       self.latency(dst, src)[0] + self.latency(dst, src)[1] / 2)
        round_fn = plan.protocol.round

        def wait(state: BellDiagonal, mean: float | None, fixed: float) -> BellDiagonal:
            # An exponential wait of the given mean (None: no wait), then a fixed one.
            factors = np.exp(-decay * fixed)
            if mean is not None:
                factors = factors / (1.0 + decay * mean)
            return _state(batch.to_hat(state.coefficients) * factors)

        def distil_once(a: BellDiagonal, b: BellDiagonal) -> tuple[float, BellDiagonal]:
            return round_fn(a, b, gate_error=(ops_a.gate_error, ops_b.gate_error),
                            measurement_error=(ops_a.measurement_error, ops_b.measurement_error))

        fresh = self._stored(raw)
        extra = transfer
        if plan.mode is DistillationMode.RECURRENCE:
            state, mean_gap = fresh, 1.0 / raw_rate
            for _ in range(plan.rounds):
                # The earlier pair waits for its partner (one gap), both wait for the
                # local operations; the result is known after the exchange.
                older = wait(state, mean_gap, local)
                newer = wait(state, None, local)
                success, out = distil_once(older, newer)
                state = wait(out, None, exchange)
                extra += local + exchange
                mean_gap = 2.0 * mean_gap / success
            return 1.0 / mean_gap, state, extra
        # Pumping: a kept pair meets a fresh raw pair each round; a failure restarts.
        gap = 1.0 / raw_rate
        kept, total_time = fresh, gap + transfer
        for _ in range(plan.rounds):
            older = wait(kept, gap, local)
            newer = wait(fresh, None, local)
            success, out = distil_once(older, newer)
            kept = wait(out, None, exchange)
            total_time = (total_time + gap + local + exchange) / success
            extra += local + exchange
        return 1.0 / total_time, kept, extra


def segment_graph_edges(reach: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Memory-node pairs that share a terminal (from each terminal's reachable nodes)."""
    edges: set[tuple[str, str]] = set()
    # Terminals of one rack or fabric often reach the same nodes: each set once.
    for nodes in {frozenset(nodes) for nodes in reach.values()}:
        edges.update(combinations(sorted(nodes), 2))
    return edges


def _delays(rng: np.random.Generator, latency_s: np.ndarray, jitter_s: np.ndarray,
            replicas: int) -> np.ndarray:
    """Message delays in picoseconds (replicas x senders), drawn as the classical
    network draws them: latency plus a uniform jitter, rounded to the picosecond."""
    if not jitter_s.any():
        return np.rint(latency_s * PS_PER_S).astype(np.int64)[None, :]
    draws = rng.uniform(0.0, 1.0, (replicas, len(latency_s))) * jitter_s
    return np.rint((latency_s + draws) * PS_PER_S).astype(np.int64)
