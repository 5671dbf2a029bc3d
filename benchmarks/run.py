"""Run qdcnet's benchmarks, print a markdown table and write JSON.

Usage::

    python benchmarks/run.py                 # full run
    python benchmarks/run.py --quick         # smoke run (CI)
    python benchmarks/run.py --only kernel --output results.json

On a terminal a bar on stderr counts the suites done (``--quiet``: no bar and
no "running ..." lines).
Timings are figures to report, never pass/fail: goals are printed beside them.
BLAS and OpenMP are pinned to one thread so "per core" figures mean that.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SUITES = {
    "kernel": "benchmarks.bench_kernel",
    "states": "benchmarks.bench_states",
    "link": "benchmarks.bench_link",
    "network": "benchmarks.bench_network",
    "chain": "benchmarks.bench_chain",
    "orchestrator": "benchmarks.bench_orchestrator",
    "cli": "benchmarks.bench_cli",
    "compiler": "benchmarks.bench_compiler",
    "compile_scale": "benchmarks.bench_compile_scale",
    "qec": "benchmarks.bench_qec",
    "schedule": "benchmarks.bench_schedule",
    "runtime": "benchmarks.bench_runtime",
    "engines": "benchmarks.bench_engines",
    "planner": "benchmarks.bench_planner",
    "sweep": "benchmarks.bench_sweep",
    "service": "benchmarks.bench_service",
    "service_load": "benchmarks.bench_service_load",
}


def _format(value: float, unit: str) -> str:
    if unit in ("events/s", "ops/s"):
        return f"{value / 1e6:,.2f} M"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3g} {unit}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (CI smoke)")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    parser.add_argument("--quiet", action="store_true",
                        help="no progress on stderr (no bar, no 'running ...' lines)")
    args = parser.parse_args(argv)

    from qdcnet.provenance import environment
    from qdcnet.report.progress import progress_steps

    selected = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(selected) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; known: {', '.join(SUITES)}")
    rows = []
    started = time.time()
    with progress_steps("benchmarks", len(selected), quiet=args.quiet) as update:
        for done, name in enumerate(selected):
            if not args.quiet:
                print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.extend(importlib.import_module(SUITES[name]).run(args.quick))
            update(done + 1)

    print("| benchmark | metric | value | goal | met | detail |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        print(f"| {row.benchmark} | {row.metric} | {_format(row.value, row.unit)} | {row.goal} "
              f"| {met} | {row.detail} |")
    report = {
        "quick": args.quick,
        "started_unix": started,
        "wall_s": time.time() - started,
        "environment": environment(),
        "rows": [row.to_dict() for row in rows],
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2))
    tmp.replace(output)  # atomic: never a half-written report
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
