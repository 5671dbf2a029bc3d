"""``qdcnet execute``: a circuit run on a scenario, with its report and Gantt charts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qdcnet.report import RESULT_FILE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RING = EXAMPLES / "ion_ring_of_four.yaml"
GHZ = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[24];\ncreg c[24];\nh q[0];\n'
       + "".join(f"cx q[{i}],q[{i + 1}];\n" for i in range(23)) + "measure q -> c;\n")


@pytest.fixture
def circuit(tmp_path):
    path = tmp_path / "ghz24.qasm"
    path.write_text(GHZ)
    return path


@pytest.mark.parametrize("policy", ["jit", "prefetch"])
def test_execute_writes_the_report_and_both_gantt_charts(policy, circuit, tmp_path, monkeypatch,
                                                         qdcnet_cli):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = qdcnet_cli(["execute", str(circuit), "--scenario", str(RING), "--shots", "6",
                              "--policy", policy, "--seed", "3"])
    assert code == 0, err
    assert "Predicted against measured" in out
    folder = tmp_path / "qdcnet-output" / "execute"
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["gantt_predicted.png", "gantt_shot0.png", RESULT_FILE, "timings.json"]
    document = json.loads((folder / RESULT_FILE).read_text())
    assert document["kind"] == "execute"
    assert document["seed"] == 3
    summary = document["results"]["summary"]
    assert summary["completed_shots"] == 6
    assert summary["policy"] == policy
    assert summary["predicted_makespan_s"] > 0
    assert summary["fidelity"]["state_fidelity"] is not None
    assert len(document["results"]["shots"]) == 6


def test_the_same_seed_writes_the_same_result(circuit, tmp_path, monkeypatch, qdcnet_cli):
    files = []
    for out in ("a", "b"):
        code, _, err = qdcnet_cli(["execute", str(circuit), "--scenario", str(RING), "--shots",
                                "4", "--seed", "5", "--out", out])
        assert code == 0, err
        files.append((tmp_path / out / RESULT_FILE).read_bytes())
    assert files[0] == files[1]


@pytest.mark.parametrize(("extra", "field", "fragment"), [
    (["--shots", "0"], "--shots", "from 1 to"),
    (["--min-fidelity", "1.5"], "--min-fidelity", "(0.25, 1]"),
    (["--deadline", "-1 s"], "--deadline", ""),
    (["--min-fidelity", "0.9999"], None, "out of reach"),
    (["--deadline", "1 us"], None, "beyond its deadline"),
])
def test_bad_options_and_refusals_are_one_line_before_the_run(extra, field, fragment, circuit,
                                                              tmp_path, monkeypatch, qdcnet_cli):
    code, _, err = qdcnet_cli(["execute", str(circuit), "--scenario", str(RING), *extra])
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    if field is not None:
        assert field in err
    assert fragment in err
    assert not (tmp_path / "qdcnet-output").exists()


def test_json_gives_the_execution_report_on_stdout(circuit, monkeypatch, qdcnet_cli):
    code, out, err = qdcnet_cli(["execute", str(circuit), "--scenario", str(RING), "--shots", "3",
                              "--policy", "jit", "--json"])
    assert code == 0, err
    document = json.loads(out)
    assert document["kind"] == "execute"
    assert document["results"]["summary"]["completed_shots"] == 3


@pytest.mark.slow  # two processes, the exact engine on 13 live qubits: about a minute
def test_the_result_does_not_depend_on_the_hash_seed(tmp_path):
    import os
    import subprocess

    # Twelve qubits over two QPUs of the ring: the exact engine, whose output distance sums
    # over outcomes (once in set order, so the last digit followed the hash seed).
    circuit = tmp_path / "ghz12.qasm"
    circuit.write_text(GHZ.replace("q[24]", "q[12]").replace("c[24]", "c[12]").split(
        "cx q[11],q[12];")[0] + "measure q -> c;\n")
    files = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run = subprocess.run([sys.executable, "-m", "qdcnet", "execute", str(circuit),
                              "--scenario", str(RING), "--shots", "3", "--seed", "4",
                              "--engine", "density", "--out", str(out)],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        files.append((out / RESULT_FILE).read_bytes())
    assert files[0] == files[1]
