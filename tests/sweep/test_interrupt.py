"""Ctrl-C mid-sweep leaves a whole journal that --resume finishes, each task once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from qdcnet.sweep.journal import read_rows

pytestmark = pytest.mark.slow

STUDY = """\
study: interrupted
scenario: {kind: qec, distance: 3, bulk: 0.002, seam: 0.05, max_shots: 400000,
           max_errors: 1000000}
axes:
  - field: seam
    linear: {start: 0.01, stop: 0.2, num: 8}
seed: 2
metrics: [shots, errors]
"""


def _sigint_by_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_then_resume_runs_every_task_once(tmp_path):
    (tmp_path / "study.yaml").write_text(STUDY)
    command = [sys.executable, "-m", "qdcnet", "sweep", "study.yaml", "--workers", "1",
               "--out", "out"]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the
    # driver and its workers alike.
    # SIGINT as a terminal leaves it: a shell that starts jobs in the background (as a CI
    # script may) hands its children SIGINT ignored, and Python then never raises
    # KeyboardInterrupt.
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=_sigint_by_default)
    journal = tmp_path / "out" / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(read_rows(journal)[0]) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr
    kept = read_rows(journal)[0]
    assert 2 <= len(kept) < 8
    resumed = subprocess.run([*command, "--resume", "--json"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["results"]["skipped"] == len(kept)
    rows = read_rows(journal)[0]
    assert sorted(Counter(r["task_id"] for r in rows).values()) == [1] * 8
    assert all(r["error"] is None for r in rows)
