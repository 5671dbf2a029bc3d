"""Link layer: attempts per wall second with and without skipping; 100 segments at once.

- One segment with p = 1e-4 per attempt, simulated attempt by attempt and
  with geometric skipping, alternating, median of the repeats.
- 100 segments on one simulator (two-click, 4 streams each, pairs used as
  soon as they are ready): pairs delivered per wall second.
"""

from __future__ import annotations

import math
import time

from benchmarks.common import Row, median


def _segment(eta: float, qubits: int = 1):
    from qdcnet.hardware import QuantumMemory
    from qdcnet.link import LinkModel
    from qdcnet.link.examples import symmetric_two_click

    return LinkModel.from_spec(symmetric_two_click(eta=eta, qubits=qubits,
                                                   memory=QuantumMemory(math.inf, 1.0),
                                                   dark_count_rate_hz=100.0))


def _attempt_rate(model, skip: bool, sim_seconds: float) -> tuple[float, int, float]:
    from qdcnet.link import LinkSimulation
    from qdcnet.sim import Simulator
    from qdcnet.units import s_to_ps

    sim = Simulator(seed=1)
    link = LinkSimulation(sim, model, skip_failures=skip)
    link.start()
    start = time.perf_counter()
    sim.run(until=s_to_ps(sim_seconds))
    wall = time.perf_counter() - start
    return link.stats.attempts / wall, link.stats.attempts, wall


def _hundred_segments(sim_seconds: float) -> tuple[float, int, float, int]:
    import itertools

    from qdcnet.link import LinkSimulation
    from qdcnet.sim import Simulator
    from qdcnet.units import s_to_ps

    model = _segment(0.1, qubits=4)
    sim = Simulator(seed=2)
    ids = itertools.count(1)
    links = [LinkSimulation(sim, model, name=f"seg{i}", pair_ids=ids) for i in range(100)]
    for link in links:
        link.start()
    start = time.perf_counter()
    sim.run(until=s_to_ps(sim_seconds))
    wall = time.perf_counter() - start
    delivered = sum(link.stats.delivered for link in links)
    return delivered / wall, delivered, wall, sim.num_events


def run(quick: bool) -> list[Row]:
    repeats = 1 if quick else 5
    model = _segment(math.sqrt(2e-4))  # p = eta^2 / 2 = 1e-4 per attempt
    every_seconds = 0.2 if quick else 2.0
    skip_seconds = 20.0 if quick else 200.0
    every, skip = [], []
    for _ in range(repeats):
        every.append(_attempt_rate(model, False, every_seconds)[0])
        skip.append(_attempt_rate(model, True, skip_seconds)[0])
    p = model.success_probability
    detail = f"two-click, p = {p:.2g} per attempt, median of {repeats}"
    rows = [
        Row("link", "attempts per wall second, every attempt simulated", median(every),
            "ops/s", detail=detail),
        Row("link", "attempts per wall second, failures skipped", median(skip), "ops/s",
            detail=detail),
        Row("link", "skipping speed-up", median(skip) / median(every), "x", detail=detail),
    ]
    rates = [_hundred_segments(0.2 if quick else 2.0) for _ in range(repeats)]
    pairs_per_s = median([r[0] for r in rates])
    delivered, wall, events = rates[0][1], rates[0][2], rates[0][3]
    rows.append(Row("link", "pairs per wall second, 100 segments at once", pairs_per_s,
                    "ops/s", detail=f"{delivered:,} pairs, {events:,} events in {wall:.2f} s"
                    f" (first run), median of {repeats}"))
    return rows
