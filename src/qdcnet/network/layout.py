"""What a data center is made of, as plain frozen objects: the core the network builds on.

A :class:`DataCenterLayout` holds the memory nodes (QPUs and memory banks,
each with its loaded :class:`~qdcnet.hardware.profiles.PlatformProfile`),
the fabric nodes (switches, Bell-state-measurement station arrays, pair
sources, frequency converters), the fibres, the classical network, where the
control plane sits and the link defaults. Every quantity is an SI float with
its unit in the field's name.

Scenario files are read, checked and turned into a layout at the edge
(:mod:`qdcnet.config.scenario`); nothing in this package or below it reads
configuration. Tests and programs can build a layout directly, but most go
through a scenario document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from qdcnet.hardware.components import Detector
from qdcnet.hardware.profiles import PlatformProfile

__all__ = [
    "AbsorberSpec",
    "ClassicalChannelSpec",
    "ClassicalSpec",
    "ControlPlaneSpec",
    "ConverterNode",
    "DataCenterLayout",
    "FiberSpan",
    "LinkDefaults",
    "MemoryNode",
    "SourceNode",
    "StationNode",
    "SwitchNode",
]

Convert = bool | Literal["auto"]
Scheme = Literal["single_click", "two_click", "midpoint_source"]


@dataclass(frozen=True)
class AbsorberSpec:
    """How a memory node stores a photon from a midpoint source (heralded absorption)."""

    efficiency: float
    detector: Detector
    window_s: float
    reset_time_s: float
    #: The memory stores every photon of its window: a multi-pair window leaves I/4.
    multimode_memory: bool = False


@dataclass(frozen=True)
class MemoryNode:
    """A QPU (``kind="qpu"``) or a memory bank (``kind="bank"``, ``slots`` memories)."""

    name: str
    kind: Literal["qpu", "bank"]
    profile: PlatformProfile
    rack: str | None = None
    #: Overrides the profile's number of communication qubits.
    communication_qubits: int | None = None
    #: Use the node's own converter or transducer: always, never, or per segment.
    convert: Convert = "auto"
    absorber: AbsorberSpec | None = None
    slots: int | None = None


@dataclass(frozen=True)
class SwitchNode:
    name: str
    ports: int
    insertion_loss_db: float
    reconfiguration_time_s: float
    rack: str | None = None


@dataclass(frozen=True)
class StationNode:
    """An array of ``count`` two-input Bell-state-measurement units at one place."""

    name: str
    count: int = 1
    #: ``None``: the default detector for the photons that arrive.
    detector: Detector | None = None
    insertion_loss_db: float = 0.0
    processing_latency_s: float = 0.0
    resolvable_bell_states: Literal[1, 2] = 2


@dataclass(frozen=True)
class SourceNode:
    name: str
    pair_rate_hz: float
    fidelity: float
    wavelength_m: float
    linewidth_hz: float
    encoding: str = "polarization"
    multi_pair_probability: float | None = None
    count: int = 1


@dataclass(frozen=True)
class ConverterNode:
    name: str
    input_wavelength_m: float
    output_wavelength_m: float
    efficiency: float
    noise_rate_hz: float = 0.0


@dataclass(frozen=True)
class FiberSpan:
    between: tuple[str, str]
    length_m: float
    #: ``None``: the default attenuation at the photon's wavelength.
    attenuation_db_per_km: float | None = None
    channels: int = 1
    wdm_loss_db: float = 0.0


@dataclass(frozen=True)
class ClassicalChannelSpec:
    between: tuple[str, str]
    latency_s: float
    jitter_s: float = 0.0


@dataclass(frozen=True)
class ClassicalSpec:
    """Explicit classical channels; other node pairs talk along the fibre graph."""

    velocity_m_per_s: float
    per_hop_s: float = 0.0
    jitter_s: float = 0.0
    channels: tuple[ClassicalChannelSpec, ...] = ()


@dataclass(frozen=True)
class ControlPlaneSpec:
    node: str
    processing_latency_s: float = 1e-6


@dataclass(frozen=True)
class LinkDefaults:
    scheme: Scheme = "two_click"
    alpha: float = 0.1
    phase_noise_rad: float = 0.0
    skip_failures: bool = True


@dataclass(frozen=True)
class DataCenterLayout:
    """A whole data center; ``seed`` is the root seed runs on it default to."""

    name: str
    memory_nodes: tuple[MemoryNode, ...]
    classical: ClassicalSpec
    switches: tuple[SwitchNode, ...] = ()
    stations: tuple[StationNode, ...] = ()
    sources: tuple[SourceNode, ...] = ()
    converters: tuple[ConverterNode, ...] = ()
    fibers: tuple[FiberSpan, ...] = ()
    control_plane: ControlPlaneSpec | None = None
    links: LinkDefaults = field(default_factory=LinkDefaults)
    seed: int = 1

    @property
    def qpus(self) -> tuple[MemoryNode, ...]:
        """The QPUs (memory banks excluded), in scenario order."""
        return tuple(node for node in self.memory_nodes if node.kind == "qpu")

    def node_kinds(self) -> dict[str, str]:
        """Every node name and its kind (qpu, bank, switch, station, source, converter)."""
        kinds = {node.name: node.kind for node in self.memory_nodes}
        for kind, nodes in (("switch", self.switches), ("station", self.stations),
                            ("source", self.sources), ("converter", self.converters)):
            kinds.update((node.name, kind) for node in nodes)
        return kinds
