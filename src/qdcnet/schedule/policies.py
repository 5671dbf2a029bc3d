"""When each ebit's generation starts: the policies behind one interface.

A policy sees, for one ebit, ``earliest_ps`` (both ends have a free
communication qubit; the qubits are held from generation on), ``need_ps``
(the operation's other inputs are ready) and the pair's supply, and returns
``(gen_ps, ready_ps)``. Every policy here is monotone in both times, and
returns an earlier-or-equal ``ready`` than :class:`JustInTime` for the same
inputs, which is why a schedule under any of them is never longer than
under just-in-time (the scheduler's times are a max-plus function of these).

* :class:`JustInTime`: ask when the operation is ready; the request's
  control-plane overhead comes first, then one pair on one stream (the
  plan's first-pair latency at width 1, set-up included: never below tau).
* :class:`Prefetch`: a standing stream (opened once, its overhead paid at
  the job's start) starts the pair as soon as the communication qubits are
  free, but never so early that it waits past the longest hold that keeps
  its expected fidelity at the target. Where both QPUs have dedicated
  storage (:attr:`PairSupply.has_storage <qdcnet.schedule.supply.PairSupply.has_storage>`)
  and a pair would wait in its communication qubits for longer than the
  move to storage takes, it moves there on arrival (:meth:`Prefetch.place`):
  the communication qubits are free for the next pair once the transfer
  ends, and the storage memories may hold it longer than the communication
  qubits could.
* :class:`Lookahead`: the same stream, but generation aims for the pair to
  arrive exactly when it is needed (``need - tau``), as late as possible
  within the free window: the same operation start times as prefetch
  (in-order binding frees a qubit only at its last use, not at generation),
  with the shortest holds, hence the highest expected fidelity at use.

>>> from qdcnet.schedule.supply import PairSupply
>>> from qdcnet.quantum.bell import BellDiagonal
>>> supply = PairSupply(("a", "b"), BellDiagonal.werner(0.95), tau_ps=100,
...                     request_overhead_ps=30)
>>> JustInTime().times(0, 1000, supply), Prefetch().times(0, 1000, supply)
((1030, 1130), (30, 130))
>>> Lookahead().times(0, 1000, supply)
(900, 1000)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from qdcnet.errors import ParameterError
from qdcnet.schedule.supply import PairSupply

__all__ = ["POLICIES", "EbitPolicy", "JustInTime", "Lookahead", "Prefetch", "get_policy"]


@dataclass(frozen=True)
class EbitPolicy(ABC):
    """The interface: ``times(earliest_ps, need_ps, supply) -> (gen_ps, ready_ps)``."""

    name = "policy"

    @abstractmethod
    def times(self, earliest_ps: int, need_ps: int, supply: PairSupply) -> tuple[int, int]:
        """When generation starts and when the pair is there."""

    def place(self, earliest_ps: int, need_ps: int, supply: PairSupply,
              storage_free_ps: int | None = None) -> tuple[int, int, bool]:
        """``(gen_ps, ready_ps, stored)``: :meth:`times`, and whether the pair moves to storage.

        ``storage_free_ps``: when a storage qubit is free at both ends (None:
        none will be). A stored pair is usable ``supply.transfer_ps`` after
        ``ready_ps``, and its communication qubits are free from then on.
        This policy never stores.
        """
        gen, ready = self.times(earliest_ps, need_ps, supply)
        return gen, ready, False


@dataclass(frozen=True)
class JustInTime(EbitPolicy):
    """One request per ebit when its operation is ready (module docstring)."""

    name = "jit"

    def times(self, earliest_ps: int, need_ps: int, supply: PairSupply) -> tuple[int, int]:
        gen = max(earliest_ps, need_ps + supply.request_overhead_ps)
        return gen, gen + supply.jit_ps


@dataclass(frozen=True)
class Prefetch(EbitPolicy):
    """Generate as soon as the communication qubits allow, within the hold limit."""

    name = "prefetch"
    #: move a pair that would wait in its communication qubits into storage (both
    #: ends need dedicated storage); False: pairs wait in communication qubits only
    storage: bool = True

    def times(self, earliest_ps: int, need_ps: int, supply: PairSupply) -> tuple[int, int]:
        gen = max(earliest_ps, supply.request_overhead_ps,
                  need_ps - supply.tau_ps - supply.hold_max_ps)
        return gen, gen + supply.tau_ps

    def place(self, earliest_ps: int, need_ps: int, supply: PairSupply,
              storage_free_ps: int | None = None) -> tuple[int, int, bool]:
        """Hold in the communication qubits, or move to storage on arrival when that pays.

        The storage option starts generation as early as the communication
        qubits, a free storage qubit at both ends and the storage hold limit
        allow (``need - tau - transfer - hold_max_storage``). It is taken when
        the pair would still wait for its operation once moved
        (``ready + transfer <= need``, ``ready < need``): the operation then
        engages it at ``need``, no later than from the communication qubits,
        so storing never delays an operation; it frees the communication
        qubits at the end of the transfer instead of at the slot's last use;
        and the expected fidelity at use stays at or above the target (the
        time in storage is at most ``hold_max_storage``). The price is the
        transfer's noise, which the target already accounts for.

        >>> from qdcnet.schedule.supply import PairSupply
        >>> from qdcnet.quantum.bell import BellDiagonal
        >>> supply = PairSupply(("a", "b"), BellDiagonal.werner(0.95), tau_ps=100,
        ...                     storage_slots=(1, 1), transfer_ps=10)
        >>> Prefetch().place(0, 1000, supply, storage_free_ps=0)
        (0, 100, True)
        >>> Prefetch().place(0, 105, supply, storage_free_ps=0)   # would wait 5 < 10
        (0, 100, False)
        >>> Prefetch(storage=False).place(0, 1000, supply, storage_free_ps=0)
        (0, 100, False)
        """
        gen, ready = self.times(earliest_ps, need_ps, supply)
        if not self.storage or storage_free_ps is None:
            return gen, ready, False
        hold = supply.hold_max_storage_ps
        if hold is None:
            return gen, ready, False
        tau, transfer = supply.tau_ps, supply.transfer_ps
        # The storage qubits are taken when the transfer starts, at arrival.
        gen_s = max(earliest_ps, supply.request_overhead_ps, need_ps - tau - transfer - hold,
                    storage_free_ps - tau)
        ready_s = gen_s + tau
        # It would wait at least the transfer, so the move delays nothing:
        # max(ready_s + transfer, need) = need <= max(ready, need).
        if ready_s < need_ps and ready_s + transfer <= need_ps:
            return gen_s, ready_s, True
        return gen, ready, False


@dataclass(frozen=True)
class Lookahead(EbitPolicy):
    """Generate so the pair arrives ``margin_ps`` before it is needed (module docstring)."""

    name = "lookahead"
    margin_ps: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.margin_ps, bool) or not isinstance(self.margin_ps, int) \
                or self.margin_ps < 0:
            raise ParameterError("margin_ps", self.margin_ps, "an integer number of ps >= 0")

    def times(self, earliest_ps: int, need_ps: int, supply: PairSupply) -> tuple[int, int]:
        margin = min(self.margin_ps, supply.hold_max_ps)
        gen = max(earliest_ps, supply.request_overhead_ps, need_ps - supply.tau_ps - margin)
        return gen, gen + supply.tau_ps


POLICIES: dict[str, type[EbitPolicy]] = {"jit": JustInTime, "prefetch": Prefetch,
                                         "lookahead": Lookahead}


def get_policy(policy: str | EbitPolicy) -> EbitPolicy:
    """``policy`` itself, or the policy registered under that name."""
    if isinstance(policy, EbitPolicy):
        return policy
    if policy not in POLICIES:
        raise ParameterError("policy", policy, ", ".join(POLICIES))
    return POLICIES[policy]()
