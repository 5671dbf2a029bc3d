"""Shared helpers for the compiler tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CIRCUITS = Path(__file__).resolve().parents[2] / "benchmarks" / "circuits"


@pytest.fixture(scope="session")
def circuits_dir() -> Path:
    return CIRCUITS
