"""Circuits that are not circuits: one line, exit status 2, nothing written (issue 12).

Each case goes through ``main_entry`` (what the ``qdcnet`` command runs), so the
exit status and the one-line message are what a user sees; two cases also go
through a real ``python -m qdcnet`` process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qdcnet.cli.main import main_entry

ROOT = Path(__file__).resolve().parents[2]
RING = ROOT / "examples" / "ion_ring_of_four.yaml"

QASM3 = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
QASM2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'

BAD_TEXT = {
    "empty": ("", "the circuit is empty"),
    "blank": ("  \n\n\t\n", "the circuit is empty"),
    "comments only": ("// a circuit\n/* to come */\n", "the circuit is empty"),
    "qasm2 header only": (QASM2, "declares no qubits"),
    "qasm3 header only": (QASM3, "declares no qubits"),
    "qasm2 zero qubits": (QASM2 + "qreg q[0];\n", "declares no qubits"),
    "qasm3 zero qubits": ("OPENQASM 3.0;\nqubit[0] q;\n", "declares no qubits"),
    "qubits but no gates": (QASM3 + "qubit[2] q;\nbit[2] c;\n",
                            "2 qubit(s) but no gates or measurements"),
    # Qiskit's importer raised a TypeError for a loop that indexes a register.
    "for loop indexing": (QASM3 + "qubit[2] q;\nfor int i in [0:1] {\n  h q[i];\n}\n",
                          "line 4, column 1: a 'for' loop is not supported"),
    "for loop over a set": (QASM3 + "qubit[2] q;\nfor uint i in {0, 1} {\n  h q[0];\n}\n",
                            "line 4, column 1: a 'for' loop is not supported"),
    "while loop": (QASM3 + "qubit[1] q;\nbit c;\nc = measure q[0];\n"
                   "while (c == 1) {\n  x q[0];\n  c = measure q[0];\n}\n",
                   "line 6, column 1: a 'while' loop is not supported"),
    "switch": (QASM3 + "qubit[1] q;\nint i = 1;\nswitch (i) {\n  case 1 { x q[0]; }\n}\n",
               "line 5, column 1: a 'switch' statement is not supported"),
    "subroutine": (QASM3 + "qubit[2] q;\ndef f(qubit a) {\n  h a;\n}\nf(q[0]);\n",
                   "line 4, column 1: a subroutine ('def') is not supported"),
    "box": (QASM3 + "qubit[1] q;\nbox {\n  h q[0];\n}\n",
            "line 4, column 1: a 'box' block is not supported"),
    "infinite angle": (QASM2 + "qreg q[1];\nrx(1e400) q[0];\n", "not a finite number"),
}


def _compile(argv: list[str], monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["qdcnet", "compile", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main_entry()
    return exit_info.value.code, capsys.readouterr().err


def _assert_refused(code: int, err: str, expected: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert expected in lines[0]


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_a_circuit_that_cannot_compile_is_one_line_and_nothing_is_written(
        case, tmp_path, monkeypatch, capsys):
    text, expected = BAD_TEXT[case]
    circuit = tmp_path / "bad.qasm"
    circuit.write_text(text)
    monkeypatch.chdir(tmp_path)
    # Once with the default folder (bad_compiled) and once with --out.
    for extra in ([], ["--out", str(tmp_path / "out")]):
        code, err = _compile([str(circuit), "--scenario", str(RING), *extra], monkeypatch,
                             capsys)
        _assert_refused(code, err, expected)
        assert "bad.qasm" in err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.qasm"]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))),
     "is not a text file"),
    (lambda p: p.write_bytes(b"OPENQASM 2.0;\n\xff\xfe qreg q[1];\n"),
     "byte 0xff at offset 14 is not UTF-8"),
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: None, "does not exist"),
    (lambda p: p.symlink_to("/dev/zero"), "is a device, not a file"),
])
def test_a_binary_file_or_a_folder_as_the_circuit(make, expected, tmp_path, monkeypatch,
                                                  capsys):
    circuit = tmp_path / "junk.qasm"
    if "device" in expected and not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    make(circuit)
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    code, err = _compile([str(circuit), "--scenario", str(RING)], monkeypatch, capsys)
    _assert_refused(code, err, expected)
    assert "junk.qasm" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("loop.qasm", (QASM3 + "qubit[2] q;\nfor int i in [0:1] {\n  h q[i];\n}\n").encode(),
     "loop.qasm: line 4, column 1: a 'for' loop is not supported"),
    ("binary.qasm", bytes(range(256)), "binary.qasm' is not a text file"),
])
def test_the_installed_command_answers_in_one_line(name, content, expected, tmp_path):
    (tmp_path / name).write_bytes(content)
    run = subprocess.run([sys.executable, "-m", "qdcnet", "compile", name, "--scenario",
                          str(RING)], capture_output=True, text=True, cwd=tmp_path, check=False)
    _assert_refused(run.returncode, run.stderr, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
