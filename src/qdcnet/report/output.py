"""Result documents that say how they were made, written atomically.

Every result carries the seed, the versions of qdcnet and the libraries that
can change a result, and a hash of the scenario that produced it.

>>> doc = result_document(kind="link", seed=3, scenario={"name": "x"}, results={"rate": 1.0})
>>> doc["seed"], len(doc["scenario_hash"])
(3, 64)
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.provenance import content_hash, environment

__all__ = [
    "check_output_file",
    "check_output_folder",
    "result_document",
    "scenario_hash",
    "write_json",
]


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
