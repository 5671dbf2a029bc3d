"""qdcnet compile: summary, JSON DAG, per-QPU QASM, and one-line errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import openqasm3
import pytest
from typer.testing import CliRunner

from qdcnet.cli.compile import run as run_compile
from qdcnet.cli.main import app, main_entry
from qdcnet.errors import ParameterError

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
    document = json.loads((out / "result.json").read_text())
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
    assert "timings_s" not in summary  # wall-clock times live in timings.json
    timings = json.loads((out / "timings.json").read_text())
    assert set(timings["timings_s"]) == {"load", "normalize", "partition", "remote_ops",
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


SMALL = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[6];\ncreg c[6];\nh q[0];\n'
         + "".join(f"cx q[0],q[{i}];\n" for i in range(1, 6)) + "measure q -> c;\n")


def _small(tmp_path: Path) -> Path:
    circuit = tmp_path / "small.qasm"
    circuit.write_text(SMALL)
    return circuit


def _compile_entry(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["qdcnet", "compile", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main_entry()
    return exit_info.value.code, capsys.readouterr().err


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"")
            for p in sorted(folder.rglob("*"))}


def test_the_same_compile_writes_identical_result_files(tmp_path):
    circuit = _small(tmp_path)
    for name in ("a", "b"):
        run_compile(circuit, scenario=RING, model="fixed", starts=2, seed=7,
                    out=tmp_path / name, verify=False)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert set(first) == set(second)
    assert "result.json" in first
    assert "timings.json" in first
    assert any(name.endswith(".qasm") for name in first)
    for name in first:
        if name != "timings.json":
            assert first[name] == second[name], name
    assert "timings_s" not in first["result.json"].decode()


@pytest.mark.parametrize(("out", "expected"), [
    ("a_file", "allowed a folder (it exists and is a file)"),
    ("a_file/out", "a_file is a file"),
])
def test_a_bad_out_is_refused_before_any_work(out, expected, tmp_path, monkeypatch, capsys):
    circuit = _small(tmp_path)
    (tmp_path / "a_file").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    before = _tree(tmp_path)
    code, err = _compile_entry([str(circuit), "--scenario", str(RING), "--out", out],
                               monkeypatch, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: --out = {out!r}")
    assert expected in err
    assert _tree(tmp_path) == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a folder this user cannot write (root can write anywhere)")
def test_an_out_that_cannot_be_written_is_refused(tmp_path, monkeypatch, capsys):
    circuit = _small(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        code, err = _compile_entry([str(circuit), "--scenario", str(RING),
                                    "--out", str(locked / "out")], monkeypatch, capsys)
    finally:
        locked.chmod(stat.S_IRWXU)
    assert code == 2
    assert err.startswith("error: --out = ")
    assert "is not writable" in err
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_out_where_no_folder_can_be_made_is_refused_even_for_root(tmp_path, monkeypatch,
                                                                    capsys):
    circuit = _small(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, err = _compile_entry([str(circuit), "--scenario", str(RING), "--out", "/proc/out"],
                               monkeypatch, capsys)
    assert code == 2
    assert err.startswith("error: --out = '/proc/out'")
    assert "cannot create a folder in /proc" in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.qasm"]


def test_an_existing_out_is_kept_unless_forced_and_only_compile_output_is_replaced(
        tmp_path, monkeypatch, capsys):
    circuit = _small(tmp_path)
    out = tmp_path / "out"
    run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=1, out=out, verify=False)
    written = _tree(out)
    # An explicit --out that exists is not overwritten without --force.
    code, err = _compile_entry([str(circuit), "--scenario", str(RING), "--out", str(out)],
                               monkeypatch, capsys)
    assert code == 2
    assert "it exists and is not empty; add --force to replace it" in err
    assert _tree(out) == written
    # With force, a folder qdcnet wrote is replaced as a whole.
    run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=2, out=out, verify=False,
                force=True)
    assert json.loads((out / "result.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.qasm"]
    # Even with force, a folder holding anything else is never replaced (think --out .).
    for folder in (tmp_path, out):
        (out / "notes.txt").write_text("mine")
        before = _tree(tmp_path)
        with pytest.raises(ParameterError, match="did not write"):
            run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=3, out=folder,
                        verify=False, force=True)
        assert _tree(tmp_path) == before
    # An empty folder is fine without force.
    empty = tmp_path / "empty"
    empty.mkdir()
    run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=1, out=empty,
                verify=False)
    assert (empty / "result.json").is_file()
    assert stat.S_IMODE((empty / "result.json").stat().st_mode) & 0o044  # not 0600


def test_the_default_folder_is_replaced_on_a_rerun(tmp_path, monkeypatch):
    circuit = _small(tmp_path)
    monkeypatch.chdir(tmp_path)
    for seed in (1, 2):
        run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=seed, out=None,
                    verify=False)
        document = json.loads((tmp_path / "qdcnet-output" / "compile" / "result.json")
                              .read_text())
        assert document["seed"] == seed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qdcnet-output", "small.qasm"]
    assert sorted(p.name for p in (tmp_path / "qdcnet-output").iterdir()) == ["compile"]


def test_a_failure_while_writing_leaves_no_half_written_folder(tmp_path, monkeypatch):
    import qdcnet.cli.compile as compile_module

    circuit = _small(tmp_path)
    out = tmp_path / "out"
    run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=1, out=out, verify=False)
    written = _tree(out)
    real_write_json = compile_module.write_json
    calls: list[Path] = []

    def failing(path, document):
        calls.append(path)
        if len(calls) > 1:  # result.json is written, timings.json fails
            raise OSError(28, "No space left on device")
        return real_write_json(path, document)

    monkeypatch.setattr(compile_module, "write_json", failing)
    for target in (out, tmp_path / "new"):
        calls.clear()
        with pytest.raises(ParameterError, match="writing failed: No space left on device"):
            run_compile(circuit, scenario=RING, model="fixed", starts=1, seed=2, out=target,
                        verify=False, force=True)
        assert len(calls) == 2
        assert _tree(out) == written
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.qasm"]
