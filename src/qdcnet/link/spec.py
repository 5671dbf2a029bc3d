"""What a heralded segment is made of: ends, optical paths, a station or a source.

A segment specification is plain data. :mod:`qdcnet.link.model` turns it into
an analytic :class:`~qdcnet.link.model.LinkModel` and :mod:`qdcnet.link.process`
simulates it event by event; both read the same derived figures from here
(arm efficiencies, delays, visibility), so the two views cannot drift apart.

Three schemes:

- :class:`SingleClickLink` — each node entangles its spin with the presence of
  a photon (bright-state population α); one click at a midpoint beam splitter
  heralds (Cabrillo et al. 1999).
- :class:`TwoClickLink` — each node emits one photonic qubit (polarization,
  time-bin, ...); a linear-optics BSM at the midpoint heralds on a two-photon
  coincidence, resolving two of the four Bell states (Barrett & Kok 2005).
- :class:`MidpointSourceLink` — an entangled-photon-pair source between the
  nodes; each node stores its photon with a heralded absorption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from qdcnet.errors import ParameterError, check_range
from qdcnet.hardware.components import (
    DEFAULT_GROUP_VELOCITY_M_PER_S,
    WDM,
    BSMStation,
    CompatibilityError,
    Detector,
    Emitter,
    Encoding,
    Fiber,
    FrequencyConverter,
    OpticalSwitch,
    PairSource,
    PhotonicInterface,
    QuantumMemory,
    Transducer,
    check_compatible,
    db_to_transmission,
    two_photon_visibility,
)

__all__ = [
    "AbsorberEnd",
    "DutyCycle",
    "EmitterEnd",
    "LinkSpec",
    "MidpointSourceLink",
    "OpticalPath",
    "SingleClickLink",
    "TwoClickLink",
]


@dataclass(frozen=True)
class OpticalPath:
    """The optical circuit from a node to the station (or from the source to a node).

    Losses multiply along it: converter or transducer, switch ports, WDM,
    extra connectors, and the fibre. Noise photons from a converter (per
    second) or a transducer (per attempt) travel on with the downstream
    transmission.
    """

    fiber: Fiber
    converter: FrequencyConverter | None = None
    transducer: Transducer | None = None
    switches: tuple[OpticalSwitch, ...] = ()
    wdm: WDM | None = None
    extra_loss_db: float = 0.0

    def __post_init__(self) -> None:
        check_range("extra_loss_db", self.extra_loss_db, 0.0)
        if self.converter is not None and self.transducer is not None:
            raise ParameterError("converter, transducer", "both given",
                                 "at most one conversion stage per path")

    @property
    def downstream_transmission(self) -> float:
        """Transmission after the conversion stage: switches, WDM, extra loss, fibre."""
        loss_db = self.extra_loss_db + sum(s.insertion_loss_db for s in self.switches)
        if self.wdm is not None:
            loss_db += self.wdm.insertion_loss_db
        return db_to_transmission(loss_db) * self.fiber.transmission

    @property
    def transmission(self) -> float:
        """Photon in at the node, photon out at the far end (before detection)."""
        conversion = 1.0
        if self.converter is not None:
            conversion = self.converter.throughput
        elif self.transducer is not None:
            conversion = self.transducer.efficiency
        return conversion * self.downstream_transmission

    @property
    def delay_s(self) -> float:
        return self.fiber.delay_s

    def output_interface(self, photon: PhotonicInterface) -> PhotonicInterface:
        """The photon as it leaves the path (after any conversion)."""
        if self.converter is not None:
            photon = self.converter.convert(photon)
        elif self.transducer is not None:
            photon = self.transducer.convert(photon)
        return photon

    def noise_photons(self, window_s: float) -> float:
        """Mean noise photons leaving the path within one detection window."""
        noise = 0.0
        if self.converter is not None:
            # Converter noise passes the encoding stage, if any, like the signal.
            noise += (self.converter.noise_photons_per_s * window_s
                      * self.converter.encoding_efficiency)
        if self.transducer is not None:
            noise += self.transducer.noise_photons_per_attempt
        return noise * self.downstream_transmission


@dataclass(frozen=True)
class DutyCycle:
    """Attempts run in bursts of ``burst_s`` separated by ``pause_s`` (e.g. recooling).

    Within a burst attempts follow each other at the attempt period; the
    pause is spent on something else (Doppler recooling of ions, phase
    stabilisation, charge-resonance checks).
    """

    burst_s: float
    pause_s: float

    def __post_init__(self) -> None:
        check_range("burst_s", self.burst_s, 0.0, low_open=True)
        check_range("pause_s", self.pause_s, 0.0)

    @property
    def fraction(self) -> float:
        return self.burst_s / (self.burst_s + self.pause_s)


@dataclass(frozen=True)
class EmitterEnd:
    """A node that emits photons entangled with a communication qubit."""

    name: str
    emitter: Emitter
    memory: QuantumMemory
    path: OpticalPath
    num_communication_qubits: int = 1
    processing_latency_s: float = 0.0
    indistinguishability: float = 1.0
    spin_photon_fidelity: float = 1.0
    double_excitation_probability: float = 0.0
    duty_cycle: DutyCycle | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ParameterError("name", self.name, "a non-empty node name")
        if (isinstance(self.num_communication_qubits, bool)
                or not isinstance(self.num_communication_qubits, int)
                or self.num_communication_qubits < 1):
            raise ParameterError("num_communication_qubits", self.num_communication_qubits,
                                 "an integer >= 1")
        check_range("processing_latency_s", self.processing_latency_s, 0.0)
        check_range("indistinguishability", self.indistinguishability, 0.0, 1.0)
        check_range("spin_photon_fidelity", self.spin_photon_fidelity, 0.25, 1.0)
        check_range("double_excitation_probability", self.double_excitation_probability, 0.0, 1.0)

    @property
    def photon(self) -> PhotonicInterface:
        """The photon as it reaches the station (after conversion)."""
        return self.path.output_interface(self.emitter.interface(self.name))


@dataclass(frozen=True)
class AbsorberEnd:
    """A node that stores an incoming photon with a heralded absorption (midpoint source).

    By default the memory keeps the first photon it absorbs in the acceptance
    window (later ones pass or are rejected), so a window with several pairs
    still leaves the source state when the first photon stored at each end
    comes from the same pair. ``multimode_memory`` stores every photon of the
    window instead, with no way to tell later which pair a stored excitation
    came from: any window with two or more pairs then leaves the maximally
    mixed state.
    """

    name: str
    memory: QuantumMemory
    path: OpticalPath
    interface: PhotonicInterface
    absorption_efficiency: float
    herald_detector: Detector
    acceptance_window_s: float
    reset_time_s: float
    num_communication_qubits: int = 1
    processing_latency_s: float = 0.0
    multimode_memory: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise ParameterError("name", self.name, "a non-empty node name")
        if not isinstance(self.multimode_memory, bool):
            raise ParameterError("multimode_memory", self.multimode_memory, "True or False")
        check_range("absorption_efficiency", self.absorption_efficiency, 0.0, 1.0)
        check_range("acceptance_window_s", self.acceptance_window_s, 0.0, low_open=True)
        check_range("reset_time_s", self.reset_time_s, 0.0)
        check_range("processing_latency_s", self.processing_latency_s, 0.0)
        if (isinstance(self.num_communication_qubits, bool)
                or not isinstance(self.num_communication_qubits, int)
                or self.num_communication_qubits < 1):
            raise ParameterError("num_communication_qubits", self.num_communication_qubits,
                                 "an integer >= 1")

    @property
    def efficiency(self) -> float:
        """A source photon entering the path is stored and heralded."""
        return (self.path.transmission * self.absorption_efficiency
                * self.herald_detector.efficiency)


def _num_streams(a_qubits: int, b_qubits: int, paths: tuple[OpticalPath, ...]) -> int:
    streams = min(a_qubits, b_qubits)
    for path in paths:
        if path.wdm is not None:
            streams = min(streams, path.wdm.channels)
    return streams


@dataclass(frozen=True)
class LinkSpec:
    """Common base: a named segment between two ends."""

    name: str = field(default="", kw_only=True)

    @property
    def scheme(self) -> str:  # pragma: no cover - overridden
        raise AttributeError


@dataclass(frozen=True)
class _EmitterLink(LinkSpec):
    end_a: EmitterEnd
    end_b: EmitterEnd
    station: BSMStation

    def __post_init__(self) -> None:
        if self.end_a.name == self.end_b.name:
            raise ParameterError("end_b.name", self.end_b.name,
                                 f"a node other than {self.end_a.name!r}")
        if not self.name:
            object.__setattr__(self, "name", f"{self.end_a.name}-{self.end_b.name}")
        check_compatible(self.end_a.photon, self.end_b.photon, what="interfere")

    @property
    def ends(self) -> tuple[EmitterEnd, EmitterEnd]:
        return (self.end_a, self.end_b)

    @property
    def visibility(self) -> float:
        """HOM visibility: spectral overlap times each emitter's indistinguishability."""
        spectral = two_photon_visibility(self.end_a.photon, self.end_b.photon)
        return spectral * math.sqrt(self.end_a.indistinguishability
                                    * self.end_b.indistinguishability)

    def arm_efficiency(self, end: EmitterEnd) -> float:
        """η: an emission attempt gives a detected photon at the station."""
        return (end.emitter.efficiency * end.path.transmission * self.station.transmission
                * self.station.detector.efficiency)

    @property
    def window_s(self) -> float:
        return self.station.detector.detection_window_s

    def false_click_probability(self) -> float:
        """Per detector and window: a dark count or a noise photon from either arm."""
        detector = self.station.detector
        noise = sum(e.path.noise_photons(self.window_s) for e in self.ends)
        # Noise photons split over the station's detectors like signal photons.
        per_detector = noise * self.station.transmission * detector.efficiency / self.num_detectors
        return 1.0 - (1.0 - detector.dark_count_probability) * math.exp(-per_detector)

    @property
    def num_detectors(self) -> int:  # pragma: no cover - overridden
        raise AttributeError

    def herald_delay_s(self, end: EmitterEnd) -> float:
        """From the end of emission until ``end`` learns the outcome.

        The photons are timed to meet at the station, so each end's qubit
        waits for its photon's flight, the station's processing, the
        classical message back over the same distance, and its own processing.
        """
        return (2.0 * end.path.delay_s + self.station.processing_latency_s
                + end.processing_latency_s)

    @property
    def emissions_per_attempt(self) -> int:
        return 1

    @property
    def emission_time_s(self) -> float:
        return self.emissions_per_attempt * max(e.emitter.emission_time_s for e in self.ends)

    @property
    def min_attempt_period_s(self) -> float:
        """The shortest attempt period the ends' hardware allows (0: no limit).

        A transducer whose optical pump is pulsed at most ``repetition_rate_hz``
        times per second allows one emission per pulse.
        """
        periods = [self.emissions_per_attempt / e.path.transducer.repetition_rate_hz
                   for e in self.ends if e.path.transducer is not None
                   and e.path.transducer.repetition_rate_hz is not None]
        return max(periods, default=0.0)

    @property
    def reset_time_s(self) -> float:
        return max(e.emitter.reset_time_s for e in self.ends)

    @property
    def num_streams(self) -> int:
        return _num_streams(self.end_a.num_communication_qubits,
                            self.end_b.num_communication_qubits,
                            (self.end_a.path, self.end_b.path))

    @property
    def duty_cycle(self) -> DutyCycle | None:
        """The ends recool or stabilise together: shortest burst, longest pause."""
        cycles = [e.duty_cycle for e in self.ends if e.duty_cycle is not None]
        if not cycles:
            return None
        return DutyCycle(min(c.burst_s for c in cycles), max(c.pause_s for c in cycles))

    @property
    def memories(self) -> tuple[QuantumMemory, QuantumMemory]:
        return (self.end_a.memory, self.end_b.memory)

    @property
    def relay(self) -> bool:
        """A heralding station sits between the ends (single-relay capacity bound)."""
        return True


@dataclass(frozen=True)
class SingleClickLink(_EmitterLink):
    """Single-photon (single-click) heralding with bright-state populations α_A, α_B.

    Parameters
    ----------
    alpha_a, alpha_b
        Bright-state population prepared at each node. Balance α_A η_A ≈
        α_B η_B for the best fidelity.
    phase_noise_rad
        RMS optical phase difference between the arms (interferometer
        stability); the coherence shrinks by exp(-σ²/2).
    """

    alpha_a: float = 0.1
    alpha_b: float = 0.1
    phase_noise_rad: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("alpha_a", self.alpha_a, 0.0, 1.0, low_open=True, high_open=True)
        check_range("alpha_b", self.alpha_b, 0.0, 1.0, low_open=True, high_open=True)
        check_range("phase_noise_rad", self.phase_noise_rad, 0.0)
        for end in self.ends:
            if end.emitter.encoding is not Encoding.PHOTON_NUMBER:
                raise CompatibilityError(
                    f"single-click heralding needs photon-number encoding; {end.name} emits "
                    f"{end.emitter.encoding.value} photons (use the two_click scheme)"
                )

    @property
    def scheme(self) -> str:
        return "single_click"

    @property
    def num_detectors(self) -> int:
        return 2


@dataclass(frozen=True)
class TwoClickLink(_EmitterLink):
    """Two-photon (Barrett–Kok type) heralding at a linear-optics BSM.

    Polarization, path and frequency-bin qubits need one emission per
    attempt; time-bin qubits need two (early and late).
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        for end in self.ends:
            if end.emitter.encoding is Encoding.PHOTON_NUMBER:
                raise CompatibilityError(
                    f"two-click heralding needs a photonic qubit; {end.name} emits "
                    "photon-number states (use the single_click scheme)"
                )

    @property
    def scheme(self) -> str:
        return "two_click"

    @property
    def num_detectors(self) -> int:
        return 4

    @property
    def emissions_per_attempt(self) -> int:
        # An end that emits time bins needs two emissions; an end whose photon was
        # converted to time bins after emission needs one (the attempt lasts for both).
        return 2 if any(e.emitter.encoding is Encoding.TIME_BIN for e in self.ends) else 1


@dataclass(frozen=True)
class MidpointSourceLink(LinkSpec):
    """A pair source between the nodes; both photons must be stored (heralded absorption)."""

    end_a: AbsorberEnd
    end_b: AbsorberEnd
    source: PairSource
    #: Heralds and the classical messages travel in the same silica fibre as
    #: the photons (one constant, :data:`DEFAULT_GROUP_VELOCITY_M_PER_S`).
    classical_velocity_m_per_s: float = DEFAULT_GROUP_VELOCITY_M_PER_S

    def __post_init__(self) -> None:
        if self.end_a.name == self.end_b.name:
            raise ParameterError("end_b.name", self.end_b.name,
                                 f"a node other than {self.end_a.name!r}")
        if not self.name:
            object.__setattr__(self, "name", f"{self.end_a.name}-{self.end_b.name}")
        check_range("classical_velocity_m_per_s", self.classical_velocity_m_per_s, 0.0,
                    low_open=True)
        for end in self.ends:
            arriving = end.path.output_interface(self.source.interface())
            check_compatible(arriving, end.interface, what="store")

    @property
    def scheme(self) -> str:
        return "midpoint_source"

    @property
    def ends(self) -> tuple[AbsorberEnd, AbsorberEnd]:
        return (self.end_a, self.end_b)

    @property
    def window_s(self) -> float:
        return max(e.acceptance_window_s for e in self.ends)

    @property
    def pair_probability(self) -> float:
        """At least one pair emitted within an acceptance window (Poisson)."""
        return -math.expm1(-self.source.pair_rate_hz * self.window_s)

    @property
    def multi_pair_probability(self) -> float:
        """Given at least one pair, probability of more than one."""
        if self.source.multi_pair_probability is not None:
            return self.source.multi_pair_probability
        x = self.source.pair_rate_hz * self.window_s
        at_least_one = -math.expm1(-x)
        return (at_least_one - x * math.exp(-x)) / at_least_one

    def pair_number_pgf(self, z: float) -> float:
        """E[z^N] for the number N of pairs emitted in one acceptance window.

        Poisson with mean rate × window: exp(−x(1 − z)). A source with a given
        ``multi_pair_probability`` m emits, given at least one pair, one pair
        with probability 1 − m and two with m (the leading multi-pair term).
        """
        x = self.source.pair_rate_hz * self.window_s
        if self.source.multi_pair_probability is None:
            return math.exp(-x * (1.0 - z))
        m = self.source.multi_pair_probability
        mu = -math.expm1(-x)
        return math.exp(-x) + mu * ((1.0 - m) * z + m * z * z)

    @property
    def single_pair_probability(self) -> float:
        """P(N = 1): exactly one pair in the acceptance window."""
        x = self.source.pair_rate_hz * self.window_s
        if self.source.multi_pair_probability is None:
            return x * math.exp(-x)
        return -math.expm1(-x) * (1.0 - self.source.multi_pair_probability)

    @property
    def multimode_memory(self) -> bool:
        """Either end stores every photon of the window (see :class:`AbsorberEnd`)."""
        return self.end_a.multimode_memory or self.end_b.multimode_memory

    def false_herald_probability(self, end: AbsorberEnd) -> float:
        noise = end.path.noise_photons(end.acceptance_window_s) * end.absorption_efficiency
        return 1.0 - ((1.0 - end.herald_detector.dark_count_probability)
                      * math.exp(-noise * end.herald_detector.efficiency))

    def _cross_length_m(self) -> float:
        return self.end_a.path.fiber.length_m + self.end_b.path.fiber.length_m

    def herald_delay_s(self, end: AbsorberEnd) -> float:
        """From the source emission until ``end`` knows both photons were stored."""
        other = self.end_b if end is self.end_a else self.end_a
        own = end.path.delay_s + end.processing_latency_s
        message = (other.path.delay_s + other.processing_latency_s
                   + self._cross_length_m() / self.classical_velocity_m_per_s)
        return max(own, message)

    def storage_delay_s(self, end: AbsorberEnd) -> float:
        """From the source emission until ``end`` holds its photon."""
        return end.path.delay_s

    @property
    def emission_time_s(self) -> float:
        return self.window_s

    @property
    def reset_time_s(self) -> float:
        return max(e.reset_time_s for e in self.ends)

    @property
    def num_streams(self) -> int:
        return _num_streams(self.end_a.num_communication_qubits,
                            self.end_b.num_communication_qubits,
                            (self.end_a.path, self.end_b.path))

    @property
    def duty_cycle(self) -> DutyCycle | None:
        return None

    @property
    def memories(self) -> tuple[QuantumMemory, QuantumMemory]:
        return (self.end_a.memory, self.end_b.memory)

    @property
    def relay(self) -> bool:
        return False
