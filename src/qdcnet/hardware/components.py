"""Component models of a quantum data center's photonic network.

Every component is a frozen dataclass whose field names carry their units
(``length_m``, ``t2_s``, ``dark_count_rate_hz``) and whose values are range
checked on construction, so a bad number fails where it is written, with the
field, the value and the allowed range in the message.

Photonic interfaces declare an :class:`Encoding`, a wavelength and a
linewidth. Two ends can only interfere (or one absorb the other's photon)
when encoding and wavelength match; :func:`check_compatible` refuses the
segment otherwise and names both ends and what differs, and
:func:`two_photon_visibility` computes the Hong–Ou–Mandel visibility from the
emitters' spectral overlap rather than taking it as a constant.

Examples
--------
>>> fiber = Fiber(length_m=10_000.0, wavelength_m=1550e-9)
>>> round(fiber.attenuation_db_per_km, 3), round(fiber.transmission, 4)
(0.2, 0.631)
>>> a = PhotonicInterface(Encoding.POLARIZATION, 1550e-9, 20e6, name="ion")
>>> b = PhotonicInterface(Encoding.POLARIZATION, 1550e-9, 6e6, name="atom")
>>> round(two_photon_visibility(a, b), 4)
0.7101
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from qdcnet.errors import ParameterError, QdcnetError, check_range
from qdcnet.quantum.pauli import check_coherence_times
from qdcnet.units import SPEED_OF_LIGHT_M_PER_S

__all__ = [
    "DEFAULT_GROUP_VELOCITY_M_PER_S",
    "WAVELENGTH_TOLERANCE_M",
    "WDM",
    "BSMStation",
    "CompatibilityError",
    "Detector",
    "Emitter",
    "Encoding",
    "Fiber",
    "FrequencyConverter",
    "MemoryBank",
    "OpticalSwitch",
    "PairSource",
    "PhotonicInterface",
    "QuantumMemory",
    "Transducer",
    "check_compatible",
    "db_to_transmission",
    "default_attenuation_db_per_km",
    "two_photon_visibility",
]

#: Group velocity in standard silica fibre, c / 1.468 (group index of SMF-28
#: near 1550 nm; Corning SMF-28 datasheet). REFERENCE.md rounds it to 2.0e8.
#: The one signal speed of the code: photons, heralds and classical messages
#: in fibre (the link spec's and the scenario's classical default). It lives
#: with the fibre it describes, not in ``units`` (which holds unit
#: conversions and exact constants of nature only).
DEFAULT_GROUP_VELOCITY_M_PER_S = SPEED_OF_LIGHT_M_PER_S / 1.468

#: Nominal wavelengths within this distance are "the same channel"; the exact
#: difference still enters the visibility as a detuning.
WAVELENGTH_TOLERANCE_M = 0.01e-9


class CompatibilityError(QdcnetError, ValueError):
    """Two photonic ends that cannot be joined as they are."""

    code = "incompatible"


class Encoding(StrEnum):
    """How a photon carries the qubit."""

    PHOTON_NUMBER = "photon_number"  # single-click: presence or absence of a photon
    TIME_BIN = "time_bin"
    POLARIZATION = "polarization"
    FREQUENCY_BIN = "frequency_bin"
    PATH = "path"


def db_to_transmission(loss_db: float) -> float:
    """10^(-dB/10).

    >>> db_to_transmission(3.0)
    0.5011872336272722
    """
    return 10.0 ** (-loss_db / 10.0)


def _prob(name: str, value: float) -> float:
    return check_range(name, value, 0.0, 1.0)


def _nonneg(name: str, value: float, *, allow_inf: bool = False) -> float:
    return check_range(name, value, 0.0, allow_inf=allow_inf)


def _pos(name: str, value: float, *, allow_inf: bool = False) -> float:
    return check_range(name, value, 0.0, low_open=True, allow_inf=allow_inf)


def _count(name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(name, value, f"an integer >= {minimum}")
    return value


def _wavelength(name: str, value: float) -> float:
    # From UV (200 nm) to microwave (1 m, i.e. 300 MHz): covers every platform.
    return check_range(name, value, 200e-9, 1.0)


# -- fibre ---------------------------------------------------------------------

# (wavelength in nm, attenuation in dB/km) for standard single-mode fibre at
# the wavelengths the literature quotes most; REFERENCE.md section 3.
_ATTENUATION_POINTS = ((780.0, 3.5), (1310.0, 0.33), (1550.0, 0.2))

#: The longest wavelength with a default attenuation: the telecom U band ends at
#: 1675 nm, and beyond it silica's infrared absorption rises fast.
DEFAULT_ATTENUATION_MAX_WAVELENGTH_M = 1.7e-6
#: The longest wavelength any optical fibre guides (mid-infrared fibres reach a few
#: micrometres); a microwave photon (centimetres) must be converted first.
FIBER_MAX_WAVELENGTH_M = 5e-6


def _guided(wavelength_m: float) -> None:
    if wavelength_m > FIBER_MAX_WAVELENGTH_M:
        raise ParameterError("wavelength_m", wavelength_m,
                             f"200 nm to {FIBER_MAX_WAVELENGTH_M * 1e6:g} um: light an optical "
                             "fibre guides",
                             "a microwave photon must be converted (a transducer) before it "
                             "enters a fibre")


def default_attenuation_db_per_km(wavelength_m: float) -> float:
    """Typical loss of single-mode fibre at a wavelength, in dB/km.

    Anchored at 3.5 dB/km at 780 nm, 0.33 at 1310 nm and 0.2 at 1550 nm
    (REFERENCE.md: 3–4, ~0.33, 0.17–0.20). Between anchors the loss is
    interpolated log-linearly; below 780 nm it grows as λ⁻⁴ (Rayleigh
    scattering dominates); from 1550 nm to the end of the telecom bands (1.7 um)
    it is held at 0.2, and beyond there is no default. These defaults are a
    model, marked so in every profile that relies on them: give the
    measured attenuation of a real fibre where it matters.

    >>> round(default_attenuation_db_per_km(637e-9), 2)
    7.87
    """
    nm = _wavelength("wavelength_m", wavelength_m) * 1e9
    _guided(wavelength_m)
    if wavelength_m > DEFAULT_ATTENUATION_MAX_WAVELENGTH_M:
        raise ParameterError("wavelength_m", wavelength_m,
                             f"200 nm to {DEFAULT_ATTENUATION_MAX_WAVELENGTH_M * 1e9:.0f} nm "
                             "for a default fibre attenuation",
                             "beyond the telecom bands give the fibre's measured attenuation")
    first_nm, first_db = _ATTENUATION_POINTS[0]
    if nm <= first_nm:
        return first_db * (first_nm / nm) ** 4
    for (nm0, db0), (nm1, db1) in itertools.pairwise(_ATTENUATION_POINTS):
        if nm <= nm1:
            t = (nm - nm0) / (nm1 - nm0)
            return math.exp(math.log(db0) + t * (math.log(db1) - math.log(db0)))
    return _ATTENUATION_POINTS[-1][1]


@dataclass(frozen=True)
class Fiber:
    """A fibre span. Attenuation defaults to the typical value at its wavelength."""

    length_m: float
    wavelength_m: float = 1550e-9
    attenuation_db_per_km: float | None = None  # type: ignore[assignment]
    group_velocity_m_per_s: float = DEFAULT_GROUP_VELOCITY_M_PER_S

    def __post_init__(self) -> None:
        _nonneg("length_m", self.length_m)
        _wavelength("wavelength_m", self.wavelength_m)
        _guided(self.wavelength_m)
        if self.attenuation_db_per_km is None:
            object.__setattr__(self, "attenuation_db_per_km",
                               default_attenuation_db_per_km(self.wavelength_m))
        _nonneg("attenuation_db_per_km", self.attenuation_db_per_km)  # type: ignore[arg-type]
        check_range("group_velocity_m_per_s", self.group_velocity_m_per_s, 0.0,
                    SPEED_OF_LIGHT_M_PER_S, low_open=True)

    @property
    def loss_db(self) -> float:
        return float(self.attenuation_db_per_km) * self.length_m / 1000.0  # type: ignore[arg-type]

    @property
    def transmission(self) -> float:
        return db_to_transmission(self.loss_db)

    @property
    def delay_s(self) -> float:
        """Time of flight through the span."""
        return self.length_m / self.group_velocity_m_per_s


# -- photonic interfaces -------------------------------------------------------


@dataclass(frozen=True)
class PhotonicInterface:
    """What a photon looks like at some point: encoding, wavelength, linewidth (FWHM)."""

    encoding: Encoding
    wavelength_m: float
    linewidth_hz: float
    name: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "encoding", Encoding(self.encoding))
        except ValueError:
            raise ParameterError("encoding", self.encoding,
                                 ", ".join(e.value for e in Encoding)) from None
        # Every photon is checked where it is described, whatever built it
        # (emitter, source, converter, transducer, or a caller of the API).
        _wavelength("wavelength_m", self.wavelength_m)
        _pos("linewidth_hz", self.linewidth_hz)
        _wavelength("wavelength_m", self.wavelength_m)
        _pos("linewidth_hz", self.linewidth_hz)

    @property
    def frequency_hz(self) -> float:
        return SPEED_OF_LIGHT_M_PER_S / self.wavelength_m

    def describe(self) -> str:
        return (f"{self.name or 'photon'} ({self.encoding.value}, "
                f"{self.wavelength_m * 1e9:.6g} nm, {self.linewidth_hz / 1e6:.4g} MHz)")


def check_compatible(a: PhotonicInterface, b: PhotonicInterface, *, what: str = "join") -> None:
    """Refuse two ends whose encodings or wavelengths differ, naming both and the difference.

    >>> ion = PhotonicInterface("polarization", 854e-9, 1e6, name="qpu0")
    >>> atom = PhotonicInterface("polarization", 780e-9, 6e6, name="qpu1")
    >>> check_compatible(ion, atom)
    Traceback (most recent call last):
    ...
    qdcnet.hardware.components.CompatibilityError: cannot join qpu0 ...
    """
    problems = []
    if a.encoding != b.encoding:
        problems.append(f"encodings differ ({a.encoding.value} vs {b.encoding.value}); "
                        "convert one encoding or choose a scheme both support")
    if abs(a.wavelength_m - b.wavelength_m) > WAVELENGTH_TOLERANCE_M:
        problems.append(
            f"wavelengths differ ({a.wavelength_m * 1e9:.6g} nm vs {b.wavelength_m * 1e9:.6g} nm); "
            "add a frequency converter (or transducer) to bring both to one wavelength"
        )
    if problems:
        raise CompatibilityError(
            f"cannot {what} {a.describe()} and {b.describe()}: " + "; ".join(problems)
        )


def two_photon_visibility(a: PhotonicInterface, b: PhotonicInterface) -> float:
    """Hong–Ou–Mandel visibility of two single photons from their spectra.

    Two exponentially decaying wavepackets (Lorentzian lines of FWHM Γ₁, Γ₂,
    emitted at the same time) detuned by δ overlap as
    V = 4Γ₁Γ₂ / ((Γ₁ + Γ₂)² + 4δ²); for δ = 0 this is REFERENCE.md's
    4Γ₁Γ₂/(Γ₁+Γ₂)². Timing jitter and polarisation or spatial mismatch reduce
    it further; apply those as separate factors.

    >>> same = PhotonicInterface("time_bin", 1550e-9, 10e6)
    >>> two_photon_visibility(same, same)
    1.0
    """
    g1, g2 = a.linewidth_hz, b.linewidth_hz
    detuning = a.frequency_hz - b.frequency_hz
    return 4.0 * g1 * g2 / ((g1 + g2) ** 2 + 4.0 * detuning**2)


# -- memories and emitters -----------------------------------------------------


@dataclass(frozen=True)
class QuantumMemory:
    """A stored qubit: T1 (and what it relaxes to), T2, and retrieval efficiency.

    ``relax_to`` is ``"ground"`` for energy decay (amplitude damping) or
    ``"mixed"`` for spin and nuclear-spin qubits whose T1 is depolarisation.
    Both twirl to the same channel; the density-matrix model keeps them apart.
    """

    t1_s: float
    t2_s: float
    relax_to: str = "ground"
    efficiency: float = 1.0

    def __post_init__(self) -> None:
        _pos("t1_s", self.t1_s, allow_inf=True)
        _pos("t2_s", self.t2_s, allow_inf=True)
        check_coherence_times(self.t1_s, self.t2_s)
        if self.relax_to not in ("ground", "mixed"):
            raise ParameterError("relax_to", self.relax_to, "'ground' or 'mixed'")
        _prob("efficiency", self.efficiency)

    @classmethod
    def perfect(cls) -> QuantumMemory:
        return cls(math.inf, math.inf)


@dataclass(frozen=True)
class Emitter:
    """A communication qubit that emits photons entangled with it.

    Parameters
    ----------
    emission_probability
        Probability that an excitation yields a photon in the useful mode
        (e.g. zero-phonon-line fraction × quantum efficiency for an NV).
    collection_efficiency
        Probability that an emitted photon enters the fibre.
    emission_time_s
        Duration of one emission (state preparation, excitation, photon).
    reset_time_s
        Time to reinitialise the emitter after a failed attempt (spin reset,
        recooling of an ion or atom).
    """

    emission_probability: float
    collection_efficiency: float
    emission_time_s: float
    reset_time_s: float
    linewidth_hz: float
    wavelength_m: float
    encoding: Encoding

    def __post_init__(self) -> None:
        _prob("emission_probability", self.emission_probability)
        _prob("collection_efficiency", self.collection_efficiency)
        _pos("emission_time_s", self.emission_time_s)
        _nonneg("reset_time_s", self.reset_time_s)
        _pos("linewidth_hz", self.linewidth_hz)
        _wavelength("wavelength_m", self.wavelength_m)
        try:
            object.__setattr__(self, "encoding", Encoding(self.encoding))
        except ValueError:
            raise ParameterError("encoding", self.encoding,
                                 ", ".join(e.value for e in Encoding)) from None

    @property
    def efficiency(self) -> float:
        """Photon in the fibre per emission attempt."""
        return self.emission_probability * self.collection_efficiency

    def interface(self, name: str = "") -> PhotonicInterface:
        return PhotonicInterface(self.encoding, self.wavelength_m, self.linewidth_hz, name=name)


# -- detection -----------------------------------------------------------------


@dataclass(frozen=True)
class Detector:
    """A single-photon detector.

    ``photon_number_resolving`` detectors tell one photon from two; threshold
    detectors only click. Detectors are gated: they count, dark counts
    included, only within detection windows. ``dead_time_s`` (blind after a
    click) is accepted by the link model only where it cannot matter: one
    stream per detector set, and the detector ready again before its next
    window (see :func:`qdcnet.link.model.LinkModel.from_spec`).
    """

    efficiency: float
    dark_count_rate_hz: float = 0.0
    detection_window_s: float = 1e-9
    dead_time_s: float = 0.0
    jitter_s: float = 0.0
    photon_number_resolving: bool = False

    def __post_init__(self) -> None:
        _prob("efficiency", self.efficiency)
        _nonneg("dark_count_rate_hz", self.dark_count_rate_hz)
        _pos("detection_window_s", self.detection_window_s)
        _nonneg("dead_time_s", self.dead_time_s)
        _nonneg("jitter_s", self.jitter_s)

    @property
    def dark_count_probability(self) -> float:
        """Probability of at least one dark count in one detection window."""
        return -math.expm1(-self.dark_count_rate_hz * self.detection_window_s)


@dataclass(frozen=True)
class BSMStation:
    """A linear-optics Bell-state measurement: beam splitter and detectors.

    Linear optics resolves at most two of the four Bell states (Calsamiglia &
    Lütkenhaus 2001), which is where two-click schemes lose their factor 1/2.
    """

    detector: Detector
    insertion_loss_db: float = 0.0
    resolvable_bell_states: int = 2
    processing_latency_s: float = 0.0

    def __post_init__(self) -> None:
        _nonneg("insertion_loss_db", self.insertion_loss_db)
        if self.resolvable_bell_states not in (1, 2):
            raise ParameterError("resolvable_bell_states", self.resolvable_bell_states,
                                 "1 or 2 (linear optics resolves at most 2 of 4)")
        _nonneg("processing_latency_s", self.processing_latency_s)

    @property
    def transmission(self) -> float:
        return db_to_transmission(self.insertion_loss_db)


@dataclass(frozen=True)
class PairSource:
    """An entangled-photon-pair source placed between two nodes.

    ``pair_rate_hz`` is the mean rate of emitted pairs; within one memory
    acceptance window the number of pairs is Poisson. ``fidelity`` is that of
    the emitted pair state (Werner). ``multi_pair_probability``, if given,
    overrides the Poisson estimate of an extra pair given one: the link model
    then takes a window with pairs to hold one pair with probability 1 − m
    and two with m.
    """

    pair_rate_hz: float
    fidelity: float
    wavelength_m: float
    linewidth_hz: float
    encoding: Encoding = Encoding.POLARIZATION
    multi_pair_probability: float | None = None

    def __post_init__(self) -> None:
        _pos("pair_rate_hz", self.pair_rate_hz)
        check_range("fidelity", self.fidelity, 0.25, 1.0)
        _wavelength("wavelength_m", self.wavelength_m)
        _pos("linewidth_hz", self.linewidth_hz)
        object.__setattr__(self, "encoding", Encoding(self.encoding))
        if self.multi_pair_probability is not None:
            _prob("multi_pair_probability", self.multi_pair_probability)

    def interface(self, name: str = "source") -> PhotonicInterface:
        return PhotonicInterface(self.encoding, self.wavelength_m, self.linewidth_hz, name=name)


# -- conversion ----------------------------------------------------------------


@dataclass(frozen=True)
class FrequencyConverter:
    """Quantum frequency conversion, e.g. 780 nm to telecom.

    ``noise_photons_per_s`` is the rate of noise photons the converter emits
    into the output mode (Raman and other pump-induced noise).
    """

    input_wavelength_m: float
    output_wavelength_m: float
    efficiency: float
    noise_photons_per_s: float = 0.0
    #: an encoding stage after the conversion (e.g. polarization to time bins), or None
    output_encoding: Encoding | None = None
    #: transmission of that stage (a passive polarization-to-time-bin interface that
    #: erases the bins' polarization with a polarizer keeps half the photons)
    encoding_efficiency: float = 1.0

    def __post_init__(self) -> None:
        _wavelength("input_wavelength_m", self.input_wavelength_m)
        _wavelength("output_wavelength_m", self.output_wavelength_m)
        _prob("efficiency", self.efficiency)
        _nonneg("noise_photons_per_s", self.noise_photons_per_s)
        if self.output_encoding is not None:
            try:
                object.__setattr__(self, "output_encoding", Encoding(self.output_encoding))
            except ValueError:
                raise ParameterError("output_encoding", self.output_encoding,
                                     ", ".join(e.value for e in Encoding)) from None
        _prob("encoding_efficiency", self.encoding_efficiency)
        if self.output_encoding is None and self.encoding_efficiency != 1.0:
            raise ParameterError("encoding_efficiency", self.encoding_efficiency, "1",
                                 "there is no encoding stage (output_encoding is not set)")

    @property
    def throughput(self) -> float:
        """A photon in, a photon out at the new wavelength (and encoding)."""
        return self.efficiency * self.encoding_efficiency

    def convert(self, photon: PhotonicInterface) -> PhotonicInterface:
        """The interface after conversion (linewidth kept; encoding kept unless converted).

        >>> atom = PhotonicInterface("polarization", 780e-9, 6e6)
        >>> stage = FrequencyConverter(780e-9, 1550e-9, 0.57, output_encoding="time_bin",
        ...                            encoding_efficiency=0.5)
        >>> stage.convert(atom).encoding.value, round(stage.throughput, 3)
        ('time_bin', 0.285)
        """
        if abs(photon.wavelength_m - self.input_wavelength_m) > WAVELENGTH_TOLERANCE_M:
            raise CompatibilityError(
                f"cannot convert {photon.describe()}: the converter takes "
                f"{self.input_wavelength_m * 1e9:.6g} nm"
            )
        if self.output_encoding is not None:
            return replace(photon, wavelength_m=self.output_wavelength_m,
                           encoding=self.output_encoding)
        return replace(photon, wavelength_m=self.output_wavelength_m)


@dataclass(frozen=True)
class Transducer:
    """Microwave-to-optical transduction for superconducting qubits.

    ``added_noise_photons`` is the input-referred added noise per mode; the
    noise photons reaching the output per attempt are efficiency × added.
    """

    efficiency: float
    added_noise_photons: float
    bandwidth_hz: float
    input_frequency_hz: float
    output_wavelength_m: float
    #: optical pump pulses per second (one per emission), or None if not limited: a
    #: pulsed pump must leave the dilution refrigerator time to carry its heat away
    repetition_rate_hz: float | None = None

    def __post_init__(self) -> None:
        _prob("efficiency", self.efficiency)
        _nonneg("added_noise_photons", self.added_noise_photons)
        _pos("bandwidth_hz", self.bandwidth_hz)
        check_range("input_frequency_hz", self.input_frequency_hz, 1e8, 1e12)
        _wavelength("output_wavelength_m", self.output_wavelength_m)
        if self.repetition_rate_hz is not None:
            _pos("repetition_rate_hz", self.repetition_rate_hz)

    @property
    def input_wavelength_m(self) -> float:
        return SPEED_OF_LIGHT_M_PER_S / self.input_frequency_hz

    @property
    def noise_photons_per_attempt(self) -> float:
        return self.efficiency * self.added_noise_photons

    def convert(self, photon: PhotonicInterface) -> PhotonicInterface:
        if abs(photon.frequency_hz - self.input_frequency_hz) > 0.5 * self.bandwidth_hz:
            raise CompatibilityError(
                f"cannot transduce {photon.describe()}: the transducer takes "
                f"{self.input_frequency_hz / 1e9:.6g} GHz ± {self.bandwidth_hz / 2e6:.4g} MHz"
            )
        # The optical photon's bandwidth is set by the transducer.
        return replace(photon, wavelength_m=self.output_wavelength_m,
                       linewidth_hz=min(photon.linewidth_hz, self.bandwidth_hz))


# -- switching and multiplexing ------------------------------------------------


@dataclass(frozen=True)
class OpticalSwitch:
    """An optical circuit switch: each port carries one circuit at a time."""

    ports: int
    insertion_loss_db: float
    reconfiguration_time_s: float

    def __post_init__(self) -> None:
        _count("ports", self.ports, 2)
        _nonneg("insertion_loss_db", self.insertion_loss_db)
        _nonneg("reconfiguration_time_s", self.reconfiguration_time_s)

    @property
    def transmission(self) -> float:
        return db_to_transmission(self.insertion_loss_db)


@dataclass(frozen=True)
class WDM:
    """Wavelength-division multiplexer: parallel channels, a loss per channel."""

    channels: int
    insertion_loss_db: float

    def __post_init__(self) -> None:
        _count("channels", self.channels, 1)
        _nonneg("insertion_loss_db", self.insertion_loss_db)

    @property
    def transmission(self) -> float:
        return db_to_transmission(self.insertion_loss_db)


@dataclass(frozen=True)
class MemoryBank:
    """A bank of memory slots that hold pairs between uses (a relay or buffer)."""

    slots: int
    memory: QuantumMemory = field(default_factory=QuantumMemory.perfect)

    def __post_init__(self) -> None:
        _count("slots", self.slots, 1)
