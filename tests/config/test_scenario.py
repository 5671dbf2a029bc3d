"""Data-center scenario files: every mistake is caught before the run, with a clear message."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.cli.scenario import build
from qdcnet.config import ScenarioError
from qdcnet.config.scenario import load_scenario, validate_document
from qdcnet.errors import QdcnetError
from qdcnet.network.topology import leaf_spine, linear_chain, star

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def base():
    document = star(4, profile="trapped_ion_oxford")
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "qpu1",
                                          "pairs": 5}]}
    return document


def write(tmp_path, document, name="dc.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


def test_examples_validate():
    for name in ("two_racks.yaml", "repeater_chain.yaml"):
        scenario, _ = load_scenario(EXAMPLES / name)
        assert scenario.workload.requests


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d["workload"]["requests"][0].update(dst="qpu9"),
         r"workload\.requests\[0\]\.dst = 'qpu9': no such memory node .*did you mean 'qpu\d'"),
        (lambda d: d["fibers"][0].update(between=["qpu0", "sw1"]),
         r"fibers\[0\]\.between = 'sw1': no such node; did you mean 'sw0'"),
        (lambda d: d["switches"][0].update(insertion_los="1 dB"),
         r"switches\[0\]\.insertion_los: unknown field; did you mean 'insertion_loss'"),
        (lambda d: d["qpus"].append({"name": "qpu1", "profile": "trapped_ion"}),
         r"qpus\[4\]\.name = 'qpu1': duplicate name \(also qpus\[1\]\.name\)"),
        (lambda d: d.update(classical={"channels": [{"between": ["qpu0", "qpu1"],
                                                      "latency": "-2 us"}]}),
         r"classical\.channels\[0\]\.latency"),
        (lambda d: d.update(schema_version=3), r"schema_version = 3: this qdcnet reads"),
        (lambda d: d["qpus"][0].update(profile="trapped_ionn"),
         r"unknown profile 'trapped_ionn'"),
        (lambda d: d["workload"]["requests"][0].update(pairs=None, deadline="1 s"),
         r"open-ended request .* has no amount to finish by a deadline"),
        (lambda d: d["workload"]["requests"][0].update(pairs=None, rate="10 Hz"),
         r"a rate needs a duration"),
        (lambda d: d["fibers"][0].update(length="12 parsecs"), r"unknown unit 'parsecs'"),
        (lambda d: d.update(kind="link"), r"this is a link scenario"),
    ],
)
def test_bad_documents_are_refused(tmp_path, mutate, match):
    document = base()
    mutate(document)
    with pytest.raises(ScenarioError, match=match):
        build(write(tmp_path, document))


def test_endpoints_not_connected(tmp_path):
    document = linear_chain(3, profile="trapped_ion_oxford")
    document["qpus"].append({"name": "island", "profile": "trapped_ion_oxford"})
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "island",
                                          "pairs": 1}]}
    with pytest.raises(ScenarioError, match="qpu0 and island are not connected"):
        build(write(tmp_path, document))
    document["workload"]["requests"][0].update(dst="qpu2", path=["qpu0", "qpu2"])
    with pytest.raises(ScenarioError, match="qpu0 and qpu2 share no segment"):
        build(write(tmp_path, document))


def test_relays_and_distillation_need_qubits(tmp_path):
    document = linear_chain(3, profile="trapped_ion_oxford", communication_qubits=None)
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "qpu2",
                                          "pairs": 1}]}
    with pytest.raises(ScenarioError, match="qpu1 takes part in 2 segments"):
        build(write(tmp_path, document))
    document = base()
    document["workload"]["requests"][0]["distillation"] = {"rounds": 1}
    with pytest.raises(ScenarioError, match="storage slot"):
        build(write(tmp_path, document))


def test_every_problem_is_listed(tmp_path):
    document = base()
    document["fibers"][0]["between"] = ["qpuX", "sw0"]
    document["workload"]["requests"][0]["src"] = "qpuY"
    with pytest.raises(ScenarioError) as info:
        build(write(tmp_path, document))
    message = str(info.value)
    assert "qpuX" in message
    assert "qpuY" in message


# -- fuzz ------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 1000),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12), st.sampled_from(["1 km", "3 dB", "10 us", "qpu0",
                                                           "sw0", "-1 s", "inf", "1e400 m"]))
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12)
KEYS = ["schema_version", "kind", "name", "qpus", "switches", "bsm_stations", "fibers",
        "classical", "workload", "links", "sources", "duration", "seed", "memory_banks"]


@st.composite
def mutated_documents(draw):
    document = copy.deepcopy(draw(st.sampled_from([base(), leaf_spine(2, 2),
                                                   linear_chain(3)])))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["replace", "delete", "nest"]))
        key = draw(st.sampled_from(KEYS))
        if action == "delete":
            document.pop(key, None)
        elif action == "replace":
            document[key] = draw(values)
        else:
            target = document.get(key)
            if isinstance(target, list) and target and isinstance(target[0], dict):
                field = draw(st.sampled_from([*sorted(target[0]), "bogus"]))
                target[0][field] = draw(values)
            else:
                document[key] = draw(values)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_documents(), values))
def test_loader_raises_only_its_own_errors(document):
    try:
        scenario = validate_document(document)
    except ScenarioError:
        return
    try:
        from qdcnet.network.datacenter import DataCenter

        DataCenter(scenario.layout())
    except QdcnetError:
        pass
