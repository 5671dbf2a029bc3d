"""Lower bounds on any schedule of a program, and what binds.

* **critical path**: the longest chain of instructions with instant ebits and
  free communication qubits (:meth:`ProgramTiming.critical_path_ps`);
* **per QPU pair**: ``n_AB * tau_AB / w_AB``; each of the ``n_AB`` ebits holds
  a communication qubit at both ends for at least one generation time
  ``tau_AB``, and at most ``w_AB = min(comm_A, comm_B)`` can be generating at
  once;
* **per QPU**: ``sum_B n_AB * tau_AB / comm_A``, the same summed over A's partners.

A schedule's total time over the largest bound (:attr:`Schedule.ratio`) says
how far from optimal it can be at most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from qdcnet.schedule.result import LowerBounds
from qdcnet.schedule.supply import PairSupply
from qdcnet.schedule.timing import ProgramTiming

__all__ = ["lower_bounds"]


def lower_bounds(timing: ProgramTiming, supplies: Mapping[tuple[str, str], PairSupply],
                 comm: Mapping[str, int], *, shots: int = 1) -> LowerBounds:
    """The bounds for ``shots`` shots of ``timing``'s program with ``comm`` qubits per QPU."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for e in timing.ebits:
        a, b = e.qpus
        counts[(a, b) if a <= b else (b, a)] += shots
    per_pair: dict[tuple[str, str], int] = {}
    per_qpu: dict[str, int] = defaultdict(int)
    work: dict[str, int] = defaultdict(int)
    for (a, b), n in sorted(counts.items()):
        tau = supplies[(a, b)].tau_ps
        per_pair[(a, b)] = n * tau // max(1, min(comm[a], comm[b]))
        work[a] += n * tau
        work[b] += n * tau
    for name, total in sorted(work.items()):
        per_qpu[name] = total // max(1, comm[name])
    return LowerBounds(timing.critical_path_ps(), per_pair, dict(per_qpu))
