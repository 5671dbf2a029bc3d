"""qdcnet demo: the built-in data center, two circuits run end to end and explained."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from qdcnet.cli.demo import CIRCUITS, link_rows, scenario_document
from qdcnet.hardware.components import two_photon_visibility
from qdcnet.hardware.profiles import load_profile


def test_every_pair_of_the_four_platforms_is_linked_consistently():
    document = scenario_document()
    platforms = {load_profile(q["profile"]).platform for q in document["qpus"]}
    assert len(document["qpus"]) == 4
    assert len(platforms) == 4
    rows = {row["pair"]: row for row in link_rows(document)}
    assert len(rows) == 6  # every pair of the four QPUs shares a station through the switch
    assert all(row["rate_hz"] > 0 for row in rows.values())
    # Heterogeneous visibility as computed from the two linewidths (23 and 6.07 MHz).
    ion = load_profile("trapped_ion_helios_854").communication.interface()
    atom = load_profile("neutral_atom").communication.interface()
    atom = dataclasses.replace(atom, wavelength_m=ion.wavelength_m)  # both at 1550 nm
    assert rows["ion-atom"]["visibility"] == pytest.approx(two_photon_visibility(ion, atom))
    assert rows["ion-atom"]["visibility"] == pytest.approx(0.66, abs=0.01)
    # The superconducting QPU's links are capped by its transducer's pump pulses.
    for pair in ("sc-ion", "sc-atom", "sc-nv"):
        assert rows[pair]["weakest"]["factor"] == "transducer pump rate"
        assert rows[pair]["rate_hz"] < rows["ion-atom"]["rate_hz"] / 1000


def test_the_demo_runs_both_circuits_and_says_where_the_time_went(qdcnet_cli, tmp_path):
    out = tmp_path / "demo"
    code, stdout, stderr = qdcnet_cli(["demo", "--shots", "12", "--out", str(out)])
    assert code == 0, stderr
    for phrase in ("lower bound", "shots/s", "waiting for ebits", "classical latency",
                   "busiest link", "Assumptions", "what-if"):
        assert phrase in stdout
    document = json.loads((out / "result.json").read_text())
    assert document["kind"] == "demo"
    assert document["seed"] == 1
    results = document["results"]
    assert [job["circuit"] for job in results["jobs"]] == [name for name, _ in CIRCUITS]
    for job in results["jobs"]:
        assert job["status"] == "completed"
        # Distributed, and kept off the slow superconducting links.
        assert job["ebits_per_shot"] >= 1
        assert len(job["qpus_used"]) >= 2
        assert "sc" not in job["qpus_used"]
        assert job["first_makespan_s"] >= job["lower_bound_s"] > 0
        parts = job["time_breakdown"]
        assert sum(parts["fractions"].values()) == pytest.approx(1.0)
        assert parts["ebit_wait_ps"] > 0
        assert 0.0 < job["fidelity"]["state_fidelity"] <= 1.0
        assert job["improvement"]["link_rate_gain"] > 1.0
    assert results["assumptions"]
    for name, _ in CIRCUITS:
        assert Path(out / f"gantt_{name.lower().replace('-', '')}.png").stat().st_size > 0
