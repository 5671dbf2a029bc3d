"""Runtime: jobs executed shot by shot on a live data center.

1. A GHZ-32 job on four Oxford-type trapped-ion QPUs (8 data and 2
   communication qubits each, around one switch, the fabric never the
   limit): shots per wall-second and wall time per simulated second, just in
   time and with standing streams (which do not fit GHZ-32's three partners
   of one QPU: the job says so and runs just in time).
1b. Predicted against measured makespan of one shot, over many seeds: GHZ-24
   on the same QPUs (three QPUs in a chain, so standing streams fit).
2. A 64-QPU leaf-spine data center (8 racks of 8) running 16 jobs at once,
   each a GHZ-16 compiled onto its own four QPUs of one rack, for one
   simulated second (goal: under 60 s of wall time).

The physics (fidelity engines) is left out of the timings: it is measured
on its own in ``bench_engines.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402


def _ghz(n: int) -> str:
    return (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{n}]; creg c[{n}]; h q[0];'
            + "".join(f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)) + "measure q -> c;")


def four_qpus_layout() -> dict:
    """Four QPUs around one switch, every communication qubit with its own fibre channel,
    switch port and BSM unit (so the fabric never limits what the qubits can do)."""
    from qdcnet.network.topology import star

    document = star(4, profile="trapped_ion_oxford", communication_qubits=2, stations=4,
                    overrides={"qubits.data": 8})
    for fiber in document["fibers"]:
        if fiber["between"][1] == "sw0" and fiber["between"][0].startswith("qpu"):
            fiber["channels"] = 2
    document["switches"][0]["ports"] = 4 * 2 + 2 * 4
    return document


def _four_qpus(seed: int):
    from qdcnet.config.scenario import build_datacenter

    return build_datacenter(four_qpus_layout(), seed=seed)


def ghz32(shots: int, policy: str) -> dict[str, float]:
    from qdcnet.compiler import CompileTarget, compile_circuit
    from qdcnet.runtime.jobs import Job, run_job

    dc = _four_qpus(1)
    program = compile_circuit(_ghz(32), CompileTarget.from_datacenter(dc), seed=1).program
    start = time.perf_counter()
    result = run_job(dc, Job(program, shots=shots, policy=policy), engine=None)
    wall = time.perf_counter() - start
    summary = result.summary()
    simulated = summary["measured_total_s"] or 0.0
    return {"wall_s": wall, "shots": len(result.traces), "simulated_s": simulated,
            "supplier": result.supplier,
            "events": dc.sim.num_events, "ebits": summary["ebits_per_shot"],
            "predicted_period_s": summary["shot_period_s"] or 0.0,
            "measured_period_s": summary["measured_shot_period_s"] or 0.0,
            "predicted_total_s": summary["predicted_total_s"],
            "completed": float(result.completed)}


def predicted_against_measured(runs: int, policy: str, qubits: int = 24) -> dict[str, float]:
    """Single-shot GHZ jobs over ``runs`` seeds: mean measured makespan vs prediction."""
    import numpy as np

    from qdcnet.compiler import CompileTarget, compile_circuit
    from qdcnet.runtime.jobs import Job, run_job

    measured, predicted = [], []
    for seed in range(1, runs + 1):
        dc = _four_qpus(seed)
        program = compile_circuit(_ghz(qubits), CompileTarget.from_datacenter(dc),
                                  seed=1).program
        result = run_job(dc, Job(program, shots=1, policy=policy), engine=None)
        measured.append(result.traces[0].makespan_ps / 1e12)
        predicted.append(result.schedule.makespan_ps / 1e12)
    values = np.array(measured)
    return {"predicted_s": float(np.mean(predicted)), "measured_s": float(values.mean()),
            "se_s": float(values.std(ddof=1) / np.sqrt(len(values))), "runs": runs}


def sixty_four_qpus(jobs: int, simulated_s: float) -> dict[str, float]:
    """16 jobs on a 64-QPU leaf-spine data center, each on four QPUs of one rack."""
    from qdcnet.compiler import CompileTarget, compile_circuit
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import leaf_spine
    from qdcnet.runtime.workload import TimedJob, Workload, run_workload

    dc = build_datacenter(leaf_spine(8, 8, profile="trapped_ion_oxford",
                                     communication_qubits=2, overrides={"qubits.data": 4}),
                          seed=1)
    full = CompileTarget.from_datacenter(dc)
    timed = []
    for j in range(jobs):
        rack, half = divmod(j, 2)  # two jobs per rack of eight
        names = [f"r{rack}q{4 * half + k}" for k in range(4)]
        index = [full.index(n) for n in names]
        target = CompileTarget(tuple(full.qpus[i] for i in index),
                               tuple(tuple(full.distance[i][k] for k in index) for i in index))
        program = compile_circuit(_ghz(16), target, seed=j).program
        timed.append(TimedJob(0.0, program, shots=100_000, policy="prefetch", name=f"job{j}"))
    start = time.perf_counter()
    result = run_workload(dc, Workload(duration_s=simulated_s, jobs=tuple(timed)), engine=None)
    wall = time.perf_counter() - start
    per_job = [len(r.result.traces) if r.result is not None else 0 for r in result.jobs]
    degraded = sum(1 for r in result.jobs if r.result is not None
                   and "not granted" in r.result.note)
    return {"wall_s": wall, "shots": sum(per_job), "events": result.events,
            "idle_jobs": sum(1 for n in per_job if n == 0), "fewest": min(per_job),
            "degraded": degraded}


def run(quick: bool) -> list[Row]:
    rows = []
    shots = 20 if quick else 200
    for policy in ("jit", "prefetch"):
        r = ghz32(shots, policy)
        per_sim = r["wall_s"] / r["simulated_s"] if r["simulated_s"] else float("nan")
        detail = (f"{r['supplier']}, {int(r['shots'])} shots, {int(r['ebits'])} ebits/shot, "
                  f"{int(r['events']):,} events, {r['simulated_s']:.3g} simulated s; "
                  f"shot period predicted {r['predicted_period_s']:.4g} s, measured "
                  f"{r['measured_period_s']:.4g} s; all shots predicted "
                  f"{r['predicted_total_s']:.4g} s, measured {r['simulated_s']:.4g} s")
        rows.append(Row("runtime", f"GHZ-32 on 4 QPUs ({policy}): shots per wall-second",
                        r["shots"] / r["wall_s"], "1/s", detail=detail))
        rows.append(Row("runtime", f"GHZ-32 on 4 QPUs ({policy}): wall per simulated second",
                        per_sim, "s", detail=f"{r['wall_s']:.3g} s wall"))
    runs = 5 if quick else 40
    for policy in ("jit", "prefetch"):
        r = predicted_against_measured(runs, policy)
        rows.append(Row("runtime", f"GHZ-24 one shot ({policy}): measured / predicted makespan",
                        r["measured_s"] / r["predicted_s"], "x",
                        detail=f"predicted {r['predicted_s']:.4g} s, measured "
                               f"{r['measured_s']:.4g} ± {r['se_s']:.2g} s over {runs} seeds"))
    jobs, simulated = (4, 0.05) if quick else (16, 1.0)
    r = sixty_four_qpus(jobs, simulated)
    rows.append(Row("runtime", f"64 QPUs, {jobs} concurrent jobs, {simulated:g} simulated s",
                    r["wall_s"], "s", goal="< 60 s (16 jobs, 1 simulated s)",
                    met=None if quick else r["wall_s"] < 60.0,
                    detail=f"{int(r['shots']):,} shots done (fewest in one job "
                           f"{int(r['fewest'])}, {int(r['idle_jobs'])} jobs with none), "
                           f"{int(r['events']):,} events, {int(r['degraded'])} jobs fell back "
                           "from streams to just in time"))
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
