"""CompileTarget.from_datacenter: ebit distances weighted by each link's rate."""

from __future__ import annotations

from qdcnet.cli.demo import scenario_document
from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.target import SLOW_LINK_WEIGHT
from qdcnet.config.scenario import build_datacenter
from qdcnet.network.topology import ring


def test_alike_links_count_hops():
    dc = build_datacenter(ring(4, profile="trapped_ion", overrides={"qubits.data": 2}), seed=1)
    target = CompileTarget.from_datacenter(dc)
    # In a ring of four, neighbours are one link apart and opposite QPUs two.
    assert sorted(target.distance[0]) == [0, 1, 1, 2]


def test_a_link_thousands_of_times_slower_weighs_the_most_and_is_avoided():
    dc = build_datacenter(scenario_document())
    target = CompileTarget.from_datacenter(dc)
    names = [q.name for q in target.qpus]
    sc = names.index("sc")
    rates = {(a, b): dc.fabric.model(a, b).rate_hz for a in names for b in names if a < b}
    assert max(rates.values()) / min(rates.values()) > SLOW_LINK_WEIGHT
    for j, name in enumerate(names):
        if name != "sc":
            assert target.distance[sc][j] == SLOW_LINK_WEIGHT
            assert target.distance[j][sc] == SLOW_LINK_WEIGHT
    optical = [i for i, name in enumerate(names) if name != "sc"]
    assert all(target.distance[i][j] == 1 for i in optical for j in optical if i != j)
    # A 12-qubit GHZ fits the three optical QPUs (6 + 6 + 4): no ebit crosses the slow links.
    chain = "".join(f"cx q[{i}],q[{i + 1}]; " for i in range(11))
    program = compile_circuit(f'OPENQASM 2.0; include "qelib1.inc"; qreg q[12]; h q[0]; {chain}',
                              target, seed=1).program
    assert program.ebits_by_pair()
    assert all("sc" not in pair for pair in program.ebits_by_pair())
