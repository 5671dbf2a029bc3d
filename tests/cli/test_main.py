"""The command line: version, help, lazy imports, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from qdcnet import __version__
from qdcnet.cli import main as cli_main
from qdcnet.errors import ParameterError

runner = CliRunner()


def test_version():
    result = runner.invoke(cli_main.app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"qdcnet {__version__}"


def test_help_lists_commands():
    result = runner.invoke(cli_main.app, ["--help"])
    assert result.exit_code == 0
    assert "info" in result.output


def test_info_json_records_versions():
    result = runner.invoke(cli_main.app, ["info", "--json"])
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["versions"]["qdcnet"] == __version__
    assert record["versions"]["numpy"]


def test_help_does_not_import_the_heavy_layers():
    code = (
        "import sys\n"
        "from qdcnet.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('numpy', 'scipy', 'qdcnet.sim', 'qdcnet.quantum')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_user_errors_print_one_line_and_exit_2(monkeypatch, capsys):
    def broken_app(**_options):
        raise ParameterError("length_m", -3, "[0, inf)")

    monkeypatch.setattr(cli_main, "app", broken_app)
    with pytest.raises(SystemExit) as info:
        cli_main.main_entry()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: length_m = -3 is out of range: allowed [0, inf)"
    assert "Traceback" not in err


def test_command_line_mistakes_are_one_line_naming_option_and_value(monkeypatch, capsys):
    cases = [
        (["link", "--scheme", "foo"], "error: --scheme = 'foo' is not one of"),
        (["qec", "decoder", "--shots", "abc"], "error: --shots = 'abc': "),
        (["run", "--bogus"], "error: No such option: --bogus"),
        (["no-such-command"], "error: No such command 'no-such-command'."),
    ]
    for argv, start in cases:
        monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
        with pytest.raises(SystemExit) as info:
            cli_main.main_entry()
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(start), err


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "qdcnet", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"qdcnet {__version__}"


def test_the_cli_choices_are_the_library_choices():
    """The CLI lists choices without importing the libraries (start-up time): kept equal here."""
    from qdcnet.compiler.partition import MODELS
    from qdcnet.control.policies import POLICIES
    from qdcnet.qec.sampling import ENGINES
    from qdcnet.qec.surface import LAYOUTS, PROTOCOLS

    assert [p.value for p in cli_main.PolicyName] == list(POLICIES)
    assert [m.value for m in cli_main.SeamLayout] == list(LAYOUTS)
    assert [p.value for p in cli_main.SeamProtocol] == list(PROTOCOLS)
    assert [e.value for e in cli_main.SamplingEngine] == list(ENGINES)
    assert {m.value for m in cli_main.CompileModel} == set(MODELS)
