"""The journal replays to the same simulation: same events, same results, nothing lost."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from service_fixtures import GHZ3, TWO_RACKS, database

from qdcnet.config.scenario import load_scenario
from qdcnet.service.clock import Clock
from qdcnet.service.core import Service
from qdcnet.service.store import Store, StoreError, database_url, events, journal, submissions

SCENARIO, _ = load_scenario(TWO_RACKS)


def _open(url: str, *, seed: int | None = None, workload: bool = True) -> Service:
    service = Service(SCENARIO, Store(database_url(url)), seed=seed, clock=Clock("free"),
                      workload=workload)
    service.open()
    return service


def _run_until_idle(service: Service, limit: int = 20_000) -> None:
    for _ in range(limit):
        if service.backend.next_event_ps() is None and not service._pending:
            break
        service.step()
    service.flush(force_clock=True)


def _submit(service: Service, kind: str, body: dict) -> int:
    view, _ = asyncio.run(service.submit(kind, body, wait_s=0))
    return view["id"]


def _drive_a_history(service: Service) -> list[int]:
    """Inputs at several simulated times: the scenario's workload, requests, a job, a
    cancellation, a request cancelled before it is served."""
    ids = []
    for _ in range(30):
        service.step()
    ids.append(_submit(service, "request", {"src": "r0q0", "dst": "r1q1", "pairs": 20,
                                            "type": "measure", "client_key": "a"}))
    for _ in range(20):
        service.step()
    ids.append(_submit(service, "job", {"circuit": GHZ3, "shots": 30, "client_key": "j"}))
    long = _submit(service, "request", {"src": "r0q3", "dst": "r1q0"})  # open-ended
    ids.append(long)
    for _ in range(10):
        service.step()
    service.cancel(long)
    return ids


def _snapshot(url: str) -> tuple[list, list]:
    engine = sa.create_engine(database_url(url))
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(sa.select(
            submissions.c.id, submissions.c.status, submissions.c.reason, submissions.c.plan,
            submissions.c.result, submissions.c.arrival_ps, submissions.c.finished_ps)
            .order_by(submissions.c.id))]
        evs = [tuple(r) for r in c.execute(sa.select(events).order_by(events.c.seq))]
    engine.dispose()
    return rows, evs


def _copy_journal_only(source: str, target: str) -> None:
    """The inputs alone (submissions as first journaled, the journal, the service facts):
    no decisions, results or events."""
    src, dst = sa.create_engine(database_url(source)), sa.create_engine(database_url(target))
    Store(database_url(target)).close()  # the schema, by migration
    with src.connect() as a, dst.begin() as b:
        meta = [dict(r) for r in a.execute(sa.text("select * from service_meta")).mappings()]
        b.execute(sa.text("insert into service_meta (key, value) values (:key, :value)"), meta)
        for row in a.execute(sa.select(submissions)).mappings():
            b.execute(sa.insert(submissions).values(
                **dict(row) | {"status": "submitted", "reason": "", "plan": None,
                               "result": None, "decided_ps": None, "finished_ps": None}))
        b.execute(sa.insert(journal), [dict(r) for r in a.execute(sa.select(journal))
                                       .mappings()])
    src.dispose()
    dst.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_same_journal_gives_the_same_results(tmp_path, kind):
    with database(kind, tmp_path) as url, database(kind, tmp_path / "b") as copy:
        first = _open(url)
        ids = _drive_a_history(first)
        _run_until_idle(first)
        first.store.close()
        rows, evs = _snapshot(url)
        statuses = {r[0]: r[1] for r in rows}
        assert {statuses[i] for i in ids[:2]} == {"completed"}
        assert statuses[ids[2]] == \
            "cancelled"
        assert len(rows) == 7
        assert len(evs) > 100

        _copy_journal_only(url, copy)
        second = _open(copy)
        assert second.replayed_inputs == 8
        assert second.divergences == 0
        _run_until_idle(second)
        second.store.close()
        assert _snapshot(copy) == (rows, evs)

        # Reopened on its own complete journal: every event checked, none different, and
        # the finished results are the ones recorded.
        third = _open(url)
        _run_until_idle(third)
        assert third.divergences == 0
        third.store.close()
        assert _snapshot(url) == (rows, evs)


def test_a_changed_recorded_event_is_reported_as_a_divergence(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    service = _open(url)
    _run_until_idle(service)
    service.store.close()
    engine = sa.create_engine(database_url(url))
    with engine.begin() as c:
        c.execute(sa.update(events).where(events.c.seq == 3).values(time_ps=1))
    engine.dispose()
    again = _open(url)
    _run_until_idle(again)
    assert again.divergences == 1
    assert again.health()["status"] == "degraded"
    again.store.close()


def test_an_input_that_cannot_be_replayed_is_marked_interrupted(tmp_path):
    url = f"sqlite:///{tmp_path / 'i.db'}"
    service = _open(url, workload=False)
    sid = _submit(service, "job", {"circuit": GHZ3, "shots": 5})
    service.store.close()
    engine = sa.create_engine(database_url(url))
    with engine.begin() as c:  # as if the circuit no longer compiled
        c.execute(sa.update(submissions).where(submissions.c.id == sid).values(
            body={"circuit": "OPENQASM 2.0; qreg q[1]; nonsense q[0];", "shots": 5},
            status="submitted"))
    engine.dispose()
    again = _open(url, workload=False)
    row = again.store.get(sid)
    assert row["status"] == "interrupted"
    assert "cannot be replayed" in row["reason"]
    assert again.interrupted == 1
    again.store.close()


def test_another_scenario_or_seed_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _open(url).store.close()
    with pytest.raises(StoreError, match="seed"):
        _open(url, seed=8)
    with pytest.raises(StoreError, match="engine"):
        Service(SCENARIO, Store(database_url(url)), engine="density").open()
    other = SCENARIO.model_copy(update={"name": "renamed"})
    with pytest.raises(StoreError, match="renamed"):
        Service(other, Store(database_url(url))).open()


def test_cancelled_before_its_start_time_never_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    service = _open(url)  # the scenario's 'streaming' request starts at 0.5 s
    streaming = next(r for r in service.store.list() if r["name"] == "streaming")
    service.cancel(streaming["id"])
    _run_until_idle(service)
    row = service.store.get(streaming["id"])
    assert row["status"] == "cancelled"
    assert "before its start time" in row["reason"]
    reported = [e for e in service.store.events_after(0, 10**6)
                if e["submission_id"] == streaming["id"]]
    assert [(e["kind"], e["data"]["status"]) for e in reported] == [
        ("request.finished", "cancelled")]
    service.store.close()
    again = _open(url)
    assert again.store.get(streaming["id"])["status"] == "cancelled"
    _run_until_idle(again)
    assert again.divergences == 0
    again.store.close()
