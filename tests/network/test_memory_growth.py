"""Memory stays bounded (issue 10, finding 7).

A path service keeps per-qubit and per-pair books; they must hold no more
entries than there are live qubits, however long it runs. Caches belong to
the object they serve: dropping a data center frees its fabric and its
classical network.
"""

from __future__ import annotations

import gc
import weakref
from collections import deque

from qdcnet.config.scenario import build_datacenter
from qdcnet.network import PathService
from qdcnet.network.topology import linear_chain
from qdcnet.units import s_to_ps

NODE = {"communication.wavelength": "1550 nm", "communication.t2": "20 ms"}


def chain(num_nodes: int) -> dict:
    return linear_chain(num_nodes, profile="trapped_ion_oxford", spacing_m=1000.0,
                        communication_qubits=50, overrides=NODE)


def _sizes(obj: object) -> dict[str, int]:
    """Entries of every dict, deque, set or list the object holds, nested one level."""
    out = {}
    for name, value in vars(obj).items():
        if isinstance(value, (dict, deque, set, list)):
            out[name] = len(value)
            if isinstance(value, dict):
                for key, inner in value.items():
                    if isinstance(inner, (dict, deque, set, list)):
                        out[f"{name}[{key}]"] = len(inner)
    return out


def test_path_service_books_hold_no_more_entries_than_live_qubits():
    dc = build_datacenter(chain(10), seed=1)
    path = tuple(f"qpu{i}" for i in range(10))
    service = PathService(dc, "chain", path)
    service.start()
    dc.sim.run(until=s_to_ps(0.3))
    assert service.stats.raw_pairs > 2_000  # many pairs made, swapped and consumed
    # Every tracked qubit sits in a communication qubit of one of the path's links.
    live_qubits = sum(2 * link.model.num_streams for link in service.links)
    sizes = _sizes(service)
    assert sizes, "the service keeps its books in containers"
    too_big = {name: size for name, size in sizes.items() if size > live_qubits}
    assert not too_big, (too_big, live_qubits)


def test_a_dropped_data_center_is_freed():
    dc = build_datacenter(chain(4), seed=1)
    path = ("qpu0", "qpu1", "qpu2", "qpu3")
    dc.estimate(path, samples=500)
    dc.classical.latency_s("qpu0", "qpu3")
    service = PathService(dc, "chain", path)
    service.start()
    dc.sim.run(until=s_to_ps(0.01))
    refs = {name: weakref.ref(obj) for name, obj in
            (("data center", dc), ("fabric", dc.fabric), ("classical", dc.classical),
             ("service", service))}
    del dc, service
    gc.collect()
    alive = [name for name, ref in refs.items() if ref() is not None]
    assert not alive, alive
