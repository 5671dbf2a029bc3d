"""qdcnet compile: summary, JSON DAG, per-QPU QASM, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openqasm3
from typer.testing import CliRunner

from qdcnet.cli.main import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
RING = ROOT / "examples" / "ion_ring_of_four.yaml"
QFT = ROOT / "benchmarks" / "circuits" / "qft_32.qasm"


def test_compile_prints_the_summary_and_writes_json_and_qasm(tmp_path):
    out = tmp_path / "qft"
    result = runner.invoke(app, ["compile", str(QFT), "--scenario", str(RING), "--seed", "4",
                                 "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "qft_32: 32 qubits, 430 two-qubit gates" in result.output
    assert "Ebits per QPU pair" in result.output
    document = json.loads((out / "program.json").read_text())
    assert document["kind"] == "compile"
    assert document["seed"] == 4
    assert document["environment"]["versions"]["qdcnet"]
    assert document["environment"]["versions"]["qiskit"]
    assert len(document["scenario_hash"]) == 64
    summary = document["results"]["summary"]
    program = document["results"]["program"]
    assert summary["ebits"] == sum(e["count"] for op in program["operations"]
                                   for e in op["ebits"])
    assert summary["ebits"] <= summary["baseline_ebits"]
    assert set(summary["timings_s"]) == {"load", "normalize", "partition", "remote_ops",
                                         "translate"}
    qasm_files = sorted(p.name for p in out.glob("*.qasm"))
    assert qasm_files == [f"{q}.qasm" for q in summary["qpus_used"]]
    for path in out.glob("*.qasm"):
        openqasm3.parse(path.read_text())


def test_verify_runs_the_state_vector_check(tmp_path):
    circuit = tmp_path / "ghz.qasm"
    circuit.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\nh q[0];\n'
                       + "".join(f"cx q[0],q[{i}];\n" for i in range(1, 5)))
    result = runner.invoke(app, ["compile", str(circuit), "--scenario", str(RING), "--verify",
                                 "--out", str(tmp_path / "o")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "verified against the circuit" in result.output


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qdcnet", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


def test_mistakes_are_one_line_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.qasm"
    bad.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0] q[1];\n')
    run = _cli("compile", str(bad), "--scenario", str(RING), cwd=tmp_path)
    assert run.returncode == 2
    assert "line 4, column 1" in run.stderr
    assert "Traceback" not in run.stderr
    big = tmp_path / "big.qasm"
    big.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[41];\nh q[40];\n')
    run = _cli("compile", str(big), "--scenario", str(RING), cwd=tmp_path)
    assert run.returncode == 2
    assert "41 qubits but the QPUs hold 40 data qubits" in run.stderr
    assert not list(tmp_path.glob("*_compiled"))
