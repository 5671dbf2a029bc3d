"""What every result records about how it was made: versions, platform, seed, scenario hash.

Examples
--------
>>> record = environment()
>>> record["versions"]["qdcnet"] == __import__("qdcnet").__version__
True
>>> content_hash({"b": 1, "a": [1, 2]}) == content_hash({"a": [1, 2], "b": 1})
True
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib import metadata
from typing import Any

from qdcnet._version import __version__

__all__ = ["RECORDED_PACKAGES", "content_hash", "environment"]

#: Libraries whose versions can change a result, recorded in every output.
RECORDED_PACKAGES = ("numpy", "scipy", "networkx", "pydantic", "stim", "pymatching", "sinter",
                     "qiskit")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Versions of qdcnet, Python and the recorded libraries, and the platform."""
    versions: dict[str, str | None] = {"qdcnet": __version__, "python": sys.version.split()[0]}
    versions.update({name: _version(name) for name in RECORDED_PACKAGES})
    return {"versions": versions, "platform": platform.platform()}


def content_hash(document: Any) -> str:
    """SHA-256 of the canonical JSON of ``document`` (key order does not matter)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
