"""An analytic plan is a function of the data center, not of the run's seed (issue 12)."""

from __future__ import annotations

from qdcnet.config.scenario import build_datacenter
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.topology import linear_chain


def test_estimates_do_not_depend_on_the_run_seed():
    document = linear_chain(3, profile="trapped_ion_oxford", spacing_m=50.0,
                            overrides={"qubits.storage": 4})
    path = ("qpu0", "qpu1", "qpu2")
    estimates = [build_datacenter(document, seed=seed).estimate(path, DistillationPlan(1),
                                                                samples=2000)
                 for seed in (1, 2, 12345)]
    assert estimates[0] == estimates[1] == estimates[2]
