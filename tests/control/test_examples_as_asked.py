"""Every example scenario's requests get the plans they pin (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qdcnet.config.scenario import load_scenario
from qdcnet.network import DataCenter
from qdcnet.runtime import run_workload

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WITH_WORKLOAD = sorted(p for p in EXAMPLES.glob("*.yaml")
                       if "kind: datacenter" in p.read_text() and "requests:" in p.read_text())


def test_there_are_examples_to_check():
    assert len(WITH_WORKLOAD) >= 2


@pytest.mark.parametrize("path", WITH_WORKLOAD, ids=lambda p: p.stem)
def test_pinned_fields_are_honoured(path):
    scenario, _ = load_scenario(path)
    dc = DataCenter(scenario.layout())
    # Admission happens within microseconds of each start: a short run plans everything.
    last_start = max(r.start for r in scenario.workload.requests)
    result = run_workload(dc, scenario.to_workload(), duration_s=last_start + 0.01)
    handles = {h.request.name: h for h in result.handles}
    assert set(handles) == {r.name for r in scenario.workload.requests}
    for config in scenario.workload.requests:
        handle = handles[config.name]
        if handle.plan is None:
            continue  # refused, with a reason: never served differently
        if config.path is not None:
            assert handle.plan.path == tuple(config.path), config.name
        if config.distillation is not None:
            assert handle.plan.distillation == config.distillation.plan(), config.name
