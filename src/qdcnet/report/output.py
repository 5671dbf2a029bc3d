"""Result documents that say how they were made, and the folders they go in.

Every result carries the seed, the versions of qdcnet and the libraries that
can change a result, and a hash of the scenario that produced it.

Every command that writes files writes them into one output folder
(:class:`OutputFolder`): ``--out``, by default ``./qdcnet-output/<command>``.
The folder is checked before any work starts and written atomically: its
files go into a fresh sibling folder that is renamed into place at the end,
so a failure or Ctrl-C never leaves a half-written folder. A rerun replaces
the default folder; an explicit ``--out`` that exists and is not empty is
replaced only with ``--force``; and in no case is a folder replaced that
qdcnet did not write (it has no :data:`MARKER` file), so ``--out . --force``
cannot delete anyone's work.

>>> doc = result_document(kind="link", seed=3, scenario={"name": "x"}, results={"rate": 1.0})
>>> doc["seed"], len(doc["scenario_hash"])
(3, 64)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.provenance import content_hash, environment

__all__ = [
    "MARKER",
    "OUTPUT_ROOT",
    "RESULT_FILE",
    "TIMINGS_FILE",
    "OutputFolder",
    "check_output_file",
    "check_output_folder",
    "machine_output",
    "machine_output_enabled",
    "report_written",
    "result_document",
    "scenario_hash",
    "write_json",
]


#: Where commands write by default: ``./qdcnet-output/<command>``.
OUTPUT_ROOT = Path("qdcnet-output")
#: The hidden file that marks a folder as written by qdcnet (it names the command).
MARKER = ".qdcnet-output"
#: Every output folder's main document: the result with its provenance.
RESULT_FILE = "result.json"
#: Wall-clock times, kept apart so the result of one seed repeats byte for byte.
TIMINGS_FILE = "timings.json"


#: Set by ``--json``: stdout carries one JSON document and no tables.
_MACHINE_OUTPUT: ContextVar[bool] = ContextVar("qdcnet_machine_output", default=False)


@contextmanager
def machine_output(enabled: bool = True) -> Iterator[None]:
    """Within the block, stdout is for one JSON document only (``--json``).

    :func:`~qdcnet.report.tables.make_console` then returns silent consoles,
    and :func:`report_written` prints the result document instead of a line
    naming the files.
    """
    token = _MACHINE_OUTPUT.set(enabled)
    try:
        yield
    finally:
        _MACHINE_OUTPUT.reset(token)


def machine_output_enabled() -> bool:
    """Whether ``--json`` asked for one JSON document on stdout."""
    return _MACHINE_OUTPUT.get()


def report_written(folder: OutputFolder, document: dict[str, Any], files: Sequence[str]) -> None:
    """Tell what was written: a line on stderr, or with ``--json`` the result on stdout.

    The JSON is the folder's result document with ``output_folder`` and
    ``files`` added, so a program need not open the folder to read the result.
    """
    if machine_output_enabled():
        sys.stdout.write(json.dumps(_clean(document | {"output_folder": folder.shown,
                                                       "files": sorted(files)}),
                                    default=str) + "\n")
        sys.stdout.flush()
        return
    from rich.console import Console

    Console(stderr=True, highlight=False).print(
        f"wrote {folder.shown}/: {', '.join(sorted(files))}", soft_wrap=True)


def _clean(value: Any) -> Any:
    # JSON has no NaN or infinity: write them as null / strings.
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def scenario_hash(scenario: Any) -> str:
    """The hash that names a scenario: its content without the seed.

    The seed is recorded beside it; two runs of one scenario with different
    seeds share the scenario's hash.
    """
    if isinstance(scenario, dict):
        scenario = {k: v for k, v in scenario.items() if k != "seed"}
    return content_hash(scenario)


def check_output_file(path: str | Path, option: str) -> Path:
    """Refuse, before any work, an output file that could not be written.

    A directory, a parent that is a file, or a place this user cannot write
    is a :class:`~qdcnet.errors.ParameterError` naming ``option``. Missing
    parent folders are fine: they are created when the file is written.
    """
    target = Path(path)
    if target.is_dir():
        raise ParameterError(option, str(path), "a file path (this is a directory)")
    _check_place(target.parent, option, str(path))
    if target.exists() and not os.access(target, os.W_OK):
        raise ParameterError(option, str(path), "a file you can write",
                             "it exists and is read-only")
    return target


def check_output_folder(path: str | Path, option: str) -> Path:
    """Refuse, before any work, an output folder that could not be made or written.

    Nothing is created here: the folder is made when there is something to write.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ParameterError(option, str(path), "a folder (this is a file)")
    _check_place(target, option, str(path))
    return target


def _check_place(folder: Path, option: str, shown: str) -> None:
    # The nearest folder that exists must be a folder this user can write:
    # the missing ones below it are created when the output is written.
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ParameterError(option, shown, "a path inside a folder", f"{ancestor} is a file")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ParameterError(option, shown, "a place you can write",
                             f"{ancestor} is not writable")
    try:  # the real test (read-only mounts, /proc, root's permissions): make a folder there
        Path(tempfile.mkdtemp(prefix=".qdcnet-probe-", dir=ancestor)).rmdir()
    except OSError as exc:
        raise ParameterError(option, shown, "a place you can write",
                             f"cannot create a folder in {ancestor}: "
                             f"{exc.strerror or type(exc).__name__}") from None


def result_document(
    *, kind: str, seed: int, scenario: Any, results: dict[str, Any]
) -> dict[str, Any]:
    """A result with its provenance: versions, seed, scenario and its hash."""
    return _clean({
        "kind": kind,
        "seed": seed,
        "environment": environment(),
        "scenario_hash": scenario_hash(scenario),
        "scenario": scenario,
        "results": results,
    })


def write_json(path: str | Path, document: dict[str, Any]) -> Path:
    """Write JSON atomically: a reader never sees a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    # mkstemp makes the file private (0600); a result file gets the user's usual mode.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(_clean(document), stream, indent=2, default=str)
            stream.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


@dataclass(frozen=True)
class OutputFolder:
    """The folder one command writes, checked before any work starts.

    Build it with :meth:`prepare` at the start of a command; write into
    :meth:`staging` at the end. Refusals are
    :class:`~qdcnet.errors.ParameterError` naming ``--out``.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> folder = OutputFolder.prepare(root / "runs" / "a", "run", force=False)
    >>> with folder.staging() as stage:
    ...     _ = write_json(stage / RESULT_FILE, {"kind": "run"})
    >>> sorted(p.name for p in (root / "runs" / "a").iterdir())
    ['.qdcnet-output', 'result.json']
    >>> OutputFolder.prepare(root / "runs" / "a", "run", force=False)
    Traceback (most recent call last):
    ...
    qdcnet.errors.ParameterError: --out = '...a' is out of range: ... add --force ...)
    """

    path: Path
    shown: str
    command: str

    @classmethod
    def prepare(cls, out: str | Path | None, command: str, *, force: bool,
                keep: Sequence[str | Path] = (), option: str = "--out") -> OutputFolder:
        """Check the folder ``command`` will write; nothing is created yet.

        ``out`` None means the default, ``./qdcnet-output/<command>``, which a
        rerun replaces. ``keep`` lists the command's inputs: a folder that
        holds one of them is never replaced.
        """
        explicit = out is not None
        destination = Path(out) if out is not None else OUTPUT_ROOT / command.replace(" ", "-")
        shown = str(destination)
        hint = "" if explicit else f"; it is the default for qdcnet {command}, give --out"
        target = destination.resolve()
        if target.exists() and not target.is_dir():
            raise ParameterError(option, shown, "a folder", f"it exists and is a file{hint}")
        _check_place(target.parent, option, shown)
        if not target.is_dir():
            return cls(target, shown, command)
        try:
            entries = sorted(target.iterdir())
        except OSError as exc:
            raise ParameterError(option, shown, "a folder you can read and write",
                                 exc.strerror or type(exc).__name__) from None
        if not entries:
            return cls(target, shown, command)
        if explicit and not force:
            raise ParameterError(option, shown, "a new or empty folder",
                                 "it exists and is not empty; add --force to replace it")
        foreign = [e.name for e in entries if e.name not in _written_by_qdcnet(target)]
        if foreign:
            listed = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ParameterError(option, shown, "a new or empty folder, or one qdcnet wrote",
                                 f"it holds files qdcnet did not write: {listed}{hint}")
        for item in keep:
            if Path(item).resolve().is_relative_to(target):
                raise ParameterError(option, shown, "a folder that does not hold the inputs",
                                     f"replacing it would delete {item}")
        if not os.access(target, os.W_OK | os.X_OK) or not os.access(target.parent, os.W_OK):
            raise ParameterError(option, shown, "a place you can write",
                                 f"{target} is not writable")
        return cls(target, shown, command)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh folder to write into; renamed into place when the block ends well.

        The folder that was there before is moved aside, and removed once the
        new one is in place (or put back if the rename fails). Files get the
        user's usual permissions, not the private ones of temporary files.
        """
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.new-", dir=parent))
        except OSError as exc:
            raise ParameterError("--out", self.shown, "a place you can write",
                                 f"cannot create it: {exc.strerror or exc}") from None
        placed = False
        aside: Path | None = None
        try:
            try:
                yield stage
                # The marker lists what was written: a later run replaces this folder
                # only while it holds nothing else.
                names = sorted(p.name for p in stage.iterdir())
                (stage / MARKER).write_text("\n".join([f"qdcnet {self.command}", *names]) + "\n",
                                            encoding="utf-8")
                _normal_permissions(stage)
                if self.path.exists():
                    aside = parent / f".{self.path.name}.old-{stage.name.rsplit('-', 1)[-1]}"
                    self.path.rename(aside)
                try:
                    stage.rename(self.path)
                    placed = True
                except OSError:
                    if aside is not None:
                        aside.rename(self.path)
                        aside = None
                    raise
            except OSError as exc:  # a full disk, a quota, a folder removed meanwhile
                raise ParameterError("--out", self.shown, "a place you can write",
                                     f"writing failed: {exc.strerror or exc}") from None
        finally:
            if not placed:
                shutil.rmtree(stage, ignore_errors=True)
            if aside is not None and placed:
                shutil.rmtree(aside, ignore_errors=True)


def _written_by_qdcnet(folder: Path) -> set[str]:
    """The names in ``folder`` that qdcnet wrote there, from its marker (none without one)."""
    try:
        lines = (folder / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    if not lines or not lines[0].startswith("qdcnet "):
        return set()
    return {MARKER, *lines[1:]}


def _normal_permissions(folder: Path) -> None:
    """Give the folder and everything in it the user's usual modes."""
    umask = os.umask(0o022)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for item in folder.rglob("*"):
        item.chmod((0o777 if item.is_dir() else 0o666) & ~umask)
