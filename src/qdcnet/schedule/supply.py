"""Where a schedule's ebits come from: one supply per QPU pair, and the error budget.

A :class:`PairSupply` is what the orchestrator would do for the pair: the
planner's plan (path, distillation rounds, estimate) for a request between
the two QPUs at the ebits' fidelity target. From it the scheduler takes

* ``tau_ps``: the mean time one stream (one communication qubit at each end)
  takes per pair, ``streams / rate``;
* ``first_pair_ps``: the plan's first-pair latency, and
  ``request_overhead_ps``: what a request costs before generation starts
  (to the control plane and back, its processing, the slowest switch
  reconfiguration);
* the expected state after a hold, by the stock rule: the plan's delivered
  state aged in both ends' communication memories
  (``plan.estimate.state.age(hold, *decay_rates(mem_a, mem_b))``), and the
  longest hold that keeps the expected fidelity at or above the target;
* where both QPUs have **dedicated storage** (:func:`dedicated_storage`), the
  storage option: a delivered pair moves into a storage qubit at each end
  (``transfer_ps``, the slower end's ``transfer_time_s``), as the network's
  path service and the stock move it: it decays in the communication qubits
  during the transfer, each end depolarises with its ``transfer_error``
  (:meth:`EntangledPair.move_end <qdcnet.link.pair.EntangledPair.move_end>`),
  then it ages in the storage memories; ``hold_max_storage_ps`` is the
  longest time in storage after the move that keeps the target.

:class:`ErrorBudget` splits a job's minimum fidelity into a per-ebit target:
the local gate and readout errors are taken first, the rest is shared
evenly among the ebits (a teleport or teleported gate errs with probability
exactly ``1 - F_ebit``, so the targets translate one to one). The planner
then chooses the distillation rounds that reach the target.

>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.network.topology import star
>>> dc = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1)
>>> supply = PairSupply.from_planner(dc, "qpu0", "qpu1", target_fidelity=0.9)
>>> supply.expected_fidelity(supply.hold_max_ps) >= 0.9
True
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qdcnet.compiler.program import DistributedProgram
from qdcnet.control.admission import Refusal
from qdcnet.control.planner import Planner
from qdcnet.control.requests import EntanglementRequest, Plan
from qdcnet.errors import ParameterError, QdcnetError, check_range
from qdcnet.network.qpu import QPU
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.quantum.pauli import decay_rates
from qdcnet.units import PS_PER_S, s_to_ps

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = ["ErrorBudget", "PairSupply", "ScheduleRefused", "dedicated_storage", "plan_supplies"]

#: Holds longer than this (about 11.6 days) count as "forever": a memory that
#: keeps a pair above target that long does not limit a schedule.
HOLD_FOREVER_PS = 10**18


class ScheduleRefused(QdcnetError):
    """A program cannot be scheduled as asked; ``reason`` says why (the planner's words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def dedicated_storage(dc: DataCenter, node: str) -> int:
    """The storage qubits of ``node`` that hold pairs and nothing else.

    A profile's ``qubits.storage`` counts qubits set aside as memories (the
    43Ca+ memory of ``trapped_ion_oxford``, the 13C of ``color_center_nv``).
    Where it is 0, :attr:`QPU.storage_slots <qdcnet.network.qpu.QPU.storage_slots>`
    falls back to the data qubits, which hold the program's qubits: a pair
    parked there would take a program qubit, so such a QPU has no storage for
    a schedule's ebits (0).

    >>> from qdcnet.config.scenario import build_datacenter
    >>> from qdcnet.network.topology import star
    >>> dedicated_storage(build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1), "qpu0")
    1
    >>> dedicated_storage(build_datacenter(star(2, profile="trapped_ion"), seed=1), "qpu0")
    0
    """
    profile = dc.profiles.get(node)
    return 0 if profile is None else int(profile.storage_qubits)


@dataclass(frozen=True)
class PairSupply:
    """Ebits between two QPUs as the orchestrator's plan delivers them (module docstring)."""

    qpus: tuple[str, str]
    state: BellDiagonal
    tau_ps: int
    first_pair_ps: int = 0
    request_overhead_ps: int = 0
    #: Σ 1/T1 and Σ 1/T2 of the two ends' communication memories (1/s)
    decay: tuple[float, float] = (0.0, 0.0)
    target_fidelity: float | None = None
    streams: int = 1
    plan: Plan | None = None
    #: a one-pair request of width 1 (just in time): from its grant to its pair, the
    #: plan's first-pair latency at that width (set up, then one stream's wait); None: tau
    one_pair_ps: int | None = None
    #: dedicated storage qubits at each end (in ``qpus`` order; :func:`dedicated_storage`)
    storage_slots: tuple[int, int] = (0, 0)
    #: moving a delivered pair into storage at both ends (in parallel: the slower end)
    transfer_ps: int = 0
    #: stim's DEPOLARIZE1 p of that move at each end (``QPU.transfer_error``)
    transfer_error: tuple[float, float] = (0.0, 0.0)
    #: Σ 1/T1 and Σ 1/T2 of the two ends' storage memories (``QPU.data_memory``, 1/s)
    storage_decay: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        for name in ("tau_ps", "first_pair_ps", "request_overhead_ps", "transfer_ps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ParameterError(name, value, "an integer number of ps >= 0")
        if self.one_pair_ps is not None and (isinstance(self.one_pair_ps, bool)
                                             or not isinstance(self.one_pair_ps, int)
                                             or self.one_pair_ps < 0):
            raise ParameterError("one_pair_ps", self.one_pair_ps, "an integer number of ps >= 0")
        if self.target_fidelity is not None:
            check_range("target_fidelity", self.target_fidelity, 0.25, 1.0, low_open=True)
        if len(self.storage_slots) != 2 or any(
                isinstance(n, bool) or not isinstance(n, int) or n < 0
                for n in self.storage_slots):
            raise ParameterError("storage_slots", self.storage_slots,
                                 "two integers >= 0 (one per end)")
        if len(self.transfer_error) != 2:
            raise ParameterError("transfer_error", self.transfer_error,
                                 "two probabilities (one per end)")
        for p in self.transfer_error:
            check_range("transfer_error", p, 0.0, 1.0)

    @property
    def jit_ps(self) -> int:
        """Time from a just-in-time request's grant to its pair."""
        return self.tau_ps if self.one_pair_ps is None else self.one_pair_ps

    @property
    def has_storage(self) -> bool:
        """Both ends have dedicated storage qubits, so a held pair may move there."""
        return min(self.storage_slots) > 0

    @classmethod
    def instant(cls, a: str, b: str, state: BellDiagonal | None = None) -> PairSupply:
        """Perfect pairs (or ``state``) that cost no time: for bounds and tests."""
        return cls(_pair(a, b), state or BellDiagonal.werner(1.0), 0)

    @classmethod
    def from_plan(cls, dc: DataCenter, plan: Plan, *,
                  target_fidelity: float | None = None,
                  one_pair: Plan | None = None) -> PairSupply:
        """The supply ``plan`` gives between its path's ends on ``dc``."""
        path = plan.path
        a, b = path[0], path[-1]
        routes = [dc.fabric.route(x, y) for x, y in itertools.pairwise(path)]
        streams = min(dc.stream_plan(routes))
        tau = s_to_ps(streams / plan.estimate.rate_hz) if plan.estimate.rate_hz > 0 else \
            HOLD_FOREVER_PS
        config = dc.layout.control_plane
        overhead = 0.0
        if config is not None:
            lat = dc.classical.mean_latency_s
            overhead = (lat(a, config.node) + config.processing_latency_s
                        + max(lat(config.node, a), lat(config.node, b)))
        # The worst case: the request's circuit needs a switch to change its connections.
        overhead += max((s.reconfiguration_time_s for s in dc.layout.switches), default=0.0)
        qa, qb = dc.ops[a], dc.ops[b]
        ends = _pair(a, b)
        first, second = dc.ops[ends[0]], dc.ops[ends[1]]
        return cls(ends, plan.estimate.state, tau, s_to_ps(plan.estimate.latency_s),
                   s_to_ps(overhead), decay_rates(qa.memory, qb.memory), target_fidelity,
                   streams, plan,
                   None if one_pair is None else s_to_ps(one_pair.estimate.latency_s),
                   storage_slots=(dedicated_storage(dc, ends[0]), dedicated_storage(dc, ends[1])),
                   # The path service moves both ends at once and waits for the slower.
                   transfer_ps=s_to_ps(max(first.transfer_time_s, second.transfer_time_s)),
                   transfer_error=(first.transfer_error, second.transfer_error),
                   storage_decay=decay_rates(first.data_memory, second.data_memory))

    @classmethod
    def from_planner(cls, dc: DataCenter, a: str, b: str, *, target_fidelity: float | None = None,
             planner: Planner | None = None) -> PairSupply:
        """Ask the planner (a fresh one on ``dc`` if none) for pairs between ``a`` and ``b``.

        Raises :class:`ScheduleRefused` with the planner's reason when it refuses.
        """
        planner = planner or Planner(dc)
        a, b = _pair(a, b)
        decision = planner.plan(EntanglementRequest(a, b, min_fidelity=target_fidelity))
        if isinstance(decision, Refusal):
            target = "" if target_fidelity is None else f" at F >= {target_fidelity:.4g}"
            raise ScheduleRefused(f"ebits between {a} and {b}{target}: {decision.reason}")
        # Just in time the runtime asks for one pair at a time on one stream: its
        # first-pair latency at width 1 is what such a request waits.
        narrow = planner.plan(EntanglementRequest(a, b, min_fidelity=target_fidelity,
                                                  streams=1))
        return cls.from_plan(dc, decision.plan, target_fidelity=target_fidelity,
                             one_pair=None if isinstance(narrow, Refusal) else narrow.plan)

    # -- the stock rule -------------------------------------------------------------------

    def expected_state(self, hold_ps: int, *, stored: bool = False) -> BellDiagonal:
        """The delivered state after ``hold_ps`` in the communication memories.

        ``stored``: the pair moved into storage on arrival (:meth:`stored_state`)
        and ``hold_ps`` is its time in the storage memories after the move.
        """
        if stored:
            state = self.stored_state()
            if hold_ps <= 0:
                return state
            return state.age(hold_ps / PS_PER_S, *self.storage_decay)
        if hold_ps <= 0:
            return self.state
        return self.state.age(hold_ps / PS_PER_S, *self.decay)

    def expected_fidelity(self, hold_ps: int, *, stored: bool = False) -> float:
        return self.expected_state(hold_ps, stored=stored).fidelity

    def stored_state(self) -> BellDiagonal:
        """The delivered state once moved into storage at both ends.

        The path service's move (``PathService._stored``): the pair ages in the
        communication memories for ``transfer_ps``, then
        :meth:`~qdcnet.link.pair.EntangledPair.move_end` depolarises each end
        with its ``transfer_error`` (the same composition as the planner's
        estimate of a stored pair, ``PathModel._stored``).
        """
        if not self.has_storage:
            raise QdcnetError(f"pairs between {self.qpus[0]} and {self.qpus[1]} have no "
                              "dedicated storage at both ends")
        moved = self.expected_state(self.transfer_ps)
        return (moved.depolarize_qubit(self.transfer_error[0], qubit=0)
                .depolarize_qubit(self.transfer_error[1], qubit=1))

    @property
    def hold_max_ps(self) -> int:
        """The longest hold whose expected fidelity is still >= the target (bisection).

        ``HOLD_FOREVER_PS`` without a target or when the memories keep the
        pair above it that long; 0 when even a fresh pair misses it.
        """
        hold = _hold_max(self)
        assert hold is not None  # only a stored pair can be out of reach
        return hold

    @property
    def hold_max_storage_ps(self) -> int | None:
        """The longest time in storage after the move that keeps the target (bisection).

        ``None`` when the pair cannot be stored: no dedicated storage at both
        ends, or a pair moved there on arrival is already below the target.
        """
        if not self.has_storage:
            return None
        return _hold_max(self, stored=True)

    @property
    def rounds(self) -> int:
        return 0 if self.plan is None else self.plan.distillation_rounds

    @property
    def path(self) -> tuple[str, ...]:
        return self.qpus if self.plan is None else self.plan.path

    def to_dict(self) -> dict[str, Any]:
        return {"qpus": list(self.qpus), "path": list(self.path), "rounds": self.rounds,
                "streams": self.streams, "tau_ps": self.tau_ps,
                "first_pair_ps": self.first_pair_ps, "jit_ps": self.jit_ps,
                "request_overhead_ps": self.request_overhead_ps,
                "fidelity": self.state.fidelity, "target_fidelity": self.target_fidelity,
                "hold_max_ps": self.hold_max_ps, "storage_slots": list(self.storage_slots),
                "transfer_ps": self.transfer_ps,
                "hold_max_storage_ps": self.hold_max_storage_ps}


_HOLD_CACHE: dict[tuple[Any, ...], int | None] = {}


def _hold_max(supply: PairSupply, *, stored: bool = False) -> int | None:
    target = supply.target_fidelity
    if target is None:
        return HOLD_FOREVER_PS
    key = (supply.state.coefficients, supply.decay, target, stored)
    if stored:
        key += (supply.transfer_ps, supply.transfer_error, supply.storage_decay)
    if key in _HOLD_CACHE:
        return _HOLD_CACHE[key]
    result: int | None
    if supply.expected_fidelity(0, stored=stored) < target:
        result = None if stored else 0
    elif supply.expected_fidelity(HOLD_FOREVER_PS, stored=stored) >= target:
        result = HOLD_FOREVER_PS
    else:
        lo, hi = 0, HOLD_FOREVER_PS  # F(lo) >= target > F(hi); fidelity falls with the hold
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if supply.expected_fidelity(mid, stored=stored) >= target:
                lo = mid
            else:
                hi = mid
        result = lo
    _HOLD_CACHE[key] = result
    return result


@dataclass(frozen=True)
class ErrorBudget:
    """A job's minimum fidelity split into local error and a per-ebit target."""

    min_fidelity: float
    #: Σ stim gate probabilities and readout errors of every instruction
    local_error: float
    #: the fidelity every ebit must have at use (None: the program has no ebits)
    ebit_target: float | None
    ebits: int = 0
    per_pair: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def split(cls, program: DistributedProgram, qpus: Mapping[str, QPU],
              min_fidelity: float) -> ErrorBudget:
        """Uniform split: ``target = 1 - (1 - min_fidelity - local) / ebits``.

        Raises :class:`ScheduleRefused` when the local errors alone use up the budget.

        >>> from qdcnet.compiler import CompileTarget, compile_circuit
        >>> target = CompileTarget.equal_modules(2, 1, comm_qubits=1)
        >>> program = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
        ... h q[0]; cx q[0],q[1];''', target).program
        >>> ErrorBudget.split(program, {q.name: q for q in target.qpus}, 0.9).ebit_target
        0.9
        """
        check_range("min_fidelity", min_fidelity, 0.25, 1.0, low_open=True)
        local = 0.0
        for op in program.operations:
            for ins in op.instructions:
                qpu = qpus[ins.qpu]
                if ins.name == "measure":
                    local += qpu.measurement_error
                elif ins.name in ("reset", "rz"):
                    continue  # resets are part of readout figures; rz is a frame change
                elif len(ins.slots) == 2:
                    local += qpu.two_qubit_error
                else:
                    local += qpu.one_qubit_error
        pairs = program.ebits_by_pair()
        n = sum(pairs.values())
        slack = 1.0 - min_fidelity - local
        if slack < 0 or (slack == 0 and n):
            raise ScheduleRefused(
                f"min_fidelity {min_fidelity:g} is out of reach: the gates and readouts alone "
                f"err with probability {local:.4g} > {1 - min_fidelity:.4g}")
        target = None if n == 0 else min(1.0, 1.0 - slack / n)
        if target is not None and target <= 0.25:
            target = None  # any entangled pair will do
        return cls(min_fidelity, local, target, n,
                   {p: target for p in pairs} if target is not None else {})

    def to_dict(self) -> dict[str, Any]:
        return {"min_fidelity": self.min_fidelity, "local_error": self.local_error,
                "ebit_target": self.ebit_target, "ebits": self.ebits}


def plan_supplies(dc: DataCenter, program: DistributedProgram, *,
                  budget: ErrorBudget | None = None,
                  planner: Planner | None = None) -> dict[tuple[str, str], PairSupply]:
    """A :class:`PairSupply` for every QPU pair ``program`` needs ebits between.

    Raises :class:`ScheduleRefused` with the planner's reason for a pair it refuses.
    """
    planner = planner or Planner(dc)
    out: dict[tuple[str, str], PairSupply] = {}
    for pair in program.ebits_by_pair():
        target = None if budget is None else budget.per_pair.get(pair)
        out[pair] = PairSupply.from_planner(dc, *pair, target_fidelity=target, planner=planner)
    return out


def supply_for(supplies: Mapping[tuple[str, str], PairSupply], a: str, b: str) -> PairSupply:
    """The supply between ``a`` and ``b`` in ``supplies`` (keys are sorted pairs)."""
    supply = supplies.get(_pair(a, b))
    if supply is None:
        raise ParameterError("supplies", sorted(supplies), f"a supply for {a}-{b}")
    return supply
