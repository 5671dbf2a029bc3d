"""Issue 12: options that hang or fail late, and the messages bad options get.

Each bad value is driven through the console entry point (``main_entry``, as
``qdcnet`` and ``python -m qdcnet`` run it): exit status 2, one line on stderr
naming the option, the value and what is allowed, and nothing written. The
values are chosen so that a check that came *after* the work would show up:
before the fix these runs simulated or sampled first (some for minutes), then
failed, or wrote an empty study.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qdcnet.cli import main as cli_main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "qec_ion_modules.yaml"


def run_cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str]:
    """Run ``qdcnet ARGV`` in-process; the exit status and stderr."""
    monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main_entry()
    return exit_info.value.code, capsys.readouterr().err


def assert_refused(argv, option, fragments, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(argv, monkeypatch, capsys)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {option} = "), err
    for fragment in fragments:
        assert fragment in lines[0], err
    assert "Traceback" not in err
    assert "validation error" not in err  # no pydantic dump of a document the user never wrote
    assert list(tmp_path.iterdir()) == [], "nothing may be written when an option is refused"


# -- qdcnet link: demand and the bound on simulated events ---------------------------------

NEUTRAL_ATOMS = ["link", "--profile-a", "neutral_atom", "--profile-b", "neutral_atom"]


@pytest.mark.parametrize(("argv", "option", "fragments"), [
    # duty-cycled trapped-ion link: refused before simulating, not after
    (["link", "--demand-rate", "50 Hz", "--duration", "100 s", "--out", "run"],
     "--demand-rate", ["'50 Hz'", "no duty cycle"]),
    # 1e9 demands: the kernel would run for an hour
    ([*NEUTRAL_ATOMS, "--demand-rate", "1 GHz", "--duration", "1 s", "--out", "run"],
     "--demand-rate", ["'1 GHz'", "Hz for 1 s", "10,000,000 simulated events"]),
    ([*NEUTRAL_ATOMS, "--demand-rate", "1e308 Hz"], "--demand-rate", ["'1e308 Hz'"]),
    ([*NEUTRAL_ATOMS, "--demand-rate", "0 Hz"], "--demand-rate", ["(0, inf) Hz"]),
    (["link", "--attempt-by-attempt", "--duration", "1 h"], "--duration",
     ["'1 h'", "10,000,000 simulated events"]),
    (["link", "--duration", "0 s"], "--duration", ["'0 s'", "(0 s, "]),
    (["link", "--cutoff", "0 s"], "--cutoff", ["'0 s'"]),
], ids=["demand-on-duty-cycle", "huge-demand-rate", "absurd-demand-rate", "zero-demand-rate",
        "attempt-by-attempt-too-long", "zero-duration", "zero-cutoff"])
def test_link_run_options_fail_before_simulating(argv, option, fragments, tmp_path,
                                                 monkeypatch, capsys):
    assert_refused(argv, option, fragments, tmp_path, monkeypatch, capsys)


def test_demand_from_a_scenario_file_names_the_field(tmp_path, monkeypatch, capsys):
    scenario = tmp_path.parent / f"{tmp_path.name}-duty.yaml"
    scenario.write_text(
        "schema_version: 1\nkind: link\nname: ions\nscheme: two_click\ndemand_rate: 50 Hz\n"
        "ends:\n  - {name: a, profile: trapped_ion, fiber: {length: 10 m}}\n"
        "  - {name: b, profile: trapped_ion, fiber: {length: 10 m}}\n")
    assert_refused(["link", str(scenario), "--duration", "1 s"], f"{scenario}: demand_rate",
                   ["no duty cycle"], tmp_path, monkeypatch, capsys)


# -- qdcnet link: one line naming the option, not a pydantic dump -------------------------

@pytest.mark.parametrize(("argv", "option", "fragments"), [
    (["link", "--alpha", "1.5"], "--alpha", ["1.5", "(0, 1)"]),
    (["link", "--scheme", "single_click", "--alpha", "0"], "--alpha", ["(0, 1)"]),
    (["link", "--scheme", "foo"], "--scheme", ["'foo'", "'single_click', 'two_click'"]),
    (["link", "--length", "-3 m"], "--length", ["'-3 m'", "[0 m,"]),
    (["link", "--length", "1e308 m"], "--length", ["'1e308 m'"]),
], ids=["alpha-above-one", "alpha-zero", "unknown-scheme", "negative-length", "huge-length"])
def test_link_option_messages_name_the_option(argv, option, fragments, tmp_path, monkeypatch,
                                              capsys):
    assert_refused(argv, option, fragments, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("shots", ["0", "2001"])
def test_demo_refuses_shots_out_of_range(shots, tmp_path, monkeypatch, capsys):
    assert_refused(["demo", "--shots", shots, "--out", "demo"], "--shots",
                   [shots, "from 1 to 2000"], tmp_path, monkeypatch, capsys)


# -- qdcnet qec: every option checked before the study ------------------------------------

SMALL_SUPPLY = ["qec", "supply", str(EXAMPLE), "--simulate", "0", "--max-shots", "100",
                "--out", "supply"]


@pytest.mark.parametrize(("argv", "option", "fragments"), [
    ([*SMALL_SUPPLY, "--distance", "4"], "--distance", ["4", "an odd integer from 3 to 25"]),
    ([*SMALL_SUPPLY, "--distance", "27"], "--distance", ["MAX_DISTANCE"]),
    ([*SMALL_SUPPLY, "--depths", ""], "--depths", ["at least one integer"]),
    ([*SMALL_SUPPLY, "--depths", "0,-4"], "--depths", ["-4", ">= 0"]),
    ([*SMALL_SUPPLY, "--max-shots", "0"], "--max-shots", ["0", ">= 1"]),
    ([*SMALL_SUPPLY, "--protocol", "magic"], "--protocol", ["'magic'", "teleported_cnot"]),
    ([*SMALL_SUPPLY, "--bulk", "0.9"], "--bulk", ["0.9", "[0, 0.75]"]),
    (["qec", "supply", "--simulate", "1", "--out", "supply"], "--simulate", [">= 2"]),
    (["qec", "supply", "--pair", "a-b", "--out", "supply"], "--pair", ["scenario file"]),
], ids=["even-distance", "distance-above-bound", "empty-depths", "negative-depth",
        "zero-shots", "unknown-protocol", "bulk-out-of-range", "one-pair", "pair-without-scenario"])
def test_qec_supply_checks_every_option_first(argv, option, fragments, tmp_path, monkeypatch,
                                              capsys):
    assert_refused(argv, option, fragments, tmp_path, monkeypatch, capsys)


SMALL_SEAM = ["qec", "seam", "--bulk", "0.001", "--seams", "0.05", "--bases", "z",
              "--max-shots", "100", "--out", "seam"]


@pytest.mark.parametrize(("argv", "option", "fragments"), [
    ([*SMALL_SEAM, "--distances", "3,4"], "--distances", ["4", "odd"]),
    ([*SMALL_SEAM, "--distances", "3,99"], "--distances", ["99", "MAX_DISTANCE"]),
    ([*SMALL_SEAM, "--distances", ""], "--distances", ["at least one"]),
    (["qec", "seam", "--distances", "3", "--seams", "0:0.3:0", "--out", "seam"], "--seams",
     ["1 to 1000 points"]),
    (["qec", "seam", "--distances", "3", "--seams", "0.05,0.8", "--out", "seam"], "--seams",
     ["0.8", "[0, 0.75]"]),
    (["qec", "seam", "--distances", "3", "--bulk", "nan", "--out", "seam"], "--bulk", ["nan"]),
    ([*SMALL_SEAM, "--distances", "3", "--max-errors", "0"], "--max-errors", [">= 1"]),
    ([*SMALL_SEAM, "--distances", "3", "--workers", "0"], "--workers", [">= 1"]),
    ([*SMALL_SEAM, "--distances", "3", "--engine", "fast"], "--engine", ["'stim', 'sinter'"]),
    ([*SMALL_SEAM, "--distances", "3", "--layout", "diagonal"], "--layout", ["vertical"]),
    (["qec", "decoder", "--distances", "3,6", "--shots", "10", "--out", "dec"], "--distances",
     ["6", "odd"]),
    (["qec", "decoder", "--distances", "3", "--shots", "0", "--out", "dec"], "--shots",
     [">= 1"]),
], ids=["seam-even-distance", "seam-distance-above-bound", "seam-no-distance",
        "seam-empty-range", "seam-infidelity-out-of-range", "bulk-nan", "zero-max-errors",
        "zero-workers", "unknown-engine", "unknown-layout", "decoder-even-distance",
        "decoder-zero-shots"])
def test_qec_seam_and_decoder_check_every_option_first(argv, option, fragments, tmp_path,
                                                       monkeypatch, capsys):
    assert_refused(argv, option, fragments, tmp_path, monkeypatch, capsys)


def test_qec_out_that_is_a_file_is_refused_before_the_study(tmp_path, monkeypatch, capsys):
    target = tmp_path.parent / f"{tmp_path.name}-a-file"
    target.write_text("not a folder\n")
    assert_refused(["qec", "decoder", "--distances", "3", "--shots", "10", "--out",
                    str(target)], "--out", ["a folder"], tmp_path, monkeypatch, capsys)
    assert target.read_text() == "not a folder\n"


def test_through_python_dash_m(tmp_path):
    """The same through ``python -m qdcnet`` as a user runs it: status 2, one line."""
    run = subprocess.run([sys.executable, "-m", "qdcnet", "qec", "supply", "--distance", "4",
                          "--out", str(tmp_path / "supply")], capture_output=True, text=True,
                         check=False, cwd=tmp_path, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [
        "error: --distance = 4 is out of range: allowed an odd integer from 3 to 25"]
    assert list(tmp_path.iterdir()) == []
