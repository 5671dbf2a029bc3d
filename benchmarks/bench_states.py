"""Batch Bell-diagonal operations (10^6 rows) and scalar operations per second."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row, median


def _batch_rows(num: int, repeats: int) -> list[Row]:
    from qdcnet.quantum import batch

    rng = np.random.default_rng(7)
    a = rng.dirichlet(np.ones(4), size=num)
    b = rng.dirichlet(np.ones(4), size=num)
    cases = {
        "swap": lambda: batch.swap(a, b),
        "swap (gate + measurement noise)": lambda: batch.swap(
            a, b, gate_error=0.01, measurement_error=0.005),
        "DEJMPS round": lambda: batch.dejmps(a, b),
        "DEJMPS round (noisy)": lambda: batch.dejmps(
            a, b, gate_error=0.01, measurement_error=0.005),
        "decohere (per-row durations)": lambda: batch.decohere(
            a, rng.uniform(0, 1e-3, num), t1_s=1e-2, t2_s=5e-3),
    }
    rows = []
    for name, fn in cases.items():
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            timings.append(time.perf_counter() - start)
        rate = num / median(timings)
        goal, met = "", None
        if name in ("swap", "DEJMPS round"):
            goal, met = ">= 1e7 ops/s", rate >= 1e7
        rows.append(Row("batch states", f"{name}", rate, "ops/s", goal=goal, met=met,
                        detail=f"N = {num:,}, median of {repeats}"))
    return rows


def _scalar_rows(num: int) -> list[Row]:
    from qdcnet.quantum import BellDiagonal, dejmps, swap

    a = BellDiagonal.from_coefficients([0.9, 0.05, 0.03, 0.02])
    b = BellDiagonal.werner(0.95)
    cases = {
        "scalar swap": lambda: swap(a, b),
        "scalar DEJMPS": lambda: dejmps(a, b),
        "scalar decohere": lambda: a.decohere(1e-3, t1_s=1.0, t2_s=0.5),
    }
    rows = []
    for name, fn in cases.items():
        start = time.perf_counter()
        for _ in range(num):
            fn()
        rate = num / (time.perf_counter() - start)
        rows.append(Row("scalar states", name, rate, "ops/s", detail=f"{num:,} calls"))
    return rows


def run(quick: bool) -> list[Row]:
    num = 100_000 if quick else 1_000_000
    repeats = 1 if quick else 5
    return _batch_rows(num, repeats) + _scalar_rows(20_000 if quick else 200_000)
