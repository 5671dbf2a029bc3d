"""Running the experiment scripts of ``examples/`` as a user would, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def run_example(tmp_path) -> Callable[..., dict]:
    """Run ``examples/NAME.py --quick --out DIR ARGS...``; its ``result.json`` as a dict.

    The script runs in a fresh interpreter from a temporary folder (as a user
    would run it), and must exit 0 and write ``result.json`` into ``DIR``.
    """

    def run(name: str, *args: str) -> dict:
        out = tmp_path / name
        env = dict(os.environ, MPLBACKEND="Agg")
        done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick",
                               "--out", str(out), *args],
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              check=False, timeout=900)
        assert done.returncode == 0, done.stderr[-4000:]
        return json.loads((out / "result.json").read_text())

    return run
