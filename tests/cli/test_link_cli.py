"""qdcnet profiles / link / demo from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from qdcnet.cli.main import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_profiles_table_and_one_profile():
    result = runner.invoke(app, ["profiles"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("superconducting", "trapped_ion", "neutral_atom", "photonic",
                 "color_center_nv"):
        assert name in result.output
    one = runner.invoke(app, ["profiles", "neutral_atom"], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert "Evered et al." in one.output
    assert "assumption" in one.output


def test_link_from_a_scenario_writes_json(tmp_path):
    out = tmp_path / "run.json"
    result = runner.invoke(app, ["link", str(EXAMPLES / "stephenson2020.yaml"), "--duration",
                                 "2 s", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Analytic model vs event simulation" in result.output
    assert "Published" in result.output
    document = json.loads((out / "result.json").read_text())
    assert document["seed"] == 2020
    assert document["environment"]["versions"]["qdcnet"]
    assert len(document["scenario_hash"]) == 64
    names = {f["name"] for f in document["results"]["figures"]}
    assert {"pair rate", "delivered fidelity", "success probability"} <= names


def test_link_from_options():
    result = runner.invoke(app, ["link", "--scheme", "single_click", "--profile-a",
                                 "color_center_nv", "--profile-b", "color_center_nv",
                                 "--length", "10 m", "--no-convert", "--alpha", "0.2",
                                 "--duration", "2 s", "--seed", "4"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "seed 4" in result.output


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "qdcnet", *args], capture_output=True,
                          text=True, check=False)


def test_user_mistakes_are_one_line_without_traceback(tmp_path):
    cases = [
        ["profiles", "quantum_toaster"],
        ["link", "--profile-a", "no_such_profile"],
        ["link", "--length", "12 parsecs"],
        ["link", str(tmp_path / "missing.yaml")],
    ]
    for args in cases:
        result = _cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr
