"""Scenario ergonomics (issue 10, finding 8): templates, profile paths, open-ended requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from qdcnet.cli.main import app
from qdcnet.config.scenario import build_datacenter
from qdcnet.network.topology import linear_chain

runner = CliRunner()
PROFILES = Path(__file__).resolve().parents[2] / "src" / "qdcnet" / "hardware" / "data" / "profiles"


def chain_with_templates() -> dict:
    document = linear_chain(3, profile="trapped_ion_oxford", spacing_m=50.0)
    document["templates"] = {
        "ion": {"profile": "trapped_ion_oxford", "communication_qubits": 2,
                "overrides": {"communication.t2": "1 s", "qubits.storage": 4}},
    }
    document["qpus"] = [
        {"name": "qpu0", "template": "ion"},
        # The node's own values win; overrides are merged key by key.
        {"name": "qpu1", "template": "ion", "overrides": {"qubits.storage": 6}},
        {"name": "qpu2", "template": "ion", "communication_qubits": 3},
    ]
    return document


def test_templates_fill_nodes_and_the_node_wins():

    dc = build_datacenter(chain_with_templates(), seed=1)
    assert dc.ops["qpu0"].storage_slots == 4
    assert dc.ops["qpu1"].storage_slots == 6
    for name in ("qpu0", "qpu1", "qpu2"):
        assert dc.profiles[name].communication.memory.t2_s == pytest.approx(1.0)
    assert dc.fabric.communication_qubits("qpu0") == 2
    assert dc.fabric.communication_qubits("qpu2") == 3


def test_an_unknown_template_is_named_with_a_suggestion(tmp_path):
    document = chain_with_templates()
    document["qpus"][2]["template"] = "ions"
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(document))
    result = subprocess.run([sys.executable, "-m", "qdcnet", "validate", str(path)],
                            capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "qpus[2].template = 'ions'" in result.stderr
    assert "did you mean 'ion'" in result.stderr


def test_profile_paths_are_resolved_against_the_scenario_file(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    (folder / "profiles").mkdir(parents=True)
    (folder / "profiles" / "my_ion.yaml").write_text(
        (PROFILES / "trapped_ion_oxford.yaml").read_text())
    document = linear_chain(2, profile="profiles/my_ion.yaml", spacing_m=50.0)
    (folder / "chain.yaml").write_text(yaml.safe_dump(document))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, ["validate", str(folder / "chain.yaml")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_open_ended_requests_are_served_until_the_run_ends(tmp_path):
    document = linear_chain(2, profile="trapped_ion_oxford", spacing_m=50.0)
    document["workload"] = {"requests": [{"name": "stream", "src": "qpu0", "dst": "qpu1"}]}
    path = tmp_path / "open.yaml"
    path.write_text(yaml.safe_dump(document))
    out = tmp_path / "run.json"
    result = runner.invoke(app, ["run", str(path), "--duration", "0.2 s", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "open-ended" in result.output
    assert "missed" not in result.output
    (row,) = json.loads((out / "result.json").read_text())["results"]["requests"]
    assert row["open_ended"] is True
    assert row["pairs_wanted"] is None
    assert row["qos_met"] is None
    # Served the whole run: about the plan's rate times the time it was served.
    assert row["delivered"] > 0.5 * row["planned_rate_hz"] * 0.2
    summary = json.loads((out / "result.json").read_text())["results"]["summary"]
    assert summary["open_ended"] == 1


def test_an_open_ended_request_with_a_deadline_is_refused_at_load():
    from qdcnet.config.common import ScenarioError
    from qdcnet.config.scenario import validate_document

    document = linear_chain(2, profile="trapped_ion_oxford", spacing_m=50.0)
    document["workload"] = {"requests": [{"name": "stream", "src": "qpu0", "dst": "qpu1",
                                          "deadline": "1 s"}]}
    with pytest.raises(ScenarioError, match="open-ended"):
        validate_document(document)
