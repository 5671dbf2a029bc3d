"""qdcnet validate / run on scenario files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from qdcnet.cli.main import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_validate_explains_the_scenario():
    result = runner.invoke(app, ["validate", str(EXAMPLES / "two_racks.yaml")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "request cross-rack: r0q2 -> r1q2" in result.output


def test_run_goes_through_the_orchestrator(tmp_path):
    out = tmp_path / "run.json"
    result = runner.invoke(app, ["run", str(EXAMPLES / "repeater_chain.yaml"), "--duration",
                                 "3 s", "--seed", "3", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    document = json.loads((out / "result.json").read_text())
    assert document["seed"] == 3
    assert len(document["scenario_hash"]) == 64
    results = document["results"]
    rows = results["requests"]
    assert [r["request"] for r in rows] == ["end-to-end", "end-to-end-distilled"]
    first = rows[0]
    assert "qpu0 -> qpu1 -> qpu2 -> qpu3 -> qpu4" in first["plan"]
    assert first["delivered"] > 0
    assert {"planned_rate_hz", "planned_fidelity", "mean_fidelity", "fidelity_se",
            "time_to_first_pair_s", "qos_met", "circuit_s"} <= set(first)
    assert results["policy"] == "fifo"
    assert results["summary"]["requests"] == 2


def test_scenario_mistakes_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "two_racks.yaml").read_text().replace("dst: r0q1", "dst: r9q9"))
    result = subprocess.run([sys.executable, "-m", "qdcnet", "validate", str(bad)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "r9q9" in result.stderr
    assert "Traceback" not in result.stderr
