"""Small studies for the sweep tests: QEC points that take a fraction of a second.

A plain module, not a conftest: a second conftest module would shadow the root one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from qdcnet.config.study import StudyConfig, build_study


def qec_study(points: int = 6, repetitions: int = 1, shots: int = 3000, **extra: Any):
    config = StudyConfig.model_validate({
        "study": "qec-small",
        "scenario": {"kind": "qec", "distance": 3, "bulk": 0.002, "seam": 0.05,
                     "max_shots": shots, "max_errors": 10_000},
        "axes": [{"field": "seam", "linear": {"start": 0.01, "stop": 0.2, "num": points}}],
        "repetitions": repetitions, "seed": 11, "metrics": ["shots", "errors", "rate"],
        **extra})
    return build_study(config, Path("."))


def qdcnet_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m qdcnet ARGS`` in ``cwd``, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "qdcnet", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)
