"""The estimator for circuits too large to simulate: a product of per-operation fidelities.

F_est = Π over channels of the identity probability × Π over readouts (1 − flip):

* each gate's depolarizing channel contributes 1 − p (stim's p);
* each idle interval, the identity weight of :func:`~qdcnet.quantum.pauli.memory_pauli`;
* each remote operation, its folded channel's identity weight (the ebit's
  fidelity at use times the local gate and readout terms);
* each measurement, 1 − its readout flip.

It is the probability that *no* error happens anywhere, so it is a lower bound
on the state fidelity of a circuit whose errors never cancel, and it ignores
that many errors do not matter: a Z error before a Z readout, an error that
leaves the state's stabilisers alone. Known failure (issue 13's test): a
remote CNOT from |+>|0> read in Z errs with probability 2(1 − F)/3, the
estimator says 1 − F. Its error against the exact engines is measured in
``benchmarks/bench_engines.py``. No outcomes are sampled.

>>> from qdcnet.runtime.noisy import NoisyCircuit, NoisyOp
>>> c = NoisyCircuit((NoisyOp("pauli", (0,), paulis=(("I", 0.9), ("X", 0.1))),
...                   NoisyOp("measure", (0,), bit="c0", flip=0.02)), (0,), ("c0",), 1)
>>> round(EstimatorEngine().run(c).state_fidelity, 12)
0.882
"""

from __future__ import annotations

import time

import numpy as np

from qdcnet.runtime.engines.base import EngineResult
from qdcnet.runtime.noisy import NoisyCircuit

__all__ = ["EstimatorEngine", "product_of_fidelities"]


def product_of_fidelities(circuit: NoisyCircuit) -> float:
    """F_est: every channel's identity weight times every readout's 1 − flip."""
    estimate = 1.0
    for op in circuit.ops:
        if op.kind == "pauli":
            estimate *= op.identity_probability
        elif op.kind == "measure":
            estimate *= 1.0 - op.flip
    return estimate


class EstimatorEngine:
    """Any size, instant, approximate (see the module docstring)."""

    name = "estimator"

    def run(self, circuit: NoisyCircuit, *, shots: int = 0,
            rng: np.random.Generator | None = None) -> EngineResult:
        started = time.perf_counter()
        return EngineResult(self.name, False, 0, product_of_fidelities(circuit), None,
                            wall_s=time.perf_counter() - started)
