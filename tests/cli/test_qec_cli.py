"""qdcnet qec seam / supply / decoder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qdcnet.cli.main import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "qec_ion_modules.yaml"


def test_seam_sweep_writes_points_crossings_and_a_plot(tmp_path):
    out = tmp_path / "seam"
    result = runner.invoke(app, ["qec", "seam", "--distances", "3,5", "--bulk", "0.001",
                                 "--seams", "0.05,0.15,0.3", "--bases", "z",
                                 "--max-shots", "3000", "--seed", "5", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Crossing points" in result.output
    document = json.loads((out / "result.json").read_text())
    assert document["seed"] == 5
    points = document["results"]["points"]
    assert len(points) == 6
    assert {p["engine"] for p in points} == {"stim"}
    assert document["results"]["pairs_per_round"] == {"3": 5, "5": 9}
    assert (out / "seam.png").stat().st_size > 1000
    assert (out / "seam.csv").read_text().startswith("distance,basis,bulk,seam")


def test_supply_on_the_example_closes_the_gap_with_parallel_links(tmp_path):
    out = tmp_path / "supply"
    result = runner.invoke(app, ["qec", "supply", str(EXAMPLE), "--distance", "3",
                                 "--depths", "0,5", "--max-shots", "500", "--bulk", "0.001",
                                 "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    document = json.loads((out / "result.json").read_text())
    rows = document["results"]["rows"]
    assert [r["distillation_rounds"] for r in rows] == [0, 1, 2]
    assert all(r["needed_hz"] == 5 / r["cycle_time_s"] for r in rows)
    assert rows[0]["orchestrator"]["delivered"] == 1000
    assert "storage slots" in rows[1]["orchestrator"]["refused"]
    buffer = document["results"]["buffers"]["left-right"]
    assert buffer["links"] == rows[0]["parallel_links"]
    assert [p["depth"] for p in buffer["points"]] == [0, 5]
    assert (out / "buffer_left-right.png").exists()
    supply_csv = (out / "supply.csv").read_text().splitlines()
    assert supply_csv[0].startswith("qpus,platform,")
    assert len(supply_csv) == 1 + len(rows)
    buffer_csv = (out / "buffer.csv").read_text().splitlines()
    assert buffer_csv[0].startswith("qpus,links,depth,")
    assert len(buffer_csv) == 3


def test_supply_without_bulk_uses_the_profile_noise_per_operation(tmp_path):
    """Issue 10 finding 3: the code's noise comes from the profile, per operation.

    trapped_ion_oxford's two-qubit gate is an average fidelity F = 0.99: stim's
    DEPOLARIZE2 p has average infidelity 4p/5, so p = 5(1 - F)/4.
    """
    out = tmp_path / "supply"
    result = runner.invoke(app, ["qec", "supply", str(EXAMPLE), "--distance", "3",
                                 "--depths", "0", "--max-shots", "300", "--simulate", "0",
                                 "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "profile noise" in result.output
    noise = json.loads((out / "result.json").read_text())["results"]["buffers"][
        "left-right"]["bulk"]
    assert noise["two_qubit"] == pytest.approx(1.25 * (1 - 0.99))
    assert noise["readout"] == pytest.approx(1 - 0.999)
    assert noise["one_qubit"] < noise["two_qubit"]
    assert noise["idle_measure"][2] > noise["idle_two_qubit"][2] > 0


def test_decoder_timing_and_one_line_errors(tmp_path):
    result = runner.invoke(app, ["qec", "decoder", "--distances", "3", "--shots", "100",
                                 "--out", str(tmp_path / "dec")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dec" / "decoder.png").exists()
    # --out promises JSON, CSV and plots: every qec command writes all three.
    assert (tmp_path / "dec" / "decoder.csv").read_text().startswith("distance,rounds,")
    run = subprocess.run([sys.executable, "-m", "qdcnet", "qec", "seam", "--distances", "1",
                          "--out", str(tmp_path / "bad")], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 2
    assert "--distances = 1 is out of range" in run.stderr
    assert "Traceback" not in run.stderr
