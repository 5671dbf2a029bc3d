"""Distributed error correction: surface codes split over QPUs, fed by the network.

* :mod:`.surface` builds stim circuits of a rotated surface-code memory cut
  into modules, with Bell pairs across the seams (teleported CNOTs or cat
  states) and separate bulk and seam noise;
* :mod:`.sampling` samples them (seeded stim + pymatching, or sinter) and
  finds where the curves of two distances cross;
* :mod:`.supply` sets the pairs a code needs per cycle against what the
  configured links supply, and studies the pair buffer;
* :mod:`.decoder` times the decoder against each platform's cycle.
"""

from qdcnet.qec.sampling import SeamTask, TaskResult, crossing_points, run_tasks
from qdcnet.qec.surface import LAYOUTS, PROTOCOLS, SurfacePatch, infidelity_from, memory_circuit

__all__ = [
    "LAYOUTS",
    "PROTOCOLS",
    "SeamTask",
    "SurfacePatch",
    "TaskResult",
    "crossing_points",
    "infidelity_from",
    "memory_circuit",
    "run_tasks",
]
