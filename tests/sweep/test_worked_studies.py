"""The worked studies of examples/studies, in their --quick variants (the slow suite).

Each runs as a user would (``qdcnet sweep|sensitivity STUDY --quick``) and is
checked for what its finding in docs/results rests on, in a form the smaller
quick run still shows beyond its noise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qdcnet.sweep.journal import read_rows

STUDIES = Path(__file__).resolve().parents[2] / "examples" / "studies"

pytestmark = pytest.mark.slow


def _quick(command: str, study: str, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "qdcnet", command, str(STUDIES / study),
                           "--quick", "--out", str(out), "--json", "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["results"]["failed"] == 0
    assert result["results"]["quick"] is True
    return result


def _metrics(folder: Path) -> list[tuple[dict, dict]]:
    rows, _ = read_rows(folder / "journal.jsonl")
    return [(row["inputs"], row["metrics"]) for row in rows]


def test_link_distance_quick(tmp_path):
    result = _quick("sweep", "link_distance.yaml", tmp_path / "out")
    assert sorted(result["results"]["plots"]) == [
        "plots/ebits-per-use.png", "plots/fidelity.png", "plots/rate.png"]
    rows = {(i["platform"], i["ends[*].fiber.length"]): m for i, m in _metrics(tmp_path / "out")}
    assert len(rows) == 15
    for (platform, length), metrics in rows.items():
        # No link beats the bound it is compared with.
        assert metrics["analytic.distillable_per_attempt"] <= metrics[
            "analytic.capacity_bound_per_attempt"], (platform, length)
    # Unconverted 422 nm light: best in a hall, gone at 50 km.
    assert rows[("ion-422nm", "1 m")]["analytic.rate_hz"] > 100
    assert rows[("ion-422nm", "50000 m")]["analytic.delivered_fidelity"] < 0.3
    assert rows[("neutral-atom", "50000 m")]["analytic.rate_hz"] < rows[
        ("neutral-atom", "1 m")]["analytic.rate_hz"]


def test_job_ring_quick(tmp_path):
    _quick("sweep", "job_ring_sweep.yaml", tmp_path / "out")
    makespan = {(i["qpus[*].communication_qubits"],
                 i["qpus[*].overrides.communication.collection_efficiency"]):
                m["jobs[job=ghz].measured_makespan_s.mean"]
                for i, m in _metrics(tmp_path / "out")}
    assert len(makespan) == 4
    for qubits in (1, 2):  # a five-fold better collection: several times shorter
        assert makespan[(qubits, 0.2)] < makespan[(qubits, 0.04)] / 2
    ranked = _quick("sensitivity", "job_ring_makespan.yaml", tmp_path / "makespan")
    first = ranked["results"]["ranking"][0]
    assert first["parameter"] == "photon collection"
    assert first["rank_high"] == 1
    assert (tmp_path / "makespan" / "tornado.png").stat().st_size > 10_000
    fidelity = _quick("sensitivity", "job_ring_fidelity.yaml", tmp_path / "fidelity")
    by_name = {r["parameter"]: r for r in fidelity["results"]["ranking"]}
    # Common random numbers: what a parameter does not touch changes nothing at all.
    assert by_name["transfer to storage time"]["change"] == 0.0


def test_seam_links_quick(tmp_path):
    result = _quick("sweep", "seam_links.yaml", tmp_path / "out")
    assert len(result["results"]["plots"]) == 4
    rows = {(i["platform"], i["supply.links"]): m for i, m in _metrics(tmp_path / "out")}
    assert len(rows) == 6
    for platform in ("ion-422nm", "nv-centre", "neutral-atom"):
        few, many = rows[(platform, 1)], rows[(platform, 4096)]
        assert many["supply.gap"] == pytest.approx(few["supply.gap"] / 4096)
        assert many["supply.gap"] < 1
    # One link cannot feed an atom seam: the rounds wait, the code fails.
    starved = rows[("neutral-atom", 1)]
    assert starved["supply.starved_rounds"] == 1.0
    assert starved["rate_low"] > 10 * rows[("neutral-atom", 4096)]["rate_high"]
