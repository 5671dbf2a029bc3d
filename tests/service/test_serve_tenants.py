"""Tenants: tokens at the door, each tenant's own submissions, quotas and limits named.

Three callers (service_fixtures.tenancy): the operator ``ops``, ``alice``
with the limits a test gives, ``bob`` with none. Every refusal is checked
for its status and for the limit it names.
"""

from __future__ import annotations

import itertools
import time

import httpx
import numpy as np
import pytest
from service_fixtures import (
    ALICE_TOKEN,
    BOB_TOKEN,
    GHZ3,
    OPERATOR_TOKEN,
    TWO_RACKS,
    serving,
    tenancy,
)

from qdcnet.client import Client, ServiceError
from qdcnet.config.scenario import load_scenario
from qdcnet.service.clock import Clock
from qdcnet.service.core import Service
from qdcnet.service.store import Store, database_url
from qdcnet.service.tenants import TenantConfig, TenantsConfig, load_tenants, token_digest

WIDE = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; creg c[4]; h q[0]; cx q[0],q[1]; '
        'cx q[1],q[2]; cx q[2],q[3]; measure q -> c;')


def _as(client: Client, token: str) -> Client:
    return Client(client.base_url, token=token, timeout=60)


def test_every_v1_call_needs_a_known_token(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'j.db'}") as (_, ops):
        anonymous = httpx.Client(base_url=ops.base_url, timeout=30)
        wrong = httpx.Client(base_url=ops.base_url, timeout=30,
                             headers={"Authorization": "Bearer not-a-token-of-anyone"})
        calls = [("POST", "/v1/requests", {"src": "r0q0", "dst": "r0q1", "pairs": 1}),
                 ("POST", "/v1/jobs", {"circuit": GHZ3}), ("GET", "/v1/requests", None),
                 ("GET", "/v1/jobs/1", None), ("DELETE", "/v1/requests/1", None),
                 ("GET", "/v1/events?follow=false", None), ("GET", "/v1/clock", None),
                 ("PATCH", "/v1/clock", {"paused": True}), ("GET", "/v1/datacenter", None),
                 ("GET", "/v1/telemetry", None), ("GET", "/metrics", None)]
        for http in (anonymous, wrong):
            for method, path, body in calls:
                response = http.request(method, path, json=body)
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["WWW-Authenticate"] == "Bearer"
                assert response.json()["detail"]["code"] == "unauthorized"
        assert anonymous.get("/health").status_code == 200  # liveness needs no token
        assert anonymous.get("/").status_code == 200  # the page asks for the token itself
        assert ops.list() == []  # nothing was journaled by the refused calls
        anonymous.close()
        wrong.close()


def test_a_tenant_sees_and_cancels_only_its_own(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'j.db'}") as (service, ops):
        alice, bob = _as(ops, ALICE_TOKEN), _as(ops, BOB_TOKEN)
        service.set_clock(paused=True, mode=None, pace=None)  # nothing ends meanwhile
        mine = alice.request("r0q0", "r0q1", pairs=3, client_key="k", wait=0)
        theirs = bob.request("r1q0", "r1q1", pairs=3, client_key="k", wait=0)
        # One key, two tenants: two submissions.
        assert mine.id != theirs.id
        assert (mine.tenant, theirs.tenant) == ("alice", "bob")
        assert mine.client_key == theirs.client_key == "k"
        assert [s.id for s in alice.list()] == [mine.id]
        assert [s.id for s in bob.list()] == [theirs.id]
        assert {s.id for s in ops.list()} == {mine.id, theirs.id}
        for call in (lambda: bob.get(mine.id), lambda: bob.cancel(mine.id)):
            with pytest.raises(ServiceError) as info:
                call()
            assert info.value.status_code == 404  # as if it did not exist
        assert alice.get(mine.id).status != "cancelled"
        service.set_clock(paused=False, mode=None, pace=None)
        alice.wait([mine], timeout=60)
        bob.wait([theirs], timeout=60)
        seen = {e.submission for e in bob.events(follow=False)}
        assert seen == {theirs.id}
        assert {e.submission for e in ops.events(follow=False)} == {mine.id, theirs.id}
        # Only an operator sets the clock or reads the metrics.
        for call in (lambda: bob.pause(), lambda: bob.metrics()):
            with pytest.raises(ServiceError) as info:
                call()
            assert info.value.status_code == 403
            assert "operator" in info.value.detail["message"]
        assert "qdcnet_submissions" in ops.metrics()
        alice.close()
        bob.close()


def test_limits_at_the_door_name_the_limit(tmp_path):
    limits = {"submissions_per_s": 2.0, "max_circuit_qubits": 3, "max_circuit_depth": 3,
              "pairs_per_s": 50.0}
    with serving(f"sqlite:///{tmp_path / 'j.db'}", tenants=tenancy(**limits),
                 token=ALICE_TOKEN) as (_, alice):
        refusals = []
        for body, path in ((WIDE, "/v1/jobs"), (GHZ3.replace("measure", "h q[2]; h q[2]; "
                                                              "measure"), "/v1/jobs")):
            response = alice._http.post(path, json={"circuit": body})
            refusals.append((response.status_code, response.json()["detail"]["allowed"]))
        assert [status for status, _ in refusals] == [422, 422]
        assert "max_circuit_qubits = 3" in refusals[0][1]
        assert "max_circuit_depth = 3" in refusals[1][1]
        # The two refused calls spent the bucket of 2: the third is over the rate.
        response = alice._http.post("/v1/requests", json={"src": "r0q0", "dst": "r0q1",
                                                          "pairs": 1})
        assert response.status_code == 429
        detail = response.json()["detail"]
        assert (detail["limit"], detail["value"]) == ("submissions_per_s", 2.0)
        assert int(response.headers["Retry-After"]) >= 1
    with serving(f"sqlite:///{tmp_path / 'k.db'}", tenants=tenancy(pairs_per_s=50.0),
                 token=ALICE_TOKEN) as (_, alice):
        for body in ({"rate": 100.0, "duration": 1.0}, {"pairs": 100, "max_time": 1.0}):
            response = alice._http.post("/v1/requests", json={"src": "r0q0", "dst": "r0q1",
                                                              **body})
            assert response.status_code == 429, response.text
            assert response.json()["detail"]["limit"] == "pairs_per_s"
            assert "50" in response.json()["detail"]["message"]
        assert alice.list() == []


def test_jobs_beyond_the_concurrent_jobs_quota_wait_their_turn(tmp_path):
    """With ``concurrent_jobs = 1`` alice's three jobs run one after another (each held
    until the one before has ended), bob's alongside them; a replay holds them alike."""
    url = f"sqlite:///{tmp_path / 'j.db'}"
    with serving(url, tenants=tenancy(concurrent_jobs=1), token=ALICE_TOKEN) as (service,
                                                                                 alice):
        bob = _as(alice, BOB_TOKEN)
        service.set_clock(paused=True, mode=None, pace=None)
        mine = [alice.job(GHZ3, shots=5, name=f"a{i}", wait=0) for i in range(3)]
        theirs = bob.job(GHZ3, shots=5, name="b", wait=0)
        assert service.store.get(mine[0].id)["limits"] == {"concurrent_jobs": 1}
        service.set_clock(paused=False, mode=None, pace=None)
        done = alice.wait(mine, timeout=120) + bob.wait([theirs], timeout=120)
        assert {s.status for s in done} == {"completed"}
        events = {sid: {e.kind: e.time_s for e in alice.events(follow=False, submission=sid)}
                  for sid in (s.id for s in mine)}
        # Each later job was held, then admitted only once the one before had ended.
        assert "job.held" not in events[mine[0].id]
        for before, after in itertools.pairwise(s.id for s in mine):
            assert "job.held" in events[after]
            assert events[after]["job.admitted"] >= events[before]["job.finished"]
        # Bob's job did not wait for alice's.
        bobs = {e.kind: e.time_s for e in bob.events(follow=False, submission=theirs.id)}
        assert "job.held" not in bobs
        assert bobs["job.admitted"] < events[mine[0].id]["job.finished"]
        recorded = [(e.seq, e.kind, e.submission, e.time_s) for e in alice.events(
            follow=False)]
        bob.close()
    model, _ = load_scenario(TWO_RACKS)
    reopened = Service(model, Store(database_url(url)), clock=Clock("free"), workload=False,
                       tenancy=tenancy(concurrent_jobs=1))
    reopened.open()
    assert reopened.divergences == 0
    replayed = [(e["seq"], e["kind"], e["submission_id"], e["time_ps"] / 1e12)
                for e in reopened.store.events_after(0, 10_000)
                if reopened.tenant_of(e["submission_id"]) == "alice"]
    assert replayed == recorded
    reopened.store.close()


def test_a_held_job_can_be_cancelled_and_its_place_goes_on(tmp_path):
    # Paced slowly: the first job runs for seconds of wall time while the others wait.
    with serving(f"sqlite:///{tmp_path / 'j.db'}", tenants=tenancy(concurrent_jobs=1),
                 token=ALICE_TOKEN, mode="paced", pace=0.05) as (service, alice):
        first, second, third = (alice.job(GHZ3, shots=5, wait=0) for _ in range(3))
        deadline = time.monotonic() + 30
        while not (alice.get(second.id, "job").progress or {}).get("held_by_quota"):
            assert time.monotonic() < deadline, alice.get(second.id, "job")
            time.sleep(0.01)
        assert alice.get(first.id, "job").status in ("queued", "running")
        assert alice.cancel(second.id, "job").status == "cancelled"
        service.set_clock(paused=None, mode="free", pace=None)
        done = alice.wait([first, third], timeout=120)
        assert [s.status for s in done] == ["completed", "completed"]


def _pair_times(client: Client, sid: int) -> np.ndarray:
    return np.array([e.time_s for e in client.events(follow=False, submission=sid)
                     if e.kind == "request.pair"])


def test_pairs_per_second_quota_is_enforced_by_the_dispatcher_and_replayed(tmp_path):
    quota, burst = 40.0, 2.0
    url = f"sqlite:///{tmp_path / 'j.db'}"
    with serving(url, tenants=tenancy(pairs_per_s=quota, pairs_burst=burst),
                 token=ALICE_TOKEN) as (service, alice):
        bob = _as(alice, BOB_TOKEN)
        capped = alice.request("r0q0", "r0q1", pairs=60, wait=0)
        free = bob.request("r0q2", "r0q3", pairs=60, wait=0)
        done = {s.id: s for s in alice.wait([capped], timeout=120) + bob.wait([free],
                                                                              timeout=120)}
        assert done[capped.id].status == done[free.id].status == "completed"
        capped_times, free_times = _pair_times(alice, capped.id), _pair_times(bob, free.id)
        # Over any window, at most burst + quota x window pairs, plus those in flight
        # when the tenant's slices ended: one per communication qubit of a path end (2).
        in_flight = 2
        excess = max(j - i + 1 - burst - quota * (capped_times[j] - capped_times[i])
                     for i in range(len(capped_times)) for j in range(i, len(capped_times)))
        assert excess <= in_flight, excess
        span = capped_times[-1] - capped_times[0]
        assert span >= (60 - burst - in_flight) / quota
        print(f"capped: {len(capped_times)} pairs over {span:.3f} s; free: 60 pairs over "
              f"{free_times[-1] - free_times[0]:.3f} s; worst window excess {excess:.2f}")
        # The unlimited tenant runs at the link's own rate, far above the quota.
        assert 60 / (free_times[-1] - free_times[0]) > 3 * quota
        assert service.store.get(capped.id)["limits"] == {"pairs_per_s": quota,
                                                          "pairs_burst": burst}
        events = [(e.seq, e.kind, e.submission, e.time_s) for e in alice.events(follow=False)]
        bob.close()
    # A reopened service replays under the journaled quota: the same events, no divergence.
    model, _ = load_scenario(TWO_RACKS)
    reopened = Service(model, Store(database_url(url)), clock=Clock("free"), workload=False,
                       tenancy=tenancy())
    reopened.open()
    assert reopened.divergences == 0
    assert reopened.replayed_inputs == 2
    assert {e[2] for e in events} == {capped.id}  # alice's stream: her own only
    reopened.store.close()


def test_tenants_file_is_checked_naming_the_entry(tmp_path):
    good = tmp_path / "tenants.yaml"
    good.write_text(f"""
tenants:
  - name: ops
    role: operator
    token_sha256: {token_digest(OPERATOR_TOKEN)}
  - name: chem
    token: {ALICE_TOKEN}
    pairs_per_s: 100
    concurrent_jobs: 2
""")
    config = load_tenants(good)
    assert [t.name for t in config.tenants] == ["ops", "chem"]
    assert config.tenants[1].quota() == {"pairs_per_s": 100.0, "pairs_burst": 10.0,
                                         "concurrent_jobs": 2}
    assert config.tenants[0].quota() is None
    bad = tmp_path / "bad.yaml"
    for text, where in (("tenants:\n  - name: Chem\n    token: " + ALICE_TOKEN, "name"),
                        ("tenants:\n  - name: a\n    token: short", "token"),
                        ("tenants:\n  - name: a\n    token: " + ALICE_TOKEN
                         + "\n    pairs_per_s: -1", "pairs_per_s"),
                        ("tenants:\n  - name: a\n    token: " + ALICE_TOKEN
                         + "\n    quota: 3", "quota"),
                        ("tenants:\n  - name: operator\n    token: " + ALICE_TOKEN,
                         "operator")):
        bad.write_text(text)
        with pytest.raises(ValueError, match=where):
            load_tenants(bad)
    with pytest.raises(ValueError, match="share a token"):
        TenantsConfig(tenants=[TenantConfig(name="a", token=ALICE_TOKEN),
                               TenantConfig(name="b", token_sha256=token_digest(ALICE_TOKEN))])


def _job_events(backend, until_s: float) -> dict[int, dict[str, dict]]:
    backend.advance(int(until_s * 1e12))
    out: dict[int, dict[str, dict]] = {}
    for event in backend.drain():
        out.setdefault(event.submission, {})[event.kind] = event.data
    return out


def test_the_job_line_is_bounded_and_counts_its_wait_against_max_time(monkeypatch):
    from qdcnet.service import backend as backend_module

    monkeypatch.setattr(backend_module, "JOB_LINE_MAX", 1)
    model, _ = load_scenario(TWO_RACKS)
    backend = backend_module.SimulatedBackend(model, engine=None)
    backend.set_quota("a", {"concurrent_jobs": 1})
    long = backend.prepare("job", {"circuit": GHZ3, "shots": 30}, tenant="a")
    hurried = backend.prepare("job", {"circuit": GHZ3, "shots": 2, "max_time": 0.05},
                              tenant="a")
    extra = backend.prepare("job", {"circuit": GHZ3, "shots": 2}, tenant="a")
    for sid, prepared in ((1, long), (2, hurried), (3, extra)):
        backend.submit(sid, prepared)
    events = _job_events(backend, 60.0)
    assert events[1]["job.finished"]["status"] == "completed"
    # The second waited behind the first, longer than its max_time: refused, saying so.
    assert "job.held" in events[2]
    assert "max_time" in events[2]["job.refused"]["reason"]
    # The third found the line full (one may wait): refused, naming the bound.
    assert "at most 1 wait" in events[3]["job.refused"]["reason"]
    assert "job.held" not in events[3]


def test_a_stop_before_the_driver_starts_still_stops_it(tmp_path):
    import asyncio

    model, _ = load_scenario(TWO_RACKS)
    service = Service(model, Store(database_url(f"sqlite:///{tmp_path / 'j.db'}")),
                      workload=False)
    service.open()

    async def main() -> None:
        task = asyncio.create_task(service.drive())
        service.stop()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    service.store.close()
