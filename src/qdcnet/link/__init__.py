"""Heralded entanglement on one segment: specification, analytic model, event simulation.

- :mod:`qdcnet.link.spec` — what a segment is made of (ends, optical paths,
  a BSM station or a pair source) for the single-click, two-click and
  midpoint-source schemes;
- :class:`LinkModel` — closed-form figures: success probability, attempt
  period, rate, time-to-pair distribution, delivered fidelity, distillable
  rate, capacity bound;
- :class:`LinkSimulation` — the same segment on the event kernel, with
  attempt skipping, multiplexing, cutoffs and demand;
- :class:`EntangledPair` — the record of one delivered pair.
"""

from qdcnet.link.model import DemandFigures, HeraldOutcomes, LinkModel, plob_bound
from qdcnet.link.pair import Endpoint, EntangledPair, PairStatus, PairUsedError
from qdcnet.link.process import LinkSimulation, LinkStats
from qdcnet.link.spec import (
    AbsorberEnd,
    DutyCycle,
    EmitterEnd,
    LinkSpec,
    MidpointSourceLink,
    OpticalPath,
    SingleClickLink,
    TwoClickLink,
)

__all__ = [
    "AbsorberEnd",
    "DemandFigures",
    "DutyCycle",
    "EmitterEnd",
    "Endpoint",
    "EntangledPair",
    "HeraldOutcomes",
    "LinkModel",
    "LinkSimulation",
    "LinkSpec",
    "LinkStats",
    "MidpointSourceLink",
    "OpticalPath",
    "PairStatus",
    "PairUsedError",
    "SingleClickLink",
    "TwoClickLink",
    "plob_bound",
]
