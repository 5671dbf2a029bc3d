"""Link scenario files: bad input is refused before anything runs, with the field named."""

from __future__ import annotations

import copy

import pytest
import yaml

from qdcnet.config import ScenarioError, load_link_scenario

BASE = {
    "schema_version": 1, "kind": "link", "name": "t", "scheme": "two_click",
    "ends": [
        {"name": "a", "profile": "neutral_atom", "fiber": {"length": "1 km"}},
        {"name": "b", "profile": "neutral_atom", "fiber": {"length": "1 km"}},
    ],
}


def load(tmp_path, document):
    path = tmp_path / "link.yaml"
    path.write_text(yaml.safe_dump(document))
    return load_link_scenario(path)


def edited(**changes):
    document = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = document
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[parts[-1]] = value
    return document


def test_valid_scenario_loads(tmp_path):
    scenario, document = load(tmp_path, BASE)
    assert scenario.build().scheme == "two_click"
    assert document["name"] == "t"


@pytest.mark.parametrize(
    ("document", "match"),
    [
        (edited(ends__0__profile="neutral_atoms"),
         r"unknown profile 'neutral_atoms'; known profiles: .*did you mean 'neutral_atom'"),
        (edited(ends__0__overrides={"communication.collection_efficiency": 1.4}),
         r"collection_efficiency = 1.4 is out of range"),
        (edited(ends__0__fiber={"length": "-3 km"}), r"ends\[0\]\.fiber\.length"),
        (edited(ends__0__fiber={"lenght": "3 km"}),
         r"ends\[0\]\.fiber\.lenght: unknown field; did you mean 'length'"),
        (edited(ends__0__fiber={"length": 3}), r"with its unit, e\.g\. '2 km'"),
        (edited(ends__0__fiber={"length": "3 kms"}), r"unknown unit 'kms'"),
        (edited(schema_version=2), r"schema_version = 2: this qdcnet reads schema_version 1"),
        (edited(scheme="three_click"), r"scheme = 'three_click'"),
        (edited(duration="-1 s"), r"duration"),
        (edited(station={"detector": {"efficiency": 1.3}}), r"station\.detector\.efficiency"),
        (edited(scheme="single_click"), r"needs photon-number encoding|single_click section"),
        (edited(ends__1__profile="trapped_ion_helios_854"),
         r"cannot interfere .*wavelengths differ \(1522 nm vs 1310 nm\).*frequency converter"),
        (edited(ends__1__profile="photonic"), r"no communication interface"),
    ],
)
def test_bad_input_names_the_problem(tmp_path, document, match):
    with pytest.raises(ScenarioError, match=match):
        load(tmp_path, document)


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("schema_version: 1\nends: [\n  {name: a,\n")
    with pytest.raises(ScenarioError, match=r"not valid YAML at line \d+, column \d+"):
        load_link_scenario(path)
    with pytest.raises(ScenarioError, match="no such file"):
        load_link_scenario(tmp_path / "missing.yaml")


def test_mismatch_without_converter_is_refused(tmp_path):
    document = edited(ends__0__convert=False)
    with pytest.raises(ScenarioError, match=r"a \(polarization, 780 nm.*b \(polarization, 1522"):
        load(tmp_path, document)
