"""Quantities at the edge of what the core can hold, and meaningless physical values (issue 12).

The configuration layer refuses them with the field's name, the value and the
allowed range, before anything is built (the CLI-level cases are in
``tests/cli/test_bad_input_files_numbers.py``).
"""

from __future__ import annotations

import pytest

from qdcnet.config import ScenarioError
from qdcnet.config.common import read_yaml
from qdcnet.config.scenario import validate_document
from qdcnet.network.topology import star


def base():
    document = star(2, profile="trapped_ion_oxford")
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "qpu1",
                                          "pairs": 5}]}
    return document


SOURCE = {"name": "src0", "pair_rate": "1 MHz", "fidelity": 0.95, "wavelength": "1550 nm",
          "linewidth": "100 MHz"}
CONVERTER = {"name": "conv0", "input_wavelength": "854 nm", "output_wavelength": "1550 nm",
             "efficiency": 0.5}


@pytest.mark.parametrize(
    ("section", "entry", "match"),
    [
        ("sources", SOURCE | {"wavelength": "-1550 nm"},
         r"sources\[0\]\.wavelength = '-1550 nm': out of range: allowed \[200 nm, 1 m\]"),
        ("sources", SOURCE | {"wavelength": "0 nm"},
         r"sources\[0\]\.wavelength = '0 nm': out of range: allowed \[200 nm, 1 m\]"),
        ("sources", SOURCE | {"pair_rate": "1e13 Hz"},
         r"sources\[0\]\.pair_rate = '1e13 Hz': out of range: allowed \(0, 1e\+12\] Hz"),
        ("sources", SOURCE | {"linewidth": "-1 MHz"}, r"sources\[0\]\.linewidth"),
        ("converters", CONVERTER | {"output_wavelength": "-1 um"},
         r"converters\[0\]\.output_wavelength = '-1 um': out of range: allowed \[200 nm"),
        ("converters", CONVERTER | {"input_wavelength": "1e308 km"},
         r"converters\[0\]\.input_wavelength = '1e308 km': out of range.*overflows a float"),
        ("converters", CONVERTER | {"noise_rate": "-5 Hz"},
         r"converters\[0\]\.noise_rate = .*greater than or equal to 0"),
    ],
)
def test_meaningless_sources_and_converters_are_refused(section, entry, match):
    document = base()
    document[section] = [entry]
    with pytest.raises(ScenarioError, match=match):
        validate_document(document, "dc.yaml")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("duration", "1e308 s", r"duration = '1e308 s': out of range: allowed 0 s or 1 ps"),
        ("duration", "0.3 ps", r"below the kernel's resolution of 1 ps"),
        ("seed", 2**63, r"seed = 9223372036854775808: .*less than or equal to"),
        ("seed", -1, r"seed = -1: .*greater than or equal to 0"),
    ],
)
def test_top_level_numbers_at_the_edge(field, value, match):
    document = base() | {field: value}
    with pytest.raises(ScenarioError, match=match):
        validate_document(document, "dc.yaml")


def test_request_rate_beyond_one_per_picosecond_is_refused():
    document = base()
    document["workload"]["requests"][0] = {"name": "r", "src": "qpu0", "dst": "qpu1",
                                           "rate": "2 THz", "duration": "1 ms"}
    with pytest.raises(ScenarioError, match=r"rate = '2 THz': .*1 ps clock step"):
        validate_document(document, "dc.yaml")


def test_largest_seed_is_accepted():
    scenario = validate_document(base() | {"seed": 2**63 - 1}, "dc.yaml")
    assert scenario.seed == 2**63 - 1


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\xff\xfe\x00junk", "is not a text file"),
        (b"", "is empty"),
        (b"[1, 2]", "found a list"),
        (b"3.5", "found a single float"),
        ("\ufeffname: x\n".encode(), None),  # a byte-order mark is fine
    ],
)
def test_read_yaml_refuses_what_is_not_a_yaml_mapping(tmp_path, content, match):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    if match is None:
        assert read_yaml(path)[0] == {"name": "x"}
        return
    with pytest.raises(ScenarioError, match=match) as info:
        read_yaml(path)
    assert str(path) in str(info.value)
    with pytest.raises(ScenarioError, match="is a directory"):
        read_yaml(tmp_path)


def test_never_is_only_taken_where_it_means_something():
    document = base()
    document["orchestrator"] = {"stock": [{"between": ["qpu0", "qpu1"], "depth": 1,
                                           "cutoff": "never"}]}
    scenario = validate_document(document, "dc.yaml")
    assert scenario.orchestrator.stock[0].cutoff == float("inf")
    document["orchestrator"]["stock"][0]["cutoff"] = "1e308 s"
    with pytest.raises(ScenarioError, match=r"cutoff = '1e308 s': out of range"):
        validate_document(document, "dc.yaml")
    with pytest.raises(ScenarioError, match=r"duration = 'inf': .*a finite time"):
        validate_document(base() | {"duration": "inf"}, "dc.yaml")
