"""The workload runner: a run cut into progress steps is the run itself (issue 12)."""

from __future__ import annotations

from pathlib import Path

from qdcnet.config.scenario import load_scenario
from qdcnet.network import DataCenter
from qdcnet.runtime import run_workload
from qdcnet.runtime.workload import PROGRESS_STEPS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_progress_steps_change_nothing():
    scenario, _ = load_scenario(EXAMPLES / "repeater_chain.yaml")
    results = []
    seen: list[float] = []
    for on_progress in (None, seen.append):
        dc = DataCenter(scenario.layout(), seed=5)
        result = run_workload(dc, scenario.to_workload(), duration_s=2.5, on_progress=on_progress)
        results.append((result.request_rows(), result.events, dc.sim.now))
    assert results[0] == results[1]
    assert len(seen) == PROGRESS_STEPS
    assert seen[-1] == 2.5
    assert seen == sorted(seen)
