"""``qdcnet sensitivity`` end to end, and common random numbers on a real data center."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sweep_studies import qdcnet_cli

from qdcnet.config.sensitivity import SensitivityConfig, build_sensitivity
from qdcnet.config.study_runs import run_task
from qdcnet.network.topology import linear_chain

STUDY = """\
sensitivity: seam-or-bulk
scenario:
  kind: qec
  distance: 3
  bulk: 0.004
  seam: 0.1
  max_shots: 3000
  max_errors: 100000
metric: rate
better: lower
factor: 4
degrade: true
parameters:
  - field: seam
  - field: bulk
    label: bulk noise
repetitions: 3
seed: 2
quick: {repetitions: 2}
"""



def test_sensitivity_command_ranks_tables_draws_and_resumes(tmp_path):
    (tmp_path / "s.yaml").write_text(STUDY)
    done = qdcnet_cli("sensitivity", "s.yaml", "--workers", "2", "--out", "out", "--json",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["kind"] == "sensitivity"
    assert result["seed"] == 2
    results = result["results"]
    assert results["tasks"] == 5 * 3
    assert results["failed"] == 0
    ranking = results["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2]
    assert {r["parameter"] for r in ranking} == {"seam", "bulk noise"}
    # Improving either noise lowers the logical error; worsening raises it.
    assert all(r["change"] < 0 and r["gain"] > 0 for r in ranking)
    assert all(r["degraded"]["change"] > 0 for r in ranking)
    seam = next(r for r in ranking if r["parameter"] == "seam")
    assert seam["improved"] == [{"path": "seam", "before": 0.1, "after": 0.025}]
    folder = tmp_path / "out"
    assert (folder / "tornado.png").stat().st_size > 10_000
    with (folder / "sensitivity.csv").open() as handle:
        assert [row["parameter"] for row in csv.DictReader(handle)] == [
            r["parameter"] for r in ranking]
    resumed = qdcnet_cli("sensitivity", "s.yaml", "--out", "out", "--resume", "--json",
                      cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    again = json.loads(resumed.stdout)["results"]
    assert again["skipped"] == 15
    assert again["ran"] == 0
    assert again["ranking"] == ranking
    refused = qdcnet_cli("sensitivity", "s.yaml", "--out", "out", cwd=tmp_path)
    assert refused.returncode != 0
    assert "it holds a sensitivity: add --resume" in refused.stderr
    quick = qdcnet_cli("sensitivity", "s.yaml", "--out", "quick", "--quick", "--json",
                    cwd=tmp_path)
    assert quick.returncode == 0, quick.stderr
    assert json.loads(quick.stdout)["results"]["tasks"] == 5 * 2


def test_a_bad_file_is_refused_before_anything_runs_without_a_traceback(tmp_path):
    (tmp_path / "s.yaml").write_text(STUDY.replace("field: seam", "field: distance"))
    done = qdcnet_cli("sensitivity", "s.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode != 0
    assert "parameters[0] (distance): the name does not say how it improves" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_common_random_numbers_cancel_what_a_parameter_does_not_touch():
    """T2 does not change how many pairs a link heralds: with the baseline's seed, the
    improved-T2 variant delivers exactly as many pairs; a better collection efficiency
    delivers more."""
    document = linear_chain(2, profile="trapped_ion_oxford", spacing_m=10.0)
    # More pairs than the link heralds in the run: the count is what the link gives.
    document["workload"] = {"requests": [{"name": "r", "src": "qpu0", "dst": "qpu1",
                                          "pairs": 10_000}]}
    config = SensitivityConfig.model_validate({
        "sensitivity": "crn", "scenario": document, "run": {"duration": "40 ms"},
        "metric": "requests[request=r].delivered", "better": "higher", "factor": 2,
        "parameters": [{"field": "qpus[*].overrides.communication.t2", "label": "t2"},
                       {"field": "qpus[*].overrides.communication.collection_efficiency",
                        "label": "collection"}],
        "repetitions": 2, "seed": 3})
    study = build_sensitivity(config, Path("."))
    delivered: dict[tuple[str, int], int] = {}
    for task in study.tasks:
        label, _, repetition = study.roles[task.id]
        delivered[(label, repetition)] = run_task(task.spec())["metrics"][config.metric]
    for repetition in range(2):
        assert delivered[("t2", repetition)] == delivered[("baseline", repetition)] > 0
        assert delivered[("collection", repetition)] > delivered[("baseline", repetition)]
    assert delivered[("baseline", 0)] != delivered[("baseline", 1)]
