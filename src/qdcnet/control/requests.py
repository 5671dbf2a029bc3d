"""Entanglement requests with quality of service, and the handles that follow them.

An :class:`EntanglementRequest` says what an application wants: pairs
between two nodes (a number, or a rate for a duration), the fidelity each
delivered pair must have at delivery, an absolute deadline, a priority
(larger is more urgent) and a weight for fair sharing. It is validated when
it is built: a bad request fails before it reaches the orchestrator.

:meth:`~qdcnet.control.orchestrator.Orchestrator.submit` returns a
:class:`RequestHandle`: its callbacks ``on_pair`` (or ``on_lease``, for pairs
the consumer holds until it releases them) and ``on_done`` fire while the
simulation runs, ``cancel()`` withdraws it, and its fields record what
happened (the plan or the refusal, times, fidelities, resources held).
Times given in seconds are kept in the kernel's integer picoseconds too
(``deadline_ps``, ``duration_ps``).

Examples
--------
>>> EntanglementRequest("qpu0", "qpu1", num_pairs=10, min_fidelity=0.9)
EntanglementRequest(qpu0 -> qpu1, 10 pairs, F >= 0.9)
>>> EntanglementRequest("qpu0", "qpu1", rate_hz=100.0)
Traceback (most recent call last):
...
qdcnet.errors.ParameterError: duration_s = None is out of range: ... (a rate needs a duration: ...)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from qdcnet.errors import ParameterError, check_range
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.strategies import Strategy
from qdcnet.sim.statistics import standard_error
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.control.lease import PairLease
    from qdcnet.link.pair import EntangledPair
    from qdcnet.network.paths import PathEstimate

__all__ = ["NO_DISTILLATION", "EntanglementRequest", "Plan", "RequestHandle", "RequestStatus"]

#: The plan of a request served without distillation.
NO_DISTILLATION = DistillationPlan(rounds=0)


@dataclass(frozen=True)
class EntanglementRequest:
    """What an application asks of the network.

    Parameters
    ----------
    src, dst
        The two nodes (QPUs or memory banks).
    num_pairs
        Deliver this many pairs; or give ``rate_hz`` and ``duration_s``.
    min_fidelity
        Fidelity each pair must have when it is delivered, in (0.25, 1].
    deadline_s
        Absolute simulation time (seconds) by which the request must be
        complete.
    priority
        Larger is more urgent (used by the strict-priority policy).
    weight
        Share of the fabric under weighted fair sharing.
    path
        Pin the path: admission then only considers this one.
    strategy
        Pin how the relays build the pairs (:class:`~qdcnet.network.strategies.Strategy`);
        without it admission may choose another than the default when that
        serves the fidelity at a higher rate.
    distillation
        Pin the distillation (protocol, mode and rounds; 0 rounds pins none).
        Without it admission chooses 0 to ``max_rounds`` DEJMPS recurrence
        rounds, the fewest that meet ``min_fidelity``.
    streams
        The most communication qubits the request may hold at each end of
        each segment (its *width*); ``None``: as many as the ends have, split
        among the request's segments. A width lets two requests share a node:
        with two communication qubits, ``qpu0 -> qpu1`` and ``qpu0 -> qpu2``
        of width 1 are served at once. The plan's estimate is made at this
        width.
    tenant
        Who asked: the dispatcher holds a tenant's requests to its pairs-per-second
        quota (:meth:`~qdcnet.control.dispatcher.Dispatcher.set_quota`), if it has one.

    Without ``num_pairs`` and ``rate_hz`` the request is *open-ended*: it is
    served until it is cancelled or the run ends, and has no amount (so no
    deadline) to meet.
    """

    src: str
    dst: str
    num_pairs: int | None = None
    rate_hz: float | None = None
    duration_s: float | None = None
    min_fidelity: float | None = None
    deadline_s: float | None = None
    priority: int = 0
    weight: float = 1.0
    name: str = ""
    path: tuple[str, ...] | None = None
    distillation: DistillationPlan | None = None
    streams: int | None = None
    strategy: Strategy | None = None
    tenant: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.src, str) or not isinstance(self.dst, str) or not self.src \
                or not self.dst:
            raise ParameterError("src, dst", (self.src, self.dst), "two node names")
        if self.src == self.dst:
            raise ParameterError("dst", self.dst, f"a node other than src {self.src!r}")
        if self.num_pairs is not None and (isinstance(self.num_pairs, bool)
                                           or not isinstance(self.num_pairs, int)
                                           or self.num_pairs < 1):
            raise ParameterError("num_pairs", self.num_pairs, "an integer >= 1")
        if self.rate_hz is not None:
            check_range("rate_hz", self.rate_hz, 0.0, low_open=True)
            if self.duration_s is None:
                raise ParameterError("duration_s", None, "a duration in (0, inf) s",
                                     "a rate needs a duration: how long to serve it")
        if self.duration_s is not None:
            check_range("duration_s", self.duration_s, 0.0, low_open=True)
        if self.min_fidelity is not None:
            check_range("min_fidelity", self.min_fidelity, 0.25, 1.0, low_open=True,
                        reason="a fidelity of 1/4 or less needs no entanglement")
        if self.deadline_s is not None:
            check_range("deadline_s", self.deadline_s, 0.0, low_open=True)
            if self.open_ended:
                raise ParameterError("deadline_s", self.deadline_s, "None for an open-ended "
                                     "request", "a deadline needs an amount: give num_pairs "
                                     "or rate_hz with duration_s")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise ParameterError("priority", self.priority, "an integer (larger is more urgent)")
        check_range("weight", self.weight, 0.0, low_open=True)
        if self.path is not None:
            path = tuple(self.path)
            object.__setattr__(self, "path", path)
            if len(path) < 2 or path[0] != self.src or path[-1] != self.dst:
                raise ParameterError("path", path, f"nodes from {self.src} to {self.dst}")
        if self.strategy is not None and not isinstance(self.strategy, Strategy):
            raise ParameterError("strategy", self.strategy,
                                 "a Strategy (swap order, pairing, cutoff, nesting) or None")
        if self.distillation is not None and not isinstance(self.distillation,
                                                            DistillationPlan):
            raise ParameterError("distillation", self.distillation,
                                 "a DistillationPlan (protocol, mode, rounds) or None")
        if self.streams is not None and (isinstance(self.streams, bool)
                                         or not isinstance(self.streams, int)
                                         or self.streams < 1):
            raise ParameterError("streams", self.streams, "an integer >= 1 or None",
                                 "the most communication qubits the request may hold at "
                                 "each end")
        # The kernel's integer picoseconds, converted once here at the edge (a
        # time it cannot hold fails now, naming the field).
        object.__setattr__(self, "_deadline_ps", None if self.deadline_s is None
                           else s_to_ps(self.deadline_s, name="deadline_s"))
        object.__setattr__(self, "_duration_ps", None if self.duration_s is None
                           else s_to_ps(self.duration_s, name="duration_s"))

    @property
    def deadline_ps(self) -> int | None:
        """The deadline in the kernel's integer picoseconds (``None``: none).

        >>> EntanglementRequest("q0", "q1", num_pairs=2, deadline_s=0.25).deadline_ps
        250000000000
        """
        return self._deadline_ps  # type: ignore[attr-defined,no-any-return]

    @property
    def duration_ps(self) -> int | None:
        """A rate's window in integer picoseconds (``None``: no rate)."""
        return self._duration_ps  # type: ignore[attr-defined,no-any-return]

    @property
    def open_ended(self) -> bool:
        """Served until cancelled or the run ends: no number of pairs, no rate."""
        return self.num_pairs is None and self.rate_hz is None

    @property
    def pairs_wanted(self) -> int | None:
        """Pairs the request asks for (a rate asks for rate × duration; open-ended: None)."""
        if self.num_pairs is not None:
            return self.num_pairs
        if self.rate_hz is None:
            return None
        return max(1, math.ceil((self.rate_hz or 0.0) * (self.duration_s or 0.0)))

    def __repr__(self) -> str:
        amount = (f"{self.num_pairs} pairs" if self.num_pairs is not None
                  else "open-ended" if self.rate_hz is None
                  else f"{self.rate_hz:g}/s for {self.duration_s:g} s")
        parts = [f"{self.src} -> {self.dst}", amount]
        if self.min_fidelity is not None:
            parts.append(f"F >= {self.min_fidelity:g}")
        if self.deadline_s is not None:
            parts.append(f"by {self.deadline_s:g} s")
        if self.streams is not None:
            parts.append(f"width {self.streams}")
        return f"EntanglementRequest({', '.join(parts)})"


@dataclass(frozen=True)
class Plan:
    """How the orchestrator will serve a request: path, distillation, what to expect."""

    path: tuple[str, ...]
    distillation: DistillationPlan
    estimate: PathEstimate
    #: How the relays build the pairs (swap order, pairing, cutoff, nesting).
    strategy: Strategy = field(default_factory=Strategy)
    #: The figure of the best other plan admission considered, when it searched.
    runner_up: str | None = None

    @property
    def distillation_rounds(self) -> int:
        return self.distillation.rounds

    @property
    def protocol(self) -> str:
        return self.distillation.protocol.value

    @property
    def mode(self) -> str:
        return self.distillation.mode.value

    @property
    def rate_hz(self) -> float:
        return self.estimate.rate_hz

    @property
    def fidelity(self) -> float:
        return self.estimate.fidelity

    def short(self) -> str:
        rounds = self.distillation.rounds
        pumping = " pumping" if self.mode == "pumping" else ""
        distil = f" +{rounds} {self.protocol.upper()}{pumping}" if rounds else ""
        how = "" if self.strategy.is_default else f" [{self.strategy.label()}]"
        return (f"{'>'.join(self.path)}{how}{distil} {self.rate_hz:.3g}/s "
                f"F={self.fidelity:.3f}")

    def describe(self) -> str:
        how = "" if self.strategy.is_default else f", {self.strategy.label()}"
        distil = f", {self.distillation.label()}" if self.distillation.rounds else ""
        text = (f"{' -> '.join(self.path)}{how}{distil}: {self.rate_hz:.4g} pairs/s at "
                f"F = {self.fidelity:.4f}")
        if self.runner_up is not None:
            text += f" (runner-up: {self.runner_up})"
        return text


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"  # travelling to the control plane
    REFUSED = "refused"
    QUEUED = "queued"
    SERVING = "serving"
    COMPLETED = "completed"
    EXPIRED = "expired"  # the deadline passed first
    CANCELLED = "cancelled"


@dataclass(eq=False)
class RequestHandle:
    """The orchestrator's record of one request, and the caller's grip on it."""

    request: EntanglementRequest
    id: int
    submitted_ps: int
    on_pair: Callable[[EntangledPair], None] | None = None
    on_done: Callable[[RequestHandle], None] | None = None
    #: Receives each pair as a :class:`~qdcnet.control.lease.PairLease` the
    #: consumer holds until it releases it (instead of ``on_pair``).
    on_lease: Callable[[PairLease], None] | None = None
    #: Called when the control plane decides: with :attr:`plan` set (queued) or
    #: :attr:`reason` set (refused), at the control plane's simulated time.
    on_decision: Callable[[RequestHandle], None] | None = None
    status: RequestStatus = RequestStatus.SUBMITTED
    plan: Plan | None = None
    reason: str = ""
    admitted_ps: int | None = None
    first_grant_ps: int | None = None
    first_pair_ps: int | None = None
    done_ps: int | None = None
    delivered: int = 0
    fidelities: list[float] = field(default_factory=list)
    below_threshold: int = 0
    served_ps: int = 0  # time holding fabric circuits
    circuit_ps: int = 0  # circuit-seconds (segments x time), in ps
    qubit_ps: int = 0  # communication-qubit time held, in ps
    slices: int = 0
    _cancel: Callable[[RequestHandle], None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.request.name or f"request{self.id}"

    @property
    def remaining(self) -> int | None:
        """Pairs still to deliver (``None``: open-ended, no amount)."""
        wanted = self.request.pairs_wanted
        return None if wanted is None else max(0, wanted - self.delivered)

    @property
    def finished(self) -> bool:
        return self.status in (RequestStatus.REFUSED, RequestStatus.COMPLETED,
                               RequestStatus.EXPIRED, RequestStatus.CANCELLED)

    def cancel(self) -> None:
        """Withdraw the request; resources it holds are released."""
        if self.finished or self._cancel is None:
            return
        self._cancel(self)

    # -- quality of service ------------------------------------------------------------

    @property
    def mean_fidelity(self) -> float:
        return sum(self.fidelities) / len(self.fidelities) if self.fidelities else math.nan

    @property
    def fidelity_met(self) -> bool | None:
        if self.request.min_fidelity is None:
            return None
        return bool(self.fidelities) and self.mean_fidelity >= self.request.min_fidelity

    @property
    def deadline_met(self) -> bool | None:
        if self.request.deadline_s is None:
            return None
        return (self.status is RequestStatus.COMPLETED and self.done_ps is not None
                and self.done_ps <= self.request.deadline_ps)  # type: ignore[operator]

    @property
    def qos_met(self) -> bool | None:
        """Complete, every delivered pair above the threshold, and on time.

        ``None`` for an open-ended request: it has no amount to complete (its
        fidelity is judged by :attr:`fidelity_met`).
        """
        if self.request.open_ended:
            return None
        if self.status is not RequestStatus.COMPLETED:
            return False
        if self.request.min_fidelity is not None and self.below_threshold:
            return False
        return self.deadline_met is not False

    def metrics(self) -> dict[str, Any]:
        start = self.submitted_ps

        def since(ps: int | None) -> float | None:
            return None if ps is None else (ps - start) / 1e12

        mean = self.mean_fidelity
        se = standard_error(self.fidelities)
        r = self.request
        return {
            "request": self.name, "src": r.src, "dst": r.dst, "status": self.status.value,
            "reason": self.reason, "priority": r.priority, "pairs_wanted": r.pairs_wanted,
            "open_ended": r.open_ended,
            "min_fidelity": r.min_fidelity, "deadline_s": r.deadline_s,
            "plan": self.plan.describe() if self.plan else None,
            "planned_rate_hz": self.plan.rate_hz if self.plan else None,
            "planned_fidelity": self.plan.fidelity if self.plan else None,
            "delivered": self.delivered, "mean_fidelity": mean, "fidelity_se": se,
            "min_delivered_fidelity": min(self.fidelities) if self.fidelities else None,
            "below_threshold": self.below_threshold,
            "time_to_admission_s": since(self.admitted_ps),
            "time_to_first_pair_s": since(self.first_pair_ps),
            "time_to_completion_s": since(self.done_ps),
            "served_s": self.served_ps / 1e12, "circuit_s": self.circuit_ps / 1e12,
            "qubit_s": self.qubit_ps / 1e12, "slices": self.slices,
            "qos_met": self.qos_met, "fidelity_met": self.fidelity_met,
            "deadline_met": self.deadline_met,
        }

    def __repr__(self) -> str:
        return f"RequestHandle({self.name}, {self.status.value}, {self.delivered} delivered)"
