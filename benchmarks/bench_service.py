"""The orchestrator as a service: what journaling costs, how fast a journal replays,
and how long a submission waits for its decision.

A 16-QPU leaf-spine data center (two racks of eight Oxford-type ions, two
spines). ``N`` requests of 20 pairs between random QPUs enter at time 0 and
run to the end:

- **bare**: the orchestrator alone on the event kernel;
- **service**: the same requests through :class:`~qdcnet.service.core.Service`
  on a SQLite journal (WAL, ``synchronous=FULL``), free-running clock: every
  input committed, every event recorded;
- **replay**: the service reopened on that journal (every event regenerated
  and checked against the recorded one).

The ratio service/bare is the price of the journal and the event records,
measured side by side in one run. Then, with the driver running, requests
are submitted one after another and each one's wall time from the call to
the committed decision (admission or refusal, after the modelled
control-plane latency) is timed: p50 and p99, in-process (no HTTP), once
the planner has seen every pair of QPUs.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Row


def _scenario():
    from qdcnet.config.scenario import validate_document
    from qdcnet.network.topology import leaf_spine

    document = leaf_spine(2, 8, spines=2, profile="trapped_ion_oxford",
                          communication_qubits=2, rack_to_spine_m=20.0,
                          overrides={"communication.t2": "200 ms", "qubits.storage": 4})
    document["control_plane"] = {"node": "spine0", "processing_latency": "2 us"}
    return validate_document(document)


def _bodies(scenario, count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    qpus = [q.name for q in scenario.qpus]
    bodies = []
    for i in range(count):
        a, b = (qpus[j] for j in rng.choice(len(qpus), 2, replace=False))
        bodies.append({"src": a, "dst": b, "pairs": 20, "name": f"r{i}"})
    return bodies


def _bare(scenario, bodies) -> tuple[float, int]:
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.control import EntanglementRequest, Orchestrator

    dc = build_datacenter(scenario, seed=scenario.seed)
    orchestrator = Orchestrator.from_settings(dc, scenario.orchestrator_settings())
    start = time.perf_counter()
    for body in bodies:
        orchestrator.submit(EntanglementRequest(body["src"], body["dst"],
                                                num_pairs=body["pairs"], name=body["name"]))
    dc.sim.run()
    return time.perf_counter() - start, dc.sim.num_events


def _service(scenario, url: str):
    from qdcnet.service.clock import Clock
    from qdcnet.service.core import Service
    from qdcnet.service.store import Store

    service = Service(scenario, Store(url), clock=Clock("free"), workload=False)
    service.open()
    return service


def _until_idle(service) -> None:
    while service.backend.next_event_ps() is not None or service._pending:
        service.step()
    service.flush(force_clock=True)


def _journaled(scenario, bodies, url: str) -> tuple[float, int, int]:
    service = _service(scenario, url)  # built outside the timing, like the bare one's
    start = time.perf_counter()

    async def submit_all() -> None:
        for body in bodies:
            await service.submit("request", body, wait_s=0)

    asyncio.run(submit_all())
    _until_idle(service)
    wall = time.perf_counter() - start
    events = service.store.last_event_seq()
    service.store.close()
    return wall, service.backend.sim.num_events, events


def _replay(scenario, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    service = _service(scenario, url)
    _until_idle(service)
    wall = time.perf_counter() - start
    service.store.close()
    return wall, service.divergences


def _latencies(scenario, bodies, url: str) -> list[float]:
    service = _service(scenario, url)
    out: list[float] = []

    async def main() -> None:
        driver = asyncio.create_task(service.drive())
        try:
            # Warm the planner on every pair first: a first admission of a path rehearses it
            # (issue 20's cold-admission latency), which is not what this times.
            names = [q.name for q in scenario.qpus]
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    await service.submit("request", {"src": a, "dst": b, "pairs": 1},
                                         wait_s=30.0)
            for body in bodies:
                began = time.perf_counter()
                view, _ = await service.submit("request", body, wait_s=10.0)
                assert view["decided_s"] is not None or view["status"] != "submitted"
                out.append(time.perf_counter() - began)
        finally:
            driver.cancel()

    asyncio.run(main())
    service.store.close()
    return out


def run(quick: bool) -> list[Row]:
    scenario = _scenario()
    count = 40 if quick else 400
    bodies = _bodies(scenario, count, seed=3)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'journal.db'}"
        bare, bare_events = _bare(scenario, bodies)
        journaled, kernel_events, recorded = _journaled(scenario, bodies, url)
        replay, divergences = _replay(scenario, url)
        latencies = _latencies(scenario, _bodies(scenario, 50 if quick else 300, seed=4),
                               f"sqlite:///{Path(folder) / 'latency.db'}")
    p50, p99 = (float(np.percentile(latencies, q)) * 1e3 for q in (50, 99))
    detail = (f"16 QPUs, {count} requests x 20 pairs; {recorded} events recorded; kernel "
              f"events {kernel_events} (bare {bare_events})")
    return [
        Row("service", "bare orchestrator", bare, "s", detail=detail),
        Row("service", "through the service (SQLite journal)", journaled, "s", detail=detail),
        Row("service", "service / bare", journaled / bare, "x",
            detail="the journal, event records and submission path, side by side"),
        Row("service", "replay of the journal", replay, "s",
            detail=f"{divergences} divergences; replay / live {replay / journaled:.2f}"),
        Row("service", "decision latency p50", p50, "ms",
            detail=f"{len(latencies)} sequential submissions, in-process, SQLite"),
        Row("service", "decision latency p99", p99, "ms",
            detail="warm planner; commit + modelled control-plane latency + commit "
                   "(over HTTP and under load: service_load)"),
    ]
