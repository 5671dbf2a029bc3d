"""Can the network feed a distributed code? Pairs per cycle against what links supply.

For a seam between two QPUs, a code of distance ``d`` consumes
:attr:`~qdcnet.qec.surface.SurfacePatch.pairs_per_round` Bell pairs every
QEC cycle. The link between the QPUs, as the scenario configures it, supplies
pairs at the rate and fidelity of the analytic path estimate (with 0, 1 or 2
rounds of DEJMPS distillation). The ratio of the two is the **gap**; closing
it takes that many links in parallel (communication qubits at each end and
fibre channels or stations to match).

:func:`simulate_supply` checks the estimate against the orchestrator: it
requests pairs on the QPU pair and times their delivery event by event.

The **pair buffer** (:func:`buffer_study`): pairs arrive as a Poisson process
at the supplied rate; up to ``depth`` of them wait in storage memories
between rounds (the freshest kept); at the start of a round the code takes
the freshest pairs it needs and, if too few are there, waits for the rest
with its data qubits idle. A deeper buffer means fewer waits but older
pairs. Both costs are turned into noise: the waiting into each data qubit's
twirled T1/T2 channel, the age into the pair's decay in the two storage
memories (both ends), and the logical error per round is sampled.
:func:`buffer_logical_error` sums the X and Z memories' per-round errors with
an exact interval and says when the code is *saturated* (logical error per
shot indistinguishable from 50 %): then the depth makes no difference that
the sampling can see, and the per-round value is noise, not a trend
(:func:`depths_differ` says whether any two depths differ at all).

The code's own noise is the profile's, per operation
(:meth:`~qdcnet.qec.surface.CircuitNoise.from_profile`): one-qubit,
two-qubit, readout and idle noise, each converted from the figure in the
measure the profile declares, the same conversions the network uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError

__all__ = [
    "SATURATED_CELL",
    "SATURATED_FOOTNOTE",
    "BufferLogicalError",
    "BufferPoint",
    "SupplyRow",
    "buffer_logical_error",
    "buffer_study",
    "depths_differ",
    "platform_datacenter",
    "simulate_supply",
    "supply_rows",
]


@dataclass(frozen=True)
class SupplyRow:
    """What one QPU pair's link supplies against what a distance-d seam needs."""

    qpus: tuple[str, str]
    platform: str
    cycle_time_s: float
    cycle_time_source: str
    distance: int
    protocol: str
    pairs_per_round: int
    needed_hz: float
    distillation_rounds: int
    supplied_hz: float
    fidelity: float
    gap: float
    parallel_links: int
    #: average infidelity of the QPU's two-qubit gate (from its declared measure)
    bulk_error: float
    #: the code's noise per operation, from the QPU's profile (a CircuitNoise)
    noise: Any = None

    @property
    def seam_infidelity(self) -> float:
        return 1.0 - self.fidelity

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["seam_infidelity"] = self.seam_infidelity
        return out


def platform_datacenter(profile: str, *, length: str = "10 m", seed: int = 1) -> Any:
    """Two QPUs of one platform and a BSM station between them, in a scheme the profile allows."""
    from qdcnet.hardware.components import DEFAULT_GROUP_VELOCITY_M_PER_S, CompatibilityError
    from qdcnet.hardware.profiles import load_profile
    from qdcnet.network.datacenter import DataCenter
    from qdcnet.network.layout import (
        ClassicalSpec,
        DataCenterLayout,
        FiberSpan,
        LinkDefaults,
        MemoryNode,
        StationNode,
    )
    from qdcnet.units import to_si

    loaded = load_profile(profile)
    length_m = to_si(length, "length", name="length")
    names = (f"{profile}_a", f"{profile}_b")
    last: Exception | None = None
    for scheme in ("two_click", "single_click"):
        layout = DataCenterLayout(
            name=f"{profile}-pair",
            memory_nodes=tuple(MemoryNode(name, "qpu", loaded, communication_qubits=2)
                               for name in names),
            classical=ClassicalSpec(DEFAULT_GROUP_VELOCITY_M_PER_S),
            stations=(StationNode("bsm"),),
            fibers=tuple(FiberSpan((name, "bsm"), length_m) for name in names),
            links=LinkDefaults(scheme),  # type: ignore[arg-type]
            seed=seed)
        dc = DataCenter(layout)
        try:
            dc.estimate((f"{profile}_a", f"{profile}_b"))
        except CompatibilityError as exc:
            last = exc
            continue
        return dc
    raise ParameterError("profile", profile, "a platform with a photonic interface",
                         str(last))


def supply_rows(datacenter: Any, pairs: list[tuple[str, str]], *, distance: int = 7,
                protocol: str = "teleported_cnot", layout: str = "vertical",
                distillation_rounds: tuple[int, ...] = (0, 1, 2)) -> list[SupplyRow]:
    """One row per QPU pair and distillation setting."""
    from qdcnet.network.distillation import DistillationPlan
    from qdcnet.qec.surface import CircuitNoise, SurfacePatch
    from qdcnet.quantum.noise import convert_fidelity

    patch = SurfacePatch(distance, layout, protocol)
    rows = []
    for a, b in pairs:
        profile = datacenter.profiles[a]
        cycle = profile.qec_cycle_time_s
        if not cycle or not math.isfinite(cycle):
            raise ParameterError(f"{a}: qec_cycle_time", cycle, "a positive time")
        source = profile.cited("qec_cycle_time") if "qec_cycle_time" in profile.provenance \
            else ""
        path = datacenter.paths(a, b, k=1)[0]
        needed = patch.pairs_per_round / cycle
        gate = profile.two_qubit_gate
        bulk = convert_fidelity(gate.fidelity, measure=gate.measure, to="average_infidelity",
                                qubits=2)
        noise = CircuitNoise.from_profile(profile)
        for rounds in distillation_rounds:
            estimate = datacenter.estimate(
                path, None if rounds == 0 else DistillationPlan(rounds))
            gap = needed / estimate.rate_hz if estimate.rate_hz > 0 else math.inf
            rows.append(SupplyRow(
                qpus=(a, b), platform=profile.name, cycle_time_s=cycle,
                cycle_time_source=source, distance=distance, protocol=protocol,
                pairs_per_round=patch.pairs_per_round, needed_hz=needed,
                distillation_rounds=rounds, supplied_hz=estimate.rate_hz,
                fidelity=estimate.fidelity, gap=gap,
                parallel_links=max(1, math.ceil(gap)) if math.isfinite(gap) else 0,
                bulk_error=bulk, noise=noise))
    return rows


@dataclass(frozen=True)
class BufferPoint:
    """Waiting and pair age per round for one buffer depth."""

    depth: int
    rate_hz: float
    mean_wait_s: float
    starved_rounds: float
    mean_age_s: float
    idle_error: float
    seam_infidelity: float
    state: tuple[float, float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The table cell for a saturated point and the footnote that explains it.
SATURATED_CELL = "saturated (≈50%: noise)"
SATURATED_FOOTNOTE = ("saturated: the logical error per shot cannot be told apart from 50% "
                      "(0.5 is inside its exact 95% interval), so the code has failed and "
                      "differences between such depths are sampling noise, not a trend.")


def _per_round(rate: float, rounds: int) -> float:
    """Per-round error from a per-shot one, 1 - 2p = (1 - 2 p_r)^rounds; 0.5 at and above 0.5."""
    if math.isnan(rate):
        return math.nan
    if rate >= 0.5:
        return 0.5
    return (1.0 - (1.0 - 2.0 * rate) ** (1.0 / rounds)) / 2.0


@dataclass(frozen=True)
class BufferLogicalError:
    """Logical error per round of one buffer depth, X and Z memories summed.

    ``low`` and ``high`` are the per-round values of the ends of each basis's
    exact (Clopper-Pearson) 95 % interval, summed; ``stderr`` is the
    first-order binomial error (hypot of the two, over the rounds).
    ``saturated`` is True when either basis is (see
    :attr:`~qdcnet.qec.sampling.TaskResult.saturated`).
    """

    per_round: float
    stderr: float
    low: float
    high: float
    saturated: bool

    def cell(self) -> str:
        """The table cell: ``"1.2e-03 ± 1e-04"``, or :data:`SATURATED_CELL`."""
        if self.saturated:
            return SATURATED_CELL
        return f"{self.per_round:.3g} ± {self.stderr:.1g}"

    def to_dict(self) -> dict[str, Any]:
        return {"per_round": self.per_round, "per_round_stderr": self.stderr,
                "per_round_low": self.low, "per_round_high": self.high,
                "saturated": self.saturated}


def buffer_logical_error(x: Any, z: Any, rounds: int) -> BufferLogicalError:
    """Combine the X and Z memory results (:class:`~qdcnet.qec.sampling.TaskResult`) of a depth.

    >>> from qdcnet.qec.sampling import SeamTask, TaskResult
    >>> task = SeamTask(3, "x", 0.01, 0.0)
    >>> buffer_logical_error(TaskResult(task, 1000, 10), TaskResult(task, 1000, 12), 3).saturated
    False
    >>> buffer_logical_error(TaskResult(task, 1000, 10), TaskResult(task, 1000, 490), 3).cell()
    'saturated (≈50%: noise)'
    """
    if rounds < 1:
        raise ParameterError("rounds", rounds, ">= 1")
    per_round = x.per_round + z.per_round
    stderr = math.hypot(x.stderr, z.stderr) / rounds
    low = _per_round(x.rate_low, rounds) + _per_round(z.rate_low, rounds)
    high = _per_round(x.rate_high, rounds) + _per_round(z.rate_high, rounds)
    return BufferLogicalError(per_round, stderr, low, high, bool(x.saturated or z.saturated))


def depths_differ(errors: Sequence[BufferLogicalError]) -> bool:
    """Whether any two unsaturated depths' per-round errors differ significantly.

    Intervals apart = a real difference; if every pair overlaps (or the
    points are saturated), the depths' differences are noise and the table
    should not read them as a trend.

    >>> a = BufferLogicalError(1e-3, 1e-4, 8e-4, 1.2e-3, False)
    >>> b = BufferLogicalError(5e-3, 5e-4, 4e-3, 6e-3, False)
    >>> depths_differ([a, b]), depths_differ([a, a])
    (True, False)
    """
    from qdcnet.sim.statistics import intervals_overlap

    usable = [e for e in errors if not e.saturated and not math.isnan(e.low)]
    return any(not intervals_overlap((a.low, a.high), (b.low, b.high))
               for i, a in enumerate(usable) for b in usable[i + 1:])


def buffer_study(*, rate_hz: float, cycle_s: float, pairs_per_round: int,
                 depths: list[int], data_t1_s: float, data_t2_s: float,
                 pair_state: Any, store_t1_s: float | tuple[float, float],
                 store_t2_s: float | tuple[float, float],
                 rounds: int = 20_000, seed: int = 1) -> list[BufferPoint]:
    """Simulate the pair queue for each buffer depth (see the module doc).

    ``store_t1_s`` and ``store_t2_s`` are the storage memories' times: one
    number when both ends hold pairs alike, or a pair (end A, end B).
    """
    from qdcnet.hardware.components import QuantumMemory
    from qdcnet.quantum.pauli import decay_rates, memory_pauli

    t1_ends = store_t1_s if isinstance(store_t1_s, tuple) else (store_t1_s, store_t1_s)
    t2_ends = store_t2_s if isinstance(store_t2_s, tuple) else (store_t2_s, store_t2_s)
    # A buffered pair decays in the storage memories at both of its ends.
    store_rates = decay_rates(*(QuantumMemory(t1, t2) for t1, t2 in zip(t1_ends, t2_ends,
                                                                         strict=True)))

    if rate_hz <= 0:
        raise ParameterError("rate_hz", rate_hz, "> 0")
    if pairs_per_round < 1:
        raise ParameterError("pairs_per_round", pairs_per_round, ">= 1")
    if not depths:
        raise ParameterError("depths", depths, "at least one depth")
    for depth in depths:  # all checked before the first is simulated
        if depth < 0:
            raise ParameterError("depth", depth, ">= 0")
    out = []
    for depth in depths:
        rng = np.random.default_rng([seed, depth])
        waits = np.empty(rounds)
        ages: list[float] = []
        buffer: list[float] = []  # arrival times, oldest first
        now = 0.0
        for r in range(rounds):
            # Pairs made during the round; only the freshest `depth` are kept.
            count = rng.poisson(rate_hz * cycle_s)
            if count:
                made = np.sort(now + rng.random(count) * cycle_s).tolist()
                buffer = (buffer + made)[-depth:] if depth else []
            now += cycle_s
            wait = 0.0
            missing = pairs_per_round - len(buffer)
            if missing > 0:
                gaps = rng.exponential(1.0 / rate_hz, missing)
                arrivals = now + np.cumsum(gaps)
                wait = float(arrivals[-1] - now)
                buffer = buffer + arrivals.tolist()
            start = now + wait
            used = buffer[-pairs_per_round:]
            buffer = buffer[:-pairs_per_round] if len(buffer) > pairs_per_round else []
            ages.extend(start - t for t in used)
            waits[r] = wait
            now = start
        mean_wait = float(waits.mean())
        mean_age = float(np.mean(ages))
        # Average the twirled idle channel over the waits (Pauli channels mix linearly).
        idle = float(np.mean([1.0 - memory_pauli(w, data_t1_s, data_t2_s)[0]
                              for w in waits[: min(rounds, 4000)]]))
        aged = pair_state.age(mean_age, *store_rates)
        out.append(BufferPoint(depth, rate_hz, mean_wait, float((waits > 0).mean()), mean_age,
                               idle, 1.0 - aged.fidelity, tuple(aged.coefficients)))
    return out


@dataclass(frozen=True)
class SimulatedSupply:
    """What the orchestrator delivered on a QPU pair, simulated event by event."""

    qpus: tuple[str, str]
    distillation_rounds: int
    delivered: int
    rate_hz: float
    rate_se_hz: float
    fidelity: float
    fidelity_se: float
    simulated_s: float
    #: why the orchestrator refused the request, if it did
    refused: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def simulate_supply(scenario: Any, pair: tuple[str, str], *, distillation_rounds: int = 0,
                    pairs: int = 100, seed: int = 1, max_simulated_s: float = 1e5
                    ) -> SimulatedSupply:
    """Ask the orchestrator for ``pairs`` pairs between the two QPUs and time their delivery.

    A fresh data center is built from ``scenario`` (so each call starts from an
    idle network). The rate is ``(n - 1) / (t_last - t_first)`` over the
    delivered pairs, with the Poisson standard error ``rate / sqrt(n - 1)``.
    """
    from qdcnet.control.orchestrator import Orchestrator
    from qdcnet.control.requests import EntanglementRequest
    from qdcnet.network.datacenter import DataCenter
    from qdcnet.network.distillation import DistillationPlan
    from qdcnet.sim.statistics import poisson_rate_standard_error
    from qdcnet.units import s_to_ps

    if pairs < 2:
        raise ParameterError("pairs", pairs, ">= 2")
    dc = DataCenter(scenario, seed=seed)
    orchestrator = Orchestrator(dc)
    handle = orchestrator.submit(EntanglementRequest(
        pair[0], pair[1], num_pairs=pairs, name="seam-pairs",
        distillation=DistillationPlan(distillation_rounds)))
    horizon = min(max_simulated_s, 1.0)
    while handle.delivered < pairs and horizon <= max_simulated_s:
        dc.sim.run(until=s_to_ps(horizon))
        if handle.plan is None and handle.status.value in ("refused", "failed"):
            break
        horizon *= 4
    metrics = handle.metrics()
    n = handle.delivered
    first, done = metrics["time_to_first_pair_s"], metrics["time_to_completion_s"]
    if n >= 2 and first is not None:
        end = done if done is not None else dc.sim.now / 1e12
        if end > first:
            rate = (n - 1) / (end - first)
            rate_se = poisson_rate_standard_error(n - 1, end - first)
        else:
            rate, rate_se = math.inf, math.inf
    else:
        rate, rate_se = 0.0, math.nan
    refused = handle.reason if handle.plan is None else None
    return SimulatedSupply(pair, distillation_rounds, n, rate, rate_se,
                           metrics["mean_fidelity"] if n else math.nan,
                           metrics["fidelity_se"], dc.sim.now / 1e12, refused)
