"""Component models: range checks, derived figures, compatibility, visibility."""

from __future__ import annotations

import math

import pytest

from qdcnet.errors import ParameterError
from qdcnet.hardware import (
    WDM,
    BSMStation,
    CompatibilityError,
    Detector,
    Emitter,
    Fiber,
    FrequencyConverter,
    MemoryBank,
    OpticalSwitch,
    PairSource,
    PhotonicInterface,
    QuantumMemory,
    Transducer,
    check_compatible,
    default_attenuation_db_per_km,
    two_photon_visibility,
)


def test_fiber_loss_delay_and_default_attenuation():
    fiber = Fiber(length_m=50_000.0, wavelength_m=1550e-9)
    assert fiber.attenuation_db_per_km == pytest.approx(0.2)
    assert fiber.transmission == pytest.approx(0.1)
    assert fiber.delay_s == pytest.approx(50_000 / (299_792_458 / 1.468))
    assert default_attenuation_db_per_km(1310e-9) == pytest.approx(0.33)
    assert default_attenuation_db_per_km(780e-9) == pytest.approx(3.5)
    # Rayleigh scaling below 780 nm; held flat above 1550 nm.
    assert default_attenuation_db_per_km(390e-9) == pytest.approx(3.5 * 16)
    assert default_attenuation_db_per_km(1600e-9) == pytest.approx(0.2)
    assert 0.2 < default_attenuation_db_per_km(1400e-9) < 0.33
    assert Fiber(length_m=10.0, attenuation_db_per_km=30.0).loss_db == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Fiber(length_m=-1.0), "length_m"),
        (lambda: Detector(efficiency=1.2), "efficiency"),
        (lambda: Detector(efficiency=0.5, dark_count_rate_hz=-1), "dark_count_rate_hz"),
        (lambda: Emitter(1.5, 0.1, 1e-6, 0, 1e6, 780e-9, "polarization"), "emission_probability"),
        (lambda: Emitter(0.5, -0.1, 1e-6, 0, 1e6, 780e-9, "polarization"),
         "collection_efficiency"),
        (lambda: Emitter(0.5, 0.1, 1e-6, 0, 1e6, 780e-9, "smoke signals"), "encoding"),
        (lambda: QuantumMemory(t1_s=1.0, t2_s=3.0), "t2_s"),
        (lambda: QuantumMemory(t1_s=1.0, t2_s=1.0, relax_to="up"), "relax_to"),
        (lambda: FrequencyConverter(780e-9, 1522e-9, efficiency=1.1), "efficiency"),
        (lambda: Transducer(0.1, -1, 1e6, 8e9, 1550e-9), "added_noise_photons"),
        (lambda: OpticalSwitch(ports=1, insertion_loss_db=1, reconfiguration_time_s=0), "ports"),
        (lambda: WDM(channels=0, insertion_loss_db=1), "channels"),
        (lambda: MemoryBank(slots=0), "slots"),
        (lambda: PairSource(1e6, 1.2, 1550e-9, 1e6), "fidelity"),
        (lambda: BSMStation(Detector(0.9), resolvable_bell_states=3), "resolvable_bell_states"),
        (lambda: PhotonicInterface("polarization", 10e-9, 1e6), "wavelength_m"),
    ],
)
def test_out_of_range_fields_are_named(build, field):
    with pytest.raises(ParameterError) as info:
        build()
    assert info.value.name == field
    assert "allowed" in str(info.value)


def test_detector_dark_count_probability():
    detector = Detector(efficiency=0.9, dark_count_rate_hz=20.0, detection_window_s=25e-9)
    assert detector.dark_count_probability == pytest.approx(1 - math.exp(-5e-7))


def test_visibility_from_spectral_overlap():
    a = PhotonicInterface("time_bin", 1550e-9, 10e6)
    b = PhotonicInterface("time_bin", 1550e-9, 30e6)
    assert two_photon_visibility(a, a) == pytest.approx(1.0)
    assert two_photon_visibility(a, b) == pytest.approx(4 * 10 * 30 / 40**2)
    # Detuning by one linewidth between equal lines: 4 Γ² / (4 Γ² + 4 Γ²) = 1/2.
    c = 299_792_458.0
    shifted = PhotonicInterface("time_bin", c / (c / 1550e-9 + 10e6), 10e6)
    assert two_photon_visibility(a, shifted) == pytest.approx(0.5, rel=1e-6)


def test_incompatible_ends_name_both_and_what_differs():
    ion = PhotonicInterface("polarization", 854e-9, 23e6, name="qpu0")
    atom = PhotonicInterface("time_bin", 780e-9, 6e6, name="qpu1")
    with pytest.raises(CompatibilityError) as info:
        check_compatible(ion, atom)
    message = str(info.value)
    assert "qpu0" in message
    assert "qpu1" in message
    assert "encodings differ (polarization vs time_bin)" in message
    assert "wavelengths differ (854 nm vs 780 nm)" in message
    assert "frequency converter" in message


def test_converters_change_wavelength_and_check_their_input():
    photon = PhotonicInterface("polarization", 780e-9, 6e6, name="atom")
    converter = FrequencyConverter(780e-9, 1522e-9, 0.57)
    out = converter.convert(photon)
    assert out.wavelength_m == 1522e-9
    assert out.linewidth_hz == 6e6
    with pytest.raises(CompatibilityError, match="takes 854 nm"):
        FrequencyConverter(854e-9, 1310e-9, 0.26).convert(photon)
    microwave = PhotonicInterface("photon_number", 299_792_458.0 / 8.8e9, 5e6)
    transducer = Transducer(0.087, 0.16, 10e6, 8.8e9, 1550e-9)
    assert transducer.convert(microwave).wavelength_m == 1550e-9
    assert transducer.noise_photons_per_attempt == pytest.approx(0.087 * 0.16)


# -- physically meaningless values (issue 12) ------------------------------------


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: PhotonicInterface("polarization", -1550e-9, 1e6), "wavelength_m"),
        (lambda: PhotonicInterface("polarization", 0.0, 1e6), "wavelength_m"),
        (lambda: PhotonicInterface("polarization", float("nan"), 1e6), "wavelength_m"),
        (lambda: PhotonicInterface("polarization", 1550e-9, -1.0), "linewidth_hz"),
        (lambda: PhotonicInterface("polarization", 1550e-9, float("inf")), "linewidth_hz"),
        (lambda: Fiber(float("inf")), "length_m"),
        (lambda: Fiber(1.0, -1550e-9), "wavelength_m"),
        (lambda: Fiber(1.0, group_velocity_m_per_s=4e8), "group_velocity_m_per_s"),
        (lambda: Detector(1.2), "efficiency"),
        (lambda: Detector(0.9, dark_count_rate_hz=-1.0), "dark_count_rate_hz"),
        (lambda: Detector(0.9, detection_window_s=0.0), "detection_window_s"),
        (lambda: Detector(0.9, jitter_s=float("nan")), "jitter_s"),
        (lambda: FrequencyConverter(-854e-9, 1550e-9, 0.5), "input_wavelength_m"),
        (lambda: FrequencyConverter(854e-9, 1550e-9, 1.5), "efficiency"),
        (lambda: PairSource(1e6, 0.9, 0.0, 1e6), "wavelength_m"),
        (lambda: PairSource(1e6, 0.9, 1550e-9, -1e6), "linewidth_hz"),
        (lambda: QuantumMemory(-1.0, 1.0), "t1_s"),
        (lambda: QuantumMemory(1.0, 1.0, efficiency=-0.1), "efficiency"),
    ],
)
def test_physically_meaningless_components_are_refused(build, name):
    with pytest.raises(ParameterError, match=f"^{name} = ") as info:
        build()
    assert info.value.name == name
