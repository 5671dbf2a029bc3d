"""``kind: qec`` with ``supply:``: links feed the seam, a round waits for its pairs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qdcnet.config.qec import QecScenario
from qdcnet.qec.supply import platform_datacenter, supply_rows


def _run(links: int, seam: float = 0.01, buffer: int = 0, **extra) -> dict:
    scenario = QecScenario.model_validate({
        "kind": "qec", "distance": 3, "bulk": 0.001, "seam": seam, "max_shots": 2000,
        "max_errors": 10_000, "supply": {"platform": "trapped_ion_oxford", "links": links,
                                         "buffer": buffer, "queue_rounds": 500}} | extra)
    return scenario.run(5)


def test_the_gap_is_what_the_seam_needs_over_what_the_links_supply():
    result = _run(links=2)
    supply = result["supply"]
    dc = platform_datacenter("trapped_ion_oxford")
    row = supply_rows(dc, [tuple(sorted(dc.profiles))], distance=3,
                      distillation_rounds=(0,))[0]
    assert supply["needed_hz"] == pytest.approx(row.needed_hz)
    assert supply["per_link_hz"] == pytest.approx(row.supplied_hz)
    assert supply["gap"] == pytest.approx(row.needed_hz / (2 * row.supplied_hz))
    assert supply["pairs_per_round"] == row.pairs_per_round


def test_more_links_mean_less_waiting_and_fresher_pairs():
    # No buffer: every round waits for the pairs it needs.
    starved, fed = _run(links=1, buffer=0)["supply"], _run(links=16, buffer=8)["supply"]
    assert starved["gap"] > 1 > fed["gap"]
    assert starved["starved_rounds"] == 1.0
    assert fed["starved_rounds"] < 0.01
    assert starved["wait_idle_error"] > 10 * fed["wait_idle_error"]
    # Waiting ages the pairs: what the seam sees is worse than what was delivered.
    assert starved["seam_at_use"] > fed["seam_at_use"] > 0.01


def test_a_supply_needs_a_seam_and_a_known_platform():
    with pytest.raises(ValidationError, match="layout monolithic has no seam"):
        QecScenario.model_validate({"kind": "qec", "distance": 3, "bulk": 0.001, "seam": 0.0,
                                    "layout": "monolithic",
                                    "supply": {"platform": "superconducting"}})
    with pytest.raises(ValidationError, match="unknown profile 'transmon'"):
        _run(links=1, supply={"platform": "transmon"})
    with pytest.raises(ValidationError, match="photonic QPU cannot join a heralded segment"):
        _run(links=1, supply={"platform": "photonic"})
