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

from qdcnet.network.classical import ClassicalNetwork
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.fabric import Fabric, NotConnectedError
from qdcnet.network.paths import PathEstimate, PathModel, waiting_time_closed_form
from qdcnet.network.service import PathService

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
