"""A task of a sweep, as plain data: its id, point, repetition, seed and scenario.

The id hashes the canonical task (kind, scenario, run options, repetition),
not the version or the seed; the seed is derived from the study's root seed
and the id, so adding points or repetitions leaves every other task's seed
as it was. :mod:`qdcnet.config.study` reads study files into tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qdcnet.provenance import content_hash

__all__ = ["Task", "busy_task", "derive_seed", "task_id"]


@dataclass(frozen=True)
class Task:
    """One run of a study: a point (field -> value), a repetition, its scenario and seed."""

    id: str
    index: int
    point: dict[str, Any]
    repetition: int
    seed: int
    kind: str
    scenario: dict[str, Any]
    run: dict[str, Any]
    metrics: tuple[str, ...]
    study: str = ""

    def spec(self) -> dict[str, Any]:
        """What a worker needs (plain data: it crosses process and machine boundaries)."""
        return {"id": self.id, "kind": self.kind, "scenario": self.scenario, "run": self.run,
                "seed": self.seed, "metrics": list(self.metrics)}


def task_id(canonical: dict[str, Any]) -> str:
    """16 hex digits of the canonical task's SHA-256 (key order does not matter)."""
    return content_hash(canonical)[:16]


def derive_seed(root_seed: int, task: str) -> int:
    """The seed of a task: from the study's root seed and the task's id (not its position).

    >>> derive_seed(7, "00000000000000ff") == derive_seed(7, "00000000000000ff")
    True
    """
    state = np.random.SeedSequence([root_seed, int(task, 16)]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # within 0..2**63 - 1


def busy_task(spec: dict[str, Any]) -> dict[str, Any]:
    """A runner that keeps one core busy for ``spec["run"]["busy_s"]`` seconds (0: none).

    For measuring an executor's overhead and speed-up (benchmarks, tests):
    the work is known, so what is left of the wall time is the executor's.

    >>> busy_task({"run": {"busy_s": 0.0}})["metrics"]
    {'busy_s': 0.0}
    """
    import time

    busy = float(spec["run"].get("busy_s", 0.0))
    start = time.perf_counter()
    end = start + busy
    while time.perf_counter() < end:
        pass
    return {"metrics": {"busy_s": busy}, "wall_s": time.perf_counter() - start}
