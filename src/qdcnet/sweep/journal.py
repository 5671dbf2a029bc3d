"""The results of a sweep: one JSON line per finished task, written by the driver alone.

Each row is tidy: the task's id, study, point (its inputs), repetition and
seed, the metrics or the error, the qdcnet version, the wall time and the
worker. A row is appended with one ``write`` to a file opened for appending,
so a row is either whole or absent; a torn last line (the machine lost power
mid-write) is ignored on reading and cut on resuming. Rows are flushed to
disk at most every :data:`SYNC_INTERVAL_S` and when the sweep ends.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Journal(folder / "journal.jsonl") as journal:
...     journal.append({"task_id": "ab", "metrics": {"rate": 1.0}, "error": None})
>>> sorted(Journal(folder / "journal.jsonl").finished())
['ab']
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qdcnet.errors import QdcnetError

__all__ = ["SYNC_INTERVAL_S", "Journal", "merge_rows", "read_rows"]

#: Longest time a finished row may sit in the page cache before an fsync.
SYNC_INTERVAL_S = 1.0


def read_rows(path: str | Path) -> tuple[list[dict[str, Any]], int]:
    """Every whole row of a journal, and the byte length of those rows (a torn tail excluded)."""
    path = Path(path)
    if not path.exists():
        return [], 0
    rows: list[dict[str, Any]] = []
    good = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # torn: the write never finished
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise QdcnetError(f"{path}: line {len(rows) + 1} is not JSON ({exc.msg}); the "
                                  "journal was edited or is not a qdcnet journal") from None
            rows.append(row)
            good += len(raw)
    return rows, good


class Journal:
    """Append-only JSON lines (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._synced = time.monotonic()

    def finished(self) -> dict[str, dict[str, Any]]:
        """Rows by task id (the last row of a task wins: a retried error is replaced)."""
        rows, _ = read_rows(self.path)
        return {row["task_id"]: row for row in rows}

    def open(self) -> Journal:
        _, good = read_rows(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size > good:
            os.ftruncate(self._fd, good)  # a torn last row from a crash: gone, so rerun
        return self

    def append(self, row: dict[str, Any]) -> None:
        if self._fd is None:
            self.open()
        data = (json.dumps(row, separators=(",", ":"), default=str, allow_nan=True)
                + "\n").encode()
        assert self._fd is not None
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk: never leave half a row behind
            os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
            raise QdcnetError(f"{self.path}: could not write a whole row (disk full?)")
        now = time.monotonic()
        if now - self._synced >= SYNC_INTERVAL_S:
            os.fsync(self._fd)
            self._synced = now

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def merge_rows(row_sets: Iterable[list[dict[str, Any]]]) -> tuple[list[dict[str, Any]],
                                                                   list[str]]:
    """Rows of one study from several journals, each task once; and warnings.

    A task present more than once keeps a row without error over one with
    an error, else its first row. Warnings flag mixed studies, mixed qdcnet
    versions and tasks whose repeated rows disagree on their metrics.
    """
    merged: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    disagree = 0
    for rows in row_sets:
        for row in rows:
            kept = merged.get(row["task_id"])
            if kept is None or (kept.get("error") and not row.get("error")):
                merged[row["task_id"]] = row
            elif not kept.get("error") and not row.get("error") and (
                    kept.get("metrics") != row.get("metrics")):
                disagree += 1
    out = sorted(merged.values(), key=lambda r: (r.get("index", 0), r["task_id"]))
    studies = sorted({str(r.get("study")) for r in out})
    if len(studies) > 1:
        warnings.append(f"rows of several studies: {', '.join(studies)}")
    versions = sorted({str(r.get("version")) for r in out})
    if len(versions) > 1:
        warnings.append(f"mixed qdcnet versions: {', '.join(versions)} (each row keeps its "
                        "version)")
    if disagree:
        warnings.append(f"{disagree} task(s) ran more than once with different metrics (the "
                        "first row is kept)")
    return out, warnings
