"""Orchestrator at scale: 256 QPUs, 1,000 concurrent requests of mixed QoS.

Sixteen racks of sixteen Oxford-type trapped-ion QPUs (two communication
qubits each) under top-of-rack switches and two spine switches; a segment
within a rack runs through its ToR to the rack's BSM array, across racks
through the ToRs and the spine layer. Heralding: about 200 pairs/s per
in-rack segment, tens per second across racks. At time 0, 1,000 requests are
submitted between random QPUs: a third want 10 pairs at any fidelity, a
third 5 pairs above 0.95 within 2 s, a third a 20 pairs/s stream for 0.5 s;
priorities 0-3. Goal: one simulated second in under 60 s of wall time here.
Then the same at 1,024 QPUs (32 racks of 32) with 10,000 requests, in a
fresh process so that its peak resident memory is reported alone (issue 16:
under 60 s of wall time).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row


def _build(racks: int, per_rack: int, seed: int):
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import leaf_spine

    document = leaf_spine(racks, per_rack, spines=2, profile="trapped_ion_oxford",
                          communication_qubits=2, rack_to_spine_m=20.0,
                          overrides={"communication.t2": "200 ms", "memory.t2": "2 s",
                                     "qubits.storage": 4})
    document["control_plane"] = {"node": "spine0", "processing_latency": "2 us"}
    return build_datacenter(document, seed=seed)


def _requests(dc, count: int, seed: int):
    from qdcnet.control import EntanglementRequest

    rng = np.random.default_rng(seed)
    qpus = [q.name for q in dc.layout.qpus]
    out = []
    for i in range(count):
        a, b = (qpus[j] for j in rng.choice(len(qpus), 2, replace=False))
        kind = i % 3
        priority = int(rng.integers(4))
        if kind == 0:
            out.append(EntanglementRequest(a, b, num_pairs=10, priority=priority, name=f"n{i}"))
        elif kind == 1:
            out.append(EntanglementRequest(a, b, num_pairs=5, min_fidelity=0.95,
                                           deadline_s=2.0, priority=priority, name=f"f{i}"))
        else:
            out.append(EntanglementRequest(a, b, rate_hz=20.0, duration_s=0.5,
                                           priority=priority, name=f"r{i}"))
    return out


def _run(racks: int, per_rack: int, requests: int, sim_seconds: float, policy: str
         ) -> dict[str, float]:
    from qdcnet.control import Orchestrator, policy_by_name
    from qdcnet.units import s_to_ps

    build_start = time.perf_counter()
    dc = _build(racks, per_rack, seed=1)
    orchestrator = Orchestrator(dc, policy=policy_by_name(policy))
    handles = [orchestrator.submit(r) for r in _requests(dc, requests, seed=2)]
    build = time.perf_counter() - build_start
    start = time.perf_counter()
    dc.sim.run(until=s_to_ps(sim_seconds))
    wall = time.perf_counter() - start
    delivered = sum(h.delivered for h in handles)
    return {"wall_per_sim_s": wall / sim_seconds, "events_per_s": dc.sim.num_events / wall,
            "events": dc.sim.num_events, "delivered": delivered, "build_s": build,
            "completed": sum(1 for h in handles if h.status.value == "completed"),
            "qos_met": sum(1 for h in handles if h.qos_met)}


_SCALE_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from benchmarks.bench_orchestrator import _run
start = time.perf_counter()
result = _run({racks}, {per_rack}, {requests}, {sim_seconds}, "priority")
result["total_s"] = time.perf_counter() - start
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def scale(racks: int, per_rack: int, requests: int, sim_seconds: float) -> dict[str, float]:
    """One run in a fresh process, so that its peak resident memory is its own."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = _SCALE_CHILD.format(root=str(root), racks=racks, per_rack=per_rack,
                               requests=requests, sim_seconds=sim_seconds)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [p for p in (os.environ.get("PYTHONPATH"), str(root / "src")) if p]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Row]:
    racks, per_rack, requests = (4, 8, 100) if quick else (16, 16, 1000)
    sim_seconds = 0.2 if quick else 1.0
    result = _run(racks, per_rack, requests, sim_seconds, "priority")
    detail = (f"{racks * per_rack} QPUs, {requests} requests, {sim_seconds:g} s simulated, "
              f"{result['events']:,} events, {result['delivered']:,} pairs, "
              f"{result['completed']} completed, {result['qos_met']} QoS met, "
              f"setup {result['build_s']:.1f} s")
    rows = [
        Row("orchestrator", "wall s per simulated s", result["wall_per_sim_s"], "s",
            goal="< 60 s (256 QPUs, 1000 requests)", met=None if quick else
            result["wall_per_sim_s"] < 60.0, detail=detail),
        Row("orchestrator", "events per wall second", result["events_per_s"], "events/s",
            detail=detail),
    ]
    # Issue 16: a 1,024-QPU data center with 10,000 requests (quick: 256 and 2,000).
    racks, per_rack, requests = (16, 16, 2000) if quick else (32, 32, 10_000)
    big = scale(racks, per_rack, requests, 1.0)
    detail = (f"{racks * per_rack} QPUs ({racks} racks), {requests:,} requests submitted at "
              f"t = 0, 1 s simulated: {big['events']:,} events, {big['delivered']:,} pairs, "
              f"{big['completed']:,} completed, {big['qos_met']:,} QoS met; setup "
              f"{big['build_s']:.1f} s; fresh process")
    rows.append(Row("orchestrator", f"wall s for 1 simulated s ({racks * per_rack} QPUs, "
                    f"{requests:,} requests)", big["wall_per_sim_s"], "s",
                    goal="< 60 s (1,024 QPUs, 10,000 requests)",
                    met=None if quick else big["wall_per_sim_s"] < 60.0, detail=detail))
    rows.append(Row("orchestrator", f"peak RSS ({racks * per_rack} QPUs, {requests:,} requests)",
                    big["peak_rss_mib"], "MiB", detail=detail))
    return rows
