"""Sampling logical error rates: seeded stim + pymatching, or sinter; crossing points.

Two engines give the same statistics:

* ``"stim"`` (default): detector samples from stim's sampler with a seed
  derived from the run's seed and the task, decoded by pymatching in
  batches, until ``max_errors`` logical errors or ``max_shots`` shots. The
  same seed gives the same counts, so results are reproducible exactly;
  tasks run in parallel processes.
* ``"sinter"``: :func:`sinter.collect` with pymatching, for long sweeps on
  many cores. Sinter seeds its workers from the operating system, so its
  counts are reproducible only within their error bars; the output records
  that.

Error bars are binomial: ``p ± sqrt(p (1 - p) / n)``, and every result also
carries the exact (Clopper-Pearson) interval of its error rate, which stays
honest for 0 or a handful of errors. Crossing points come with a spread from
resampling the counts.

A result whose logical error per shot cannot be told apart from 50 % (0.5
lies in its exact interval, or above it) is *saturated*: the code has
failed, the decoder's output is a coin toss, and differences between such
points (buffer depths, seam noise) are noise, not a trend
(:attr:`TaskResult.saturated`, :func:`is_saturated`). Two results differ
significantly only when their intervals are apart (:func:`rates_differ`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError
from qdcnet.sim.statistics import binomial_interval, intervals_overlap, proportion_standard_error

__all__ = [
    "ENGINES",
    "SeamTask",
    "TaskResult",
    "crossing_points",
    "decode_counts",
    "is_saturated",
    "rates_differ",
    "run_tasks",
]

#: The logical error per shot of a failed code: its prediction is a coin toss.
SATURATION = 0.5

ENGINES = ("stim", "sinter")


@dataclass(frozen=True)
class SeamTask:
    """One point of a sweep: a memory experiment with its noise."""

    distance: int
    basis: str
    bulk: float
    #: Werner infidelity, or the pair's Bell coefficients (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻)
    seam: float | tuple[float, float, float, float]
    layout: str = "vertical"
    protocol: str = "teleported_cnot"
    rounds: int | None = None
    idle_per_round: float = 0.0
    #: "every_layer" or "once_per_round" (see memory_circuit)
    idle: str = "every_layer"

    def circuit(self) -> Any:
        from qdcnet.qec.surface import memory_circuit

        return memory_circuit(self.distance, rounds=self.rounds, basis=self.basis,
                              layout=self.layout, protocol=self.protocol, bulk=self.bulk,
                              seam=self.seam, idle_per_round=self.idle_per_round,
                              idle=self.idle)

    @property
    def num_rounds(self) -> int:
        return self.distance if self.rounds is None else self.rounds

    def key(self) -> tuple[Any, ...]:
        return tuple(asdict(self).values())


@dataclass(frozen=True)
class TaskResult:
    task: SeamTask
    shots: int
    errors: int
    seconds: float = 0.0
    engine: str = "stim"
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Logical error probability per shot (the whole memory experiment)."""
        return self.errors / self.shots if self.shots else math.nan

    @property
    def stderr(self) -> float:
        p = self.rate
        # With no errors seen, quote the rule-of-three scale rather than zero.
        if self.errors == 0:
            return 3.0 / self.shots / 2 if self.shots else math.nan
        return proportion_standard_error(p, self.shots)

    @property
    def interval(self) -> tuple[float, float]:
        """Exact 95 % (Clopper-Pearson) interval of :attr:`rate`; (nan, nan) without shots."""
        if not self.shots:
            return (math.nan, math.nan)
        return binomial_interval(self.errors, self.shots)

    @property
    def rate_low(self) -> float:
        return self.interval[0]

    @property
    def rate_high(self) -> float:
        return self.interval[1]

    @property
    def saturated(self) -> bool:
        """Whether the logical error per shot is indistinguishable from 50 % or above.

        True when 0.5 lies in (or below) the exact interval of the rate: the
        decoder does no better than a coin toss, so the per-round value
        derived from it (which grows steeply as the rate nears 0.5) and any
        difference to a neighbouring point are noise. Also True for a run
        with too few shots to exclude 50 %, which says as little.
        """
        return bool(self.shots) and self.rate_high >= SATURATION

    @property
    def per_round(self) -> float:
        """Logical error per round p_r, from 1 - 2p = (1 - 2 p_r)^rounds (sinter's conversion)."""
        import sinter

        return float(sinter.shot_error_rate_to_piece_error_rate(self.rate,
                                                                pieces=self.task.num_rounds))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self.task)
        low, high = self.interval
        out.update({"shots": self.shots, "errors": self.errors, "rate": self.rate,
                    "stderr": self.stderr, "rate_low": low, "rate_high": high,
                    "saturated": self.saturated, "per_round": self.per_round,
                    "seconds": self.seconds, "engine": self.engine, "seed": self.seed})
        out.update(self.extra)
        return out


def is_saturated(result: TaskResult) -> bool:
    """Whether ``result``'s logical error per shot is statistically 50 % or more.

    The same as :attr:`TaskResult.saturated`.

    >>> task = SeamTask(3, "z", 0.01, 0.0)
    >>> is_saturated(TaskResult(task, shots=1000, errors=480))
    True
    >>> is_saturated(TaskResult(task, shots=1000, errors=400))
    False
    """
    return result.saturated


def rates_differ(a: TaskResult, b: TaskResult) -> bool:
    """Whether two logical error rates differ significantly: their exact intervals are apart.

    Conservative: overlapping 95 % intervals are read as "no shown
    difference". A saturated result differs from nothing that is saturated.

    >>> task = SeamTask(3, "z", 0.01, 0.0)
    >>> rates_differ(TaskResult(task, 1000, 10), TaskResult(task, 1000, 40))
    True
    >>> rates_differ(TaskResult(task, 1000, 10), TaskResult(task, 1000, 14))
    False
    """
    if not a.shots or not b.shots:
        return False
    return not intervals_overlap(a.interval, b.interval)


def decode_counts(circuit: Any, *, shots: int, seed: int, max_errors: int | None = None,
                  batch: int = 4096) -> tuple[int, int]:
    """(shots taken, logical errors) for ``circuit`` with pymatching, seeded."""
    import pymatching

    dem = circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    matcher = pymatching.Matching.from_detector_error_model(dem)
    sampler = circuit.compile_detector_sampler(seed=seed)
    taken = errors = 0
    while taken < shots and (max_errors is None or errors < max_errors):
        n = min(batch, shots - taken)
        detectors, observables = sampler.sample(n, separate_observables=True)
        predictions = matcher.decode_batch(detectors)
        errors += int(np.any(predictions != observables, axis=1).sum())
        taken += n
        batch = min(batch * 2, 1 << 16)
    return taken, errors


def _task_seed(seed: int, task: SeamTask) -> int:
    entropy = [seed, *(hash_float(x) for x in task.key())]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0] >> 1)


def hash_float(value: Any) -> int:
    """A stable integer for a task field (floats by their repr, None as 0)."""
    if value is None:
        return 0
    text = repr(value).encode()
    return int.from_bytes(__import__("hashlib").blake2b(text, digest_size=8).digest(), "little")


def _run_one(args: tuple[SeamTask, int, int, int]) -> TaskResult:
    import time

    task, seed, max_shots, max_errors = args
    start = time.perf_counter()
    task_seed = _task_seed(seed, task)
    shots, errors = decode_counts(task.circuit(), shots=max_shots, seed=task_seed,
                                  max_errors=max_errors)
    return TaskResult(task, shots, errors, time.perf_counter() - start, "stim", task_seed)


def run_tasks(tasks: Sequence[SeamTask], *, seed: int, max_shots: int = 100_000,
              max_errors: int = 500, workers: int = 1, engine: str = "stim",
              progress: Callable[[int], None] | None = None) -> list[TaskResult]:
    """Sample every task; results in the order of ``tasks``.

    ``progress`` is called with the number of tasks done after each one (the
    seeded stim engine only; sinter keeps its own count). It sees the work,
    never changes it.
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    if max_shots < 1:
        raise ParameterError("max_shots", max_shots, ">= 1")
    if max_errors < 1:
        raise ParameterError("max_errors", max_errors, ">= 1")
    if workers < 1:
        raise ParameterError("workers", workers, ">= 1")
    if engine == "sinter":
        return _run_sinter(tasks, max_shots=max_shots, max_errors=max_errors, workers=workers)
    jobs = [(task, seed, max_shots, max_errors) for task in tasks]
    done: list[TaskResult] = []
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            done.append(_run_one(job))
            if progress is not None:
                progress(len(done))
        return done
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(_run_one, jobs):
            done.append(result)
            if progress is not None:
                progress(len(done))
    return done


def _run_sinter(tasks: Sequence[SeamTask], *, max_shots: int, max_errors: int,
                workers: int) -> list[TaskResult]:
    import sinter

    by_key = {}
    sinter_tasks = []
    for i, task in enumerate(tasks):
        by_key[i] = task
        sinter_tasks.append(sinter.Task(circuit=task.circuit(), json_metadata={"index": i}))
    stats = sinter.collect(num_workers=max(1, workers), tasks=sinter_tasks,
                           decoders=["pymatching"], max_shots=max_shots,
                           max_errors=max_errors, print_progress=False)
    results: dict[int, TaskResult] = {}
    for stat in stats:
        i = stat.json_metadata["index"]
        results[i] = TaskResult(by_key[i], stat.shots, stat.errors, stat.seconds, "sinter", None)
    return [results[i] for i in range(len(tasks))]


@dataclass(frozen=True)
class Crossing:
    """Where two distances' curves cross: below it the larger code does better."""

    bulk: float
    basis: str
    distances: tuple[int, int]
    seam: float | None
    spread: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _crossing(xs: np.ndarray, small: np.ndarray, large: np.ndarray) -> float | None:
    """First x where log(large) - log(small) changes sign from negative to positive."""
    with np.errstate(divide="ignore"):
        diff = np.log(np.maximum(large, 1e-12)) - np.log(np.maximum(small, 1e-12))
    for i in range(len(xs) - 1):
        if diff[i] < 0 <= diff[i + 1]:
            t = -diff[i] / (diff[i + 1] - diff[i])
            return float(xs[i] + t * (xs[i + 1] - xs[i]))
    return None


def crossing_points(results: Iterable[TaskResult], *, resamples: int = 200,
                    seed: int = 0) -> list[Crossing]:
    """Crossings of consecutive distances' error-rate curves against seam infidelity.

    For each (bulk, basis), each pair of consecutive distances; the spread is
    the standard deviation over binomial resamplings of the counts.
    """
    groups: dict[tuple[float, str], dict[int, dict[float, TaskResult]]] = {}
    for r in results:
        groups.setdefault((r.task.bulk, r.task.basis), {}).setdefault(
            r.task.distance, {})[r.task.seam] = r
    rng = np.random.default_rng(seed)
    out = []
    for (bulk, basis), by_distance in sorted(groups.items()):
        distances = sorted(by_distance)
        for small_d, large_d in itertools.pairwise(distances):
            seams = sorted(set(by_distance[small_d]) & set(by_distance[large_d]))
            if len(seams) < 2:
                continue
            xs = np.array(seams)
            small = [by_distance[small_d][s] for s in seams]
            large = [by_distance[large_d][s] for s in seams]
            point = _crossing(xs, np.array([r.rate for r in small]),
                              np.array([r.rate for r in large]))
            samples = []
            for _ in range(resamples):
                a = rng.binomial([r.shots for r in small], [r.rate for r in small]) / np.array(
                    [r.shots for r in small])
                b = rng.binomial([r.shots for r in large], [r.rate for r in large]) / np.array(
                    [r.shots for r in large])
                value = _crossing(xs, a, b)
                if value is not None:
                    samples.append(value)
            spread = float(np.std(samples)) if len(samples) > 1 else None
            out.append(Crossing(bulk, basis, (small_d, large_d), point, spread))
    return out
