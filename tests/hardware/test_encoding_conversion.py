"""Encoding conversion after frequency conversion, and a transducer's pump repetition rate."""

from __future__ import annotations

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.hardware.components import (
    CompatibilityError,
    Encoding,
    FrequencyConverter,
    PhotonicInterface,
    Transducer,
)
from qdcnet.hardware.profiles import ProfileError, load_profile
from qdcnet.link.experiment import bottlenecks
from qdcnet.link.model import LinkModel

ATOM = PhotonicInterface("polarization", 780e-9, 6e6)
TO_TIME_BINS = {"communication.converter.output_wavelength": "1550 nm",
                "communication.converter.output_encoding": "time_bin",
                "communication.converter.encoding_efficiency": 0.5}


def test_a_converter_with_an_encoding_stage_changes_the_encoding_and_costs_its_loss():
    stage = FrequencyConverter(780e-9, 1550e-9, 0.57, output_encoding="time_bin",
                               encoding_efficiency=0.5)
    out = stage.convert(ATOM)
    assert out.encoding is Encoding.TIME_BIN
    assert out.wavelength_m == pytest.approx(1550e-9)
    assert stage.throughput == pytest.approx(0.285)
    plain = FrequencyConverter(780e-9, 1550e-9, 0.57)
    assert plain.convert(ATOM).encoding is Encoding.POLARIZATION
    assert plain.throughput == pytest.approx(0.57)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"output_encoding": "smoke_signal"}, "output_encoding"),
    ({"output_encoding": "time_bin", "encoding_efficiency": 1.5}, "encoding_efficiency"),
    ({"encoding_efficiency": 0.5}, "encoding_efficiency"),  # a loss without a stage
])
def test_bad_encoding_stages_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(ParameterError, match=field):
        FrequencyConverter(780e-9, 1550e-9, 0.57, **kwargs)


def test_the_profile_keys_reach_the_converter_and_bad_ones_name_the_profile():
    atom = load_profile("neutral_atom", overrides=TO_TIME_BINS)
    photon = atom.communication.telecom_interface()
    assert photon.encoding is Encoding.TIME_BIN
    assert atom.communication.converter.throughput == pytest.approx(0.57 * 0.5)
    with pytest.raises(ProfileError, match="encoding_efficiency"):
        load_profile("neutral_atom",
                     overrides={"communication.converter.encoding_efficiency": 0.5})


def _two_qpu(profile_a: str, overrides_a: dict, profile_b: str, overrides_b: dict) -> dict:
    return {
        "schema_version": 1, "kind": "datacenter", "name": "pair", "seed": 1,
        "qpus": [{"name": "a", "profile": profile_a, "overrides": overrides_a},
                 {"name": "b", "profile": profile_b, "overrides": overrides_b}],
        "bsm_stations": [{"name": "bsm"}],
        "fibers": [{"between": ["a", "bsm"], "length": "10 m"},
                   {"between": ["b", "bsm"], "length": "10 m"}],
    }


def test_without_conversion_a_superconducting_and_an_atom_qpu_cannot_be_linked():
    dc = build_datacenter(_two_qpu("superconducting", {"communication.encoding": "time_bin"},
                                   "neutral_atom",
                                   {"communication.converter.output_wavelength": "1550 nm"}))
    with pytest.raises(CompatibilityError, match="encodings differ"):
        dc.fabric.model("a", "b")


def test_time_bins_on_both_sides_link_them_and_the_pump_rate_sets_the_attempt_period():
    sc = {"communication.encoding": "time_bin"}
    dc = build_datacenter(_two_qpu("superconducting", sc, "neutral_atom", TO_TIME_BINS))
    assert dc.segment_graph.has_edge("a", "b")
    spec = dc.fabric.segment_spec(dc.fabric.route("a", "b"))
    model = dc.fabric.model("a", "b")
    # Time bins from the superconducting end: two emissions (two pump pulses) per attempt.
    assert spec.emissions_per_attempt == 2
    rate = load_profile("superconducting").communication.transducer.repetition_rate_hz
    assert model.attempt_period_s == pytest.approx(2 / rate)
    assert spec.min_attempt_period_s == pytest.approx(2 / rate)
    # The encoding stage's loss is in the atom's arm.
    atom_end = spec.end_b
    assert atom_end.path.transmission == pytest.approx(
        0.57 * 0.5 * atom_end.path.downstream_transmission)
    # The analysis names the pump as the part whose improvement buys the most.
    rows = bottlenecks(spec)
    best = max(rows, key=lambda r: r["gain"])
    assert best["factor"] == "transducer pump rate"
    assert best["value"] == rate
    unlimited = LinkModel.from_spec(spec.__class__(**{
        **{f: getattr(spec, f) for f in spec.__dataclass_fields__},
        "end_a": type(spec.end_a)(**{
            **{f: getattr(spec.end_a, f) for f in spec.end_a.__dataclass_fields__},
            "path": type(spec.end_a.path)(**{
                **{f: getattr(spec.end_a.path, f)
                   for f in spec.end_a.path.__dataclass_fields__},
                "transducer": Transducer(**{
                    **{f: getattr(spec.end_a.path.transducer, f)
                       for f in spec.end_a.path.transducer.__dataclass_fields__},
                    "repetition_rate_hz": None})})})}))
    assert best["rate_if_perfect_hz"] == pytest.approx(unlimited.rate_hz)
    assert unlimited.attempt_period_s < model.attempt_period_s


def test_a_polarization_end_beside_a_time_bin_end_is_refused_with_the_reason():
    sc = {"communication.encoding": "time_bin"}
    polarization = {"communication.converter.output_wavelength": "1550 nm"}
    from qdcnet.link.build import two_click_from_profiles

    with pytest.raises(CompatibilityError, match="encodings differ"):
        two_click_from_profiles(load_profile("superconducting", overrides=sc),
                                load_profile("neutral_atom", overrides=polarization),
                                length_m=20.0)
