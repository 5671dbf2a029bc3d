"""Start-up time of ``qdcnet --help`` (subcommands import lazily)."""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.common import Row, median


def run(quick: bool) -> list[Row]:
    repeats = 3 if quick else 7
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qdcnet", "--help"], check=True,
                       capture_output=True)
        timings.append(time.perf_counter() - start)
    value = median(timings)
    return [Row("cli", "qdcnet --help wall time", value, "s", goal="< 1 s", met=value < 1.0,
                detail=f"median of {repeats}, includes interpreter start")]
