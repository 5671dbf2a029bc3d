"""Discrete-event kernel: integer-picosecond clock, named random streams, trace hook.

See :class:`Simulator` for the callback core and :mod:`qdcnet.sim.process`
for generator processes.
"""

from qdcnet.sim.kernel import Handle, Simulator, TraceHook, TraceRecord, stream_seed_sequence
from qdcnet.sim.process import Interrupt, Process, Signal, Timeout, any_of

__all__ = [
    "Handle",
    "Interrupt",
    "Process",
    "Signal",
    "Simulator",
    "Timeout",
    "TraceHook",
    "TraceRecord",
    "any_of",
    "stream_seed_sequence",
]
