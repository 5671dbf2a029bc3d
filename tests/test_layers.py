"""Imports point down the layers, and subpackages form no cycle (issue 11).

Every ``import`` in the package counts: at module level, inside functions,
and under ``TYPE_CHECKING``. The order is the one ``docs/architecture.md``
draws; two layers of the same rank may use each other only without a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "qdcnet"

#: Rank of each top-level module or subpackage: a module may import ranks <= its own.
RANK = {
    "units": 0, "errors": 0, "provenance": 0, "_version": 0,
    "sim": 1,
    "quantum": 2,
    "hardware": 3,
    "link": 4,
    "network": 5,
    "control": 6,
    "compiler": 7, "qec": 7,
    "schedule": 8,
    "runtime": 9,
    "sweep": 10, "report": 10,
    "config": 11,
    "service": 12, "client": 12,
    "cli": 13,
    "__main__": 14, "__init__": 14,
}


def _imports() -> list[tuple[str, str, str]]:
    """(importing layer, imported layer, where) for every import of another layer."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom):
                raise AssertionError(f"{path}:{node.lineno}: relative import; write it absolute")
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "qdcnet" and len(parts) > 1 and parts[1] != layer:
                    found.append((layer, parts[1], f"{path.relative_to(PACKAGE)}:{node.lineno}"))
    return found


def test_every_module_has_a_layer():
    layers = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.glob("*")
              if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert layers <= set(RANK), f"no rank for {sorted(layers - set(RANK))}"


def test_imports_point_down():
    upward = [f"{where}: {me} imports {them}" for me, them, where in _imports()
              if RANK.get(them, 99) > RANK[me]]
    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


def test_no_cycle_between_subpackages():
    graph = nx.DiGraph()
    for me, them, _ in _imports():
        if me not in ("__init__", "__main__"):
            graph.add_edge(me, them)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"cycles between subpackages: {cycles}"


@pytest.mark.parametrize("below", ["network", "link", "hardware", "quantum", "sim", "control"])
def test_config_is_the_edge(below):
    """Nothing at or below control reads configuration: it gets plain objects."""
    offending = [where for me, them, where in _imports() if me == below and them == "config"]
    assert not offending
