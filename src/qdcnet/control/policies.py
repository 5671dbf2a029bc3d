"""Scheduling policies: which waiting request the fabric serves next.

A policy is small: it orders the queue of admitted requests, and says
whether a request that holds the fabric must yield after a time slice (so
that others waiting for the same resources get their turn). The
orchestrator walks the queue in the policy's order and starts every request
whose resources are free (work conserving: a blocked request does not stop
those behind it).

Write your own by subclassing :class:`Policy`:

>>> class ShortestFirst(Policy):
...     name = "shortest-first"
...     def key(self, handle, now_ps):
...         return (handle.remaining, handle.submitted_ps)
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["FIFO", "POLICIES", "EarliestDeadlineFirst", "Policy", "StrictPriority",
           "WeightedFairShare", "policy_by_name"]


class Policy:
    """Base policy: first come, first served, no time slicing.

    Attributes
    ----------
    name
        Shown in reports.
    quantum_s
        If set, a serving request gives its resources back after this long
        when another queued request needs them, and rejoins the queue.
    """

    name = "fifo"
    quantum_s: float | None = None

    def key(self, handle: Any, now_ps: int) -> tuple[Any, ...]:
        """Sort key; smaller is served first."""
        return (handle.submitted_ps, handle.id)

    def order(self, queue: list[Any], now_ps: int) -> list[Any]:
        return sorted(queue, key=lambda h: self.key(h, now_ps))

    def served(self, handle: Any, duration_ps: int) -> None:
        """Called when a request stops holding the fabric after ``duration_ps``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class FIFO(Policy):
    """First come, first served."""

    name = "fifo"


class EarliestDeadlineFirst(Policy):
    """Earliest deadline first; requests without a deadline last, then FIFO."""

    name = "edf"

    def key(self, handle: Any, now_ps: int) -> tuple[Any, ...]:
        deadline = handle.request.deadline_s
        return (math.inf if deadline is None else deadline, handle.submitted_ps, handle.id)


class StrictPriority(Policy):
    """Highest priority first (larger number), FIFO within a priority."""

    name = "priority"

    def key(self, handle: Any, now_ps: int) -> tuple[Any, ...]:
        return (-handle.request.priority, handle.submitted_ps, handle.id)


class WeightedFairShare(Policy):
    """Least service per unit weight first, in time slices of ``quantum_s``.

    Each request accumulates the time it held the fabric; divided by its
    weight, the smallest goes first. Slices keep a long request from holding
    contended resources while others wait.
    """

    name = "fair-share"

    def __init__(self, quantum_s: float = 0.05) -> None:
        if not quantum_s > 0:
            raise ValueError(f"quantum_s = {quantum_s!r} must be > 0")
        self.quantum_s = quantum_s
        self._served: dict[int, int] = {}

    def key(self, handle: Any, now_ps: int) -> tuple[Any, ...]:
        return (self._served.get(handle.id, 0) / handle.request.weight, handle.submitted_ps,
                handle.id)

    def served(self, handle: Any, duration_ps: int) -> None:
        self._served[handle.id] = self._served.get(handle.id, 0) + duration_ps

    def __repr__(self) -> str:
        return f"WeightedFairShare(quantum_s={self.quantum_s})"


POLICIES = {"fifo": FIFO, "edf": EarliestDeadlineFirst, "priority": StrictPriority,
            "fair-share": WeightedFairShare}


def policy_by_name(name: str, **options: Any) -> Policy:
    """A policy from its name (fifo, edf, priority, fair-share)."""
    from qdcnet.errors import ParameterError

    if name not in POLICIES:
        raise ParameterError("policy", name, ", ".join(POLICIES))
    return POLICIES[name](**options)
