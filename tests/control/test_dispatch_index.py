"""The dispatcher's wake-up index skips only requests that would fail.

A blocked request waits on what blocked it (a node short of communication
qubits, a fibre short of channels, else all of its resources) and is tried
again only when that was released and has enough free. The twin is a
dispatcher that tries every queued request in policy order at every
dispatch: the same grants at the same times must follow, request by request.
"""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import EntanglementRequest, Orchestrator, policy_by_name
from qdcnet.control.dispatcher import Dispatcher
from qdcnet.network.topology import leaf_spine
from qdcnet.units import s_to_ps


class TryEverything(Dispatcher):
    """Every queued request tried at every dispatch (no index)."""

    def _dispatch_now(self) -> None:
        self._pending = False
        self._changed = set()
        self._fresh = set()
        for handle in self.policy.order(list(self.queue.values()), self.sim.now):
            circuits, _ = self._reserve(handle)
            if circuits is not None:
                del self.queue[handle.id]
                self._grant(handle, circuits)


def _serve(dispatcher: type[Dispatcher], policy: str) -> list[tuple]:
    document = leaf_spine(4, 6, spines=2, profile="trapped_ion_oxford", communication_qubits=2,
                          rack_to_spine_m=20.0,
                          overrides={"communication.t2": "200 ms", "memory.t2": "2 s",
                                     "qubits.storage": 4})
    dc = build_datacenter(document, seed=5)
    orchestrator = Orchestrator(dc, policy=policy_by_name(policy))
    orchestrator.dispatcher = dispatcher(orchestrator, orchestrator.dispatcher.policy)
    rng = np.random.default_rng(7)
    qpus = [q.name for q in dc.layout.qpus]
    handles = []

    def submit(i: int) -> None:
        a, b = (qpus[j] for j in rng.choice(len(qpus), 2, replace=False))
        if i % 3 == 0:
            request = EntanglementRequest(a, b, num_pairs=4, priority=i % 4, name=f"n{i}")
        elif i % 3 == 1:
            request = EntanglementRequest(a, b, num_pairs=2, min_fidelity=0.95, deadline_s=2.0,
                                          priority=i % 4, name=f"f{i}")
        else:
            request = EntanglementRequest(a, b, rate_hz=20.0, duration_s=0.2, priority=i % 4,
                                          name=f"r{i}")
        handles.append(orchestrator.submit(request))

    for i in range(240):
        dc.sim.schedule(s_to_ps(0.001 * i), submit, i)
    dc.sim.run(until=s_to_ps(0.6))
    return [(h.name, h.status.value, h.first_grant_ps, h.slices, h.delivered) for h in handles]


@pytest.mark.parametrize("policy", ["priority", "fifo"])
def test_index_grants_what_trying_everything_grants(policy):
    indexed = _serve(Dispatcher, policy)
    assert sum(1 for *_, delivered in indexed if delivered) > 50  # a loaded fabric, served
    assert sum(1 for _, status, *_ in indexed if status == "queued") > 10
    assert indexed == _serve(TryEverything, policy)
