"""The journal's database: migrations, URLs, idempotent submissions, the clock."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from service_fixtures import database

from qdcnet.errors import ParameterError
from qdcnet.service import store as store_module
from qdcnet.service.clock import Clock
from qdcnet.service.store import Store, StoreError, database_url, metadata


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_build_the_schema_the_code_uses(tmp_path, kind):
    with database(kind, tmp_path) as url:
        store = Store(database_url(url))
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == "0003"
            assert compare_metadata(context, metadata) == []
        Store(database_url(url)).close()  # reopening upgrades nothing and keeps the data
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_journal_of_one_tenant_upgrades_to_tenants(tmp_path, kind):
    """0001 had no tenants: its submissions become the operator's, their keys namespaced."""
    from alembic import command
    from alembic.config import Config

    with database(kind, tmp_path) as url:
        engine = sa.create_engine(database_url(url))
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(
                Path(store_module.__file__).parent / "migrations"))
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(sa.text(
                "INSERT INTO submissions (kind, client_key, name, body, body_hash, arrival_ps, "
                "status, reason, created_at) VALUES ('request', 'k1', 'n', '{}', 'h', 5, "
                "'submitted', '', CURRENT_TIMESTAMP)"))
        engine.dispose()
        store = Store(database_url(url))
        row = store.get(1)
        assert (row["tenant"], row["client_key"], row["limits"]) == ("operator", "operator/k1",
                                                                     None)
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_client_key_names_one_submission(tmp_path, kind):
    with database(kind, tmp_path) as url:
        store = Store(database_url(url))
        first = store.add_submission("request", "key", "a", {"x": 1}, "h", 10, clock_ps=10)
        second = store.add_submission("request", "key", "a", {"x": 1}, "h", 20, clock_ps=20)
        other = store.add_submission("job", None, "b", {"y": 2}, "g", 15)
        store.add_cancel(other[0], 30)
        assert first == (1, True)
        assert second == (1, False)
        assert [(i.action, i.submission_id, i.arrival_ps) for i in store.inputs()] == [
            ("submit", 1, 10), ("submit", 2, 15), ("cancel", 2, 30)]
        assert store.meta()["clock_ps"] == "30"
        # The longest key a tenant can have: its name (64), the slash, its key (200).
        longest = "t" * 64 + "/" + "k" * 200
        assert store.add_submission("request", longest, "c", {}, "h", 40)[1] is True
        assert store.by_client_key(longest)["client_key"] == longest
        store.close()


def test_database_urls_and_refusals(tmp_path):
    assert database_url(tmp_path / "j.db") == f"sqlite:///{tmp_path / 'j.db'}"
    assert database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(ParameterError, match="db"):
        database_url("mysql://u@h/d")
    with pytest.raises(StoreError, match="does not exist"):
        Store(database_url(tmp_path / "missing" / "j.db"))
    with pytest.raises(StoreError, match="cannot open") as info:
        Store("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(info.value)


def test_sqlite_journal_is_durable_wal(tmp_path):
    store = Store(database_url(tmp_path / "w.db"))
    with store.engine.connect() as c:
        assert c.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
    store.close()


def test_clock_pace_pause_and_free_mode():
    wall = [100.0]
    clock = Clock("paced", pace=2.0, wall=lambda: wall[0])
    clock.anchor(5)
    wall[0] = 101.5
    assert clock.target_ps(5) == 5 + 3 * 10**12
    clock.pause(7)
    wall[0] = 200.0
    assert clock.target_ps(7) is None
    clock.resume(7)  # re-anchored: no jump for the time spent paused
    assert clock.target_ps(7) == 7
    clock.set(7, mode="free")
    assert clock.target_ps(7) is None
    assert clock.running_free
    with pytest.raises(ParameterError, match="pace"):
        Clock(pace=0.0)
    with pytest.raises(ParameterError, match="mode"):
        clock.set(7, mode="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_one_journal_has_one_writer(tmp_path, kind):
    from service_fixtures import TWO_RACKS

    from qdcnet.config.scenario import load_scenario
    from qdcnet.service.core import Service

    scenario, _ = load_scenario(TWO_RACKS)
    with database(kind, tmp_path) as url:
        first = Service(scenario, Store(database_url(url)), workload=False)
        first.open()
        second = Service(scenario, Store(database_url(url)), workload=False)
        with pytest.raises(StoreError, match="another qdcnet serve"):
            second.open()
        first.store.close()
        second.open()  # the first writer gone, the journal is free again
        second.store.close()
