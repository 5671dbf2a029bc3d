"""Shared fixtures of the test suite."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CIRCUITS = Path(__file__).resolve().parents[1] / "benchmarks" / "circuits"


@pytest.fixture(autouse=True)
def _run_in_a_temporary_folder(tmp_path, monkeypatch):
    # Commands write ./qdcnet-output/<command> by default: no test may write into the checkout.
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def circuits_dir() -> Path:
    """The benchmark circuits (QASM) the compiler tests read."""
    return CIRCUITS


@pytest.fixture
def qdcnet_cli(monkeypatch, capsys) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run ``qdcnet ARGV`` in-process through its console entry: (exit status, stdout, stderr)."""
    from qdcnet.cli.main import main_entry

    def run(argv: list[str]) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
        code = 0
        try:
            main_entry()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
