"""Paths of segments and their analytic estimates: rate, fidelity, latency.

A path is a sequence of memory nodes; consecutive nodes share a segment,
and the nodes in between swap as soon as they hold both of their halves
(ASAP). :class:`PathModel` estimates, without the event simulation, what a
request on the path gets:

- **timing**: each segment's attempts are geometric (its ``LinkModel``);
  an intermediate node swaps when it knows both adjacent pairs and the
  swap outcomes travel to both ends; the end-to-end pair is ready when both
  ends know every outcome. For identical segments with perfect memories and
  instant swaps this is the closed form of Shchukin et al. (2019);
  in general the expectation over the segments' geometric times is taken by
  sampling them (vectorised), a numerical evaluation of the model;
- **state**: swapping is the XOR convolution of the segment states with
  each swap's noise, and every stored qubit decays for exactly as long as
  it waits (segment creation to its swap, or to delivery for the ends),
  computed in the Walsh–Hadamard domain where all of it multiplies;
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
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from qdcnet.errors import QdcnetError
from qdcnet.link.model import LinkModel
from qdcnet.quantum import BellDiagonal, bbpssw, dejmps
from qdcnet.quantum.pauli import WALSH_HADAMARD

__all__ = ["PathEstimate", "PathModel", "waiting_time_closed_form"]


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

    @property
    def num_segments(self) -> int:
        return len(self.path) - 1

    def to_dict(self) -> dict[str, Any]:
        return {"path": list(self.path), "rate_hz": self.rate_hz, "fidelity": self.fidelity,
                "latency_s": self.latency_s, "raw_rate_hz": self.raw_rate_hz,
                "raw_fidelity": self.raw_fidelity, "distillation": self.distillation,
                "state": list(self.state.coefficients)}


def _hat(state: BellDiagonal) -> np.ndarray:
    return np.asarray(state.coefficients) @ WALSH_HADAMARD


def _decay(memory: Any) -> np.ndarray:
    """Decay rates of the four Walsh–Hadamard components (I, Y, X, Z) of one stored qubit."""
    return np.array([0.0, 1.0 / memory.t2_s, 1.0 / memory.t2_s, 1.0 / memory.t1_s])


def _swap_hat(gate_error: float, measurement_error: float) -> np.ndarray:
    ok = 1.0 - measurement_error
    readout = np.array([ok * ok, measurement_error * ok, measurement_error**2,
                        measurement_error * ok]) @ WALSH_HADAMARD
    return readout * np.array([1.0, 1.0 - gate_error, 1.0 - gate_error, 1.0 - gate_error])


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
        The two end nodes' :class:`~qdcnet.network.protocols.NodeOps`, used
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

    # -- one end-to-end pair ---------------------------------------------------------

    def _sample(self, rng: np.random.Generator, samples: int, restart: bool
                ) -> tuple[np.ndarray, np.ndarray]:
        """Per sample: the time the pair is ready at both ends, and its state's hat vector."""
        src, dst = self.path[0], self.path[-1]
        hat = np.ones((samples, 4))
        created, learned_a, learned_b = [], [], []
        for segment in self.segments:
            p = segment.success_probability
            attempts = rng.geometric(p, samples)
            start = np.asarray(segment.attempt_start_s(attempts - 1), dtype=float)
            if restart:
                start = start + segment.reset_time_s
            created.append(start + segment.reference_delay_s)
            learned_a.append(start + segment.learn_delay_s[0])
            learned_b.append(start + segment.learn_delay_s[1])
            hat *= _hat(segment.outcomes.mixed_state)
        known_src = learned_a[0].copy()
        known_dst = learned_b[-1].copy()
        for i, (bsm_time, gate_error, measurement_error) in enumerate(self.swap_ops):
            node = self.path[i + 1]
            swapped = np.maximum(learned_b[i], learned_a[i + 1]) + bsm_time
            # The node's two halves wait from their creation to the swap.
            memory_left = self.segments[i].memories[1]
            memory_right = self.segments[i + 1].memories[0]
            hat *= np.exp(-np.outer(swapped - created[i], _decay(memory_left)))
            hat *= np.exp(-np.outer(swapped - created[i + 1], _decay(memory_right)))
            hat *= _swap_hat(gate_error, measurement_error)
            for end, known in ((src, known_src), (dst, known_dst)):
                latency, jitter = self.latency(node, end)
                arrival = swapped + latency + (rng.uniform(0.0, jitter, samples) if jitter else 0.0)
                np.maximum(known, arrival, out=known)
        ready = np.maximum(known_src, known_dst)
        hat *= np.exp(-np.outer(ready - created[0], _decay(self.segments[0].memories[0])))
        hat *= np.exp(-np.outer(ready - created[-1], _decay(self.segments[-1].memories[1])))
        return ready, hat

    def estimate(self, *, samples: int = 20_000, seed: int = 0, distillation: Any = None,
                 ) -> PathEstimate:
        """Rate, fidelity and latency of end-to-end pairs, optionally distilled.

        ``distillation`` is ``None`` or an object with ``protocol``
        (dejmps, bbpssw), ``rounds`` and ``mode`` (recurrence, pumping).
        """
        rng = np.random.default_rng(seed)
        first_ready, _ = self._sample(rng, samples, restart=False)
        cycle, hat = self._sample(rng, samples, restart=True)
        coefficients = hat.mean(axis=0) @ WALSH_HADAMARD / 4.0
        raw = BellDiagonal(*(float(max(0.0, c)) for c in coefficients))
        raw = BellDiagonal(*(c / sum(raw.coefficients) for c in raw.coefficients))
        streams = min(s.num_streams for s in self.segments)
        raw_rate = streams / float(cycle.mean())
        latency = float(first_ready.mean())
        if distillation is None:
            return PathEstimate(self.path, raw_rate, raw.fidelity, latency, raw, raw_rate,
                                raw.fidelity, "none", samples)
        rate, state, extra_latency = self._distil(raw, raw_rate, distillation)
        label = f"{distillation.protocol} x{distillation.rounds} ({distillation.mode})"
        return PathEstimate(self.path, rate, state.fidelity, latency + extra_latency, state,
                            raw_rate, raw.fidelity, label, samples)

    # -- distillation ------------------------------------------------------------------

    def _distil(self, raw: BellDiagonal, raw_rate: float, plan: Any
                ) -> tuple[float, BellDiagonal, float]:
        if self.end_ops is None:
            raise QdcnetError("distillation estimates need the end nodes' operations")
        src, dst = self.path[0], self.path[-1]
        ops_a, ops_b = self.end_ops
        # A pair waiting for its partner sits in storage qubits (moved there with
        # the transfer's time and noise): it decays with the storage memories.
        decay = _decay(ops_a.data_memory) + _decay(ops_b.data_memory)
        comm_decay = _decay(self.segments[0].memories[0]) + _decay(self.segments[-1].memories[1])
        transfer = max(ops_a.transfer_time_s, ops_b.transfer_time_s)
        local = max(ops_a.distillation_time_s, ops_b.distillation_time_s)
        exchange = max(self.latency(src, dst)[0] + self.latency(src, dst)[1] / 2,
                       self.latency(dst, src)[0] + self.latency(dst, src)[1] / 2)
        round_fn = {"dejmps": dejmps, "bbpssw": bbpssw}[plan.protocol]

        def with_factors(state: BellDiagonal, factors: np.ndarray) -> BellDiagonal:
            h = _hat(state) * factors
            return BellDiagonal(*(float(x) for x in h @ WALSH_HADAMARD / 4.0))

        def stored(state: BellDiagonal) -> BellDiagonal:
            moved = with_factors(state, np.exp(-comm_decay * transfer))
            return (moved.depolarize_qubit(ops_a.transfer_error, qubit=0)
                    .depolarize_qubit(ops_b.transfer_error, qubit=1))

        def wait(state: BellDiagonal, mean: float | None, fixed: float) -> BellDiagonal:
            # An exponential wait of the given mean (None: no wait), then a fixed one.
            factors = np.exp(-decay * fixed)
            if mean is not None:
                factors = factors / (1.0 + decay * mean)
            return with_factors(state, factors)

        def distil_once(a: BellDiagonal, b: BellDiagonal) -> tuple[float, BellDiagonal]:
            return round_fn(a, b, gate_error=(ops_a.gate_error, ops_b.gate_error),
                            measurement_error=(ops_a.measurement_error, ops_b.measurement_error))

        fresh = stored(raw)
        extra = transfer
        if plan.mode == "recurrence":
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
    for nodes in reach.values():
        for a, b in combinations(sorted(nodes), 2):
            edges.add((a, b))
    return edges
