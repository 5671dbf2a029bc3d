"""Shared helpers: a result row, timing with medians, goals."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Row:
    """One measured figure. ``goal`` is a target (not a pass/fail test)."""

    benchmark: str
    metric: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def best_of(fn: Callable[[], float], repeats: int) -> list[float]:
    """Run ``fn`` (which returns seconds) ``repeats`` times; return all timings."""
    return [fn() for _ in range(repeats)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result
