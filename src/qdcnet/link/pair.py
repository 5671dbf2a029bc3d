"""Entanglement as a resource with identity: the :class:`EntangledPair` record.

A pair is created by a link (or by swapping or distillation further up), is
held in two memory slots, and is used exactly once. Its state is stored as it
was at ``state_time_ps`` before the pending Pauli-frame correction; reading it
ages each end in that end's memory up to the moment asked for and applies the
correction. Aging is exact however it is split, so a pair is only aged when
someone looks at it.

Examples
--------
>>> from qdcnet.hardware import QuantumMemory
>>> from qdcnet.quantum import BellDiagonal
>>> memory = QuantumMemory(t1_s=float("inf"), t2_s=10e-3)
>>> pair = EntangledPair(
...     id=1, end_a=Endpoint("qpu0", 0), end_b=Endpoint("qpu1", 0),
...     learned_a_ps=1_000, learned_b_ps=2_000,
...     state=BellDiagonal.werner(0.95).apply_frame(1), state_time_ps=0,
...     pending_frame=1, memory_a=memory, memory_b=memory)
>>> round(pair.fidelity_at(2_000), 6)
0.95
>>> state = pair.consume(1_000_000_000)  # 1 ms later
>>> round(state.fidelity, 4)
0.8654
>>> pair.consume(1_000_000_000)
Traceback (most recent call last):
...
qdcnet.link.pair.PairUsedError: pair 1 (qpu0[0]-qpu1[0]) was already consumed at t = 1 ms
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.quantum import BellDiagonal, PairState
from qdcnet.quantum.pauli import decay_rates
from qdcnet.units import PS_PER_S, format_duration

__all__ = ["Endpoint", "EntangledPair", "PairStatus", "PairUsedError"]


class PairUsedError(QdcnetError):
    """A pair was consumed or discarded already (a pair is used exactly once)."""


class PairStatus(StrEnum):
    LIVE = "live"
    CONSUMED = "consumed"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a pair: a node and the memory slot that holds the qubit."""

    node: str
    slot: int

    def __str__(self) -> str:
        return f"{self.node}[{self.slot}]"


@dataclass(eq=False, slots=True)
class EntangledPair:
    """An entangled pair between two memory slots, usable once.

    Attributes
    ----------
    id
        Unique within a simulation.
    end_a, end_b
        Where the two qubits are held.
    learned_a_ps, learned_b_ps
        When each end learned that the pair exists (heralds reach the two
        ends at different times). The pair is ready when both know.
    state
        The state at ``state_time_ps``, before the pending correction.
    pending_frame
        Pauli (0..3 for I, X, Y, Z) that end B still has to apply (or track);
        reading the state applies it.
    memory_a, memory_b
        The memories holding each end: each ages with its own T1 and T2.
    request
        The request this pair serves, if any (set by whoever allocates it).
    herald_true
        Diagnostic only: ``False`` for a pair announced by a false herald
        (dark count, noise photon). Nothing physical can read it.
    """

    id: int
    end_a: Endpoint
    end_b: Endpoint
    learned_a_ps: int
    learned_b_ps: int
    state: PairState
    state_time_ps: int
    pending_frame: int
    memory_a: QuantumMemory
    memory_b: QuantumMemory
    request: Any = None
    herald_true: bool = True
    status: PairStatus = PairStatus.LIVE
    ended_ps: int | None = None
    discard_reason: str | None = field(default=None)

    @property
    def ready_ps(self) -> int:
        """The time both ends know of the pair."""
        return max(self.learned_a_ps, self.learned_b_ps)

    @property
    def is_live(self) -> bool:
        return self.status is PairStatus.LIVE

    def age_s(self, now_ps: int) -> float:
        """Time since the state's reference time, in seconds."""
        return (now_ps - self.state_time_ps) / PS_PER_S

    def state_at(self, now_ps: int) -> PairState:
        """The corrected state each end would hold at ``now_ps`` (does not consume)."""
        if now_ps < self.state_time_ps:
            raise ParameterError(
                "now_ps", now_ps, f"[{self.state_time_ps}, inf) (the pair's state time)"
            )
        state = self.state
        duration = (now_ps - self.state_time_ps) / PS_PER_S
        a, b = self.memory_a, self.memory_b
        if isinstance(state, BellDiagonal):
            if self.pending_frame:
                state = state.apply_frame(self.pending_frame)
            if duration > 0.0:
                # Unpacked, not starred: this runs on every read of a pair.
                rate_t1, rate_t2 = decay_rates(a, b)
                state = state.age(duration, rate_t1, rate_t2)
            return state
        # A density-matrix pair: the qubits decay as they physically are, and
        # the correction (a Pauli on end B) applies to the aged state; the
        # order matters for untwirled amplitude damping.
        if duration > 0.0:
            state = state.decohere(duration, t1_s=a.t1_s, t2_s=a.t2_s, qubit=0)
            state = state.decohere(duration, t1_s=b.t1_s, t2_s=b.t2_s, qubit=1)
        if self.pending_frame:
            from qdcnet.quantum.density import GATES

            gate = {1: "X", 2: "Y", 3: "Z"}[self.pending_frame]
            state = state.apply_unitary(GATES[gate], [1])  # type: ignore[attr-defined]
        return state

    def fidelity_at(self, now_ps: int) -> float:
        return self.state_at(now_ps).fidelity

    def _end(self, now_ps: int, status: PairStatus) -> None:
        if self.status is not PairStatus.LIVE:
            raise PairUsedError(
                f"pair {self.id} ({self.end_a}-{self.end_b}) was already {self.status.value} "
                f"at t = {format_duration(self.ended_ps or 0)}"
            )
        self.status = status
        self.ended_ps = now_ps

    def consume(self, now_ps: int) -> PairState:
        """Use the pair: returns its corrected state aged to ``now_ps``. Once only."""
        if self.status is PairStatus.LIVE and now_ps < self.ready_ps:
            raise ParameterError(
                "now_ps", now_ps,
                f"[{self.ready_ps}, inf): both ends learn of pair {self.id} only at "
                f"{format_duration(self.ready_ps)}",
            )
        self._end(now_ps, PairStatus.CONSUMED)
        return self.state_at(now_ps)

    def consume_raw(self, now_ps: int) -> tuple[PairState, int, int]:
        """Use the pair without reading it: its stored state, pending frame and state time.

        For a caller that ages the state exactly later (a path joining pairs
        lazily, :class:`~qdcnet.quantum.PairChain`). Once only, like :meth:`consume`.
        """
        # Once per link pair on a path: the checks of consume() without its calls.
        if self.status is not PairStatus.LIVE:
            self._end(now_ps, PairStatus.CONSUMED)  # raises PairUsedError
        if now_ps < self.learned_a_ps or now_ps < self.learned_b_ps:
            raise ParameterError(
                "now_ps", now_ps,
                f"[{self.ready_ps}, inf): both ends learn of pair {self.id} only at "
                f"{format_duration(self.ready_ps)}",
            )
        self.status = PairStatus.CONSUMED
        self.ended_ps = now_ps
        return self.state, self.pending_frame, self.state_time_ps

    def discard(self, now_ps: int, reason: str) -> None:
        """Drop the pair (cutoff, low fidelity, request ended). Once only."""
        self._end(now_ps, PairStatus.DISCARDED)
        self.discard_reason = reason

    def hand_over(self, now_ps: int) -> EntangledPair:
        """Give the pair to another owner: returns a live copy, marks this record used.

        A link keeps its own record to know which qubits to free; the layer
        above works on the copy (swaps it, stores it, consumes it).
        """
        copy = EntangledPair(self.id, self.end_a, self.end_b, self.learned_a_ps,
                             self.learned_b_ps, self.state, self.state_time_ps,
                             self.pending_frame, self.memory_a, self.memory_b, self.request,
                             self.herald_true)
        self._end(now_ps, PairStatus.CONSUMED)
        return copy

    def move_end(self, now_ps: int, *, node: str, slot: int, memory: QuantumMemory,
                 depolarizing: float = 0.0) -> None:
        """Move the qubit at ``node`` to another slot and memory (e.g. comm -> storage).

        The state is aged to ``now_ps`` and corrected first; the move adds
        one-qubit depolarising noise with probability ``depolarizing`` (X, Y,
        Z each a third) to that end.
        """
        if self.status is not PairStatus.LIVE:
            raise PairUsedError(f"pair {self.id} is {self.status.value}: nothing to move")
        if node not in (self.end_a.node, self.end_b.node):
            raise ParameterError("node", node, f"{self.end_a.node} or {self.end_b.node}")
        state = self.state_at(now_ps)
        qubit = 0 if self.end_a.node == node else 1
        if depolarizing:
            state = state.depolarize_qubit(depolarizing, qubit=qubit)
        self.state, self.pending_frame, self.state_time_ps = state, 0, now_ps
        if qubit == 0:
            self.end_a, self.memory_a = Endpoint(node, slot), memory
        else:
            self.end_b, self.memory_b = Endpoint(node, slot), memory

    def apply_pauli_frame(self, pauli_index: int) -> None:
        """Fold a further known Pauli into the pending correction (e.g. after a swap)."""
        if pauli_index not in (0, 1, 2, 3):
            raise ParameterError("pauli_index", pauli_index, "0, 1, 2 or 3 (I, X, Y, Z)")
        self.pending_frame ^= pauli_index

    def __repr__(self) -> str:
        return (f"EntangledPair(id={self.id}, {self.end_a}-{self.end_b}, "
                f"ready={format_duration(self.ready_ps)}, status={self.status.value})")
