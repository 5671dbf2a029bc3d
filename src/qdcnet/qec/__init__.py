"""Distributed error correction: surface codes split over QPUs, fed by the network.

* :mod:`.surface` builds stim circuits of a rotated surface-code memory cut
  into modules, with Bell pairs across the seams (teleported CNOTs or cat
  states) and separate bulk and seam noise (bulk: a uniform p for threshold
  studies, or per-operation :class:`CircuitNoise` from a platform profile);
* :mod:`.sampling` samples them (seeded stim + pymatching, or sinter) and
  finds where the curves of two distances cross;
* :mod:`.supply` sets the pairs a code needs per cycle against what the
  configured links supply, and studies the pair buffer;
* :mod:`.decoder` times the decoder against each platform's cycle.
"""

from qdcnet.qec.sampling import SeamTask, TaskResult, crossing_points, run_tasks
from qdcnet.qec.surface import (
    LAYOUTS,
    PROTOCOLS,
    CircuitNoise,
    SurfacePatch,
    infidelity_from,
    memory_circuit,
)

__all__ = [
    "LAYOUTS",
    "PROTOCOLS",
    "CircuitNoise",
    "SeamTask",
    "SurfacePatch",
    "TaskResult",
    "crossing_points",
    "infidelity_from",
    "memory_circuit",
    "run_tasks",
]
