"""``run_link(on_progress=...)`` reports simulated time and changes nothing in the result."""

from __future__ import annotations

import json

import pytest

from qdcnet.hardware import QuantumMemory
from qdcnet.link import LinkModel
from qdcnet.link.examples import symmetric_two_click
from qdcnet.link.experiment import PROGRESS_STEPS, run_link


def _model() -> LinkModel:
    return LinkModel.from_spec(symmetric_two_click(
        eta=0.2, dark_count_rate_hz=2e5, memory=QuantumMemory(1e-2, 5e-3)))


@pytest.mark.parametrize("demand_rate_hz", [None, 200.0], ids=["free-running", "demand"])
def test_progress_reports_simulated_seconds_and_leaves_the_result_alone(demand_rate_hz):
    model = _model()
    duration = 500 / model.rate_hz
    kwargs = {"duration_s": duration, "seed": 7, "demand_rate_hz": demand_rate_hz}
    plain = run_link(model, **kwargs)
    seen: list[float] = []
    watched = run_link(model, **kwargs, on_progress=seen.append)
    assert json.dumps(watched.to_dict(), sort_keys=True) == json.dumps(
        plain.to_dict(), sort_keys=True)
    assert len(seen) == PROGRESS_STEPS
    assert seen == sorted(seen)
    assert seen[0] > 0.0
    assert seen[-1] == pytest.approx(duration, rel=1e-12)
