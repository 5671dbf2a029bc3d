"""Data-center scenario files: QPUs, fabric, classical channels, control plane, workload.

A scenario describes a quantum data center the way its designer would: the
logical QPUs (platform profile plus overrides), the fabric nodes (optical
switches, arrays of Bell-state-measurement stations, entangled-pair sources,
memory banks, frequency converters), the fibres between them, the classical
channels (latency and jitter), where the control plane sits, and a workload
of entanglement requests. Quantities are strings with units.

Segments are not listed: qdcnet derives them from the fibre graph (see
:mod:`qdcnet.network.fabric`). Everything is validated before anything
runs; :func:`load_scenario` raises one :class:`ScenarioError` listing every
problem, with the field, the value, what is allowed and, for a misspelt
field or node name, the nearest correct one.

Examples
--------
>>> from qdcnet.network.topology import linear_chain
>>> scenario = DataCenterScenario.model_validate(linear_chain(3, profile="trapped_ion"))
>>> [q.name for q in scenario.qpus], len(scenario.bsm_stations)
(['qpu0', 'qpu1', 'qpu2'], 2)
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from qdcnet.config.common import (
    MAX_SEED,
    EventRate,
    FiberLength,
    Frequency,
    Loss,
    PhaseSpread,
    ScenarioError,
    Seconds,
    SecondsOrNever,
    StrictModel,
    Wavelength,
    format_validation_error,
    read_yaml,
)
from qdcnet.config.link import DetectorConfig
from qdcnet.control.orchestrator import OrchestratorSettings, StockSpec
from qdcnet.control.requests import EntanglementRequest
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import DEFAULT_GROUP_VELOCITY_M_PER_S
from qdcnet.hardware.profiles import PlatformProfile, load_profile
from qdcnet.network.distillation import (
    MAX_ROUNDS,
    DistillationMode,
    DistillationPlan,
    DistillationProtocol,
)
from qdcnet.network.layout import (
    AbsorberSpec,
    ClassicalChannelSpec,
    ClassicalSpec,
    ControlPlaneSpec,
    ConverterNode,
    DataCenterLayout,
    FiberSpan,
    LinkDefaults,
    MemoryNode,
    SourceNode,
    StationNode,
    SwitchNode,
)
from qdcnet.network.strategies import Pairing, Strategy, SwapOrder
from qdcnet.runtime.workload import TimedJob, TimedRequest, Workload
from qdcnet.units import SPEED_OF_LIGHT_M_PER_S

if TYPE_CHECKING:
    from qdcnet.network.datacenter import DataCenter

__all__ = [
    "SCHEMA_VERSION",
    "DataCenterScenario",
    "NodeTemplate",
    "RequestConfig",
    "build_datacenter",
    "load_scenario",
    "resolve_profile_paths",
    "validate_document",
]

SCHEMA_VERSION = 1


def _db_per_km(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("write an attenuation with its unit, e.g. '0.2 dB/km'")
    from qdcnet.units import UnitError, convert

    try:
        return convert(value, "dB/km")
    except UnitError as exc:
        raise ValueError(str(exc)) from None


class _Named(StrictModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")


class AbsorberConfig(StrictModel):
    """How a node stores a photon from a midpoint source (heralded absorption)."""

    efficiency: float = Field(ge=0.0, le=1.0)
    detector: DetectorConfig = DetectorConfig(efficiency=1.0)
    window: Seconds = Field(default=1e-7, gt=0.0)
    reset_time: Seconds = Field(default=1e-6, ge=0.0)
    #: The memory stores every photon of its acceptance window, so a window with
    #: two or more pairs leaves I/4; by default it keeps the first photon absorbed.
    multimode_memory: bool = False


class NodeTemplate(StrictModel):
    """Settings shared by memory nodes (``templates:`` at the top of a scenario).

    A node with ``template: NAME`` gets every field the template sets that it
    does not set itself; ``overrides`` are merged key by key, the node's own
    winning.
    """

    profile: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    rack: str | None = None
    communication_qubits: int | None = Field(default=None, ge=1)
    convert: bool | Literal["auto"] | None = None
    absorber: AbsorberConfig | None = None
    slots: int | None = Field(default=None, ge=1, description="memory banks only")


class QPUConfig(_Named):
    template: str | None = None
    profile: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    rack: str | None = None
    communication_qubits: int | None = Field(default=None, ge=1)
    #: Use the node's own frequency converter or transducer: always, never, or
    #: ``auto`` (per segment, only where the link needs it: the ends' photons
    #: must share a wavelength, and converting must raise the herald rate).
    convert: bool | Literal["auto"] = "auto"
    absorber: AbsorberConfig | None = None


class MemoryBankConfig(QPUConfig):
    """A bank of memories that relays or buffers pairs; it emits like its profile."""

    slots: int = Field(ge=1)


class SwitchConfig(_Named):
    ports: int = Field(ge=2)
    insertion_loss: Loss = Field(default=1.0, ge=0.0)
    reconfiguration_time: Seconds = Field(default=10e-6, ge=0.0)
    rack: str | None = None


class StationConfig(_Named):
    """An array of ``count`` Bell-state measurement stations at one location."""

    count: int = Field(default=1, ge=1)
    detector: DetectorConfig | None = None
    insertion_loss: Loss = Field(default=0.0, ge=0.0)
    processing_latency: Seconds = Field(default=0.0, ge=0.0)
    resolvable_bell_states: Literal[1, 2] = 2


class SourceConfig(_Named):
    pair_rate: EventRate = Field(gt=0.0)
    fidelity: float = Field(ge=0.25, le=1.0)
    wavelength: Wavelength
    linewidth: Frequency = Field(gt=0.0)
    encoding: Literal["polarization", "time_bin", "frequency_bin", "path"] = "polarization"
    multi_pair_probability: float | None = Field(default=None, ge=0.0, le=1.0)
    count: int = Field(default=1, ge=1)


class ConverterConfig(_Named):
    input_wavelength: Wavelength
    output_wavelength: Wavelength
    efficiency: float = Field(ge=0.0, le=1.0)
    noise_rate: Frequency = Field(default=0.0, ge=0.0)


class FiberConfig(StrictModel):
    between: tuple[str, str]
    length: FiberLength = Field(ge=0.0)
    attenuation: float | None = Field(default=None, ge=0.0, description="dB/km")
    channels: int = Field(default=1, ge=1, description="WDM channels (1: no WDM)")
    wdm_loss: Loss = Field(default=0.0, ge=0.0)

    _attenuation = field_validator("attenuation", mode="before")(_db_per_km)


class ChannelConfig(StrictModel):
    between: tuple[str, str]
    latency: Seconds = Field(ge=0.0)
    jitter: Seconds = Field(default=0.0, ge=0.0)


class ClassicalConfig(StrictModel):
    """Classical channels: explicit ones, else along the fibre graph."""

    velocity: float = Field(default=DEFAULT_GROUP_VELOCITY_M_PER_S, gt=0.0,
                            le=SPEED_OF_LIGHT_M_PER_S,
                            description="m/s along fibre routes")
    per_hop: Seconds = Field(default=0.0, ge=0.0)
    jitter: Seconds = Field(default=0.0, ge=0.0)
    channels: list[ChannelConfig] = Field(default_factory=list)

    @field_validator("velocity", mode="before")
    @classmethod
    def _velocity(cls, value: Any) -> Any:
        if isinstance(value, str):
            from qdcnet.units import UnitError, to_si

            try:
                return to_si(value, "velocity")
            except UnitError as exc:
                raise ValueError(str(exc)) from None
        raise ValueError("write a velocity with its unit, e.g. '2.04e8 m/s'")


class ControlPlaneConfig(StrictModel):
    node: str
    processing_latency: Seconds = Field(default=1e-6, ge=0.0)


class LinkDefaultsConfig(StrictModel):
    scheme: Literal["single_click", "two_click", "midpoint_source"] = "two_click"
    alpha: float = Field(default=0.1, gt=0.0, lt=1.0)
    phase_noise: PhaseSpread = 0.0
    skip_failures: bool = True


class DistillationConfig(StrictModel):
    """A request's end-to-end distillation (0 rounds pins none)."""

    protocol: DistillationProtocol = DistillationProtocol.DEJMPS
    rounds: int = Field(default=1, ge=0, le=MAX_ROUNDS)
    mode: DistillationMode = DistillationMode.RECURRENCE

    def plan(self) -> DistillationPlan:
        return DistillationPlan(self.rounds, self.protocol, self.mode)


class StrategyConfig(StrictModel):
    """How the relays build a request's pairs (``network.strategies.Strategy``)."""

    swap_order: SwapOrder = SwapOrder.ASAP
    pairing: Pairing = Pairing.OLDEST
    cutoff: Seconds | None = Field(default=None, gt=0.0)
    nesting: list[int] = Field(default_factory=list)
    nesting_protocol: DistillationProtocol = DistillationProtocol.DEJMPS
    nesting_mode: DistillationMode = DistillationMode.RECURRENCE

    @model_validator(mode="after")
    def _runnable(self) -> StrategyConfig:
        try:
            self.strategy()
        except ParameterError as exc:
            raise ValueError(str(exc)) from None
        return self

    def strategy(self) -> Strategy:
        return Strategy(self.swap_order, self.pairing, self.cutoff, tuple(self.nesting),
                        self.nesting_protocol, self.nesting_mode)


class RequestConfig(_Named):
    src: str
    dst: str
    pairs: int | None = Field(default=None, ge=1)
    rate: EventRate | None = Field(default=None, gt=0.0)
    duration: Seconds | None = Field(default=None, gt=0.0)
    start: Seconds = Field(default=0.0, ge=0.0)
    path: list[str] | None = None
    min_fidelity: float | None = Field(default=None, gt=0.25, le=1.0)
    deadline: Seconds | None = Field(default=None, gt=0.0)
    priority: int = 0
    weight: float = Field(default=1.0, gt=0.0)
    distillation: DistillationConfig | None = None
    strategy: StrategyConfig | None = None

    def request(self) -> EntanglementRequest:
        """The request this entry describes."""
        return EntanglementRequest(
            self.src, self.dst, num_pairs=self.pairs, rate_hz=self.rate,
            duration_s=self.duration, min_fidelity=self.min_fidelity,
            deadline_s=self.deadline, priority=self.priority, weight=self.weight,
            name=self.name, path=tuple(self.path) if self.path else None,
            distillation=self.distillation.plan() if self.distillation else None,
            strategy=self.strategy.strategy() if self.strategy else None)

    @property
    def open_ended(self) -> bool:
        """No pairs and no rate: served until the run ends."""
        return self.pairs is None and self.rate is None

    @model_validator(mode="after")
    def _amount(self) -> RequestConfig:
        if self.open_ended and self.deadline is not None:
            raise ValueError("an open-ended request (no pairs, no rate) has no amount to "
                             "finish by a deadline: give pairs, or rate with duration")
        if self.rate is not None and self.duration is None:
            raise ValueError("a rate needs a duration (how long to serve it)")
        if self.src == self.dst:
            raise ValueError(f"src and dst are both {self.src!r}")
        return self


class StockConfig(StrictModel):
    between: tuple[str, str]
    depth: int = Field(ge=1)
    cutoff: SecondsOrNever = Field(default=float("inf"), gt=0.0)


class OrchestratorConfig(StrictModel):
    """How requests are admitted and scheduled."""

    policy: Literal["fifo", "edf", "priority", "fair-share"] = "fifo"
    quantum: Seconds | None = Field(default=None, gt=0.0,
                                    description="time slice (fair-share policy)")
    max_rounds: int = Field(default=3, ge=0, le=MAX_ROUNDS)
    stock: list[StockConfig] = Field(default_factory=list)


class JobConfig(_Named):
    """A circuit run as a job: submitted at ``start``, ``shots`` times, with its QoS.

    ``circuit`` is an OpenQASM 2 or 3 file, relative to the scenario file;
    it is read and checked with the scenario. ``deadline`` counts from the
    submission.
    """

    circuit: str = Field(min_length=1)
    start: Seconds = Field(default=0.0, ge=0.0)
    shots: int = Field(default=100, ge=1, le=100_000)
    policy: Literal["jit", "prefetch", "lookahead"] = "prefetch"
    min_fidelity: float | None = Field(default=None, gt=0.25, le=1.0)
    deadline: Seconds | None = Field(default=None, gt=0.0)
    model: Literal["fixed", "teleport"] = "fixed"
    _source: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_circuit(self) -> JobConfig:
        from qdcnet.compiler import load_circuit

        try:
            self._source = load_circuit(Path(self.circuit).expanduser())
        except QdcnetError as exc:
            raise ValueError(str(exc)) from None
        if not self._source.gates:
            raise ValueError(f"{self.circuit}: the circuit has no gates or measurements")
        return self

    def timed_job(self) -> TimedJob:
        return TimedJob(self.start, self._source, shots=self.shots, policy=self.policy,
                        min_fidelity=self.min_fidelity, deadline_s=self.deadline,
                        model=self.model, name=self.name)


class WorkloadConfig(StrictModel):
    requests: list[RequestConfig] = Field(default_factory=list)
    jobs: list[JobConfig] = Field(default_factory=list)


class DataCenterScenario(StrictModel):
    """A data-center scenario file (``kind: datacenter``)."""

    schema_version: int
    kind: Literal["datacenter"]
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(default=1, ge=0, le=MAX_SEED)
    duration: Seconds = Field(default=1.0, gt=0.0)
    qpus: list[QPUConfig] = Field(min_length=1)
    memory_banks: list[MemoryBankConfig] = Field(default_factory=list)
    switches: list[SwitchConfig] = Field(default_factory=list)
    bsm_stations: list[StationConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    converters: list[ConverterConfig] = Field(default_factory=list)
    fibers: list[FiberConfig] = Field(default_factory=list)
    classical: ClassicalConfig = ClassicalConfig()
    control_plane: ControlPlaneConfig | None = None
    links: LinkDefaultsConfig = LinkDefaultsConfig()
    orchestrator: OrchestratorConfig = OrchestratorConfig()
    workload: WorkloadConfig = WorkloadConfig()
    templates: dict[str, NodeTemplate] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _apply_templates(cls, data: Any) -> Any:
        """Fill nodes from their templates before the nodes are validated."""
        if not isinstance(data, dict):
            return data
        templates = data.get("templates") or {}
        if not isinstance(templates, dict):
            return data  # the field's own validation reports it
        problems: list[str] = []
        out = dict(data)
        for section in ("qpus", "memory_banks"):
            nodes = data.get(section)
            if not isinstance(nodes, list):
                continue
            filled = []
            for index, node in enumerate(nodes):
                name = node.get("template") if isinstance(node, dict) else None
                if name is None:
                    filled.append(node)
                    continue
                if not isinstance(name, str):
                    problems.append(f"{section}[{index}].template = {name!r}: a template's name")
                    filled.append(node)
                    continue
                template = templates.get(name)
                if not isinstance(template, dict):
                    close = difflib.get_close_matches(str(name), sorted(templates), n=1)
                    hint = (f"; did you mean {close[0]!r}?" if close else
                            f"; templates: {', '.join(sorted(templates)) or 'none defined'}")
                    problems.append(f"{section}[{index}].template = {name!r}: no such "
                                    f"template{hint}")
                    filled.append(node)
                    continue
                merged = {k: v for k, v in template.items() if v is not None} | node
                if isinstance(template.get("overrides"), dict) and isinstance(
                        node.get("overrides", {}), dict):
                    merged["overrides"] = template["overrides"] | node.get("overrides", {})
                filled.append(merged)
            out[section] = filled
        if problems:
            raise ValueError("\n  ".join(problems))
        return out

    _layout: DataCenterLayout | None = PrivateAttr(default=None)

    def layout(self) -> DataCenterLayout:
        """The core objects this scenario describes (built once; profiles loaded)."""
        if self._layout is None:
            self._layout = _layout(self, "scenario")
        return self._layout

    def orchestrator_settings(self) -> OrchestratorSettings:
        config = self.orchestrator
        return OrchestratorSettings(
            config.policy, config.quantum, config.max_rounds,
            tuple(StockSpec(s.between[0], s.between[1], s.depth, s.cutoff)
                  for s in config.stock))

    def to_workload(self) -> Workload:
        """The workload as plain objects: requests at their start times, the orchestrator."""
        return Workload(tuple(TimedRequest(r.start, r.request()) for r in self.workload.requests),
                        self.orchestrator_settings(), self.duration,
                        tuple(j.timed_job() for j in self.workload.jobs))

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"this qdcnet reads schema_version {SCHEMA_VERSION}")
        return value

    def node_kinds(self) -> dict[str, str]:
        """Every node name and its kind (qpu, bank, switch, station, source, converter)."""
        kinds: dict[str, str] = {}
        for kind, nodes in (("qpu", self.qpus), ("bank", self.memory_banks),
                            ("switch", self.switches), ("station", self.bsm_stations),
                            ("source", self.sources), ("converter", self.converters)):
            for node in nodes:
                kinds[node.name] = kind
        return kinds

    @model_validator(mode="after")
    def _references(self) -> DataCenterScenario:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for kind, nodes in (("qpus", self.qpus), ("memory_banks", self.memory_banks),
                            ("switches", self.switches), ("bsm_stations", self.bsm_stations),
                            ("sources", self.sources), ("converters", self.converters)):
            for index, node in enumerate(nodes):
                where = f"{kind}[{index}].name"
                if node.name in seen:
                    problems.append(
                        f"{where} = {node.name!r}: duplicate name (also {seen[node.name]})")
                else:
                    seen[node.name] = where
        names = set(seen)

        def check(name: str, where: str, allowed: set[str] | None = None) -> None:
            pool = names if allowed is None else allowed
            if name not in pool:
                close = difflib.get_close_matches(name, sorted(pool), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                what = "node" if allowed is None else "memory node (a QPU or memory bank)"
                problems.append(f"{where} = {name!r}: no such {what}{hint}")


        pairs_seen: set[frozenset[str]] = set()
        for index, fiber in enumerate(self.fibers):
            for end in fiber.between:
                check(end, f"fibers[{index}].between")
            if fiber.between[0] == fiber.between[1]:
                problems.append(f"fibers[{index}].between: a fibre joins two different nodes")
            key = frozenset(fiber.between)
            if key in pairs_seen:
                problems.append(f"fibers[{index}].between = {list(fiber.between)}: duplicate fibre "
                                "(use channels for parallel wavelengths)")
            pairs_seen.add(key)
        for index, channel in enumerate(self.classical.channels):
            for end in channel.between:
                check(end, f"classical.channels[{index}].between")
        if self.control_plane is not None:
            check(self.control_plane.node, "control_plane.node")
        memory_nodes = {q.name for q in self.qpus} | {b.name for b in self.memory_banks}
        job_names: set[str] = set()
        for index, job in enumerate(self.workload.jobs):
            if job.name in job_names:
                problems.append(f"workload.jobs[{index}].name = {job.name!r}: duplicate job name")
            job_names.add(job.name)
        request_names: set[str] = set()
        for index, request in enumerate(self.workload.requests):
            where = f"workload.requests[{index}]"
            if request.name in request_names:
                problems.append(f"{where}.name = {request.name!r}: duplicate request name")
            request_names.add(request.name)
            check(request.src, f"{where}.src", memory_nodes)
            check(request.dst, f"{where}.dst", memory_nodes)
            if request.path is not None:
                for hop, node in enumerate(request.path):
                    check(node, f"{where}.path[{hop}]", memory_nodes)
                if request.path and (request.path[0] != request.src
                                     or request.path[-1] != request.dst):
                    problems.append(f"{where}.path must start at src {request.src!r} and end at "
                                    f"dst {request.dst!r}")
        for index, stock in enumerate(self.orchestrator.stock):
            for end in stock.between:
                check(end, f"orchestrator.stock[{index}].between", memory_nodes)
        if problems:
            raise ValueError("\n  ".join(problems))
        return self


def _layout(scenario: DataCenterScenario, where: str) -> DataCenterLayout:
    """The core objects a scenario describes; profiles loaded with their overrides here."""
    loaded: dict[str, PlatformProfile] = {}
    problems: list[str] = []

    def profile_of(node: QPUConfig, at: str) -> PlatformProfile | None:
        # Identical profile and overrides: one load, shared (profiles are immutable).
        key = f"{node.profile}|{sorted(node.overrides.items())!r}"
        if key not in loaded:
            try:
                loaded[key] = load_profile(node.profile, node.overrides)
            except QdcnetError as exc:
                problems.append(f"{at}: {exc}")
                return None
        return loaded[key]

    def absorber(config: AbsorberConfig | None) -> AbsorberSpec | None:
        if config is None:
            return None
        return AbsorberSpec(config.efficiency, config.detector.build(), config.window,
                            config.reset_time, config.multimode_memory)

    memory_nodes = []
    for section, kind, nodes in (("qpus", "qpu", scenario.qpus),
                                 ("memory_banks", "bank", scenario.memory_banks)):
        for index, node in enumerate(nodes):
            profile = profile_of(node, f"{section}[{index}] ({node.name})")
            if profile is None:
                continue
            memory_nodes.append(MemoryNode(
                node.name, kind, profile, node.rack, node.communication_qubits, node.convert,
                absorber(node.absorber), getattr(node, "slots", None)))
    if problems:
        raise ScenarioError(f"{where}: " + ("\n  " if len(problems) > 1 else "")
                            + "\n  ".join(problems))
    classical = scenario.classical
    return DataCenterLayout(
        name=scenario.name,
        memory_nodes=tuple(memory_nodes),
        classical=ClassicalSpec(
            classical.velocity, classical.per_hop, classical.jitter,
            tuple(ClassicalChannelSpec(tuple(c.between), c.latency, c.jitter)
                  for c in classical.channels)),
        switches=tuple(SwitchNode(s.name, s.ports, s.insertion_loss, s.reconfiguration_time,
                                  s.rack) for s in scenario.switches),
        stations=tuple(StationNode(s.name, s.count,
                                   s.detector.build() if s.detector is not None else None,
                                   s.insertion_loss, s.processing_latency,
                                   s.resolvable_bell_states) for s in scenario.bsm_stations),
        sources=tuple(SourceNode(s.name, s.pair_rate, s.fidelity, s.wavelength, s.linewidth,
                                 s.encoding, s.multi_pair_probability, s.count)
                      for s in scenario.sources),
        converters=tuple(ConverterNode(c.name, c.input_wavelength, c.output_wavelength,
                                       c.efficiency, c.noise_rate) for c in scenario.converters),
        fibers=tuple(FiberSpan(tuple(f.between), f.length, f.attenuation, f.channels,
                               f.wdm_loss) for f in scenario.fibers),
        control_plane=(ControlPlaneSpec(scenario.control_plane.node,
                                        scenario.control_plane.processing_latency)
                       if scenario.control_plane is not None else None),
        links=LinkDefaults(scenario.links.scheme, scenario.links.alpha,
                           scenario.links.phase_noise, scenario.links.skip_failures),
        seed=scenario.seed,
    )


def validate_document(document: Any, where: str = "scenario") -> DataCenterScenario:
    """Validate a scenario document (a mapping) into a :class:`DataCenterScenario`.

    Everything is checked here, profile overrides included: the returned
    scenario's :meth:`~DataCenterScenario.layout` is already built.
    """
    if not isinstance(document, dict):
        raise ScenarioError(f"{where}: expected a mapping of fields at the top level")
    try:
        scenario = DataCenterScenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, DataCenterScenario, where)) from None
    scenario._layout = _layout(scenario, where)
    return scenario


def build_datacenter(document: dict[str, Any] | DataCenterScenario, *,
                     seed: int | None = None) -> DataCenter:
    """A :class:`~qdcnet.network.DataCenter` from a scenario document (or a validated one).

    >>> from qdcnet.network.topology import linear_chain
    >>> dc = build_datacenter(linear_chain(3, profile="trapped_ion_oxford"), seed=1)
    >>> dc.paths("qpu0", "qpu2")
    [('qpu0', 'qpu1', 'qpu2')]
    """
    from qdcnet.network.datacenter import DataCenter

    scenario = (document if isinstance(document, DataCenterScenario)
                else validate_document(document))
    return DataCenter(scenario.layout(), seed=seed)


def resolve_profile_paths(document: dict[str, Any], base: Path) -> dict[str, Any]:
    """A copy of ``document`` whose relative profile and circuit files are taken from ``base``.

    A profile ending in ``.yaml`` or ``.yml`` is a file; written relative, it
    is relative to the scenario file, not to wherever the command runs; so is
    a job's circuit. Shipped profile names are left alone.
    """

    def resolved(node: Any) -> Any:
        if not isinstance(node, dict) or not isinstance(node.get("profile"), str):
            return node
        profile = Path(node["profile"]).expanduser()
        if profile.suffix not in (".yaml", ".yml"):
            return node
        return node | {"profile": str(profile if profile.is_absolute() else base / profile)}

    out = dict(document)
    for section in ("qpus", "memory_banks"):
        if isinstance(out.get(section), list):
            out[section] = [resolved(node) for node in out[section]]
    workload = out.get("workload")
    if isinstance(workload, dict) and isinstance(workload.get("jobs"), list):
        def circuit(job: Any) -> Any:
            if not isinstance(job, dict) or not isinstance(job.get("circuit"), str):
                return job
            path = Path(job["circuit"]).expanduser()
            return job | {"circuit": str(path if path.is_absolute() else base / path)}

        out["workload"] = workload | {"jobs": [circuit(job) for job in workload["jobs"]]}
    if isinstance(out.get("templates"), dict):
        out["templates"] = {name: resolved(t) for name, t in out["templates"].items()}
    return out


def load_scenario(path: str | Path) -> tuple[DataCenterScenario, dict[str, Any]]:
    """Read and validate a data-center scenario file; returns the model and the raw document.

    Profile files named relative to the scenario are found beside it.
    """
    document, where = read_yaml(path)
    if document.get("kind") == "link":
        raise ScenarioError(f"{where}: this is a link scenario (kind: link); use qdcnet link")
    base = Path(path).resolve().parent
    return validate_document(resolve_profile_paths(document, base), where), document
