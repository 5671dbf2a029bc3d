"""The switched photonic fabric: routes, segments, and the resources they hold.

**Routes.** The fibre graph joins memory nodes (QPUs, memory banks),
transit nodes (optical switches, frequency converters) and terminals (BSM
station arrays, pair sources). A segment between memory nodes A and B is an
optical circuit from each of them, through transit nodes only, to one
terminal: the station (or source) that minimises the summed loss of the two
arms. Losses multiply along an arm (converter, switch insertion losses, WDM,
fibre at the wavelength the photon has on that fibre); a route never passes
through another memory node or terminal. Cross-rack segments through several
switches are routed the same way as anything else. A QPU uses its own
frequency converter (or transducer) as its ``convert`` setting says: always,
never, or (``auto``, the default) per segment, only where the link needs it:
the photons must meet at the station in one wavelength and encoding, and
among the combinations that do, the highest herald probability wins
(:func:`~qdcnet.link.build.choose_conversion`, shared with the link
builders); a route through a converter node leaves the QPU's own off.

**Resources.** Every fibre carries ``channels`` circuits (parallel fibres or
wavelengths), each ending on its own switch port; a port is cross-connected
to one partner port at a time, and changing a cross-connect costs the
switch's reconfiguration time. A station array has ``count`` BSM units, a
source ``count`` units, and a memory node a number of communication qubits.
:meth:`Fabric.acquire` takes all of a segment's resources at once or none;
what is held is released together.

Examples
--------
>>> from qdcnet.config.scenario import DataCenterScenario
>>> from qdcnet.network.topology import star
>>> fabric = Fabric(DataCenterScenario.model_validate(star(4)).layout())
>>> route = fabric.route("qpu0", "qpu3")
>>> route.via, route.arm_a.nodes
('bsm0', ('qpu0', 'sw0', 'bsm0'))
"""

from __future__ import annotations

import difflib
import functools
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from qdcnet.errors import QdcnetError
from qdcnet.hardware.components import (
    BSMStation,
    Detector,
    Fiber,
    FrequencyConverter,
    OpticalSwitch,
    PairSource,
    PhotonicInterface,
    default_attenuation_db_per_km,
)
from qdcnet.hardware.profiles import PlatformProfile
from qdcnet.link.build import choose_conversion, default_detector
from qdcnet.link.model import LinkModel
from qdcnet.link.spec import (
    AbsorberEnd,
    EmitterEnd,
    LinkSpec,
    MidpointSourceLink,
    OpticalPath,
    SingleClickLink,
    TwoClickLink,
)
from qdcnet.network.layout import DataCenterLayout
from qdcnet.network.resources import Booking, Claim, ResourceBook

__all__ = ["Arm", "Circuit", "Fabric", "NotConnectedError", "SegmentRoute"]

MEMORY_KINDS = ("qpu", "bank")
TRANSIT_KINDS = ("switch", "converter")
TERMINAL_KINDS = ("station", "source")
_NOMINAL_WAVELENGTH = 1550e-9


class NotConnectedError(QdcnetError, ValueError):
    """Two nodes that no optical circuit (or path of segments) can join."""

    code = "not_connected"


@dataclass(frozen=True)
class Arm:
    """One side of a segment: memory node -> transit nodes -> terminal."""

    nodes: tuple[str, ...]
    path: OpticalPath
    loss_db: float

    @property
    def node(self) -> str:
        return self.nodes[0]

    @property
    def switches(self) -> tuple[str, ...]:
        return self.nodes[1:-1]


@dataclass(frozen=True)
class SegmentRoute:
    """The optical circuit of a segment between two memory nodes."""

    a: str
    b: str
    via: str
    terminal_kind: str
    arm_a: Arm
    arm_b: Arm

    @property
    def loss_db(self) -> float:
        return self.arm_a.loss_db + self.arm_b.loss_db

    def fibers(self) -> list[tuple[str, str]]:
        """Every fibre the two arms use (a shared one appears once per arm)."""
        out = []
        for arm in (self.arm_a, self.arm_b):
            out += [tuple(sorted(edge)) for edge in itertools.pairwise(arm.nodes)]
        return out  # type: ignore[return-value]

    @functools.cached_property
    def fiber_counts(self) -> dict[tuple[str, str], int]:
        """How many circuits this segment needs on each fibre (computed once)."""
        return dict(Counter(self.fibers()))


@dataclass
class Circuit:
    """Resources a segment holds; release them with :meth:`Fabric.release`."""

    route: SegmentRoute
    streams: int
    ports: list[tuple[str, tuple[str, int], tuple[str, int]]] = field(default_factory=list)
    setup_s: float = 0.0
    released: bool = False
    unit: int = 0
    booking: Booking | None = None


class Fabric:
    """The photonic fabric of a scenario: routing, segment models, resource bookkeeping."""

    def __init__(self, layout: DataCenterLayout, *,
                 storage: Mapping[str, int] | None = None) -> None:
        self.layout = layout
        self.kinds = layout.node_kinds()
        self.graph = nx.Graph()
        for name, kind in self.kinds.items():
            self.graph.add_node(name, kind=kind)
        for fiber in layout.fibers:
            a, b = fiber.between
            self.graph.add_edge(a, b, length_m=fiber.length_m,
                                attenuation=fiber.attenuation_db_per_km,
                                channels=fiber.channels, wdm_loss_db=fiber.wdm_loss_db)
        self._switches = {s.name: s for s in layout.switches}
        self._converters = {c.name: c for c in layout.converters}
        self._stations = {s.name: s for s in layout.stations}
        self._sources = {s.name: s for s in layout.sources}
        self._memory = {node.name: node for node in layout.memory_nodes}
        self.profiles: dict[str, PlatformProfile] = {
            node.name: node.profile for node in layout.memory_nodes}
        self._check_switch_ports()
        # Per-instance caches: bounded by node pairs (times stream counts).
        self._routes: dict[tuple[str, str], SegmentRoute] = {}
        self._models: dict[tuple[str, str, int | None], LinkModel] = {}
        self._reach = {t: self._reach_from(t) for t, kind in self.kinds.items()
                       if kind in TERMINAL_KINDS}
        # The one book of bookable resources (storage slots too, when given);
        # the cross-connects are switch state, not bookings.
        self.book = ResourceBook(
            communication={name: self.communication_qubits(name) for name in self._memory},
            storage=storage,
            ports={name: [(nbr, c) for nbr in self.graph.neighbors(name)
                          for c in range(self.graph.edges[name, nbr]["channels"])]
                   for name in self._switches},
            units={name: config.count
                   for name, config in (self._stations | self._sources).items()},
            fibers={tuple(sorted((u, v))): data["channels"]
                    for u, v, data in self.graph.edges(data=True)},
        )
        self._peers: dict[tuple[str, tuple[str, int]], tuple[str, int]] = {}
        # A switch's ports facing each neighbour, in the book's port order: choosing
        # ports looks at these, not at every port of a large switch.
        self._ports_facing: dict[tuple[str, str], list[tuple[str, int]]] = {}
        #: (terminal, unit) whose inputs a circuit has patched at some time
        self._wired_units: set[tuple[str, int]] = set()
        for switch in self._switches:
            for port in self.book.ports_of(switch):
                self._ports_facing.setdefault((switch, port[0]), []).append(port)

    # -- validation ------------------------------------------------------------------

    def _check_switch_ports(self) -> None:
        for name, switch in self._switches.items():
            attached = sum(self.graph.edges[name, nbr]["channels"]
                           for nbr in self.graph.neighbors(name))
            if attached > switch.ports:
                raise QdcnetError(f"switch {name}: fibres attach {attached} circuits but it has "
                                  f"{switch.ports} ports")

    def check_node(self, name: str, *, memory: bool = False) -> None:
        pool = self._memory if memory else self.kinds
        if name not in pool:
            close = difflib.get_close_matches(name, sorted(pool), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            what = "memory node (QPU or memory bank)" if memory else "node"
            raise NotConnectedError(f"no {what} called {name!r}{hint}")

    # -- routing ---------------------------------------------------------------------

    def _node_loss_db(self, name: str) -> float:
        if name in self._switches:
            return self._switches[name].insertion_loss_db
        return 0.0

    def _edge_loss_db(self, u: str, v: str) -> float:
        data = self.graph.edges[u, v]
        attenuation = data["attenuation"]
        if attenuation is None:
            attenuation = default_attenuation_db_per_km(_NOMINAL_WAVELENGTH)
        wdm = data["wdm_loss_db"] if data["channels"] > 1 else 0.0
        return attenuation * data["length_m"] / 1000.0 + wdm

    def reachable(self, kind: str) -> dict[str, set[str]]:
        """Per terminal of ``kind`` (station or source), the memory nodes its routes reach."""
        return {t: set(nodes) for t, nodes in self._reach.items() if self.kinds[t] == kind}

    def _reach_from(self, terminal: str) -> dict[str, tuple[float, list[str]]]:
        kinds = self.kinds

        def weight(u: str, v: str, _: dict[str, Any]) -> float | None:
            # Routes run through transit nodes only: never out of a memory
            # node, and never through another terminal.
            if u != terminal and kinds[u] not in TRANSIT_KINDS:
                return None
            if kinds[v] in TERMINAL_KINDS:
                return None
            return self._edge_loss_db(u, v) + self._node_loss_db(v)

        distances, paths = nx.single_source_dijkstra(self.graph, terminal, weight=weight)
        return {node: (distances[node], list(reversed(paths[node])))
                for node in distances if kinds[node] in MEMORY_KINDS}

    def terminals(self, a: str, b: str, scheme: str | None = None) -> list[str]:
        """Stations (or sources, for midpoint-source segments) both nodes reach."""
        wanted = "source" if (scheme or self.layout.links.scheme) == "midpoint_source" \
            else "station"
        return sorted(t for t, reach in self._reach.items()
                      if self.kinds[t] == wanted and a in reach and b in reach)

    def route(self, a: str, b: str) -> SegmentRoute:
        """The segment between memory nodes ``a`` and ``b`` (lowest total loss).

        Routes are kept per fabric (never in a class-level cache, which would
        keep every fabric ever built alive).
        """
        cached = self._routes.get((a, b))
        if cached is None:
            cached = self._routes[(a, b)] = self._route(a, b)
        return cached

    def _route(self, a: str, b: str) -> SegmentRoute:
        self.check_node(a, memory=True)
        self.check_node(b, memory=True)
        if a == b:
            raise NotConnectedError(f"a segment joins two different nodes, got {a!r} twice")
        candidates = self.terminals(a, b)
        if not candidates:
            kind = "pair source" if self.layout.links.scheme == "midpoint_source" \
                else "BSM station"
            raise NotConnectedError(
                f"{a} and {b} share no {kind} reachable through switches and converters: "
                "they need a path of segments through memory nodes (see qdcnet.network.paths)")
        def cost(t: str) -> tuple[float, int, str]:
            # Lowest loss; on a tie, balanced arms (no hairpin through a far switch).
            (loss_a, path_a), (loss_b, path_b) = self._reach[t][a], self._reach[t][b]
            return round(loss_a + loss_b, 9), max(len(path_a), len(path_b)), t

        best = min(candidates, key=cost)
        nodes = (self._reach[best][a][1], self._reach[best][b][1])
        own = self._conversion(best, nodes)
        return SegmentRoute(a, b, best, self.kinds[best], self._arm(nodes[0], own[0]),
                            self._arm(nodes[1], own[1]))

    def _conversion(self, terminal: str, nodes: tuple[list[str], list[str]]) -> tuple[bool, bool]:
        """Whether each end uses its own converter (or transducer) on this segment.

        ``convert: auto`` leaves the choice to
        :func:`~qdcnet.link.build.choose_conversion` (compatible photons at
        the station, highest herald probability); a route through a
        converter node never adds the node's own. Photons from a pair source
        meet the node's memory, not another photon: only a forced ``true``
        converts them.
        """
        settings = (self._memory[nodes[0][0]].convert, self._memory[nodes[1][0]].convert)
        if self.kinds[terminal] == "source":
            return settings[0] is True, settings[1] is True
        station = self._stations[terminal]
        detector = station.detector

        def option(end: int, converting: bool) -> tuple[PhotonicInterface, float] | None:
            route = nodes[end]
            photon, converter, transducer = self._photon(route[0])
            if converting and converter is None and transducer is None:
                return None
            auto = settings[end] == "auto"
            if converting and auto and any(v in self._converters for v in route[1:]):
                return None
            try:
                arm = self._arm(route, converting)
            except QdcnetError:
                if auto:
                    return None  # e.g. a converter node that takes another wavelength
                raise
            out = arm.path.output_interface(photon)
            efficiency = (detector or default_detector(out.wavelength_m)).efficiency
            emitter = self.profiles[route[0]].communication.emitter  # type: ignore[union-attr]
            return out, emitter.efficiency * arm.path.transmission * efficiency

        herald = operator.add if self.layout.links.scheme == "single_click" else operator.mul
        return choose_conversion(settings, option, herald=herald)

    def has_segment(self, a: str, b: str) -> bool:
        return a != b and bool(self.terminals(a, b))

    def _photon(self, node: str) -> tuple[PhotonicInterface, Any, Any]:
        """The photon as it leaves the node, and the node's own converter/transducer."""
        profile = self.profiles[node]
        comm = profile.communication
        if comm is None:
            raise NotConnectedError(f"{node} ({profile.name}) has no communication interface: "
                                    f"a {profile.platform} QPU cannot join a heralded segment")
        photon = comm.interface(node)
        return photon, comm.converter, comm.transducer

    def _arm(self, nodes: list[str], own: bool) -> Arm:
        """The arm along ``nodes``; ``own``: through the node's own converter or transducer."""
        node = nodes[0]
        photon, converter, transducer = self._photon(node)
        if not own:
            converter = transducer = None
        if converter is not None:
            photon = converter.convert(photon)
        elif transducer is not None:
            photon = transducer.convert(photon)
        fiber_loss = 0.0
        length = 0.0
        wdm_loss = 0.0
        switches: list[OpticalSwitch] = []
        for u, v in itertools.pairwise(nodes):
            data = self.graph.edges[u, v]
            attenuation = (data["attenuation"] if data["attenuation"] is not None
                           else default_attenuation_db_per_km(photon.wavelength_m))
            fiber_loss += attenuation * data["length_m"] / 1000.0
            length += data["length_m"]
            if data["channels"] > 1:
                wdm_loss += data["wdm_loss_db"]
            if v in self._switches:
                s = self._switches[v]
                switches.append(OpticalSwitch(s.ports, s.insertion_loss_db,
                                              s.reconfiguration_time_s))
            elif v in self._converters:
                if converter is not None or transducer is not None:
                    raise QdcnetError(f"route {' -> '.join(nodes)} converts twice ({node}'s own "
                                      f"converter and {v}); set convert: auto or false on {node}")
                c = self._converters[v]
                converter = FrequencyConverter(c.input_wavelength_m, c.output_wavelength_m,
                                               c.efficiency, c.noise_rate_hz)
                photon = converter.convert(photon)
        fiber = Fiber(length_m=length, wavelength_m=photon.wavelength_m,
                      attenuation_db_per_km=(fiber_loss / (length / 1000.0) if length else 0.0))
        path = OpticalPath(fiber, converter=converter, transducer=transducer,
                           switches=tuple(switches), extra_loss_db=wdm_loss)
        loss = fiber_loss + wdm_loss + sum(s.insertion_loss_db for s in switches)
        return Arm(tuple(nodes), path, loss)

    # -- segment models --------------------------------------------------------------

    def communication_qubits(self, node: str) -> int:
        config = self._memory[node]
        if config.communication_qubits is not None:
            return config.communication_qubits
        comm = self.profiles[node].communication
        return comm.num_qubits if comm is not None else 0

    def _emitter_end(self, node: str, arm: Arm, streams: int) -> EmitterEnd:
        comm = self.profiles[node].communication
        assert comm is not None
        from qdcnet.link.spec import DutyCycle

        duty = DutyCycle(comm.burst_s, comm.pause_s or 0.0) if comm.burst_s is not None else None
        return EmitterEnd(
            name=node, emitter=comm.emitter, memory=comm.memory, path=arm.path,
            num_communication_qubits=streams, indistinguishability=comm.indistinguishability,
            spin_photon_fidelity=comm.spin_photon_fidelity,
            double_excitation_probability=comm.double_excitation_probability, duty_cycle=duty)

    def _absorber_end(self, node: str, arm: Arm, streams: int, source: PairSource) -> AbsorberEnd:
        config = self._memory[node]
        if config.absorber is None:
            raise QdcnetError(f"{node} has no absorber section: a midpoint-source segment needs "
                              "each node to store incoming photons")
        comm = self.profiles[node].communication
        memory = comm.memory if comm is not None else self.profiles[node].memory
        interface = arm.path.output_interface(source.interface())
        return AbsorberEnd(name=node, memory=memory, path=arm.path, interface=interface,
                           absorption_efficiency=config.absorber.efficiency,
                           herald_detector=config.absorber.detector,
                           acceptance_window_s=config.absorber.window_s,
                           reset_time_s=config.absorber.reset_time_s,
                           multimode_memory=config.absorber.multimode_memory,
                           num_communication_qubits=streams)

    def segment_spec(self, route: SegmentRoute, streams: int | None = None) -> LinkSpec:
        """The link specification of a routed segment with ``streams`` parallel streams."""
        k = streams or min(self.communication_qubits(route.a), self.communication_qubits(route.b))
        defaults = self.layout.links
        name = f"{route.a}~{route.b}"
        if route.terminal_kind == "source":
            s = self._sources[route.via]
            source = PairSource(s.pair_rate_hz, s.fidelity, s.wavelength_m, s.linewidth_hz,
                                s.encoding, s.multi_pair_probability)
            # The arms run from the source to each node: no node-side converter applies.
            return MidpointSourceLink(self._absorber_end(route.a, route.arm_a, k, source),
                                      self._absorber_end(route.b, route.arm_b, k, source),
                                      source, name=name)
        end_a = self._emitter_end(route.a, route.arm_a, k)
        end_b = self._emitter_end(route.b, route.arm_b, k)
        config = self._stations[route.via]
        detector: Detector = (config.detector if config.detector is not None
                              else default_detector(end_a.photon.wavelength_m))
        station = BSMStation(detector, config.insertion_loss_db, config.resolvable_bell_states,
                             config.processing_latency_s)
        if defaults.scheme == "single_click":
            return SingleClickLink(end_a, end_b, station, alpha_a=defaults.alpha,
                                   alpha_b=defaults.alpha, phase_noise_rad=defaults.phase_noise_rad,
                                   name=name)
        return TwoClickLink(end_a, end_b, station, name=name)

    def model(self, a: str, b: str, streams: int | None = None) -> LinkModel:
        """The analytic model of the segment between ``a`` and ``b`` (kept per fabric)."""
        key = (a, b, streams)
        cached = self._models.get(key)
        if cached is None:
            cached = self._models[key] = LinkModel.from_spec(
                self.segment_spec(self.route(a, b), streams))
        return cached

    # -- resources -------------------------------------------------------------------

    def free_communication_qubits(self, node: str) -> int:
        return self.book.free_communication(node)

    def acquire(self, route: SegmentRoute, streams: int) -> Circuit | None:
        """Take every resource of the segment, or nothing. ``None`` if something is busy.

        Both arms must end on the two inputs of one BSM unit (or the two
        outputs of one source unit), so a node that changes partner usually
        has a cross-connect to change. Among the free units the one needing
        the fewest reconfigurations is taken; the circuit's set-up time is
        the longest reconfiguration among the switches that changed.
        """
        if streams < 1:
            raise QdcnetError(f"a segment needs at least one stream, got {streams}")
        book = self.book
        if (book.free_communication(route.a) < streams
                or book.free_communication(route.b) < streams):
            return None
        for fiber, needed in route.fiber_counts.items():
            if book.free_fiber_channels(fiber) < needed:
                return None
        best: tuple[int, int, list[tuple[str, tuple[str, int], tuple[str, int], bool]]] | None
        best = None
        wired = self._wired_units
        fresh_tried = False
        for unit in book.free_units(route.via):
            if (route.via, unit) not in wired:
                # Units never patched all need the same reconfigurations (the arms'
                # last switches patch in either way): the first of them stands for all.
                if fresh_tried:
                    continue
                fresh_tried = True
            for sides in ((0, 1), (1, 0)):
                plan = self._plan(route, unit, sides)
                if plan is None:
                    continue
                changes = sum(1 for *_, reconfigure in plan if reconfigure)
                if best is None or changes < best[0]:
                    best = (changes, unit, plan)
            if best is not None and best[0] == 0:
                break
        if best is None:
            return None
        _, unit, plan = best
        booking = book.try_reserve(Claim(
            communication={route.a: streams, route.b: streams}, fibers=route.fiber_counts,
            ports=tuple((switch, port) for switch, p_in, p_out, _ in plan
                        for port in (p_in, p_out)),
            units=((route.via, unit),)))
        if booking is None:
            return None
        setup = 0.0
        for switch, port_in, port_out, reconfigure in plan:
            # Rewiring a port disconnects its old partner (both directions).
            for port in (port_in, port_out):
                old = self._peers.pop((switch, port), None)
                if old is not None and self._peers.get((switch, old)) == port:
                    del self._peers[switch, old]
            self._peers[switch, port_in], self._peers[switch, port_out] = port_out, port_in
            if reconfigure:
                setup = max(setup, self._switches[switch].reconfiguration_time_s)
        wired.add((route.via, unit))
        circuit = Circuit(route, streams, [(sw, i, o) for sw, i, o, _ in plan], setup)
        circuit.unit = unit
        circuit.booking = booking
        return circuit

    def _plan(self, route: SegmentRoute, unit: int, sides: tuple[int, int]
              ) -> list[tuple[str, tuple[str, int], tuple[str, int], bool]] | None:
        plan = []
        claimed: set[tuple[str, tuple[str, int]]] = set()
        for arm, side in ((route.arm_a, sides[0]), (route.arm_b, sides[1])):
            for before, switch, after in zip(arm.nodes, arm.nodes[1:], arm.nodes[2:],
                                             strict=False):
                if switch not in self._switches:
                    continue
                # The last switch must patch this arm into its input of the unit.
                required = (route.via, 2 * unit + side) if after == route.via else None
                choice = self._choose_ports(switch, before, after, claimed, required)
                if choice is None:
                    return None
                port_in, port_out, reconfigure = choice
                claimed |= {(switch, port_in), (switch, port_out)}
                plan.append((switch, port_in, port_out, reconfigure))
        return plan

    def _choose_ports(self, switch: str, before: str, after: str,
                      claimed: set[tuple[str, tuple[str, int]]],
                      required: tuple[str, int] | None = None,
                      ) -> tuple[tuple[str, int], tuple[str, int], bool] | None:
        book = self.book
        facing = self._ports_facing
        inputs = [p for p in facing.get((switch, before), ()) if book.port_free(switch, p)
                  and (switch, p) not in claimed]
        if required is not None:
            outputs = ([required] if book.port_free(switch, required)
                       and (switch, required) not in claimed else [])
        else:
            outputs = [p for p in facing.get((switch, after), ()) if book.port_free(switch, p)
                       and (switch, p) not in claimed]
        # A pair already cross-connected needs no reconfiguration.
        for p in inputs:
            peer = self._peers.get((switch, p))
            if peer in outputs:
                return p, peer, False
        if inputs and outputs:
            return inputs[0], outputs[0], True
        return None

    def release(self, circuit: Circuit) -> None:
        """Free a circuit's resources (cross-connects stay as they are)."""
        if circuit.released:
            raise QdcnetError("circuit released twice")
        circuit.released = True
        assert circuit.booking is not None
        self.book.release(circuit.booking)

    def busy_summary(self) -> dict[str, Any]:
        """What is in use right now (for tests and reports)."""
        book = self.book
        return {
            "communication_qubits": {n: self.communication_qubits(n) - book.free_communication(n)
                                     for n in self._memory},
            "terminals": {t: config.count - len(book.free_units(t))
                          for t, config in (self._stations | self._sources).items()},
            "ports": {s: sum(1 for p in book.ports_of(s) if not book.port_free(s, p))
                      for s in self._switches},
        }

    def memory_nodes(self) -> Iterable[str]:
        return self._memory.keys()
