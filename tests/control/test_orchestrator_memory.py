"""The orchestrator's bookkeeping stays bounded (issue 10, finding 7).

Its per-request maps hold entries for requests still queued or serving only;
finished requests are kept in ``handles`` (the record the user asked for)
and nowhere else.
"""

from __future__ import annotations

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import EntanglementRequest, Orchestrator, StockSpec
from qdcnet.network.topology import star
from qdcnet.units import s_to_ps

LONG = {"communication.t2": "200 ms", "memory.t2": "2 s", "qubits.storage": 6}


def test_per_request_maps_hold_only_live_requests():
    dc = build_datacenter(star(4, profile="trapped_ion_oxford", overrides=LONG), seed=3)
    orch = Orchestrator(dc, stock=[StockSpec("qpu0", "qpu1", depth=2, cutoff_s=0.05)])

    def submit(index: int) -> None:
        orch.submit(EntanglementRequest(f"qpu{index % 3 + 1}", "qpu0", num_pairs=1,
                                        name=f"r{index}"))

    for index in range(300):
        dc.sim.schedule(s_to_ps(0.02 * index), submit, index)
    dc.sim.run(until=s_to_ps(8.0))
    live = [h for h in orch.handles if not h.finished]
    finished = len(orch.handles) - len(live)
    assert finished > 290  # the run did serve and finish them
    stock_fillers = 1  # a stock's filler request may be queued or serving at any time
    for owner, name in ((orch.dispatcher, "_resource_keys"), (orch.stock, "fillers"),
                        (orch.dispatcher, "_blocked"), (orch.dispatcher, "serving"),
                        (orch.dispatcher, "_fresh")):
        kept = getattr(owner, name)
        assert len(kept) <= len(live) + stock_fillers, f"{name} holds {len(kept)} entries"
    # The index from resource to blocked requests holds exactly the blocked ones.
    indexed = set().union(*orch.dispatcher._waiting_on.values())
    assert indexed == set(orch.dispatcher._blocked)
