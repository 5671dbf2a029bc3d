"""Decoder latency against the QEC cycle, and the backlog when decoding is slower.

A code produces one round of syndrome per cycle; a decoder that needs more
than a cycle per round falls behind, and the backlog (rounds waiting to be
decoded) grows by ``t_round / t_cycle - 1`` rounds per round, for as long as
the computation runs: logical operations that need the decoded frame (a
T gate's correction) then wait for it (Terhal 2015, the backlog problem).

We time pymatching on this machine two ways: *latency*, one shot at a time
(what a real-time decoder faces), and *throughput*, batches of shots; both
are divided by the number of rounds in the shot. Timings depend on the
machine; they are figures to report, never test thresholds.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError

__all__ = ["DecoderTiming", "backlog", "time_decoder"]


@dataclass(frozen=True)
class DecoderTiming:
    distance: int
    rounds: int
    bulk: float
    seam: float
    latency_per_round_s: float
    throughput_per_round_s: float
    shots: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def time_decoder(distance: int, *, rounds: int | None = None, bulk: float = 0.001,
                 seam: float = 0.01, shots: int = 2000, seed: int = 1,
                 layout: str = "vertical") -> DecoderTiming:
    """Time pymatching on a distance-d memory experiment with ``rounds`` rounds (default d)."""
    import pymatching

    from qdcnet.qec.surface import memory_circuit

    if shots < 1:
        raise ParameterError("shots", shots, ">= 1")
    rounds = distance if rounds is None else rounds
    circuit = memory_circuit(distance, rounds=rounds, basis="z", layout=layout, bulk=bulk,
                             seam=seam)
    dem = circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    matcher = pymatching.Matching.from_detector_error_model(dem)
    detectors, _ = circuit.compile_detector_sampler(seed=seed).sample(
        shots, separate_observables=True)
    matcher.decode_batch(detectors[: min(100, shots)])  # warm caches before timing
    start = time.perf_counter()
    for row in detectors:
        matcher.decode(row)
    latency = (time.perf_counter() - start) / shots / rounds
    start = time.perf_counter()
    matcher.decode_batch(detectors)
    throughput = (time.perf_counter() - start) / shots / rounds
    return DecoderTiming(distance, rounds, bulk, seam, latency, throughput, shots)


def backlog(decode_per_round_s: float, cycle_s: float, *, run_s: float = 1.0
            ) -> dict[str, float]:
    """Backlog after ``run_s`` of operation: rounds waiting and the delay they mean.

    >>> backlog(2e-6, 1e-6, run_s=1.0)["rounds_behind"]
    1000000.0
    """
    ratio = decode_per_round_s / cycle_s
    rounds = run_s / cycle_s
    behind = max(0.0, (ratio - 1.0) * rounds)
    return {"ratio": ratio, "rounds_behind": float(np.round(behind, 6)),
            "delay_s": behind * decode_per_round_s,
            "keeps_up": float(ratio <= 1.0)}
