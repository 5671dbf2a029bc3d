"""Sensitivity files: values in effect, the variants, common random numbers, refusals."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from qdcnet.config.common import ScenarioError
from qdcnet.config.sensitivity import (
    SensitivityConfig,
    analyse,
    build_sensitivity,
    load_sensitivity,
)
from qdcnet.network.topology import linear_chain


def _chain() -> dict[str, Any]:
    document = linear_chain(2, profile="trapped_ion_oxford")
    document["qpus"][0]["overrides"] = {"communication.t2": "100 ms"}
    document["switches"] = []
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "qpu1",
                                          "pairs": 5}]}
    return document


def _build(parameters: list[dict[str, Any]], scenario: dict[str, Any] | None = None,
           **extra: Any):
    config = SensitivityConfig.model_validate({
        "sensitivity": "s", "scenario": scenario or _chain(), "run": {"duration": "50 ms"},
        "metric": "requests[request=r].delivered", "better": "higher", "factor": 2,
        "parameters": parameters, "repetitions": 3, "seed": 5, **extra})
    return build_sensitivity(config, Path("."))


def _changes(study, label: str, direction: str = "improve") -> dict[str, Any]:
    variant = next(v for v in study.variants if v.label == label and v.direction == direction)
    return {c.path: (c.before, c.after) for c in variant.changes}


def test_values_in_effect_come_from_the_scenario_the_profile_or_the_default():
    study = _build([{"field": "qpus[*].overrides.communication.t2"},
                    {"field": "qpus[*].overrides.communication.collection_efficiency"},
                    {"field": "bsm_stations[0].insertion_loss", "kind": "loss",
                     "label": "station loss"}],
                   scenario=_chain() | {"bsm_stations": [{"name": "bsm0", "count": 1,
                                                          "insertion_loss": "0.4 dB"}]})
    # qpu0 writes 100 ms; qpu1 has the profile's 1 ms (read in SI, written in ms).
    assert _changes(study, "qpus[*].communication.t2") == {
        "qpus[0].overrides.communication.t2": ("100 ms", "200 ms"),
        "qpus[1].overrides.communication.t2": ("1 ms", "2 ms")}
    assert _changes(study, "qpus[*].communication.collection_efficiency") == {
        f"qpus[{i}].overrides.communication.collection_efficiency": (0.04, 0.52)
        for i in (0, 1)}
    assert _changes(study, "station loss") == {
        "bsm_stations[0].insertion_loss": ("0.4 dB", "0.2 dB")}


def test_a_default_of_the_schema_is_improved_in_its_unit():
    scenario = _chain() | {"switches": [{"name": "sw", "ports": 4}]}
    scenario["fibers"] = [{"between": ["qpu0", "sw"], "length": "5 m"},
                          {"between": ["sw", "bsm0"], "length": "5 m"},
                          {"between": ["qpu1", "bsm0"], "length": "5 m"}]
    study = _build([{"field": "switches[0].insertion_loss"},
                    {"field": "switches[0].reconfiguration_time"}], scenario=scenario)
    assert _changes(study, "switches[0].insertion_loss") == {
        "switches[0].insertion_loss": ("1 dB", "0.5 dB")}
    assert _changes(study, "switches[0].reconfiguration_time") == {
        "switches[0].reconfiguration_time": ("10 us", "5 us")}


def test_every_variant_shares_the_baselines_seed_repetition_by_repetition():
    study = _build([{"field": "qpus[*].overrides.communication.t2"},
                    {"field": "qpus[*].overrides.gates.two_qubit.fidelity"}])
    assert len(study.tasks) == 3 * 3
    assert len({t.id for t in study.tasks}) == 9
    seeds: dict[int, set[int]] = {}
    for task in study.tasks:
        seeds.setdefault(task.repetition, set()).add(task.seed)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({s.pop() for s in seeds.values()}) == 3
    again = _build([{"field": "qpus[*].overrides.communication.t2"}])
    assert {t.repetition: t.seed for t in again.tasks} == {
        t.repetition: t.seed for t in study.tasks}


def test_a_profile_fidelity_written_with_its_measure_keeps_the_measure():
    scenario = _chain()
    scenario["qpus"][0]["overrides"]["gates.two_qubit.fidelity"] = {
        "value": 0.98, "measure": "average"}
    study = _build([{"field": "qpus[0].overrides.gates.two_qubit.fidelity"}],
                   scenario=scenario)
    assert _changes(study, "qpus[0].gates.two_qubit.fidelity") == {
        "qpus[0].overrides.gates.two_qubit.fidelity": (
            {"value": 0.98, "measure": "average"}, {"value": 0.99, "measure": "average"})}


def test_degrade_adds_the_other_side():
    study = _build([{"field": "qpus[*].overrides.communication.t2"}], degrade=True)
    assert _changes(study, "qpus[*].communication.t2", "degrade")[
        "qpus[0].overrides.communication.t2"] == ("100 ms", "50 ms")
    assert len(study.tasks) == 3 * 3


@pytest.mark.parametrize(("parameter", "scenario_edit", "message"), [
    ({"field": "fibers[0].length"}, None, "give kind: one of fidelity"),
    ({"field": "qpus[*].overrides.communication.t1"}, None,
     "inf s cannot improve by its rule (time_constant: multiplied by k): it is at an "
     "infinite time"),
    ({"field": "qpus[*].overrides.communication.indistinguishability"}, None,
     "at a fidelity of 1"),
    ({"field": "qpus[*].overrides.communication.converter.efficiency"}, None,
     "does not set communication.converter.efficiency"),
    ({"field": "fibers[0].attenuation"}, None, "not set, and no default applies"),
    ({"field": "qpus[*].overrides.memory.tt2", "kind": "time_constant"}, None,
     "not a profile field (did you mean 'memory.t2'?)"),
    ({"field": "switches[*].insertion_loss"}, None, "the selector picks no element"),
    ({"field": "routers[*].insertion_loss"}, None, "a list field the document has"),
    ({"field": "qpus[*].overrides.communication.t2", "kind": "efficiency"}, None,
     "a efficiency is a plain number from 0 to 1; got one in ms (is kind: right?)"),
    ({"field": "fibers[0].length", "kind": "duration"}, None,
     "a duration is a time; got a length (is kind: right?)"),
])
def test_what_cannot_be_improved_is_refused_with_the_reason(parameter, scenario_edit, message):
    scenario = _chain()
    with pytest.raises(ScenarioError, match=None) as caught:
        _build([parameter], scenario=scenario)
    assert message in str(caught.value), str(caught.value)
    assert "parameters[0]" in str(caught.value) or "improved by" in str(caught.value)


def test_a_variant_the_scenario_refuses_is_named():
    with pytest.raises(ScenarioError, match=r"degraded by 100 it would be 5, outside \[0, 1\]"):
        _build([{"field": "seam"}], degrade=True, factor=100, metric="rate", run={},
               scenario={"kind": "qec", "distance": 3, "bulk": 0.001, "seam": 0.05})
    with pytest.raises(ScenarioError, match=r"seam \(degraded by 20\).*seam"):
        _build([{"field": "seam"}], degrade=True, factor=20, metric="rate", run={},
               scenario={"kind": "qec", "distance": 3, "bulk": 0.001, "seam": 0.05})


def test_one_field_twice_is_refused():
    with pytest.raises(ScenarioError, match="give the same scenario"):
        _build([{"field": "qpus[*].overrides.communication.t2"},
                {"field": "qpus[*].overrides.communication.t2", "label": "again"}])
    with pytest.raises(ValueError, match="parameters named twice"):
        _build([{"field": "qpus[*].overrides.communication.t2"},
                {"field": "bulk", "label": "qpus[*].communication.t2"}])


def test_run_options_and_metric_are_checked_before_anything_runs():
    with pytest.raises(ScenarioError, match="no field delivered"):
        _build([{"field": "qpus[*].overrides.communication.t2"}], metric="delivered")
    with pytest.raises(ScenarioError, match=r"run\.attempt_by_attempt is not an option"):
        _build([{"field": "qpus[*].overrides.communication.t2"}],
               run={"attempt_by_attempt": True})
    with pytest.raises(ValueError, match="greater than 1"):
        _build([{"field": "qpus[*].overrides.communication.t2"}], factor=1)
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        _build([{"field": "qpus[*].overrides.communication.t2"}], repetitions=1)


def test_link_and_qec_scenarios_take_parameters_too():
    import yaml

    examples = Path(__file__).resolve().parents[2] / "examples"
    link = yaml.safe_load((examples / "humphreys2018.yaml").read_text())
    study = _build([{"field": "station.detector.efficiency"},
                    {"field": "ends[*].overrides.communication.collection_efficiency"}],
                   scenario=link, metric="counts.delivered", run={})
    assert _changes(study, "station.detector.efficiency") == {
        "station.detector.efficiency": (0.8, 0.9)}
    assert set(_changes(study, "ends[*].communication.collection_efficiency").values()) == {
        (0.0117, 1 - (1 - 0.0117) / 2), (0.0175, 1 - (1 - 0.0175) / 2)}
    qec = _build([{"field": "seam"}, {"field": "bulk"}], metric="rate", run={},
                 scenario={"kind": "qec", "distance": 3, "bulk": 0.001, "seam": 0.05})
    assert _changes(qec, "seam") == {"seam": (0.05, 0.025)}


def _rows(study, values: dict[str, list[float | None]]) -> list[dict[str, Any]]:
    rows = []
    for task in study.tasks:
        label, _, repetition = study.roles[task.id]
        value = values[label][repetition]
        rows.append({"task_id": task.id, "error": None,
                     "metrics": {study.config.metric: value}})
    return rows


def test_analysis_pairs_repetitions_and_drops_incomplete_ones():
    study = _build([{"field": "qpus[*].overrides.communication.t2", "label": "t2"},
                    {"field": "qpus[*].overrides.communication.collection_efficiency",
                     "label": "collection"}])
    rows = _rows(study, {"baseline": [4, 5, 6], "t2": [4, 5, None],
                         "collection": [8, 9, 10]})
    result = analyse(study, rows)
    assert (result.repetitions_used, result.repetitions_dropped) == (2, 1)
    assert [(r.parameter, r.rank, r.effect.change) for r in result.ranking] == [
        ("collection", 1, 4.0), ("t2", 2, 0.0)]
    assert result.baseline == 4.5
    document = result.to_dict()
    assert document["ranking"][0]["improved"][0]["after"] == 0.52


def test_analysis_without_two_complete_repetitions_says_why():
    study = _build([{"field": "qpus[*].overrides.communication.t2", "label": "t2"}])
    rows = _rows(study, {"baseline": [4, None, 6], "t2": [None, 5, 6]})
    failed = copy.deepcopy(rows)
    with pytest.raises(ScenarioError, match="only 1 repetition"):
        analyse(study, failed)


def test_quick_changes_the_file_before_it_is_read(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "sensitivity: q\nscenario: {kind: qec, distance: 3, bulk: 0.001, seam: 0.05}\n"
        "metric: rate\nbetter: lower\nfactor: 2\nparameters: [{field: seam}]\n"
        "repetitions: 8\nquick: {repetitions: 2, scenario.distance: 5}\n")
    assert len(load_sensitivity(tmp_path / "s.yaml").tasks) == 16
    quick = load_sensitivity(tmp_path / "s.yaml", quick=True)
    assert len(quick.tasks) == 4
    assert quick.tasks[0].scenario["distance"] == 5
    (tmp_path / "bare.yaml").write_text(
        "sensitivity: q\nscenario: {kind: qec, distance: 3, bulk: 0.001, seam: 0.05}\n"
        "metric: rate\nbetter: lower\nfactor: 2\nparameters: [{field: seam}]\n")
    with pytest.raises(ScenarioError, match="--quick needs a quick: section"):
        load_sensitivity(tmp_path / "bare.yaml", quick=True)
