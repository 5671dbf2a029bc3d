"""The default path joins pairs lazily; it must be the step-by-step path, draw for draw.

With the default strategy a relay never builds the pair a swap makes: the
span keeps a :class:`~qdcnet.quantum.PairChain` and the end-to-end pair is
built once. The twin is the same service forced onto the general path, which
swaps pair records one at a time (``_deferred = False``). Same seed, same
scenario: the same pairs at the same picoseconds, fidelities equal to
rounding, with memories that decay in T1 and T2, jittered classical
channels, end-to-end distillation and a request that stops after N pairs.
"""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.network import PathService
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.topology import linear_chain
from qdcnet.units import s_to_ps


def _chain(num_nodes: int, *, storage: int = 0, jitter: str | None = None) -> dict:
    overrides = {"communication.wavelength": "1550 nm", "communication.t2": "20 ms",
                 "communication.t1": "300 ms"}
    if storage:
        overrides["qubits.storage"] = storage
    document = linear_chain(num_nodes, profile="trapped_ion_oxford", spacing_m=1000.0,
                            communication_qubits=8, overrides=overrides)
    if jitter is not None:
        document["classical"] = {"jitter": jitter}
    return document


def _run(document: dict, deferred: bool, duration_s: float, **service_args):
    num_nodes = len(document["qpus"])
    dc = build_datacenter(document, seed=11)
    service = PathService(dc, "twin", tuple(f"qpu{i}" for i in range(num_nodes)),
                          **service_args)
    assert service._deferred  # the default strategy on a path with relays
    service._deferred = deferred
    service.start()
    dc.sim.run(until=s_to_ps(duration_s))
    return service.stats


@pytest.mark.parametrize(("num_nodes", "options", "service_args"), [
    (6, {}, {}),
    (3, {}, {}),
    (7, {"jitter": "3 us"}, {}),
    (4, {"storage": 6, "jitter": "1 us"}, {"distillation": DistillationPlan(rounds=1)}),
    (5, {}, {"pairs": 40}),
])
def test_lazy_joins_equal_step_by_step_swaps(num_nodes, options, service_args):
    document = _chain(num_nodes, **options)
    lazy = _run(document, True, 0.4, **service_args)
    eager = _run(document, False, 0.4, **service_args)
    assert lazy.delivered > 10
    assert lazy.delivery_ps == eager.delivery_ps
    assert lazy.fidelities == pytest.approx(eager.fidelities, abs=1e-12)
    assert (lazy.raw_pairs, lazy.distillations, lazy.distillation_failures) == (
        eager.raw_pairs, eager.distillations, eager.distillation_failures)
    if "pairs" in service_args:
        assert lazy.delivered == service_args["pairs"]
