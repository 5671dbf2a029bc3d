"""Compiler at scale: wall time per pass, ebits and peak memory for big random circuits.

``python benchmarks/bench_compile_scale.py`` compiles random circuits
(``bench_compiler.random_circuit``: half CZ on a random pair, half H or Rz)
with ``compile_circuit(circuit, target)`` at its default settings:

* 10,000 and 40,000 gates on 100 qubits, 8 modules of 13 data qubits;
* 160,000 gates on 200 qubits, 16 modules of 13 data qubits;

every module with 4 communication qubits. Each size runs in a fresh
subprocess, so the peak resident memory (``ru_maxrss``) is that size's own.
Goals (issue 14): the ``partition`` pass under 10 s at 40,000 gates and under
60 s at 160,000. ``--quick`` compiles 4,000 gates only (a few seconds).
Timings are figures to report, never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402

#: (qubits, gates, modules, goal for the partition pass in seconds or None)
FULL = [(100, 10_000, 8, None), (100, 40_000, 8, 10.0), (200, 160_000, 16, 60.0)]
QUICK = [(100, 4_000, 8, None)]
MODULE_QUBITS = 13
COMM_QUBITS = 4


def measure(num_qubits: int, num_gates: int, modules: int) -> dict:
    """Compile one random circuit in this process; its figures (run it in a fresh one)."""
    import resource
    import time

    from benchmarks.bench_compiler import random_circuit
    from qdcnet.compiler import CompileTarget, compile_circuit

    circuit = random_circuit(num_qubits, num_gates, seed=0)
    target = CompileTarget.equal_modules(modules, MODULE_QUBITS, comm_qubits=COMM_QUBITS)
    start = time.perf_counter()
    cpu = time.process_time()
    result = compile_circuit(circuit, target)
    figures = {
        "qubits": num_qubits, "gates": num_gates, "modules": modules,
        "two_qubit_gates": result.normalized.num_two_qubit_gates,
        "wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
        "timings_s": dict(result.timings),
        "ebits": result.program.num_ebits, "planned_ebits": result.assignment.planned_ebits,
        "seed": result.assignment.seed,
        "starts_run": result.assignment.details.get("starts_run")
        if hasattr(result.assignment, "details") else None,
    }
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["peak_rss_mb"] = rss / (2 ** 20 if sys.platform == "darwin" else 2 ** 10)
    return figures


def measure_fresh(num_qubits: int, num_gates: int, modules: int) -> dict:
    """:func:`measure` in a fresh interpreter, so peak memory belongs to this size alone."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child",
         str(num_qubits), str(num_gates), str(modules)],
        capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"compiling {num_gates} gates failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    for qubits, gates, modules, goal in QUICK if quick else FULL:
        f = measure_fresh(qubits, gates, modules)
        name = f"compile {gates} gates, {qubits} qubits on {modules} QPUs"
        passes = ", ".join(f"{k} {v:.2f}" for k, v in f["timings_s"].items())
        partition_s = f["timings_s"].get("partition", float("nan"))
        rows.append(Row(name, "partition pass", partition_s, "s",
                        f"< {goal:g} s" if goal else "",
                        partition_s < goal if goal else None,
                        f"ebits {f['ebits']} (planned {f['planned_ebits']}); passes: {passes}"))
        rows.append(Row(name, "wall time", f["wall_s"], "s", "", None,
                        f"cpu {f['cpu_s']:.1f} s; starts {f['starts_run']}"))
        rows.append(Row(name, "peak memory", f["peak_rss_mb"], "MB", "", None,
                        "ru_maxrss of a fresh process"))
    return rows


def _table(rows: list[dict]) -> str:
    passes = sorted({k for r in rows for k in r["timings_s"]},
                    key=["load", "normalize", "partition", "remote_ops", "translate"].index)
    lines = ["| gates | qubits | QPUs | 2q gates | ebits | planned | wall s | "
             + " | ".join(f"{p} s" for p in passes) + " | peak MB |",
             "|---" * (8 + len(passes)) + "|"]
    for r in rows:
        lines.append(
            f"| {r['gates']} | {r['qubits']} | {r['modules']} | {r['two_qubit_gates']} | "
            f"{r['ebits']} | {r['planned_ebits']} | {r['wall_s']:.1f} | "
            + " | ".join(f"{r['timings_s'].get(p, float('nan')):.2f}" for p in passes)
            + f" | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 gates only")
    parser.add_argument("--child", nargs=3, type=int, metavar=("QUBITS", "GATES", "MODULES"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    figures = [measure_fresh(q, g, m) for q, g, m, _ in (QUICK if args.quick else FULL)]
    print(json.dumps(figures, indent=1) if args.json else _table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
