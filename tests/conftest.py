"""Shared fixtures of the test suite."""

from __future__ import annotations

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
