"""The mixed-timing-regimes experiment (examples/mixed_regimes.py), quick variant.

Each claim holds by construction (the runtime starts instructions as soon as
their inputs allow; one fibre channel per QPU; gate times of the profiles)
or with a wide margin against the spread of exponential pair times (an
sc-ion pair takes 1/rate on average, the rate of the demo's link model) or
of the measured state fidelity (Z standard errors of the evaluated traces).
"""

from __future__ import annotations

import math

import pytest

Z = 5.0  # standard errors a measured claim must clear
#: for the alap bound's gain: 4 evaluated traces spread widely (full run: ± 0.09)
Z_BOUND = 3.0


def _sc_data_t2_s() -> float:
    from qdcnet.cli.demo import scenario_document
    from qdcnet.config.scenario import build_datacenter

    return build_datacenter(scenario_document(), seed=1).ops["sc"].data_memory.t2_s


@pytest.mark.slow
def test_mixed_regimes_quick(run_example):
    doc = run_example("mixed_regimes")
    assert doc["kind"] == "mixed_regimes"
    assert doc["seed"] == 11
    assert "scenario" in doc
    assert "environment" in doc
    res = doc["results"]
    assert res["settings"]["quick"] is True
    points = res["points"]
    assert [p["pump"] for p in points] == res["settings"]["pumps"]
    # The pump caps the sc-ion link: a faster pump, a faster link.
    rates = [p["sc_ion_rate_hz"] for p in points]
    assert rates == sorted(rates)
    assert rates[0] < rates[-1]
    t2 = _sc_data_t2_s()
    for p in points:
        v = p["variants"]
        assert set(v) == set(res["settings"]["variants"])
        # Every configuration finishes in bounded simulated time (none refused).
        for name, row in v.items():
            assert row["status"] == "completed", (p["pump"], name, row["failure"])
            assert row["completed_shots"] == row["shots"]
        # One fibre channel per QPU: the fast ion-ion2 standing stream holds ion2's
        # fibre, the stream to sc is never granted, the runtime falls back to jit.
        assert "not granted" in v["prefetch"]["supplier_note"]
        # Two channels: both streams are granted.
        assert not v["prefetch 2ch"]["supplier_note"]
        jit = v["jit"]
        sc_pair = next(k for k in jit["ebits_by_pair"] if "sc" in k.split("-"))
        pair = jit["ebits_by_pair"][sc_pair]
        # Who waits for whom: the operation waits for the sc pair (mean wait ~1/rate),
        # the pair does not wait for the operation (jit asks when it is ready).
        assert pair["wait_mean_s"] > 100 * pair["age_mean_s"]
        # One fibre channel per QPU: the ion-ion pair waits while the slow sc link's
        # attempts hold ion2's fibre; with two channels it waits for its own link only.
        ion_pair = next(k for k in jit["ebits_by_pair"] if "sc" not in k.split("-"))
        assert (v["jit 2ch"]["ebits_by_pair"][ion_pair]["wait_mean_s"]
                < jit["ebits_by_pair"][ion_pair]["wait_mean_s"])
        # The SC data qubits start at once and idle for the pair: far beyond their T2
        # (an sc pair under 30 us at 146 pairs/s has probability < 0.5 %).
        assert jit["idle_first_shot_s"]["sc"]["sum_s"] > t2
        # The ebit wait dominates the first shot's critical path.
        split = jit["first_shot_split_s"]
        assert split["ebit_wait"] > split["compute"] + split["classical"]
        # The alap bound changes memory only: the same timing.
        assert v["alap bound"]["measured_first_makespan_s"] == jit["measured_first_makespan_s"]
    # What starting SC work only when its pair is there recovers: at the fastest pump
    # the SC idle decoherence is most of the fidelity lost.
    fast = points[-1]["variants"]
    bound, jit = fast["alap bound"], fast["jit"]
    gap = bound["state_fidelity"] - jit["state_fidelity"]
    se = math.hypot(bound["state_fidelity_se"] or 0.0, jit["state_fidelity_se"] or 0.0)
    assert gap > Z_BOUND * se
    assert gap > 0.2
    # Monolithic baselines: SC gates are ~1000x faster than ion gates; distributing
    # costs the SC qubits' fidelity.
    mono = res["monolithic"]
    assert mono["sc"]["measured_first_makespan_s"] * 100 < mono["ion"]["measured_first_makespan_s"]
    for p in points:
        jit = p["variants"]["jit"]
        assert jit["measured_first_makespan_s"] > mono["sc"]["measured_first_makespan_s"]
        for qpu in ("sc", "ion"):
            m = mono[qpu]
            assert m["state_fidelity"] - jit["state_fidelity"] > Z * math.hypot(
                m["state_fidelity_se"] or 0.0, jit["state_fidelity_se"] or 0.0)
