"""Jobs in a scenario's workload: circuits beside the scenario, checked with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GHZ = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[12]; creg c[12]; h q[0];'
       + "".join(f"cx q[{i}],q[{i + 1}];" for i in range(11)) + "measure q -> c;")


def _scenario(tmp_path: Path, jobs: list[dict]) -> Path:
    document = yaml.safe_load((EXAMPLES / "ion_ring_of_four.yaml").read_text())
    document["duration"] = "0.3 s"
    document["workload"] = {"jobs": jobs}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_job_circuit_is_found_beside_the_scenario_and_becomes_a_timed_job(tmp_path,
                                                                            monkeypatch):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (tmp_path / "ghz.qasm").write_text(GHZ)
    path = _scenario(tmp_path, [{"name": "ghz", "circuit": "ghz.qasm", "shots": 3,
                                 "start": "1 ms", "policy": "jit", "min_fidelity": 0.5}])
    monkeypatch.chdir(folder)  # relative to the scenario, not to where the command runs
    scenario, _ = load_scenario(path)
    (timed,) = scenario.to_workload().jobs
    assert timed.start_s == pytest.approx(1e-3)
    assert timed.shots == 3
    assert timed.policy == "jit"
    assert timed.min_fidelity == 0.5
    assert timed.circuit.num_qubits == 12


@pytest.mark.parametrize(("job", "fragment"), [
    ({"name": "x", "circuit": "missing.qasm"}, "missing.qasm"),
    ({"name": "x", "circuit": "ghz.qasm", "shots": 0}, "shots"),
    ({"name": "x", "circuit": "ghz.qasm", "policy": "asap"}, "policy"),
    ({"name": "x", "circuit": "ghz.qasm", "min_fidelity": 0.1}, "min_fidelity"),
    ({"name": "x", "circuit": "bad.qasm"}, "bad.qasm"),
])
def test_a_bad_job_is_refused_with_its_field(job, fragment, tmp_path):
    (tmp_path / "ghz.qasm").write_text(GHZ)
    (tmp_path / "bad.qasm").write_text("OPENQASM 2.0; qreg q[2]; cx q[0] q[1];")
    path = _scenario(tmp_path, [job])
    with pytest.raises(ScenarioError, match=r"workload\.jobs") as caught:
        load_scenario(path)
    assert fragment in str(caught.value)


def test_duplicate_job_names_are_refused(tmp_path):
    (tmp_path / "ghz.qasm").write_text(GHZ)
    path = _scenario(tmp_path, [{"name": "x", "circuit": "ghz.qasm"},
                                {"name": "x", "circuit": "ghz.qasm"}])
    with pytest.raises(ScenarioError, match="duplicate job name"):
        load_scenario(path)


def test_qdcnet_run_reports_jobs_beside_requests(tmp_path, monkeypatch, capsys):
    from qdcnet.cli.main import main_entry

    (tmp_path / "ghz.qasm").write_text(GHZ)
    path = _scenario(tmp_path, [{"name": "ghz", "circuit": "ghz.qasm", "shots": 3,
                                 "policy": "jit"}])
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["qdcnet", "run", str(path), "--seed", "2"])
    main_entry()
    out = capsys.readouterr().out
    assert "Jobs: predicted vs measured" in out
    document = json.loads((tmp_path / "qdcnet-output" / "run" / "result.json").read_text())
    (row,) = document["results"]["jobs"]
    assert row["job"] == "ghz"
    assert row["status"] == "completed"
    assert row["completed_shots"] == 3
