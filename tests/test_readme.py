"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "pairs/s at fidelity" in out
    assert "after swap and DEJMPS" in out
    assert "1 ebit; EquivalenceReport(" in out
    assert "logical error per round: " in out


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert 'pip install -e ".[test]" && pytest' in text
    assert "pip install -e . && qdcnet demo" in text
