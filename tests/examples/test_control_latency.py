"""The classical-control-path experiment (``examples/control_latency.py --quick``).

The claims checked hold by construction of the relay or with a wide margin:
a hop's correction cannot be applied before the other QPU's measured bit
arrives, so every teleport puts at least one QPU-to-QPU message (two network
hops here) on the critical path; at 100 us per hop one message (200 us) is
more than twice the transmons' T2 (89 us), so nothing coherent survives; the
runs use fixed seeds and the exact density-matrix engine.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def _series(rows, policy, hops):
    mine = [r for r in rows if r["policy"] == policy and r["hops"] == hops]
    return sorted(mine, key=lambda r: r["per_hop_s"])


def test_control_latency_quick(run_example, tmp_path):
    doc = run_example("control_latency")
    assert doc["seed"] == 7
    assert doc["kind"] == "control_latency"
    assert (tmp_path / "control_latency" / "control_latency.png").stat().st_size > 0
    results = doc["results"]
    rows = results["rows"]
    hops = results["settings"]["hops"]
    per_message_hops = results["message"]["hops"]
    assert per_message_hops == 2  # QPU - switch - QPU
    (mono,) = [r for r in rows if r["policy"] == "monolithic"]
    # one QPU: no ebits, nothing crosses the network
    assert mono["ebits_per_shot"] == 0
    assert mono["classical_s"] == 0
    assert mono["ebit_wait_s"] == 0

    series = {(p, h) for p, h in ((r["policy"], r["hops"]) for r in rows) if p != "monolithic"}
    assert ("jit", hops) in series
    assert ("prefetch", hops) in series
    assert ("prefetch F>=0.5", hops) in series
    assert ("jit", 1) in series
    for policy, h in series:
        mine = _series(rows, policy, h)
        assert len(mine) == 3
        assert all(r["ebits_per_shot"] == h for r in mine)  # one remote CNOT per teleport
        spans = [r["first_makespan_s"] for r in mine]
        assert spans == sorted(spans)
        assert spans[0] < spans[-1]
        # the parts of the split add up to the makespan
        for r in mine:
            parts = r["compute_s"] + r["ebit_wait_s"] + r["classical_s"] + r["other_s"]
            assert parts == pytest.approx(r["first_makespan_s"], rel=1e-9)
        slow = mine[-1]
        # each teleport waits for at least one message from the other QPU
        assert slow["critical_messages"] >= h - 1e-9
        assert slow["classical_s"] / slow["first_makespan_s"] > 0.9
        assert slow["classical_s"] > slow["ebit_wait_s"]
        # the makespan grows at least by (messages in series) x (hops per message) x latency
        a = results["analysis"][f"{policy}, {h} hops"]
        assert a["makespan_slope_per_hop"] >= 0.95 * h * per_message_hops
        # distributing costs time at every latency
        assert all(s > mono["first_makespan_s"] for s in spans)
        # fidelity: never better than one QPU; gone when a message takes > 2 x T2
        assert all(r["relay_fidelity"] < mono["relay_fidelity"] for r in mine)
        assert slow["relay_fidelity"] < 0.6
        assert mine[0]["relay_fidelity"] > slow["relay_fidelity"] + 0.1
    slopes = {h: results["analysis"][f"jit, {h} hops"]["makespan_slope_per_hop"]
              for h in (1, hops)}
    assert slopes[hops] > slopes[1]  # more teleports, more messages in series

    # prefetch holds its pairs while the previous hop's messages travel; jit asks late
    jit_slow = _series(rows, "jit", hops)[-1]
    pre_slow = _series(rows, "prefetch", hops)[-1]
    assert pre_slow["ebit_age_mean_s"] > 0.5 * pre_slow["message_latency_s"]
    assert jit_slow["ebit_age_mean_s"] < 0.05 * jit_slow["message_latency_s"]
    assert pre_slow["ebit_fidelity_at_use"] < jit_slow["ebit_fidelity_at_use"]
    # a fidelity floor makes the runtime give such pairs back and make fresh ones
    floor_slow = _series(rows, "prefetch F>=0.5", hops)[-1]
    assert floor_slow["ebit_age_mean_s"] < 0.5 * pre_slow["ebit_age_mean_s"]
    assert floor_slow["ebit_fidelity_at_use"] > pre_slow["ebit_fidelity_at_use"]
