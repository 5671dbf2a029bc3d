"""Platform profiles: every shipped profile loads, every number is sourced or marked."""

from __future__ import annotations

import math

import pytest
import yaml

from qdcnet.hardware.profiles import (
    PLATFORMS,
    ProfileError,
    available_profiles,
    load_profile,
)


def test_required_platforms_are_shipped():
    platforms = {load_profile(name).platform for name in available_profiles()}
    assert set(PLATFORMS) <= platforms


@pytest.mark.parametrize("name", available_profiles())
def test_every_number_has_a_source_or_an_assumption(name):
    profile = load_profile(name)
    assert profile.provenance
    for path, provenance in profile.provenance.items():
        assert provenance.kind in ("source", "assumption", "definition"), path
        if provenance.kind == "source":
            assert provenance.text in profile.sources.values()
        if provenance.kind == "assumption":
            assert len(provenance.text) > 10, f"{path}: an assumption needs its reason"
    assert profile.assumptions() == sorted(profile.assumptions())


def test_photonic_platform_has_no_t1_but_a_photonic_section():
    profile = load_profile("photonic")
    assert profile.memory is None
    assert profile.photonic is not None
    assert profile.photonic.delay_line_loss_db_per_s == pytest.approx(0.04e6)


def test_profile_figures_match_their_sources():
    ion = load_profile("trapped_ion")
    assert ion.one_qubit_gate.fidelity == pytest.approx(1 - 2.5e-5)
    assert ion.two_qubit_gate.fidelity == pytest.approx(1 - 7.9e-4)
    assert ion.communication.converter is None  # 422 nm inside a hall: no conversion
    assert ion.communication.emitter.collection_efficiency == pytest.approx(0.04)
    what_if = load_profile("trapped_ion_helios_854")
    assert what_if.communication.converter.efficiency == pytest.approx(0.265)
    atom = load_profile("neutral_atom")
    assert atom.two_qubit_gate.fidelity == pytest.approx(0.995)
    assert atom.communication.converter.efficiency == pytest.approx(0.57)
    sc = load_profile("superconducting")
    assert sc.qec_cycle_time_s == pytest.approx(1.1e-6)
    assert sc.memory.t1_s == pytest.approx(68e-6)
    assert math.isinf(load_profile("color_center_nv").memory.t1_s)


def test_overrides_field_by_field_are_recorded():
    profile = load_profile("neutral_atom", {"memory.t2": "2 s", "qubits.data": 100,
                                            "communication.collection_efficiency": 0.2})
    assert profile.memory.t2_s == 2.0
    assert profile.data_qubits == 100
    assert profile.communication.emitter.collection_efficiency == 0.2
    assert profile.provenance["memory.t2"].kind == "override"
    assert profile.provenance["memory.t1"].kind == "assumption"


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError) as info:
        load_profile("trapped_ions")
    message = str(info.value)
    assert "unknown profile 'trapped_ions'" in message
    for name in available_profiles():
        assert name in message
    assert "did you mean 'trapped_ion'" in message


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"memory.t3": "1 s"}, r"'memory.t3' is not a profile field \(did you mean 'memory.t[12]'"),
        ({"communication.collection_efficiency": 1.5}, r"collection_efficiency = 1.5 is out of"),
        ({"memory.t2": "3 parsecs"}, "unknown unit 'parsecs'"),
        ({"memory.t2": 5}, "expected a quantity string"),
        ({"memory.t2": "100 s"}, "T2 > 2\\*T1|t2_s"),
        ({"communication.encoding": "polarisation"}, "did you mean 'polarization'"),
    ],
)
def test_bad_overrides_are_refused_with_the_field(overrides, match):
    with pytest.raises(ProfileError, match=match):
        load_profile("trapped_ion" if "t2" not in str(overrides) else "superconducting",
                     overrides)


def _write(tmp_path, document):
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_number_without_source_is_refused(tmp_path):
    from qdcnet.hardware.profiles import _profile_dir

    document = yaml.safe_load(_profile_dir().joinpath("photonic.yaml").read_text())
    document["gates"]["two_qubit"]["fidelity"] = 0.99
    with pytest.raises(ProfileError, match="has no source"):
        load_profile(_write(tmp_path, document))
    document["gates"]["two_qubit"]["fidelity"] = {"value": 0.99, "source": "nature2099"}
    with pytest.raises(ProfileError, match="unknown source 'nature2099'"):
        load_profile(_write(tmp_path, document))
    document["gates"]["two_qubit"]["fidelity"] = {"value": 0.99, "assumption": "a guess",
                                                  "measure": "process"}
    document["gates"]["two_qubit"]["fidelty"] = {"value": 0.99, "assumption": "typo"}
    with pytest.raises(ProfileError, match=r"did you mean 'gates\.two_qubit\.fidelity'"):
        load_profile(_write(tmp_path, document))
    del document["gates"]["two_qubit"]["fidelty"]
    document["schema_version"] = 7
    with pytest.raises(ProfileError, match="schema_version = 7"):
        load_profile(_write(tmp_path, document))
    document["schema_version"] = 1
    document["memory"] = {"t1": {"value": "1 s", "assumption": "x" * 20},
                          "t2": {"value": "1 s", "assumption": "x" * 20}}
    with pytest.raises(ProfileError, match="no matter memory"):
        load_profile(_write(tmp_path, document))
