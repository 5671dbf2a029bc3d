"""The journal merges without duplicates; ``qdcnet sweep`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweep_studies import qdcnet_cli

from qdcnet.sweep.journal import Journal, merge_rows, read_rows

STUDY = """\
study: seam-cli
scenario:
  kind: qec
  distance: 3
  bulk: 0.002
  seam: 0.05
  max_shots: 2000
  max_errors: 1000
axes:
  - field: seam
    values: [0.02, 0.1]
repetitions: 2
seed: 4
metrics: [shots, errors]
plots:
  - {name: errors, x: seam, y: [errors, shots], log_y: true}
quick: {repetitions: 1}
"""


def _row(task_id, version="1", error=None, metrics=None):
    return {"task_id": task_id, "study": "s", "version": version, "error": error,
            "metrics": metrics if metrics is not None else {"x": 1}, "index": 0}


def test_merge_keeps_each_task_once_and_flags_mixed_versions():
    rows, warnings = merge_rows([
        [_row("a"), _row("b", error="WorkerLost: ...", metrics={})],
        [_row("b", version="2"), _row("c", version="2"), _row("a", metrics={"x": 2})],
    ])
    assert sorted(r["task_id"] for r in rows) == ["a", "b", "c"]
    assert {r["task_id"]: r["error"] for r in rows} == {"a": None, "b": None, "c": None}
    assert any("mixed qdcnet versions: 1, 2" in w for w in warnings)
    assert any("different metrics" in w for w in warnings)


def test_journal_rows_are_whole_or_absent(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        journal.append(_row("a"))
    path.write_bytes(path.read_bytes() + b'{"task_id": "b", "metr')
    assert [r["task_id"] for r in read_rows(path)[0]] == ["a"]



def test_sweep_command_runs_resumes_and_refuses_to_overwrite(tmp_path):
    (tmp_path / "study.yaml").write_text(STUDY)
    done = qdcnet_cli("sweep", "study.yaml", "--workers", "2", "--out", "out", "--json",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["results"]["tasks"] == 4
    assert result["results"]["failed"] == 0
    rows, _ = read_rows(tmp_path / "out" / "journal.jsonl")
    assert len({r["task_id"] for r in rows}) == 4
    assert all(r["metrics"]["shots"] == 2000 and r["version"] for r in rows)
    assert result["results"]["plots"] == ["plots/errors.png"]
    assert (tmp_path / "out" / "plots" / "errors.png").stat().st_size > 10_000
    again = qdcnet_cli("sweep", "study.yaml", "--out", "out", cwd=tmp_path)
    assert again.returncode != 0
    assert "--resume to finish it or --force" in again.stderr
    resumed = qdcnet_cli("sweep", "study.yaml", "--out", "out", "--resume", "--json",
                      cwd=tmp_path)
    assert json.loads(resumed.stdout)["results"]["skipped"] == 4
    merged = qdcnet_cli("sweep-merge", "out/journal.jsonl", "out/journal.jsonl", "-o",
                     "merged.jsonl", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert len(read_rows(Path(tmp_path / "merged.jsonl"))[0]) == 4
    quick = qdcnet_cli("sweep", "study.yaml", "--out", "quick", "--quick", "--json",
                    cwd=tmp_path)
    assert quick.returncode == 0, quick.stderr
    assert json.loads(quick.stdout)["results"]["tasks"] == 2


def test_bad_study_fails_in_one_line_before_any_task(tmp_path):
    (tmp_path / "study.yaml").write_text(STUDY.replace("[0.02, 0.1]", "[0.02, 0.9]"))
    failed = qdcnet_cli("sweep", "study.yaml", "--out", "out", cwd=tmp_path)
    assert failed.returncode != 0
    assert "seam = 0.9" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not (tmp_path / "out").exists()


def test_parquet_parts_hold_the_rows_flat(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    (tmp_path / "study.yaml").write_text(STUDY)
    done = qdcnet_cli("sweep", "study.yaml", "--workers", "1", "--out", "out", "--json",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    part = json.loads(done.stdout)["results"]["parquet_part"]
    table = pq.read_table(tmp_path / "out" / part).to_pylist()
    assert len(table) == 4
    assert {row["input:seam"] for row in table} == {0.02, 0.1}
    assert all(row["metric:shots"] == 2000 for row in table)
    # Rows no part holds (an interrupted call's) go into the next call's part.
    for path in (tmp_path / "out" / "parts").iterdir():
        path.unlink()
    resumed = qdcnet_cli("sweep", "study.yaml", "--out", "out", "--resume", "--json",
                      cwd=tmp_path)
    part = json.loads(resumed.stdout)["results"]["parquet_part"]
    assert len(pq.read_table(tmp_path / "out" / part).to_pylist()) == 4


def test_a_plot_of_a_column_the_rows_will_not_have_is_refused_first(tmp_path):
    (tmp_path / "study.yaml").write_text(STUDY.replace("y: [errors, shots]", "y: [rate]"))
    failed = qdcnet_cli("sweep", "study.yaml", "--out", "out", cwd=tmp_path)
    assert failed.returncode != 0
    assert "plots[errors].y = 'rate'" in failed.stderr
    assert "an input or metric of the rows: errors, seam, shots" in failed.stderr
    assert not (tmp_path / "out").exists()


def test_force_never_deletes_the_study_it_was_given(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "study.yaml").write_text(STUDY)
    (tmp_path / "out" / "journal.jsonl").write_text("")
    refused = qdcnet_cli("sweep", "out/study.yaml", "--out", "out", "--force", cwd=tmp_path)
    assert refused.returncode == 2
    assert "would delete out/study.yaml" in refused.stderr
    assert (tmp_path / "out" / "study.yaml").read_text() == STUDY
