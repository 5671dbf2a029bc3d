"""qdcnet plot: means and standard errors over repetitions, units read, errors left out."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from qdcnet.errors import ParameterError
from qdcnet.sweep.journal import Journal
from qdcnet.sweep.plots import aggregate


def _rows():
    rows = []
    for t2, offset in (("10 ms", 0.0), ("100 ms", 1.0)):
        for qubits in (2, 4):
            for repetition, noise in enumerate((-0.5, 0.5, 0.0)):
                rows.append({"task_id": f"{t2}{qubits}{repetition}", "study": "s",
                             "inputs": {"qpus[*].overrides.communication.t2": t2,
                                        "qpus[*].communication_qubits": qubits},
                             "metrics": {"rate": 10 * qubits + offset + noise},
                             "error": None, "repetition": repetition})
    rows.append({"task_id": "bad", "inputs": rows[0]["inputs"], "metrics": None,
                 "error": "WorkerLost: ..."})
    return rows


def test_groups_give_mean_and_standard_error_of_the_repetitions():
    series, info = aggregate(_rows(), "communication.t2", "rate", "communication_qubits")
    assert info["x"] == "qpus[*].overrides.communication.t2"
    assert info["x_unit"] == "s"
    assert info["failed_rows"] == 1
    by_hue = {line.hue: line.points for line in series}
    x, mean, se, n = by_hue[4][1]
    assert (x, mean, n) == (pytest.approx(0.1), pytest.approx(41.0), 3)
    # Repetitions -0.5, +0.5, 0: sample s.d. 0.5, standard error 0.5 / sqrt(3).
    assert se == pytest.approx(0.5 / math.sqrt(3))


@pytest.mark.parametrize(("x", "y", "fragment"), [
    ("t3", "rate", "an input or metric of the rows"),
    ("t2", "rate", "one column; it ends"),
])
def test_names_that_match_nothing_or_two_columns_are_refused(x, y, fragment):
    rows = _rows()
    rows[0]["inputs"] = rows[0]["inputs"] | {"memory.t2": 1}
    with pytest.raises(ParameterError, match=fragment):
        aggregate(rows, x, y)


def test_values_of_two_dimensions_on_one_axis_are_refused():
    rows = _rows()
    rows[1]["inputs"] = rows[1]["inputs"] | {"qpus[*].overrides.communication.t2": "3 km"}
    with pytest.raises(ParameterError, match="values of one dimension"):
        aggregate(rows, "communication.t2", "rate")


def test_plot_command_writes_the_picture_the_table_and_the_result(tmp_path):
    with Journal(tmp_path / "journal.jsonl") as journal:
        for row in _rows():
            journal.append(row)
    done = subprocess.run([sys.executable, "-m", "qdcnet", "plot", "journal.jsonl", "--x",
                           "communication.t2", "--y", "rate", "--hue", "communication_qubits",
                           "--log-x", "--out", "figure", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert sorted(result["files"]) == ["plot.csv", "plot.png", "result.json"]
    assert (tmp_path / "figure" / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert len((tmp_path / "figure" / "plot.csv").read_text().splitlines()) == 5
    assert result["results"]["failed_rows"] == 1
    sliced = subprocess.run([sys.executable, "-m", "qdcnet", "plot", "journal.jsonl", "--x",
                             "communication.t2", "--y", "rate", "--y", "rate",
                             "--where", "communication_qubits=4", "--out", "slice", "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert sliced.returncode == 0, sliced.stderr
    metrics = json.loads(sliced.stdout)["results"]["metrics"]
    assert [len(m["series"]) for m in metrics] == [1, 1]
    assert [p["mean"] for p in metrics[0]["series"][0]["points"]] == [
        pytest.approx(40.0), pytest.approx(41.0)]
    refused = subprocess.run([sys.executable, "-m", "qdcnet", "plot", "journal.jsonl", "--x",
                              "communication.t2", "--y", "rate", "--where", "qubits",
                              "--out", "bad"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0
    assert "column=value" in refused.stderr


def test_where_keeps_a_slice_of_the_grid():
    series, _ = aggregate(_rows(), "communication.t2", "rate", where={"communication_qubits": 4})
    (line,) = series
    assert [(p[1], p[3]) for p in line.points] == [(pytest.approx(40.0), 3),
                                                   (pytest.approx(41.0), 3)]
    # Without the slice the two qubit counts would be averaged together.
    (mixed,) = aggregate(_rows(), "communication.t2", "rate")[0]
    assert mixed.points[0][1] == pytest.approx(30.0)
    with pytest.raises(ParameterError, match="a value the rows have: 2, 4"):
        aggregate(_rows(), "communication.t2", "rate", where={"communication_qubits": 3})
