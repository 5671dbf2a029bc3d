"""The network layer: fabric, classical channels, protocols, paths and pair services.

- :mod:`qdcnet.network.topology` — scenario documents for chains, rings,
  stars and leaf–spine data centers;
- :class:`~qdcnet.network.fabric.Fabric` — routes segments through switches
  and converters to stations or sources, and books ports, stations and
  communication qubits;
- :class:`~qdcnet.network.classical.ClassicalNetwork` — latency and jitter;
- :mod:`qdcnet.network.protocols` — swapping, distillation, teleportation,
  remote CNOT, cat-entangled gates;
- :class:`~qdcnet.network.paths.PathModel` — the analytic estimate of a path;
- :class:`~qdcnet.network.service.PathService` — end-to-end pairs on the
  event kernel;
- :class:`~qdcnet.network.datacenter.DataCenter` — all of it from a scenario.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qdcnet.network.classical import ClassicalNetwork
    from qdcnet.network.datacenter import DataCenter
    from qdcnet.network.fabric import Fabric, NotConnectedError
    from qdcnet.network.paths import PathEstimate, PathModel, waiting_time_closed_form
    from qdcnet.network.service import PathService

# Loaded on first use: ``config`` imports small modules of this package (the
# distillation plan) while the data center imports ``config``.
_LAZY = {
    "ClassicalNetwork": "classical",
    "DataCenter": "datacenter",
    "Fabric": "fabric",
    "NotConnectedError": "fabric",
    "PathEstimate": "paths",
    "PathModel": "paths",
    "PathService": "service",
    "waiting_time_closed_form": "paths",
}

__all__ = [
    "ClassicalNetwork",
    "DataCenter",
    "Fabric",
    "NotConnectedError",
    "PathEstimate",
    "PathModel",
    "PathService",
    "waiting_time_closed_form",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
