"""Network layer at scale: a linear chain of 1,000 nodes with end-to-end requests.

Two workloads on the same chain (Oxford-type ion nodes 10 m apart, two
communication qubits each): one request from the first node to the last
(999 segments, 998 swaps per pair), and ten requests on disjoint 100-node
stretches served at once. Reported: wall time per simulated second, kernel
events per wall second, and end-to-end pairs delivered.
"""

from __future__ import annotations

import time

from benchmarks.common import Row, median


def _chain(num_nodes: int):
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import linear_chain

    document = linear_chain(num_nodes, profile="trapped_ion_oxford", spacing_m=10.0,
                            overrides={"communication.t2": "10 s"})
    return build_datacenter(document, seed=1)


def _run(num_nodes: int, stretches: int, sim_seconds: float) -> tuple[float, float, int, float]:
    from qdcnet.network import PathService
    from qdcnet.units import s_to_ps

    build_start = time.perf_counter()
    dc = _chain(num_nodes)
    build = time.perf_counter() - build_start
    length = num_nodes // stretches
    services = []
    for i in range(stretches):
        nodes = tuple(f"qpu{j}" for j in range(i * length, min((i + 1) * length, num_nodes)))
        services.append(PathService(dc, f"r{i}", nodes))
    for service in services:
        service.start()
    start = time.perf_counter()
    dc.sim.run(until=s_to_ps(sim_seconds))
    wall = time.perf_counter() - start
    delivered = sum(s.stats.delivered for s in services)
    return wall / sim_seconds, dc.sim.num_events / wall, delivered, build


def run(quick: bool) -> list[Row]:
    num_nodes = 200 if quick else 1000
    sim_seconds = 0.2 if quick else 2.0
    repeats = 1 if quick else 3
    rows = []
    for stretches, label in ((1, "one end-to-end request"), (10, "ten 100-node requests")):
        results = [_run(num_nodes, stretches, sim_seconds) for _ in range(repeats)]
        detail = (f"{num_nodes} nodes, {label}, {sim_seconds:g} s simulated, "
                  f"{results[0][2]} pairs, build {results[0][3]:.2f} s, median of {repeats}")
        rows.append(Row("network chain", f"wall s per simulated s ({label})",
                        median([r[0] for r in results]), "s", detail=detail))
        rows.append(Row("network chain", f"events per wall second ({label})",
                        median([r[1] for r in results]), "events/s", detail=detail))
    return rows
