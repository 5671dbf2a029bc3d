"""Rare counts in a link run: the false-herald fraction carries an exact interval."""

from __future__ import annotations

import json

import pytest

from qdcnet.link.examples import symmetric_two_click
from qdcnet.link.experiment import Figure, run_link
from qdcnet.link.model import LinkModel


def test_zero_events_report_an_exact_interval_not_a_zero_error():
    f = Figure("false heralds", "fraction", 4e-4, 0.0, 0.0, count=0, trials=1234)
    assert f.interval == (0.0, pytest.approx(0.002985, abs=1e-6))
    assert f.interval_text() == "0 of 1234 (95% CI 0 to 0.003)"
    assert f.rare  # about half an event expected
    assert f.consistent
    d = f.to_dict()
    assert d["ci_low"] == 0.0
    assert d["ci_high"] == pytest.approx(0.002985, abs=1e-6)
    assert d["count"] == 0
    assert d["trials"] == 1234
    assert d["rare"] is True
    json.dumps(d)


def test_figures_without_counts_keep_their_old_form():
    f = Figure("pair rate", "1/s", 100.0, 98.0, 2.0)
    assert f.interval is None
    assert f.consistent is None
    assert f.interval_text() == ""
    assert not f.rare  # nan < 5 is False: no counts, no judgement
    assert f.deviation_in_se == pytest.approx(1.0)
    assert "ci_low" not in f.to_dict()


def test_a_count_far_from_the_model_is_flagged_inconsistent():
    f = Figure("false heralds", "fraction", 0.01, 0.04, 0.003, count=40, trials=1000)
    assert not f.rare
    assert f.consistent is False


def test_run_link_gives_the_false_herald_counts():
    model = LinkModel.from_spec(symmetric_two_click(eta=0.15, dark_count_rate_hz=1e3, qubits=2))
    run = run_link(model, duration_s=300 / model.rate_hz, seed=3)
    f = run.figure("false heralds")
    assert f.trials == run.heralds
    assert f.count is not None
    assert f.simulated == pytest.approx(f.count / f.trials)
    low, high = f.interval
    assert low <= f.simulated <= high
    assert f.rare  # well under one false herald expected: a count, not a trend
    assert f.interval_text().startswith(f"{f.count} of {run.heralds} (95% CI ")
    # The standard error is still there for the tables and tests that use it.
    assert f.standard_error > 0
    assert run.to_dict()["figures"][1]["ci_high"] == high
