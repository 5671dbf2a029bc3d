"""Event kernel against SimPy: 1,000 self-rescheduling event chains.

Every chain i reschedules itself with a fixed delay d_i (drawn once from a
seeded generator, 1..999 ps), so the workload is identical in both kernels
and the number of chain events up to time T is exactly sum(floor(T / d_i)).
T is chosen so that this is just over the requested event count. Runs
alternate between the implementations (ours, SimPy, ours, ...) so drift on a
shared machine hits both; we report the median of each.

Four variants: our callback core, our generator processes, SimPy processes
(its idiomatic form: ``yield env.timeout(d)``), and SimPy callbacks
(``timeout.callbacks.append``), SimPy's own lean path.

Wall-clock rates on a shared machine drift by tens of percent between runs,
so the full run also counts instructions per event with callgrind (when
valgrind is installed): a figure that repeats to the instruction.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Row, median

NUM_CHAINS = 1000


def _delays() -> list[int]:
    return np.random.default_rng(20261126).integers(1, 1000, NUM_CHAINS).tolist()


def _horizon(delays: list[int], num_events: int) -> tuple[int, int]:
    """Smallest T with sum(T // d) >= num_events, and that count."""
    array = np.array(delays)
    low, high = 0, num_events * max(delays)
    while low < high:
        mid = (low + high) // 2
        if int((mid // array).sum()) >= num_events:
            high = mid
        else:
            low = mid + 1
    return low, int((low // array).sum())


def ours_callbacks(delays: list[int], horizon: int) -> tuple[float, int]:
    from qdcnet.sim import Simulator

    sim = Simulator(seed=0)
    schedule = sim.schedule

    def chain(delay: int) -> None:
        schedule(delay, chain, delay)

    for d in delays:
        schedule(d, chain, d)
    start = time.perf_counter()
    sim.run(until=horizon)
    elapsed = time.perf_counter() - start
    return elapsed, sim.num_events


def ours_processes(delays: list[int], horizon: int) -> tuple[float, int]:
    from qdcnet.sim import Simulator

    sim = Simulator(seed=0)
    count = [0]

    def chain(delay: int):
        timeout = sim.timeout
        while True:
            yield timeout(delay)
            count[0] += 1

    for d in delays:
        sim.process(chain(d))
    start = time.perf_counter()
    sim.run(until=horizon)
    elapsed = time.perf_counter() - start
    return elapsed, count[0]


def simpy_processes(delays: list[int], horizon: int) -> tuple[float, int]:
    import simpy

    env = simpy.Environment()
    count = [0]

    def chain(delay: int):
        timeout = env.timeout
        while True:
            yield timeout(delay)
            count[0] += 1

    for d in delays:
        env.process(chain(d))
    start = time.perf_counter()
    env.run(until=horizon + 1)  # SimPy stops before events at `until`
    elapsed = time.perf_counter() - start
    return elapsed, count[0]


def simpy_callbacks(delays: list[int], horizon: int) -> tuple[float, int]:
    import simpy

    env = simpy.Environment()
    timeout = env.timeout

    def make(delay: int):
        def chain(_event) -> None:
            timeout(delay).callbacks.append(chain)

        return chain

    for d in delays:
        timeout(d).callbacks.append(make(d))
    start = time.perf_counter()
    env.run(until=horizon + 1)
    elapsed = time.perf_counter() - start
    return elapsed, None  # counted analytically (identical workload)


VARIANTS = {
    "qdcnet callbacks": ours_callbacks,
    "qdcnet processes": ours_processes,
    "SimPy processes": simpy_processes,
    "SimPy callbacks": simpy_callbacks,
}


def _instructions(variant: str, num_events: int) -> int | None:
    """Instructions of one workload run counted by callgrind (None if unavailable)."""
    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks import bench_kernel as b;"
        "d = b._delays(); n = int(sys.argv[3]);"
        "T = b._horizon(d, n)[0] if n else 0;"
        "b.VARIANTS[sys.argv[2]](d, T)"
    )
    out_file = root / "benchmarks" / "results" / "callgrind.out"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONHASHSEED="0")  # dict/set layout changes the count
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", sys.executable,
         "-c", code, str(root), variant, str(num_events)],
        capture_output=True, text=True, env=env, check=False,
    )
    out_file.unlink(missing_ok=True)
    for line in result.stderr.splitlines():
        if "Collected" in line:
            return int(line.split()[-1])
    return None


def instruction_rows(num_events: int = 100_000) -> list[Row]:
    """Instructions per event (callgrind): repeatable whatever else the machine does."""
    per_event: dict[str, float] = {}
    for variant in VARIANTS:
        base = _instructions(variant, 0)
        full = _instructions(variant, num_events)
        if base is None or full is None:
            return []
        per_event[variant] = (full - base) / num_events
    detail = f"callgrind, {num_events:,} events minus an empty run, PYTHONHASHSEED=0"
    rows = [Row("kernel", f"{name} instructions/event", value, "instr", detail=detail)
            for name, value in per_event.items()]
    for simpy_name in ("SimPy processes", "SimPy callbacks"):
        ratio = per_event[simpy_name] / per_event["qdcnet callbacks"]
        rows.append(Row("kernel", f"instructions: {simpy_name} / qdcnet callbacks", ratio, "x",
                        goal=">= 1.5x", met=ratio >= 1.5, detail=detail))
    ratio = per_event["SimPy processes"] / per_event["qdcnet processes"]
    rows.append(Row("kernel", "instructions: SimPy processes / qdcnet processes", ratio, "x",
                    detail=detail))
    return rows


def run(quick: bool) -> list[Row]:
    num_events = 200_000 if quick else 2_000_000
    repeats = 1 if quick else 5
    delays = _delays()
    horizon, expected = _horizon(delays, num_events)
    variants = dict(VARIANTS)
    try:
        import simpy  # noqa: F401
    except ImportError:
        variants = {k: v for k, v in variants.items() if not k.startswith("SimPy")}
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():  # alternate implementations within each round
            elapsed, counted = fn(delays, horizon)
            if counted is not None and counted != expected:
                raise AssertionError(f"{name} ran {counted} events, expected {expected}")
            timings[name].append(elapsed)
    rate = {name: expected / median(t) for name, t in timings.items()}
    detail = f"{NUM_CHAINS} chains, {expected:,} events, median of {repeats}"
    rows = [
        Row("kernel", f"{name} events/s", value, "events/s", detail=detail)
        for name, value in rate.items()
    ]
    rows[0].goal = ">= 0.8 M events/s (one core)"
    rows[0].met = rate["qdcnet callbacks"] >= 0.8e6
    if "SimPy processes" in rate:
        for simpy_name in ("SimPy processes", "SimPy callbacks"):
            ratio = rate["qdcnet callbacks"] / rate[simpy_name]
            rows.append(Row("kernel", f"qdcnet callbacks / {simpy_name}", ratio, "x",
                            goal=">= 1.5x", met=ratio >= 1.5, detail=detail))
        ratio = rate["qdcnet processes"] / rate["SimPy processes"]
        rows.append(Row("kernel", "qdcnet processes / SimPy processes", ratio, "x",
                        detail=detail))
        if not quick and shutil.which("valgrind"):
            rows.extend(instruction_rows())
    return rows
