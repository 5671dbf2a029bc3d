"""Issue 10 finding 6: the default ion node of a data center has a demonstrated interface.

Before: ``trapped_ion`` (Helios compute with a Ca+ 854 nm interface, 5.9 %
branching, 5 % collection, 26.5 % conversion) gave 0.06 pairs/s between two
QPUs 10 m from a station, and the demo's first part delivered no pair in
10 s. The 854 nm combination stays as a named what-if profile.
"""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.hardware.profiles import load_profile

FIBRE_SPEED_M_S = 2.0e8


def _two_ion_qpus(profile: str, length: str = "10 m"):

    return build_datacenter({
        "schema_version": 1, "kind": "datacenter", "name": "two-ions", "seed": 1,
        "qpus": [{"name": "a", "profile": profile, "communication_qubits": 1},
                 {"name": "b", "profile": profile, "communication_qubits": 1}],
        "bsm_stations": [{"name": "bsm"}],
        "fibers": [{"between": ["a", "bsm"], "length": length},
                   {"between": ["b", "bsm"], "length": length}],
        "links": {"scheme": "two_click"},
    })


def _expected_rate(profile, length_m: float) -> float:
    """Two-click heralding: p = η_A η_B / 2 (two of four Bell states resolved),
    η = emission × collection × detector (10 m of fibre loses little: kept
    between 0.9 and 1 below), one attempt per emission + reset + herald round
    trip, attempts only in the bursts between recooling pauses."""
    from qdcnet.link.build import default_detector

    comm = profile.communication
    emitter = comm.emitter
    detector = default_detector(comm.interface().wavelength_m).efficiency
    eta = emitter.emission_probability * emitter.collection_efficiency * detector
    period = emitter.emission_time_s + emitter.reset_time_s + 2 * length_m / FIBRE_SPEED_M_S
    duty = 1.0 if comm.burst_s is None else comm.burst_s / (comm.burst_s + comm.pause_s)
    return duty * 0.5 * eta * eta / period


def test_two_default_ion_qpus_in_a_hall_give_demonstrated_rates():
    profile = load_profile("trapped_ion")
    dc = _two_ion_qpus("trapped_ion")
    estimate = dc.estimate(("a", "b"))
    expected = _expected_rate(profile, 10.0)
    # The fibre transmission (between 0.9 and 1 squared) and rounding of the
    # attempt schedule are the only factors left out of the expectation.
    assert 0.75 * expected <= estimate.rate_hz <= 1.1 * expected
    assert estimate.rate_hz >= 100.0  # demonstrated ion links: 182/s (Oxford), 250/s (Duke)
    assert estimate.fidelity > 0.9


def test_the_854_nm_combination_is_kept_as_a_what_if():
    what_if = load_profile("trapped_ion_helios_854")
    comm = what_if.communication
    assert comm.interface().wavelength_m == pytest.approx(854e-9)
    assert comm.converter is not None
    assert comm.converter.efficiency == pytest.approx(0.265)
    assert comm.emitter.emission_probability == pytest.approx(0.059)
    assert "what-if" in what_if.title
    # Its link in a hall stays four orders of magnitude below the default's.
    forced = _expected_rate(what_if, 10.0) * comm.converter.efficiency**2
    assert forced < 1.0
