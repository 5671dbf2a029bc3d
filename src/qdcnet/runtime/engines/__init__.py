"""Engines that turn a :class:`~qdcnet.runtime.noisy.NoisyCircuit` into fidelity and outcomes.

=============  ======================================  =====================================
engine         takes                                   gives
=============  ======================================  =====================================
density        <= 13 live qubits (exact)               exact fidelity, distribution, TVD
trajectories   <= 24 live qubits                       fidelity ± SE, counts
stim           Clifford circuits, any size             fidelity ± SE (uncompute), counts
estimator      anything                                product of per-operation fidelities
=============  ======================================  =====================================

:func:`choose_engine` picks the first that fits, in that order of preference
(exact first, then the cheapest sampled one); :func:`run_engine` runs it.
Mid-circuit outcomes that feed conditions come from the same simulation.

>>> from qdcnet.runtime.noisy import NoisyCircuit
>>> choose_engine(NoisyCircuit((), (), (), 30)).name
'stim'
"""

from __future__ import annotations

import numpy as np

from qdcnet.errors import ParameterError
from qdcnet.runtime.engines.base import EngineLimit, EngineResult, total_variation
from qdcnet.runtime.engines.density import DENSITY_MAX_LIVE, DensityEngine
from qdcnet.runtime.engines.estimator import EstimatorEngine, product_of_fidelities
from qdcnet.runtime.engines.stim_engine import (
    NotClifford,
    StimEngine,
    is_clifford,
    stim_supports,
)
from qdcnet.runtime.engines.trajectories import TRAJECTORY_MAX_LIVE, TrajectoryEngine
from qdcnet.runtime.noisy import NoisyCircuit

__all__ = ["DENSITY_MAX_LIVE", "ENGINES", "TRAJECTORY_MAX_LIVE", "DensityEngine", "EngineLimit",
           "EngineResult", "EstimatorEngine", "NotClifford", "StimEngine", "TrajectoryEngine",
           "choose_engine", "is_clifford", "product_of_fidelities", "run_engine",
           "stim_supports", "total_variation"]

ENGINES = ("auto", "density", "trajectories", "stim", "estimator")

Engine = DensityEngine | TrajectoryEngine | StimEngine | EstimatorEngine


def choose_engine(circuit: NoisyCircuit, requested: str = "auto", *,
                  density_max_live: int = DENSITY_MAX_LIVE,
                  trajectory_max_live: int = TRAJECTORY_MAX_LIVE) -> Engine:
    """The engine for ``circuit``: ``requested``, or with ``"auto"`` the first that fits.

    ``auto``: density when at most ``density_max_live`` qubits are live at once,
    else stim when every gate is Clifford and every classically controlled operation
    a one-bit Pauli correction,
    else trajectories up to ``trajectory_max_live``, else the estimator. A
    requested engine that cannot take the circuit raises
    :class:`~qdcnet.runtime.engines.base.EngineLimit` when it runs.
    """
    if requested not in ENGINES:
        raise ParameterError("engine", requested, ", ".join(ENGINES))
    if requested == "density":
        return DensityEngine(max_live=density_max_live)
    if requested == "trajectories":
        return TrajectoryEngine(max_live=trajectory_max_live)
    if requested == "stim":
        return StimEngine()
    if requested == "estimator":
        return EstimatorEngine()
    if circuit.max_live <= density_max_live:
        return DensityEngine(max_live=density_max_live)
    if stim_supports(circuit):
        return StimEngine()
    if circuit.max_live <= trajectory_max_live:
        return TrajectoryEngine(max_live=trajectory_max_live)
    return EstimatorEngine()


def run_engine(circuit: NoisyCircuit, *, engine: str = "auto", shots: int = 1000,
               rng: np.random.Generator | None = None) -> EngineResult:
    """Run the chosen engine; with ``auto``, density falls back to trajectories on too many
    measurement branches."""
    chosen = choose_engine(circuit, engine)
    try:
        return chosen.run(circuit, shots=shots, rng=rng)
    except EngineLimit:
        if engine != "auto" or not isinstance(chosen, DensityEngine):
            raise
        return TrajectoryEngine().run(circuit, shots=shots, rng=rng)
