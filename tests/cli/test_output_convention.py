"""Every command writes one output folder and speaks JSON when asked (issue 12).

``--out`` defaults to ``./qdcnet-output/<command>``, which a rerun replaces;
``--json`` makes stdout one JSON document: the result, or the error with its
code, field, value and allowed range.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qdcnet.report import MARKER, RESULT_FILE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SMALL_QASM = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[6];\ncreg c[6];\nh q[0];\n'
              + "".join(f"cx q[0],q[{i}];\n" for i in range(1, 6)) + "measure q -> c;\n")

#: Each command, cheap arguments, the default folder and the result's kind.
COMMANDS = {
    "link": (["link", "--duration", "0.05 s"], "link", "link"),
    "run": (["run", str(EXAMPLES / "two_racks.yaml"), "--duration", "0.02 s"], "run", "run"),
    "demo": (["demo", "--shots", "3"], "demo", "demo"),
    "compile": (["compile", "small.qasm", "--scenario", str(EXAMPLES / "ion_ring_of_four.yaml")],
                "compile", "compile"),
    "qec seam": (["qec", "seam", "--distances", "3", "--bulk", "0.001", "--seams", "0.01",
                  "--bases", "z", "--max-shots", "200"], "qec-seam", "qec-seam"),
    "qec decoder": (["qec", "decoder", "--distances", "3", "--shots", "20"], "qec-decoder",
                    "qec-decoder"),
}


#: The demo runs both of its circuits (40 s or more even at 3 shots, twice here): these
#: two run with the slow tests; tests/cli/test_demo.py runs it in the default suite.
COMMAND_CASES = [pytest.param(c, marks=pytest.mark.slow) if c == "demo" else c
                 for c in COMMANDS]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "small.qasm").write_text(SMALL_QASM)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.mark.parametrize("command", COMMAND_CASES)
def test_each_command_writes_its_default_folder_and_a_rerun_replaces_it(command, workdir,
                                                                         monkeypatch, qdcnet_cli):
    argv, folder_name, kind = COMMANDS[command]
    folder = workdir / "qdcnet-output" / folder_name
    seeds = []
    for seed in ("1", "2"):
        code, _, err = qdcnet_cli([*argv, "--seed", seed])
        assert code == 0, err
        document = json.loads((folder / RESULT_FILE).read_text())
        assert document["kind"] == kind
        seeds.append(document["seed"])
        assert f"wrote qdcnet-output/{folder_name}/: " in err
    assert seeds == [1, 2]
    assert (folder / MARKER).is_file()
    assert sorted(p.name for p in (workdir / "qdcnet-output").iterdir()) == [folder_name]


@pytest.mark.parametrize("command", ["link", "compile", "qec decoder"])
def test_an_explicit_out_that_exists_needs_force(command, workdir, monkeypatch, qdcnet_cli):
    argv = COMMANDS[command][0]
    code, _, err = qdcnet_cli([*argv, "--out", "mine"])
    assert code == 0, err
    written = (workdir / "mine" / RESULT_FILE).read_bytes()
    code, out, err = qdcnet_cli([*argv, "--out", "mine", "--seed", "5"])
    assert code == 2
    assert err.startswith("error: --out = 'mine'")
    assert "add --force" in err
    assert out == ""  # refused before any work
    assert (workdir / "mine" / RESULT_FILE).read_bytes() == written
    code, _, err = qdcnet_cli([*argv, "--out", "mine", "--seed", "5", "--force"])
    assert code == 0, err
    assert json.loads((workdir / "mine" / RESULT_FILE).read_text())["seed"] == 5


@pytest.mark.parametrize("command", COMMAND_CASES)
def test_json_makes_stdout_one_document_the_result(command, workdir, monkeypatch, qdcnet_cli):
    argv, folder_name, kind = COMMANDS[command]
    code, out, err = qdcnet_cli([*argv, "--json"])
    assert code == 0, err
    document = json.loads(out)  # all of stdout is one document: no tables around it
    assert document["kind"] == kind
    assert document["output_folder"] == f"qdcnet-output/{folder_name}"
    assert RESULT_FILE in document["files"]
    on_disk = json.loads((workdir / "qdcnet-output" / folder_name / RESULT_FILE).read_text())
    assert {k: v for k, v in document.items() if k not in ("output_folder", "files")} == on_disk


@pytest.mark.parametrize(("argv", "field", "value", "code"), [
    (["link", "--alpha", "1.5"], "--alpha", 1.5, "bad_value"),
    (["link", "--duration", "1e308 s"], "--duration", "1e308 s", "bad_value"),
    (["run", "--seed", "-1", str(EXAMPLES / "two_racks.yaml")], "--seed", -1, "bad_value"),
    (["qec", "seam", "--distances", "4"], "--distances", 4, "bad_value"),
    (["link", "--scheme", "foo"], "--scheme", "foo", "usage"),
    (["qec", "decoder", "--shots", "many"], "--shots", "many", "usage"),
])
def test_json_errors_are_objects_naming_the_field(argv, field, value, code, workdir, monkeypatch,
                                                  qdcnet_cli):
    status, out, err = qdcnet_cli([*argv, "--json"])
    assert status == 2
    assert err == ""
    document = json.loads(out)
    assert document["exit_status"] == 2
    error = document["error"]
    assert error["code"] == code
    assert error["field"] == field
    assert error["value"] == value
    assert error["message"]
    if code == "bad_value":
        assert error["allowed"]
    assert not (workdir / "qdcnet-output").exists()


def test_json_errors_for_files_carry_a_code_and_the_message(workdir, monkeypatch, qdcnet_cli):
    (workdir / "broken.yaml").write_text("kind: datacenter\nname: [\n")
    status, out, _ = qdcnet_cli(["run", "broken.yaml", "--json"])
    assert status == 2
    error = json.loads(out)["error"]
    assert error["code"] == "bad_scenario"
    assert "broken.yaml" in error["message"]
    (workdir / "bad.qasm").write_text("OPENQASM 2.0;\nqreg q[2];\ncx q[0] q[1];\n")
    status, out, _ = qdcnet_cli(["compile", "bad.qasm", "--scenario",
                              str(EXAMPLES / "ion_ring_of_four.yaml"), "--json"])
    assert status == 2
    assert json.loads(out)["error"]["code"] == "bad_circuit"


@pytest.mark.parametrize("command", [["link"], ["compile"], ["qec", "seam"]])
def test_help_shows_no_type_beside_plain_flags(command, monkeypatch, qdcnet_cli):
    code, out, _ = qdcnet_cli([*command, "--help"])
    assert code == 0
    assert "<bool>" not in out
    assert "--force" in out
    assert "<int>" in out  # options that take a value keep their type


def test_a_buffer_study_at_fifty_percent_says_it_is_noise(workdir, monkeypatch, qdcnet_cli):
    code, out, err = qdcnet_cli(["qec", "supply", str(EXAMPLES / "qec_ion_modules.yaml"),
                              "--distance", "3", "--depths", "0,4", "--max-shots", "300",
                              "--simulate", "0", "--bulk", "0.3"])
    assert code == 0, err
    assert "saturated (≈50%: noise)" in out
    assert "sampling noise, not a trend" in " ".join(out.split())
    document = json.loads((workdir / "qdcnet-output" / "qec-supply" / RESULT_FILE).read_text())
    points = next(iter(document["results"]["buffers"].values()))["points"]
    assert all(p["saturated"] for p in points)
    assert all(0.0 <= p["per_round_low"] <= p["per_round_high"] for p in points)


def test_rare_false_heralds_are_quoted_with_an_exact_interval(workdir, monkeypatch, qdcnet_cli):
    code, out, err = qdcnet_cli(["link", "--duration", "0.3 s"])
    assert code == 0, err
    row = next(line for line in out.splitlines() if "false heralds" in line)
    assert "(95% CI 0 to" in row
    assert "Clopper-Pearson" in out
    document = json.loads((workdir / "qdcnet-output" / "link" / RESULT_FILE).read_text())
    figure = next(f for f in document["results"]["figures"] if f["name"] == "false heralds")
    assert figure["rare"] is True
    assert figure["ci_low"] == 0
