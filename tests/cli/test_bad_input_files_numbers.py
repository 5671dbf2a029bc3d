"""Input files that are not what they claim, and numbers at the edge (issue 12).

Each case goes through ``main_entry`` (what the ``qdcnet`` command runs), so the
exit status and the one-line message are what a user sees; a few also go
through a real ``python -m qdcnet`` process. Every refusal must be exit status
2, one line naming the file or the field/option, the value and what is allowed,
no traceback, and nothing written.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from qdcnet.cli.main import main_entry

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "examples" / "humphreys2018.yaml"
DATACENTER = ROOT / "examples" / "two_racks.yaml"

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


def _qdcnet(argv: list[str], monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main_entry()
    return exit_info.value.code, capsys.readouterr().err


def _assert_refused(code: int, err: str, *expected: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for text in expected:
        assert text in lines[0], (text, lines[0])


def _write(tmp_path: Path, document: dict[str, Any], name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


def _mutated(source: Path, path: str, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(yaml.safe_load(source.read_text()))
    node: Any = document
    *parents, last = path.split("/")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return document


# -- files that are not what they claim ----------------------------------------

FILES = {
    "random bytes": (lambda p: p.write_bytes(bytes(range(128, 256)) * 4), "is not a text file"),
    "png": (lambda p: p.write_bytes(PNG_HEADER), "is not a text file"),
    "nul bytes": (lambda p: p.write_bytes(b"name: x\x00\x00\n"), "is not a text file"),
    "directory": (lambda p: p.mkdir(), "is a directory"),
    "empty": (lambda p: p.write_text(""), "is empty"),
    "blank": (lambda p: p.write_text("\n  \n"), "is empty"),
    "only a comment": (lambda p: p.write_text("# nothing\n"), "found nothing"),
    "a list": (lambda p: p.write_text("- a\n- b\n"), "found a list"),
    "a scalar": (lambda p: p.write_text("42\n"), "found a single int"),
    "a string": (lambda p: p.write_text("hello\n"), "found a single str"),
}


@pytest.mark.parametrize("command", ["validate", "link", "run"])
@pytest.mark.parametrize("case", FILES)
def test_a_scenario_that_is_not_a_yaml_mapping_is_one_line(case, command, tmp_path, monkeypatch,
                                                           capsys):
    make, expected = FILES[case]
    path = tmp_path / "scenario.yaml"
    make(path)
    before = sorted(tmp_path.iterdir())
    code, err = _qdcnet([command, str(path)], monkeypatch, capsys)
    _assert_refused(code, err, str(path), expected)
    if case not in ("only a comment", "a list", "a scalar", "a string"):
        assert "expected a YAML text file" in err
    assert sorted(tmp_path.iterdir()) == before


def test_a_file_that_cannot_be_read_is_one_line(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, yaml.safe_load(LINK.read_text()))

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    # Tests may run as root, where chmod 000 does not stop a read: refuse it here.
    monkeypatch.setattr(Path, "read_bytes", refuse)
    code, err = _qdcnet(["link", str(path)], monkeypatch, capsys)
    _assert_refused(code, err, str(path), "cannot be read", "Permission denied",
                    "expected a YAML text file")


@pytest.mark.parametrize("case", ["random bytes", "png", "directory", "empty", "a list"])
def test_a_profile_file_that_is_not_a_profile_is_one_line(case, tmp_path, monkeypatch, capsys):
    make, expected = FILES[case]
    profile = tmp_path / "my_profile.yaml"
    make(profile)
    document = _mutated(LINK, "ends/0/profile", str(profile))
    code, err = _qdcnet(["link", str(_write(tmp_path, document))], monkeypatch, capsys)
    _assert_refused(code, err, str(profile),
                    expected.replace("found", "a profile is a YAML mapping of sections, found"))


def test_a_binary_profile_named_on_the_command_line(tmp_path, monkeypatch, capsys):
    profile = tmp_path / "junk.yaml"
    profile.write_bytes(PNG_HEADER)
    code, err = _qdcnet(["profiles", str(profile)], monkeypatch, capsys)
    _assert_refused(code, err, str(profile), "is not a text file", "expected a YAML profile file")


def test_a_binary_scenario_through_the_real_command(tmp_path):
    path = tmp_path / "picture.yaml"
    path.write_bytes(PNG_HEADER)
    result = subprocess.run([sys.executable, "-m", "qdcnet", "validate", str(path)],
                            capture_output=True, text=True, timeout=120, check=False)
    _assert_refused(result.returncode, result.stderr, str(path), "is not a text file")


# -- numbers at the edge, in files ---------------------------------------------

TIME_RANGE = "0 s or 1 ps <= |t| <= 9.22337e+06 s"

LINK_NUMBERS = {
    # field path, value, words the message must hold
    "huge duration": ("duration", "1e308 s", ["duration = '1e308 s'", TIME_RANGE,
                                              "kernel's clock"]),
    "overflowing duration": ("duration", "1e999 s", ["duration = '1e999 s'", TIME_RANGE]),
    "duration below 1 ps": ("duration", "0.1 ps", ["duration = '0.1 ps'",
                                                   "resolution of 1 ps"]),
    "zero duration": ("duration", "0 s", ["duration", "greater than 0"]),
    "negative duration": ("duration", "-1 s", ["duration", "greater than 0"]),
    "infinite duration": ("duration", "inf", ["duration = 'inf'", "a finite time"]),
    "infinite dark counts": ("station/detector/dark_count_rate", "inf",
                             ["station.detector.dark_count_rate = 'inf'", "a finite frequency"]),
    "huge cutoff": ("cutoff", "1e308 s", ["cutoff = '1e308 s'", TIME_RANGE]),
    "cutoff below 1 ps": ("cutoff", "0.4 ps", ["cutoff = '0.4 ps'", "resolution of 1 ps"]),
    "huge length": ("ends/0/fiber/length", "1e308 m",
                    ["ends[0].fiber.length = '1e308 m'", "[0, 1e+12] m"]),
    "overflowing length": ("ends/0/fiber/length", "1e308 km",
                           ["ends[0].fiber.length = '1e308 km'", "overflows a float"]),
    "huge demand rate": ("demand_rate", "1e308 Hz",
                         ["demand_rate = '1e308 Hz'", "(0, 1e+12] Hz", "1 ps clock step"]),
    "huge detector window": ("station/detector/detection_window", "1e308 s",
                             ["station.detector.detection_window", TIME_RANGE]),
    "negative dead time": ("station/detector/dead_time", "-1 ns",
                           ["station.detector.dead_time", "greater than or equal to 0"]),
    "huge phase noise": ("single_click/phase_noise", "1e308 deg",
                         ["single_click.phase_noise = '1e308 deg'", "[0, 6.28319] rad"]),
    "negative phase noise": ("single_click/phase_noise", "-5 deg",
                             ["single_click.phase_noise = '-5 deg'", "[0, 6.28319] rad"]),
    "negative seed": ("seed", -1, ["seed = -1", "greater than or equal to 0"]),
    "huge seed": ("seed", 2**64, [f"seed = {2**64}", f"less than or equal to {2**63 - 1}"]),
    "huge T2 override": ("ends/0/overrides", {"communication.t2": "1e308 s"},
                         ["communication.t2 = '1e308 s'", TIME_RANGE]),
    "NaN efficiency override": ("ends/0/overrides",
                                {"communication.collection_efficiency": float("nan")},
                                ["communication.collection_efficiency = nan", "[0, 1]"]),
}


@pytest.mark.parametrize("case", LINK_NUMBERS)
def test_extreme_numbers_in_a_link_file_name_the_field_and_range(case, tmp_path, monkeypatch,
                                                                 capsys):
    path, value, expected = LINK_NUMBERS[case]
    scenario = _write(tmp_path, _mutated(LINK, path, value))
    out = tmp_path / "result.json"
    code, err = _qdcnet(["link", str(scenario), "--out", str(out)], monkeypatch, capsys)
    _assert_refused(code, err, str(scenario), *expected)
    assert not out.exists()


DATACENTER_NUMBERS = {
    "huge duration": ("duration", "1e308 s", ["duration = '1e308 s'", TIME_RANGE]),
    "duration below 1 ps": ("duration", "0.1 ps", ["duration = '0.1 ps'",
                                                   "resolution of 1 ps"]),
    "never-ending duration": ("duration", "never", ["duration = 'never'", "a finite time"]),
    "huge fibre": ("fibers/0/length", "1e308 m", ["fibers[0].length = '1e308 m'",
                                                  "[0, 1e+12] m"]),
    "faster than light": ("classical/velocity", "1e308 m/s",
                          ["classical.velocity", "less than or equal to 299792458"]),
    "huge seed": ("seed", 2**70, [f"seed = {2**70}", f"less than or equal to {2**63 - 1}"]),
    "negative seed": ("seed", -3, ["seed = -3", "greater than or equal to 0"]),
}


@pytest.mark.parametrize("case", DATACENTER_NUMBERS)
def test_extreme_numbers_in_a_datacenter_file_name_the_field_and_range(case, tmp_path,
                                                                       monkeypatch, capsys):
    path, value, expected = DATACENTER_NUMBERS[case]
    scenario = _write(tmp_path, _mutated(DATACENTER, path, value))
    code, err = _qdcnet(["validate", str(scenario)], monkeypatch, capsys)
    _assert_refused(code, err, str(scenario), *expected)


# -- numbers at the edge, on the command line -----------------------------------

DURATION_OPTIONS = {
    "huge": ("1e308s", ["--duration = '1e308s'", TIME_RANGE, "kernel's clock"]),
    "overflowing": ("1e999s", ["--duration = '1e999s'", TIME_RANGE]),
    "below 1 ps": ("0.1ps", ["--duration = '0.1ps'", "resolution of 1 ps"]),
    # The kernel's "until" used to be named here, with a picosecond count.
    "negative": ("-1s", ["--duration = '-1s'", "[0 s, 9.22337e+06 s]"]),
}


@pytest.mark.parametrize("command", ["link", "run"])
@pytest.mark.parametrize("case", DURATION_OPTIONS)
def test_duration_option_at_the_edge_names_the_option(case, command, tmp_path, monkeypatch,
                                                      capsys):
    value, expected = DURATION_OPTIONS[case]
    scenario = LINK if command == "link" else DATACENTER
    out = tmp_path / "result.json"
    code, err = _qdcnet([command, str(scenario), "--duration", value, "--out", str(out)],
                        monkeypatch, capsys)
    _assert_refused(code, err, *expected)
    assert "until" not in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["link", "run"])
def test_zero_duration_is_refused_on_the_command_line_as_in_a_file(command, tmp_path,
                                                                   monkeypatch, capsys):
    source = LINK if command == "link" else DATACENTER
    in_file = _write(tmp_path, _mutated(source, "duration", "0 s"))
    code, err = _qdcnet([command, str(in_file)], monkeypatch, capsys)
    _assert_refused(code, err, "duration", "0")
    out = tmp_path / "result.json"
    code, err = _qdcnet([command, str(source), "--duration", "0s", "--out", str(out)],
                        monkeypatch, capsys)
    _assert_refused(code, err, "duration", "0", "(0")
    assert "until" not in err
    assert not out.exists()


def test_huge_duration_through_the_real_command():
    result = subprocess.run([sys.executable, "-m", "qdcnet", "link", str(LINK), "--duration",
                             "1e308s"], capture_output=True, text=True, timeout=120, check=False)
    _assert_refused(result.returncode, result.stderr, "--duration = '1e308s'", TIME_RANGE)


# -- physically meaningless components -------------------------------------------

COMPONENTS = {
    "negative wavelength override": (LINK, "ends/0/overrides",
                                     {"communication.wavelength": "-637 nm"},
                                     ["communication.wavelength = '-637 nm'", "[2e-07, 1]"]),
    "zero wavelength override": (LINK, "ends/0/overrides", {"communication.wavelength": "0 nm"},
                                 ["communication.wavelength = '0 nm'", "[2e-07, 1]"]),
    "negative converter wavelength": (LINK, "ends/0/overrides",
                                      {"communication.converter.output_wavelength": "-1 um"},
                                      ["output_wavelength = '-1 um'", "[2e-07, 1]"]),
    "negative linewidth override": (LINK, "ends/0/overrides",
                                    {"communication.linewidth": "-1 MHz"},
                                    ["communication.linewidth = '-1 MHz'"]),
    "efficiency above 1": (LINK, "station/detector/efficiency", 1.5,
                           ["station.detector.efficiency = 1.5", "less than or equal to 1"]),
}


@pytest.mark.parametrize("case", COMPONENTS)
def test_physically_meaningless_components_are_refused(case, tmp_path, monkeypatch, capsys):
    source, path, value, expected = COMPONENTS[case]
    scenario = _write(tmp_path, _mutated(source, path, value))
    code, err = _qdcnet(["link", str(scenario)], monkeypatch, capsys)
    _assert_refused(code, err, str(scenario), *expected)
