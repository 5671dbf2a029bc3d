"""Multiplexed repeater chains: the admission estimate against the simulation, and memory.

The chain of issue 10 (finding 4): N Oxford-type ion nodes with telecom
photons, 1 km links, a BSM station midway on each, two-click heralding, 50
communication qubits per node (relays split them: 25 streams per link),
communication qubits dephasing in 20 ms. For N = 3, 10 and 50 the table puts
the path estimate (``DataCenter.estimate``, what admission plans with) beside
the event simulation: rate and fidelity after a warm-up, each with its
standard error over independent seeds, and their ratio. Then the CPU time
one simulated second of the 50-node chain costs (issue 16: at most one CPU
second), and the peak resident memory of one fresh process serving the
10-node chain, read at 5, 30 and 60 simulated seconds (finding 7: it must
level off).

Run it on its own (prints both tables)::

    python benchmarks/bench_chain.py            # N = 3, 10, 50; memory at 5, 30, 60 s
    python benchmarks/bench_chain.py --quick    # N = 3, 10; memory at 0.5, 1, 2 s

or among the others: ``python benchmarks/run.py --only chain``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402

#: The nodes of the chain (see the module docstring).
NODE = {"communication.wavelength": "1550 nm", "communication.t2": "20 ms"}


def chain_document(num_nodes: int) -> dict:
    from qdcnet.network.topology import linear_chain

    return linear_chain(num_nodes, profile="trapped_ion_oxford", spacing_m=1000.0,
                        communication_qubits=50, overrides=NODE)


def _simulate(num_nodes: int, seed: int, duration_s: float, warmup_s: float
              ) -> tuple[float, float]:
    import numpy as np

    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network import PathService
    from qdcnet.units import PS_PER_S, s_to_ps

    dc = build_datacenter(chain_document(num_nodes), seed=seed)
    service = PathService(dc, "chain", tuple(f"qpu{i}" for i in range(num_nodes)))
    service.start()
    dc.sim.run(until=s_to_ps(duration_s))
    times = np.asarray(service.stats.delivery_ps, dtype=float) / PS_PER_S
    kept = times >= warmup_s
    fidelity = float(np.asarray(service.stats.fidelities)[kept].mean())
    return float(kept.sum()) / (duration_s - warmup_s), fidelity


def cpu_per_simulated_second(num_nodes: int, duration_s: float, seed: int) -> dict:
    """CPU seconds one simulated second of the chain costs (process time; build excluded)."""
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network import PathService
    from qdcnet.units import s_to_ps

    dc = build_datacenter(chain_document(num_nodes), seed=seed)
    service = PathService(dc, "chain", tuple(f"qpu{i}" for i in range(num_nodes)))
    service.start()
    start = time.process_time()
    dc.sim.run(until=s_to_ps(duration_s))
    cpu = time.process_time() - start
    return {"cpu_per_sim_s": cpu / duration_s, "delivered": service.stats.delivered,
            "link_pairs": service.stats.raw_pairs, "events": dc.sim.num_events}


def _mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance / n)


def compare(num_nodes: int, seeds: int, duration_s: float, warmup_s: float) -> dict:
    """Estimate and simulation of one chain, with standard errors."""
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.control.planner import PLAN_SAMPLES

    path = tuple(f"qpu{i}" for i in range(num_nodes))
    dc = build_datacenter(chain_document(num_nodes), seed=0)
    start = time.perf_counter()
    quick = dc.estimate(path, samples=PLAN_SAMPLES)  # what admission asks for
    plan_ms = (time.perf_counter() - start) * 1e3
    # The table's estimate: its own sampling error well below the simulation's.
    estimates = [dc.path_model(path).estimate(samples=20_000, seed=s) for s in range(4)]
    est_rate, est_rate_se = _mean_se([e.rate_hz for e in estimates])
    est_f, est_f_se = _mean_se([e.fidelity for e in estimates])
    runs = [_simulate(num_nodes, seed, duration_s, warmup_s) for seed in range(seeds)]
    sim_rate, sim_rate_se = _mean_se([r for r, _ in runs])
    sim_f, sim_f_se = _mean_se([f for _, f in runs])
    return {"nodes": num_nodes, "plan_rate_hz": quick.rate_hz, "plan_ms": plan_ms,
            "estimate_rate_hz": est_rate, "estimate_rate_se": est_rate_se,
            "estimate_fidelity": est_f, "estimate_fidelity_se": est_f_se,
            "sim_rate_hz": sim_rate, "sim_rate_se": sim_rate_se,
            "sim_fidelity": sim_f, "sim_fidelity_se": sim_f_se,
            "rate_ratio": est_rate / sim_rate, "fidelity_difference": est_f - sim_f,
            "seeds": seeds, "duration_s": duration_s, "warmup_s": warmup_s}


_RSS_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_chain import chain_document
from qdcnet.config.scenario import build_datacenter
from qdcnet.network import PathService
from qdcnet.units import s_to_ps
dc = build_datacenter(chain_document(10), seed=1)
service = PathService(dc, "chain", tuple(f"qpu{{i}}" for i in range(10)))
service.start()
for checkpoint in {checkpoints!r}:
    dc.sim.run(until=s_to_ps(checkpoint))
    print(json.dumps({{"simulated_s": checkpoint, "delivered": service.stats.delivered,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "books": sum(len(v) for v in vars(service).values()
                                   if isinstance(v, dict))}}), flush=True)
"""


def peak_rss(checkpoints: tuple[float, ...]) -> list[dict]:
    """Peak RSS of one fresh process serving the 10-node chain, at each checkpoint."""
    code = _RSS_CHILD.format(root=str(ROOT), checkpoints=checkpoints)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [p for p in (os.environ.get("PYTHONPATH"), str(ROOT / "src")) if p]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def _sizes(quick: bool) -> tuple[list[tuple[int, int, float, float]], tuple[float, ...]]:
    if quick:
        return [(3, 4, 0.5, 0.1), (10, 3, 0.4, 0.1)], (0.5, 1.0, 2.0)
    return [(3, 10, 1.0, 0.1), (10, 6, 1.0, 0.1), (50, 4, 0.5, 0.1)], (5.0, 30.0, 60.0)


def run(quick: bool) -> list[Row]:
    sizes, checkpoints = _sizes(quick)
    rows = []
    for num_nodes, seeds, duration, warmup in sizes:
        c = compare(num_nodes, seeds, duration, warmup)
        detail = (f"estimate {c['estimate_rate_hz']:.0f} ± {c['estimate_rate_se']:.0f} /s, "
                  f"simulation {c['sim_rate_hz']:.0f} ± {c['sim_rate_se']:.0f} /s; F "
                  f"{c['estimate_fidelity']:.4f} vs {c['sim_fidelity']:.4f} ± "
                  f"{c['sim_fidelity_se']:.4f} ({seeds} seeds x {duration:g} s)")
        rows.append(Row("multiplexed chain", f"estimate / simulated rate (N = {num_nodes})",
                        c["rate_ratio"], "x", goal="0.90-1.10",
                        met=0.9 <= c["rate_ratio"] <= 1.1, detail=detail))
        rows.append(Row("multiplexed chain", f"estimate - simulated fidelity (N = {num_nodes})",
                        c["fidelity_difference"], "", goal="|d| < 0.01",
                        met=abs(c["fidelity_difference"]) < 0.01, detail=detail))
        rows.append(Row("multiplexed chain", f"admission estimate wall time (N = {num_nodes})",
                        c["plan_ms"], "ms", goal="< 50 ms", met=c["plan_ms"] < 50.0,
                        detail="4,000 samples, first call (later calls are cached)"))
    repeats, duration = (3, 0.3) if quick else (5, 1.0)
    runs = [cpu_per_simulated_second(50, duration, seed) for seed in range(repeats)]
    cpu = sorted(r["cpu_per_sim_s"] for r in runs)
    rows.append(Row("multiplexed chain", "CPU s per simulated s (N = 50)", cpu[len(cpu) // 2],
                    "s", goal="<= 1 s", met=cpu[len(cpu) // 2] <= 1.0,
                    detail=f"median of {repeats} runs of {duration:g} s (range {cpu[0]:.2f}-"
                           f"{cpu[-1]:.2f}); {runs[0]['link_pairs']:,} link pairs, "
                           f"{runs[0]['delivered']:,} end-to-end pairs, {runs[0]['events']:,} "
                           "events per run"))
    for point in peak_rss(checkpoints):
        rows.append(Row("multiplexed chain", f"peak RSS at {point['simulated_s']:g} s simulated",
                        point["peak_rss_mib"], "MiB",
                        detail=f"10 nodes, {point['delivered']} pairs delivered, "
                               f"{point['books']} entries in the service's books"))
    return rows


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    sizes, checkpoints = _sizes(quick)
    print("| N | plan (4,000 samples) | estimate rate | simulated rate | ratio | estimate F "
          "| simulated F | F difference | plan wall time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for num_nodes, seeds, duration, warmup in sizes:
        c = compare(num_nodes, seeds, duration, warmup)
        print(f"| {num_nodes} | {c['plan_rate_hz']:,.0f} /s | {c['estimate_rate_hz']:,.0f} ± "
              f"{c['estimate_rate_se']:,.0f} /s | {c['sim_rate_hz']:,.0f} ± "
              f"{c['sim_rate_se']:,.0f} /s | {c['rate_ratio']:.3f} | "
              f"{c['estimate_fidelity']:.4f} ± {c['estimate_fidelity_se']:.4f} | "
              f"{c['sim_fidelity']:.4f} ± {c['sim_fidelity_se']:.4f} | "
              f"{c['fidelity_difference']:+.4f} | {c['plan_ms']:.0f} ms |", flush=True)
    print()
    repeats, duration = (3, 0.3) if quick else (5, 1.0)
    runs = [cpu_per_simulated_second(50, duration, seed) for seed in range(repeats)]
    cpu = sorted(r["cpu_per_sim_s"] for r in runs)
    print(f"50-node chain: {cpu[len(cpu) // 2]:.2f} CPU s per simulated s (median of {repeats} "
          f"runs of {duration:g} s; range {cpu[0]:.2f}-{cpu[-1]:.2f}; "
          f"{runs[0]['link_pairs']:,} link pairs, {runs[0]['delivered']:,} end-to-end pairs)")
    print()
    print("| simulated time (10-node chain) | pairs delivered | entries in the service's books "
          "| peak RSS |")
    print("|---|---|---|---|")
    for point in peak_rss(checkpoints):
        print(f"| {point['simulated_s']:g} s | {point['delivered']:,} | {point['books']:,} | "
              f"{point['peak_rss_mib']:.1f} MiB |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
