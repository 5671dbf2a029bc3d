"""``qdcnet serve`` refuses bad options, scenarios and journals in one line, before serving."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qdcnet.cli import main as cli_main

TWO_RACKS = Path(__file__).resolve().parents[2] / "examples" / "two_racks.yaml"


def run_cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["qdcnet", *argv])
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main_entry()
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--port", "70000"], "--port = 70000"),
    (["--pace", "0"], "--pace = 0"),
    (["--db", "mysql://u@h/d"], "db = 'mysql://u@h/d'"),
    (["--db", "no/such/folder/j.db"], "does not exist"),
    (["--seed", "-1"], "--seed = -1"),
])
def test_bad_options_are_refused_before_the_port_opens(argv, fragment, tmp_path, monkeypatch,
                                                       capsys):
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(["serve", str(TWO_RACKS), *argv], monkeypatch, capsys)
    assert code == 2, err
    assert err.startswith("error: ")
    assert fragment in err
    assert "Traceback" not in err


def test_a_journal_of_another_seed_is_refused(tmp_path, monkeypatch, capsys):
    from qdcnet.config.scenario import load_scenario
    from qdcnet.service.core import Service
    from qdcnet.service.store import Store, database_url

    db = tmp_path / "j.db"
    scenario, _ = load_scenario(TWO_RACKS)
    service = Service(scenario, Store(database_url(db)), workload=False)
    service.open()
    service.store.close()
    code, err = run_cli(["serve", str(TWO_RACKS), "--db", str(db), "--seed", "99"],
                        monkeypatch, capsys)
    assert code == 2, err
    assert "journals seed 7" in err
    assert "Traceback" not in err


def test_a_bad_scenario_is_refused(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nkind: datacenter\nname: x\nqpus: []\n")
    code, err = run_cli(["serve", str(bad), "--db", str(tmp_path / "j.db")], monkeypatch,
                        capsys)
    assert code == 2, err
    assert "qpus" in err
    assert not (tmp_path / "j.db").exists()  # refused before the journal is created
