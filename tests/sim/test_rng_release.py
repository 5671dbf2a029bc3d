"""Streams of finished services are let go without changing a number drawn.

The twin: the same workload on a simulator whose ``release_rng`` keeps every
generator (as before releasing existed) gives the same pairs at the same
times, request by request, including requests a client named alike (each
slice has streams of its own). The release bounds what a long run holds:
after the requests end, nothing of their streams is left, not even a
position.
"""

from __future__ import annotations

import numpy as np

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import EntanglementRequest, Orchestrator
from qdcnet.network.topology import star
from qdcnet.sim.kernel import Simulator


def _serve() -> tuple[list[tuple[str, int, float]], Simulator]:
    dc = build_datacenter(star(4, profile="trapped_ion_oxford"), seed=9)
    orchestrator = Orchestrator(dc, keep_handles=False)
    pairs: list[tuple[str, int, float]] = []
    rng = np.random.default_rng(4)
    for i in range(60):
        a, b = rng.choice(4, 2, replace=False)
        # Every third request reuses one name: those share their streams.
        name = "shared" if i % 3 == 0 else ""
        request = EntanglementRequest(f"qpu{a}", f"qpu{b}", num_pairs=3, name=name)
        dc.sim.schedule(int(i * 2e10), lambda r=request, i=i: orchestrator.submit(
            r, on_pair=lambda p, i=i: pairs.append((p.end_a.node, i, dc.sim.now))))
    dc.sim.run(until=int(60e12))
    return pairs, dc.sim


def test_releasing_streams_changes_no_pair(monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(Simulator, "release_rng", lambda self, *names, **how: None)
        kept, _ = _serve()
    released, sim = _serve()
    assert len(kept) == 180
    assert released == kept
    # Nothing of the finished services' is left: only the streams that live on.
    assert not [name for name in sim._rngs if name.startswith(("service/", "link/"))]
    assert not sim._holders
    assert not sim._retired


def test_a_released_stream_continues_where_it_stood():
    a, b = Simulator(seed=1), Simulator(seed=1)
    first = a.rng("s").random(7)
    np.testing.assert_array_equal(b.acquire_rng("s").random(7), first)
    b.acquire_rng("s")  # a second holder: releasing once keeps it
    b.release_rng("s")
    assert "s" in b._rngs
    b.release_rng("s")
    assert "s" not in b._rngs
    np.testing.assert_array_equal(b.rng("s").random(5), a.rng("s").random(5))
