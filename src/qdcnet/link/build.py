"""Segments from platform profiles: the ends, a default station, the whole link.

Examples
--------
>>> from qdcnet.hardware.profiles import load_profile
>>> ion = load_profile("trapped_ion_helios_854",
...                    {"communication.converter.output_wavelength": "1522 nm"})
>>> atom = load_profile("neutral_atom")
>>> spec = two_click_from_profiles(ion, atom, length_m=2_000.0)
>>> round(spec.visibility, 3)  # 23 MHz and 6 MHz lines overlap imperfectly
0.661
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Literal

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import (
    BSMStation,
    CompatibilityError,
    Detector,
    Fiber,
    OpticalSwitch,
    PhotonicInterface,
    check_compatible,
)
from qdcnet.hardware.profiles import PlatformProfile
from qdcnet.link.spec import DutyCycle, EmitterEnd, OpticalPath, SingleClickLink, TwoClickLink

__all__ = [
    "Convert",
    "choose_conversion",
    "default_detector",
    "emitter_end",
    "single_click_from_profiles",
    "two_click_from_profiles",
]

#: Use a node's own frequency converter (or transducer): always, never, or
#: ``"auto"``, per segment, only where the link needs it.
Convert = bool | Literal["auto"]

#: An arm option: the photon as it reaches the station and the arm's efficiency η
#: (emission to detection), or ``None`` where the option does not exist.
ArmOption = tuple[PhotonicInterface, float] | None


def choose_conversion(
    settings: tuple[Convert, Convert],
    arm: Callable[[int, bool], ArmOption],
    *,
    herald: Callable[[float, float], float] = operator.mul,
) -> tuple[bool, bool]:
    """Which ends of a segment use their own converter (or transducer).

    ``arm(end, convert)`` describes end 0 or 1 converting or not: the photon
    at the station and the arm efficiency η (emitter, converter efficiency,
    switches, fibre at the photon's wavelength, detector at that wavelength),
    or ``None`` where the option does not exist (no converter; a route that
    converts already). ``True`` and ``False`` settings are kept (``True`` on
    a node without a converter sends the photon as emitted, as it always
    has); an ``"auto"`` end tries both. Among the combinations whose photons
    meet in one wavelength and encoding
    (:func:`~qdcnet.hardware.components.check_compatible`), the one with the
    highest ``herald(η_a, η_b)`` wins: the product (default) is proportional
    to a two-photon herald's probability; pass ``operator.add`` for
    single-click heralding, whose rate grows with each arm's efficiency. Ties
    go to fewer conversions. When no combination is compatible, every end
    that may convert does, and building the link reports the mismatch.

    >>> from qdcnet.hardware.components import PhotonicInterface
    >>> near = PhotonicInterface("polarization", 854e-9, 23e6)
    >>> far = PhotonicInterface("polarization", 1310e-9, 23e6)
    >>> arms = {False: (near, 0.6), True: (far, 0.25)}
    >>> choose_conversion(("auto", "auto"), lambda end, convert: arms[convert])
    (False, False)
    >>> choose_conversion((True, "auto"), lambda end, convert: arms[convert])
    (True, True)
    """
    options: list[list[bool]] = []
    for end, setting in enumerate(settings):
        if setting not in (True, False, "auto"):
            raise ParameterError("convert", setting, "true, false or 'auto'")
        if setting is False:
            options.append([False])
            continue
        can = arm(end, True) is not None
        if setting == "auto":
            options.append([False, True] if can else [False])
        else:
            options.append([can])
    best: tuple[float, int] | None = None
    choice: tuple[bool, bool] | None = None
    for combination in itertools.product(*options):
        a, b = arm(0, combination[0]), arm(1, combination[1])
        if a is None or b is None:
            continue
        try:
            check_compatible(a[0], b[0])
        except CompatibilityError:
            continue
        score = (herald(a[1], b[1]), -sum(combination))
        if best is None or score > best:
            best, choice = score, (combination[0], combination[1])
    if choice is None:
        return options[0][-1], options[1][-1]
    return choice


def default_detector(wavelength_m: float) -> Detector:
    """A typical detector for a wavelength: an SNSPD in the infrared, an APD below 1 µm.

    SNSPD: 98% efficiency at 1550 nm (Reddy et al., Optica 2020), ~1 dark
    count/s, 50 ps jitter (Marsili et al. 2013 report 15-150 ps). Visible-band
    APD: 65% efficiency and 20 dark counts/s (the Oxford 422 nm detectors;
    the Delft NV set uses 80% and 20/s). The 10 ns detection window is an
    assumption; set it from the photon length for real designs.
    """
    if wavelength_m > 1.0e-6:
        return Detector(efficiency=0.98, dark_count_rate_hz=1.0, detection_window_s=10e-9,
                        jitter_s=50e-12)
    return Detector(efficiency=0.65, dark_count_rate_hz=20.0, detection_window_s=10e-9,
                    jitter_s=500e-12)


def emitter_end(
    name: str,
    profile: PlatformProfile,
    *,
    fiber_length_m: float,
    convert: bool = True,
    attenuation_db_per_km: float | None = None,
    switches: tuple[OpticalSwitch, ...] = (),
    extra_loss_db: float = 0.0,
    processing_latency_s: float = 0.0,
    num_communication_qubits: int | None = None,
) -> EmitterEnd:
    """One end of an emitter-based segment, from a profile's communication interface.

    The fibre runs at the wavelength the photon has after this node's
    converter or transducer (``convert=True``) or at the emitted wavelength.
    ``processing_latency_s`` is the time the node's link controller takes
    to act on a herald (an FPGA: nanoseconds to a microsecond), not the
    QPU's feed-forward latency. ``num_communication_qubits`` overrides the
    profile's count (multiplexed emitters on separate channels).
    """
    comm = profile.communication
    if comm is None:
        raise QdcnetError(f"profile {profile.name} has no communication interface: a "
                          f"{profile.platform} QPU cannot be one end of a heralded segment")
    converter = comm.converter if convert else None
    transducer = comm.transducer if convert else None
    photon = comm.interface(name)
    if converter is not None:
        photon = converter.convert(photon)
    elif transducer is not None:
        photon = transducer.convert(photon)
    fiber = Fiber(length_m=fiber_length_m, wavelength_m=photon.wavelength_m,
                  attenuation_db_per_km=attenuation_db_per_km)
    duty = (DutyCycle(comm.burst_s, comm.pause_s or 0.0)
            if comm.burst_s is not None else None)
    return EmitterEnd(
        name=name,
        emitter=comm.emitter,
        memory=comm.memory,
        path=OpticalPath(fiber, converter=converter, transducer=transducer, switches=switches,
                         extra_loss_db=extra_loss_db),
        num_communication_qubits=num_communication_qubits or comm.num_qubits,
        processing_latency_s=processing_latency_s,
        indistinguishability=comm.indistinguishability,
        spin_photon_fidelity=comm.spin_photon_fidelity,
        double_excitation_probability=comm.double_excitation_probability,
        duty_cycle=duty,
    )


def _station(end_a: EmitterEnd, station: BSMStation | None) -> BSMStation:
    return station or BSMStation(default_detector(end_a.photon.wavelength_m))


def _emitter_pair(
    profiles: tuple[PlatformProfile, PlatformProfile], length_m: float,
    names: tuple[str, str], station: BSMStation | None, convert: Convert,
    herald: Callable[[float, float], float],
) -> tuple[EmitterEnd, EmitterEnd]:
    """Both ends, each converting as :func:`choose_conversion` decides."""
    settings = (convert, convert)

    def build(end: int, converting: bool) -> EmitterEnd:
        return emitter_end(names[end], profiles[end], fiber_length_m=length_m / 2,
                           convert=converting)

    def option(end: int, converting: bool) -> ArmOption:
        comm = profiles[end].communication
        if comm is None:
            raise QdcnetError(f"profile {profiles[end].name} has no communication interface: "
                              f"a {profiles[end].platform} QPU cannot be one end of a heralded "
                              "segment")
        if converting and comm.converter is None and comm.transducer is None:
            return None
        try:
            built = build(end, converting)
        except QdcnetError:
            return None  # e.g. no fibre loss is known at a microwave wavelength
        photon = built.photon
        detector = (station.detector if station is not None
                    else default_detector(photon.wavelength_m))
        return photon, built.emitter.efficiency * built.path.transmission * detector.efficiency

    chosen = choose_conversion(settings, option, herald=herald)
    return build(0, chosen[0]), build(1, chosen[1])


def two_click_from_profiles(
    profile_a: PlatformProfile,
    profile_b: PlatformProfile,
    *,
    length_m: float,
    names: tuple[str, str] = ("qpu0", "qpu1"),
    station: BSMStation | None = None,
    convert: Convert = "auto",
) -> TwoClickLink:
    """Two QPUs joined by a midpoint BSM station, ``length_m`` of fibre in all.

    ``convert``: each end's own converter is used always (``True``), never
    (``False``) or where the link needs it (``"auto"``, see
    :func:`choose_conversion`).
    """
    end_a, end_b = _emitter_pair((profile_a, profile_b), length_m, names, station, convert,
                                 operator.mul)
    return TwoClickLink(end_a, end_b, _station(end_a, station))


def single_click_from_profiles(
    profile_a: PlatformProfile,
    profile_b: PlatformProfile,
    *,
    length_m: float,
    alpha: float = 0.1,
    names: tuple[str, str] = ("qpu0", "qpu1"),
    station: BSMStation | None = None,
    convert: Convert = "auto",
    phase_noise_rad: float = 0.0,
) -> SingleClickLink:
    """Single-click heralding between two QPUs through a midpoint station.

    ``convert`` as for :func:`two_click_from_profiles`; one photon heralds,
    so ``"auto"`` weighs the arms' efficiencies by their sum.
    """
    end_a, end_b = _emitter_pair((profile_a, profile_b), length_m, names, station, convert,
                                 operator.add)
    return SingleClickLink(end_a, end_b, _station(end_a, station), alpha_a=alpha, alpha_b=alpha,
                           phase_noise_rad=phase_noise_rad)
