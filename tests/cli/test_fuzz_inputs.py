"""Hostile inputs through the CLI, in-process: only the project's errors, never a traceback.

Hypothesis mutates the example scenarios (delete, retype, rename a field,
extreme numbers, wrong types, binary junk) and small circuits, and drives
``qdcnet validate`` / ``run`` / ``link`` / ``compile`` through the console
entry point. Every outcome must be exit status 0, or 2 with one line
starting ``error:`` (a file with several problems: one indented line per
problem after it). The work is bounded (simulated microseconds, small
circuits) and each example has a watchdog against hangs. 50 examples by
default, 500 under ``-m slow``.
"""

from __future__ import annotations

import copy
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.cli import main as cli_main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIOS = {p.name: yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))}
CIRCUIT = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
creg c[4];
h q[0];
cx q[0],q[1];
rz(0.5) q[1];
cx q[1],q[2];
cx q[2],q[3];
measure q -> c;
"""
#: Seconds one example may take before it counts as a hang.
WATCHDOG_S = 60

EXTREMES = st.sampled_from([
    None, "", "junk", -1, 0, 1, 1e308, -1e308, 10**30, float("nan"), "nan", "inf", True,
    [], {}, "1e308 s", "-5 ms", "0.1 ps", "1e400 km", "\x00\xff", "3 parsecs", 2**70,
])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated_scenario(draw: st.DrawFn) -> tuple[str, str | bytes]:
    name = draw(st.sampled_from(sorted(SCENARIOS)))
    document = copy.deepcopy(SCENARIOS[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["delete", "retype", "rename"]))
        if action == "delete":
            del parent[last]
        elif action == "retype" or isinstance(parent, list):
            parent[last] = draw(EXTREMES)
        else:
            parent[f"{last}x"] = parent.pop(last)
    kind = "link" if SCENARIOS[name].get("kind") == "link" else "datacenter"
    if draw(st.integers(0, 19)) == 0:
        return kind, draw(st.binary(min_size=1, max_size=64))
    return kind, yaml.safe_dump(document, allow_unicode=True)


@st.composite
def mutated_circuit(draw: st.DrawFn) -> str | bytes:
    lines = CIRCUIT.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "junk", "number", "duplicate"]))
        if action == "delete":
            del lines[index]
        elif action == "junk":
            lines.insert(index, draw(st.sampled_from(
                ["for uint i in [0:3] { h q[i]; }", "qreg r[0];", "gate", "cx q[0],q[0];",
                 "rz(1e400) q[0];", "measure q[9] -> c[0];", "}", "OPENQASM 3.0;"])))
        elif action == "number":
            lines[index] = lines[index].replace("4", draw(st.sampled_from(["0", "-1", "99999"])))
        else:
            lines.insert(index, lines[index])
        if not lines:
            break
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(min_size=1, max_size=64))
    return "\n".join(lines) + "\n"


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def drive(argv: list[str], monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
    code: Any = 0
    with watchdog(WATCHDOG_S):
        try:
            cli_main.main_entry()
        except SystemExit as exc:
            code = exc.code
    err = capsys.readouterr().err
    assert code in (0, None, 2), f"{argv}: exit {code}\n{err}"
    if code == 2:
        # One error: one line, or (a file with several problems) a line naming the
        # file and one indented line per problem.
        lines = err.rstrip().splitlines()
        assert lines[0].startswith("error: "), f"{argv}: {err}"
        assert all(line.startswith("  ") for line in lines[1:]), f"{argv}: {err}"
        assert "Traceback" not in err


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FUZZ_SLOW = settings(FUZZ, max_examples=500)


def _scenario_case(case, tmp_path, monkeypatch, capsys) -> None:
    kind, content = case
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "scenario.yaml", content)
    if kind == "link":
        drive(["link", str(path), "--duration", "20 us"], monkeypatch, capsys)
    else:
        drive(["validate", str(path)], monkeypatch, capsys)
        drive(["run", str(path), "--duration", "20 us", "--quiet"], monkeypatch, capsys)


def _circuit_case(content, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "circuit.qasm", content)
    drive(["compile", str(path), "--scenario", str(EXAMPLES / "two_racks.yaml"),
           "--out", str(tmp_path / "out"), "--force"], monkeypatch, capsys)


@FUZZ
@given(case=mutated_scenario())
def test_mutated_scenarios_get_only_clear_errors(case, tmp_path, monkeypatch, capsys):
    _scenario_case(case, tmp_path, monkeypatch, capsys)


@FUZZ
@given(content=mutated_circuit())
def test_mutated_circuits_get_only_clear_errors(content, tmp_path, monkeypatch, capsys):
    _circuit_case(content, tmp_path, monkeypatch, capsys)


@pytest.mark.slow
@FUZZ_SLOW
@given(case=mutated_scenario())
def test_many_mutated_scenarios_get_only_clear_errors(case, tmp_path, monkeypatch, capsys):
    _scenario_case(case, tmp_path, monkeypatch, capsys)


@pytest.mark.slow
@FUZZ_SLOW
@given(content=mutated_circuit())
def test_many_mutated_circuits_get_only_clear_errors(content, tmp_path, monkeypatch, capsys):
    _circuit_case(content, tmp_path, monkeypatch, capsys)
