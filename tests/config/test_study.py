"""Studies expand into validated tasks with stable ids and seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from qdcnet.config.common import ScenarioError
from qdcnet.config.study import StudyConfig, build_study, load_study
from qdcnet.sweep.tasks import derive_seed

ROOT = Path(__file__).resolve().parents[2]


def _study(**fields):
    base = {"study": "s", "scenario": {"kind": "qec", "distance": 3, "bulk": 0.001,
                                       "seam": 0.05}}
    return build_study(StudyConfig.model_validate(base | fields), Path("."))


def test_grid_zip_and_log_ranges_with_units():
    grid = _study(axes=[{"field": "seam", "values": [0.01, 0.02, 0.03]},
                        {"field": "distance", "values": [3, 5]}], repetitions=2)
    assert len(grid.tasks) == 12
    assert len({t.id for t in grid.tasks}) == 12
    zipped = _study(combine="zip", axes=[{"field": "seam", "values": [0.01, 0.02]},
                                         {"field": "bulk", "values": [0.001, 0.002]}])
    assert [t.point for t in zipped.tasks] == [{"seam": 0.01, "bulk": 0.001},
                                              {"seam": 0.02, "bulk": 0.002}]
    doc = {"study": "t", "base": str(ROOT / "examples" / "two_racks.yaml"),
           "axes": [{"field": "qpus[*].overrides.communication.t2",
                     "log": {"start": "10 ms", "stop": "1 s", "num": 3}}],
           "run": {"duration": "0.1 s"}}
    study = build_study(StudyConfig.model_validate(doc), ROOT)
    assert [t.point["qpus[*].overrides.communication.t2"] for t in study.tasks] == [
        "10 ms", "100 ms", "1000 ms"]
    assert all(q["overrides"]["communication.t2"] == "100 ms"
               for q in study.tasks[1].scenario["qpus"])


def test_random_points_are_drawn_from_the_seed():
    fields = {"combine": "random", "samples": 5, "seed": 3,
              "axes": [{"field": "seam", "log": {"start": 0.001, "stop": 0.1}},
                       {"field": "distance", "values": [3, 5, 7]}]}
    a, b = _study(**fields), _study(**fields)
    assert [t.point for t in a.tasks] == [t.point for t in b.tasks]
    assert all(0.001 <= t.point["seam"] <= 0.1 for t in a.tasks)
    assert [t.point for t in _study(**fields | {"seed": 4}).tasks] != [t.point for t in a.tasks]


def test_ids_hash_the_task_and_seeds_follow_the_id_not_the_position():
    small = _study(axes=[{"field": "seam", "values": [0.01, 0.02]}], seed=5)
    large = _study(axes=[{"field": "seam", "values": [0.005, 0.01, 0.02]}], seed=5)
    by_point = {t.point["seam"]: t for t in large.tasks}
    for task in small.tasks:
        twin = by_point[task.point["seam"]]
        assert (task.id, task.seed) == (twin.id, twin.seed)
        assert task.seed == derive_seed(5, task.id)
    # The root seed changes every seed, never an id.
    other = _study(axes=[{"field": "seam", "values": [0.01, 0.02]}], seed=6)
    assert [t.id for t in other.tasks] == [t.id for t in small.tasks]
    assert not {t.seed for t in other.tasks} & {t.seed for t in small.tasks}


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"axes": [{"field": "seam", "values": [0.01, 0.9]}]}, "at seam = 0.9"),
    ({"axes": [{"field": "distnce", "values": [3]}]}, "distnce"),
    ({"run": {"duration": "1 s"}}, "run.duration is not an option of a qec run"),
    ({"combine": "random", "samples": 3}, "there are none"),
    ({"metrics": ["summary.qos_met"]}, "a qec run's result has no field summary"),
    ({"axes": [{"field": "seam", "values": [0.01, 0.01]}]}, "give the same scenario"),
    ({"combine": "random", "samples": 2,
      "axes": [{"field": "seam", "linear": {"start": 0.0, "stop": 0.1, "num": 3}}]},
     "num has no meaning"),
    ({"axes": [{"field": "seam", "linear": {"start": 0.0, "stop": 0.1}}]}, "needs num"),
    ({"combine": "zip", "axes": [{"field": "seam", "values": [0.01]},
                                 {"field": "bulk", "values": [0.001, 0.002]}]},
     "axes of one length"),
])
def test_every_task_is_checked_before_anything_runs(fields, fragment):
    with pytest.raises((ScenarioError, ValueError), match=fragment):
        _study(**fields)


def test_a_study_file_names_its_base_beside_it(tmp_path):
    (tmp_path / "study.yaml").write_text(
        f"study: racks\nbase: {ROOT / 'examples' / 'two_racks.yaml'}\n"
        "axes:\n  - field: qpus[name=r0q0].communication_qubits\n    values: [2, 4]\n")
    study = load_study(tmp_path / "study.yaml")
    assert study.kind == "datacenter"
    assert [t.point for t in study.tasks] == [
        {"qpus[name=r0q0].communication_qubits": 2},
        {"qpus[name=r0q0].communication_qubits": 4}]


def test_a_link_study_runs_each_point_with_its_own_seed():
    from qdcnet.config.study_runs import run_task

    doc = {"study": "link", "base": str(ROOT / "examples" / "stephenson2020.yaml"),
           "axes": [{"field": "duration", "values": ["0.05 s", "0.1 s"]}],
           "run": {"attempt_by_attempt": False},
           "metrics": ["counts.heralds", "figures[name=success probability].simulated"]}
    study = build_study(StudyConfig.model_validate(doc), ROOT)
    out = [run_task(task.spec())["metrics"] for task in study.tasks]
    assert out[1]["counts.heralds"] > out[0]["counts.heralds"] > 0
    assert 0 < out[0]["figures[name=success probability].simulated"] < 1


@pytest.mark.slow
def test_a_job_study_reads_the_jobs_rows():
    from qdcnet.config.study_runs import run_task

    doc = {"study": "jobs", "base": str(ROOT / "examples" / "jobs_on_a_ring.yaml"),
           "run": {"duration": "1 s"},
           "axes": [{"field": "workload.jobs[name=ghz-jit].shots", "values": [3]}],
           "metrics": ["jobs[job=ghz-jit].completed_shots",
                       "jobs[job=ghz-jit].measured_makespan_s.mean"]}
    study = build_study(StudyConfig.model_validate(doc), ROOT)
    metrics = run_task(study.tasks[0].spec())["metrics"]
    assert metrics["jobs[job=ghz-jit].completed_shots"] == 3
    assert metrics["jobs[job=ghz-jit].measured_makespan_s.mean"] > 0


def test_a_metric_that_is_a_group_is_refused_with_its_fields():
    from qdcnet.config.study_runs import run_task

    study = _study(metrics=["rate"])
    spec = study.tasks[0].spec() | {"metrics": ["seam"]}  # a float: fine
    assert isinstance(run_task(spec | {"scenario": spec["scenario"] | {"max_shots": 10}})[
        "metrics"]["seam"], float)
    doc = {"study": "link", "base": str(ROOT / "examples" / "stephenson2020.yaml"),
           "axes": [{"field": "duration", "values": ["0.05 s"]}], "metrics": ["counts"]}
    link = build_study(StudyConfig.model_validate(doc), ROOT)
    with pytest.raises(ScenarioError, match=r"metric counts is a group .*name one, e.g. "
                                            r"counts\.attempts"):
        run_task(link.tasks[0].spec())


def test_ranges_from_zero_keep_the_start_unit():
    from qdcnet.config.study import AxisConfig, _range_values

    def values(start, stop):
        return _range_values(AxisConfig.model_validate(
            {"field": "x", "linear": {"start": start, "stop": stop, "num": 3}}))

    assert values("0 ms", "1 s") == ["0 ms", "500 ms", "1000 ms"]
    assert values("0 m", "2 km") == ["0 m", "1000 m", "2000 m"]
    assert values(1, 101) == [1, 51, 101]  # integers stay integers


@pytest.mark.parametrize(("run", "fragment"), [
    ({"duration": "1 s"}, "a link scenario's own field"),
    ({"attempt_by_attempt": "false"}, "allowed: true or false"),
])
def test_link_run_options_are_honoured_or_refused(run, fragment):
    doc = {"study": "link", "base": str(ROOT / "examples" / "stephenson2020.yaml"), "run": run}
    with pytest.raises(ScenarioError, match=fragment):
        build_study(StudyConfig.model_validate(doc), ROOT)


def test_a_data_center_run_policy_must_exist():
    doc = {"study": "dc", "base": str(ROOT / "examples" / "two_racks.yaml"),
           "run": {"policy": "fastest"}}
    with pytest.raises(ScenarioError, match=r"run\.policy = 'fastest'; allowed: fifo"):
        build_study(StudyConfig.model_validate(doc), ROOT)


def test_an_axis_of_cases_sets_several_fields_per_value():
    study = _study(axes=[{"name": "code", "cases": {
                       "small": {"distance": 3, "bulk": 0.001},
                       "large": {"distance": 5, "bulk": 0.002}}},
                   {"field": "seam", "values": [0.01, 0.02]}])
    assert [t.point for t in study.tasks] == [
        {"code": "small", "seam": 0.01}, {"code": "small", "seam": 0.02},
        {"code": "large", "seam": 0.01}, {"code": "large", "seam": 0.02}]
    assert [(t.scenario["distance"], t.scenario["bulk"]) for t in study.tasks] == [
        (3, 0.001), (3, 0.001), (5, 0.002), (5, 0.002)]
    drawn = _study(combine="random", samples=6, axes=[{"name": "code", "cases": {
        "small": {"distance": 3}, "large": {"distance": 5}}}])
    assert {t.point["code"] for t in drawn.tasks} <= {"small", "large"}


@pytest.mark.parametrize(("axis", "fragment"), [
    ({"cases": {"a": {"distance": 3}}}, "an axis of cases has a name"),
    ({"name": "c", "field": "distance", "cases": {"a": {"distance": 3}}},
     "an axis of cases has a name (its column) and no field"),
    ({"name": "c", "cases": {"a": {}}}, "case a sets no field"),
    ({"name": "c", "field": "seam", "values": [0.1]}, "name is for an axis of cases"),
])
def test_a_malformed_axis_of_cases_is_refused(axis, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        _study(axes=[axis])


def test_a_case_that_sets_a_bad_value_is_refused_with_its_case():
    with pytest.raises(ScenarioError, match="at code = big"):
        _study(axes=[{"name": "code", "cases": {"big": {"distance": 4}}}])
