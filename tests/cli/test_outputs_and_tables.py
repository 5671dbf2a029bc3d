"""Outputs checked before work, tables never cut, hashes that name the scenario (issue 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qdcnet.report.tables import format_standard_error

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def qdcnet(*args: str, columns: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-m", "qdcnet", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_tables_into_a_pipe_are_not_cut():
    result = qdcnet("profiles")
    assert result.returncode == 0, result.stderr
    assert "trapped_ion_helios_854" in result.stdout
    assert "…" not in result.stdout


def test_validate_counts_nodes_in_plain_words():
    result = qdcnet("validate", str(EXAMPLES / "two_racks.yaml"))
    assert result.returncode == 0, result.stderr
    assert "8 QPUs, 4 switches, 4 BSM stations" in result.stdout


def test_an_out_folder_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    for target, reason in ((not_a_folder, "it exists and is a file"),
                           (not_a_folder / "out", "plain-file is a file")):
        result = qdcnet("run", str(EXAMPLES / "repeater_chain.yaml"), "--out", str(target))
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith("error: --out = "), result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""  # refused before any work: nothing simulated or printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain-file"]


def test_the_scenario_hash_does_not_depend_on_the_seed(tmp_path):
    hashes = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}.json"
        result = qdcnet("run", str(EXAMPLES / "repeater_chain.yaml"), "--duration", "0.2 s",
                        "--seed", seed, "--out", str(out))
        assert result.returncode == 0, result.stderr
        # No terminal: no progress bar, only the note of what was written.
        assert result.stderr.strip() == f"wrote {out}/: result.json"
        document = json.loads((out / "result.json").read_text())
        assert document["seed"] == int(seed)
        hashes.append(document["scenario_hash"])
    assert hashes[0] == hashes[1]


def test_standard_errors_below_the_display_precision_show_as_zero():
    assert format_standard_error(1.6e-17, 0.9546) == "0"
    assert format_standard_error(0.0014, 0.7871) == "0.0014"
    # With no value to compare, or a value of 0, the error is shown as it is.
    assert format_standard_error(2.2e-4, 0.0) == "2.2e-04"
    assert format_standard_error(float("nan"), 0.5) == "n/a"


def test_every_command_refuses_a_bad_seed_alike():
    for command in (("run", str(EXAMPLES / "repeater_chain.yaml")), ("demo",),
                    ("qec", "decoder"), ("link",)):
        for seed in ("-1", str(2**63)):
            result = qdcnet(*command, "--seed", seed)
            assert result.returncode == 2, (command, result.stderr)
            assert result.stderr.startswith(f"error: --seed = {seed} is out of range"), (
                command, result.stderr)
            assert "2**63 - 1" in result.stderr


def test_a_seeded_seam_sweep_repeats_byte_for_byte(tmp_path):
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        result = qdcnet("qec", "seam", "--distances", "3", "--seams", "0:0.1:2", "--max-shots",
                        "200", "--bases", "z", "--bulk", "0.001", "--out", str(folder))
        assert result.returncode == 0, result.stderr
    for name in ("result.json", "seam.csv", "seam.png"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    assert (folders[0] / "timings.json").exists()
