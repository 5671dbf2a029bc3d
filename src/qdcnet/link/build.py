"""Segments from platform profiles: the ends, a default station, the whole link.

Examples
--------
>>> from qdcnet.hardware.profiles import load_profile
>>> ion = load_profile("trapped_ion", {"communication.converter.output_wavelength": "1522 nm"})
>>> atom = load_profile("neutral_atom")
>>> spec = two_click_from_profiles(ion, atom, length_m=2_000.0)
>>> round(spec.visibility, 3)  # 23 MHz and 6 MHz lines overlap imperfectly
0.661
"""

from __future__ import annotations

from qdcnet.errors import QdcnetError
from qdcnet.hardware.components import BSMStation, Detector, Fiber, OpticalSwitch
from qdcnet.hardware.profiles import PlatformProfile
from qdcnet.link.spec import DutyCycle, EmitterEnd, OpticalPath, SingleClickLink, TwoClickLink

__all__ = [
    "default_detector",
    "emitter_end",
    "single_click_from_profiles",
    "two_click_from_profiles",
]


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


def two_click_from_profiles(
    profile_a: PlatformProfile,
    profile_b: PlatformProfile,
    *,
    length_m: float,
    names: tuple[str, str] = ("qpu0", "qpu1"),
    station: BSMStation | None = None,
    convert: bool = True,
) -> TwoClickLink:
    """Two QPUs joined by a midpoint BSM station, ``length_m`` of fibre in all."""
    end_a = emitter_end(names[0], profile_a, fiber_length_m=length_m / 2, convert=convert)
    end_b = emitter_end(names[1], profile_b, fiber_length_m=length_m / 2, convert=convert)
    return TwoClickLink(end_a, end_b, _station(end_a, station))


def single_click_from_profiles(
    profile_a: PlatformProfile,
    profile_b: PlatformProfile,
    *,
    length_m: float,
    alpha: float = 0.1,
    names: tuple[str, str] = ("qpu0", "qpu1"),
    station: BSMStation | None = None,
    convert: bool = True,
    phase_noise_rad: float = 0.0,
) -> SingleClickLink:
    """Single-click heralding between two QPUs through a midpoint station."""
    end_a = emitter_end(names[0], profile_a, fiber_length_m=length_m / 2, convert=convert)
    end_b = emitter_end(names[1], profile_b, fiber_length_m=length_m / 2, convert=convert)
    return SingleClickLink(end_a, end_b, _station(end_a, station), alpha_a=alpha, alpha_b=alpha,
                           phase_noise_rad=phase_noise_rad)
