"""The HTTP API end to end on a real port: decisions, refusals, idempotency, cancel, events."""

from __future__ import annotations

import time

import pytest
from service_fixtures import GHZ3, serving

from qdcnet.client import ServiceError


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    db = tmp_path_factory.mktemp("api") / "journal.db"
    with serving(f"sqlite:///{db}", mode="free") as pair:
        yield pair


def test_request_is_answered_with_its_plan_and_served(live):
    _, client = live
    sub = client.request("r0q0", "r1q1", pairs=5, min_fidelity=0.9, purpose_id=7,
                         name="cross")
    assert sub.kind == "request"
    assert sub.name == "cross"
    assert sub.status in ("queued", "serving", "completed")
    assert sub.plan["path"][0] == "r0q0"
    assert sub.plan["path"][-1] == "r1q1"
    assert 0.9 <= sub.plan["fidelity"] <= 1.0
    assert sub.plan["rate_hz"] > 0
    # The control plane decides after the modelled latency (classical hop + processing).
    assert sub.decided_s > sub.arrival_s
    done = client.wait([sub], timeout=60)[0]
    assert done.status == "completed"
    assert done.result["delivered"] == 5
    assert done.result["qos_met"] is True
    pairs = [e for e in client.events(follow=False, submission=sub.id)
             if e.kind == "request.pair"]
    assert [e.data["n"] for e in pairs] == [1, 2, 3, 4, 5]
    assert {e.data["purpose_id"] for e in pairs} == {7}
    assert all(e.data["fidelity"] >= 0.9 for e in pairs)


def test_unreachable_fidelity_is_refused_with_the_reason(live):
    _, client = live
    sub = client.request("r0q0", "r1q2", pairs=3, min_fidelity=0.9999)
    assert sub.status == "refused"
    assert "0.9999" in sub.reason or "fidelity" in sub.reason
    assert sub.finished
    assert sub.plan is None


@pytest.mark.parametrize(("body", "field"), [
    ({"src": "r0q0", "dst": "nowhere", "pairs": 1}, "dst"),
    ({"src": "r0q0", "dst": "r0q0", "pairs": 1}, "src and dst"),
    ({"src": "r0q0", "dst": "r0q1", "pairs": 0}, "pairs"),
    ({"src": "r0q0", "dst": "r0q1", "pairs": 1, "atomic": True}, "atomic"),
    ({"src": "r0q0", "dst": "r0q1", "rate": 10.0}, "duration"),
    ({"src": "r0q0", "dst": "r0q1", "pairs": 1, "basis": "X"}, "measure"),
    ({"src": "r0q0", "dst": "r0q1", "max_time": 1.0}, "open-ended"),
    ({"src": "r0q0", "dst": "r0q1", "pairs": 1, "strategy": {"cutoff": "10 us"}}, "cutoff"),
    ({"src": "r0q0", "dst": "r0q1", "pairs": 1, "max_time": 1e-13}, "max_time"),
])
def test_bad_requests_are_422_naming_the_field(live, body, field):
    _, client = live
    response = client._http.post("/v1/requests", json=body)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_a_client_key_makes_submission_idempotent(live):
    _, client = live
    first = client.request("r0q2", "r0q3", pairs=2, client_key="idem-1")
    again = client.request("r0q2", "r0q3", pairs=2, client_key="idem-1")
    assert again.id == first.id
    response = client._http.post("/v1/requests", json={"src": "r0q2", "dst": "r0q3",
                                                       "pairs": 2, "client_key": "idem-1"})
    assert response.status_code == 200
    with pytest.raises(ServiceError) as info:
        client.request("r0q2", "r0q3", pairs=3, client_key="idem-1")
    assert info.value.status_code == 409
    assert "idem-1" in str(info.value)
    header = client._http.post("/v1/requests", json={"src": "r0q2", "dst": "r0q3",
                                                     "pairs": 2},
                               headers={"Idempotency-Key": "idem-1"})
    assert header.status_code == 200
    assert header.json()["id"] == first.id


def test_measure_directly_reports_correlated_outcomes(live):
    _, client = live
    sub = client.request("r1q0", "r1q1", pairs=40, type="measure", basis="Z")
    done = client.wait([sub], timeout=60)[0]
    z = done.result["measurements"]["Z"]
    assert z["pairs"] == 40
    # Pairs of F ~ 0.95 in Z: outcomes disagree with probability (1 - <ZZ>)/2, a few %.
    assert z["disagree_fraction"] < 0.25
    outcomes = [e.data for e in client.events(follow=False, submission=sub.id)
                if e.kind == "request.pair"]
    assert {o["basis"] for o in outcomes} == {"Z"}


def test_job_is_admitted_run_and_measured(live):
    _, client = live
    sub = client.job(GHZ3, shots=20, name="ghz3", client_key="job-ghz3")
    assert sub.plan is not None
    assert sub.plan["predicted_makespan_s"] > 0
    done = client.wait([sub], timeout=120)[0]
    assert done.status == "completed"
    assert done.result["completed_shots"] == 20
    assert 0.0 < done.result["fidelity"]["state_fidelity"] <= 1.0
    kinds = [e.kind for e in client.events(follow=False, submission=sub.id)]
    assert kinds == ["job.admitted", "job.started", "job.finished"]


def test_job_with_a_bad_circuit_is_422(live):
    _, client = live
    with pytest.raises(ServiceError) as info:
        client.job("OPENQASM 2.0; qreg q[2]; frobnicate q[0];", shots=1)
    assert info.value.status_code == 422


def test_cancel_frees_a_running_request_and_refuses_an_ended_one(live):
    _, client = live
    sub = client.request("r0q1", "r1q3")  # open-ended: served until cancelled
    cancelled = client.cancel(sub.id)
    assert cancelled.status in ("cancelled", "queued", "serving")
    done = client.wait([sub], timeout=30)[0]
    assert done.status == "cancelled"
    with pytest.raises(ServiceError) as info:
        client.cancel(sub.id)
    assert info.value.status_code == 409
    with pytest.raises(ServiceError) as missing:
        client.cancel(10**6)
    assert missing.value.status_code == 404
    with pytest.raises(ServiceError) as wrong_kind:
        client.get(sub.id, "job")
    assert wrong_kind.value.status_code == 404


def test_events_resume_after_last_event_id(live):
    _, client = live
    client.wait([client.request("r0q0", "r0q1", pairs=3)], timeout=60)
    everything = list(client.events(follow=False))
    assert [e.seq for e in everything] == list(range(1, len(everything) + 1))
    middle = everything[len(everything) // 2].seq
    rest = list(client.events(after=middle, follow=False))
    assert [e.seq for e in rest] == [e.seq for e in everything if e.seq > middle]
    response = client._http.get("/v1/events", params={"follow": False},
                                headers={"Last-Event-ID": str(middle)})
    assert response.text.count("\nid: ") + response.text.startswith("id: ") == len(rest)


def test_followed_stream_delivers_new_events(live):
    _, client = live
    start = max((e.seq for e in client.events(follow=False)), default=0)
    sub = client.request("r1q2", "r1q3", pairs=2)
    seen = []
    for event in client.events(after=start):
        if event.submission == sub.id:
            seen.append(event.kind)
        if event.kind == "request.finished" and event.submission == sub.id:
            break
    assert seen[0] == "request.admitted"
    assert seen[-1] == "request.finished"


def test_health_metrics_and_datacenter(live):
    _, client = live
    health = client.health()
    assert health["status"] == "ok"
    assert health["database"] == "ok"
    assert health["scenario"] == "two-racks"
    assert health["seed"] == 7
    text = client.metrics()
    assert 'qdcnet_submissions{kind="request",status="completed"}' in text
    assert "qdcnet_simulated_seconds" in text
    assert "r0q0" in client.datacenter()["qpus"]
    assert client._http.get("/openapi.json").json()["info"]["title"] == "qdcnet orchestrator"


def test_paused_clock_answers_202_then_decides_on_resume(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'p.db'}", mode="paced", pace=1.0) as (_, client):
        paused = client.pause()
        assert paused["paused"] is True
        frozen = client.clock()["now_s"]
        response = client._http.post("/v1/requests", params={"wait": 0.3},
                                     json={"src": "r0q0", "dst": "r0q1", "pairs": 1})
        assert response.status_code == 202
        assert response.json()["status"] == "submitted"
        time.sleep(0.2)
        assert client.clock()["now_s"] == frozen  # paused: simulated time stands still
        client.resume()
        done = client.wait([response.json()["id"]], timeout=30)[0]
        assert done.status == "completed"
        assert done.arrival_s == frozen  # it entered when received, not when resumed
        assert client.set_clock(pace=2.0)["pace"] == 2.0
        with pytest.raises(ServiceError) as info:
            client.set_clock(pace=-1.0)
        assert info.value.status_code == 422


def test_paced_clock_follows_wall_time(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'c.db'}", mode="paced", pace=0.01) as (_, client):
        first = client.clock()
        time.sleep(1.0)
        second = client.clock()
        advanced = second["now_s"] - first["now_s"]
        # 1 s of wall time at pace 0.01 is about 10 ms simulated (the sleep is at least 1 s;
        # the bound above allows the scheduler's slack on a loaded machine).
        assert 0.009 <= advanced <= 0.05, advanced


def test_a_strategy_and_a_short_max_time_are_honoured(live):
    _, client = live
    sub = client.request("r0q0", "r0q2", pairs=2, strategy={"cutoff": 0.05},
                         max_time=1e-6)
    done = client.wait([sub], timeout=30)[0]
    assert done.body["strategy"]["cutoff"] == 0.05
    assert done.status in ("expired", "refused")  # 1 us is too short for two pairs


def test_a_resume_point_beyond_any_event_is_refused(live):
    _, client = live
    response = client._http.get("/v1/events", params={"follow": False},
                                headers={"Last-Event-ID": "9" * 30})
    assert response.status_code == 422
    assert "Last-Event-ID" in response.text


def test_a_stopped_simulation_is_reported_and_refuses_work(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'f.db'}", mode="free") as (service, client):
        def broken(until_ps):
            raise RuntimeError("injected fault")

        service.backend.advance = broken
        client._http.post("/v1/requests", params={"wait": 0},
                          json={"src": "r0q0", "dst": "r0q1", "pairs": 1})
        deadline = time.monotonic() + 10
        while service.fault is None and time.monotonic() < deadline:
            time.sleep(0.05)
        response = client._http.get("/health")
        assert response.status_code == 503
        assert "injected fault" in response.json()["fault"]
        with pytest.raises(ServiceError) as info:
            client.request("r0q0", "r0q1", pairs=1)
        assert info.value.status_code == 503


def test_a_finished_request_leaves_nothing_behind(live):
    """A long-running service holds nothing of a request once it has ended (its record is
    the database's): no handle, no plan, no random stream."""
    service, client = live
    subs = [client.request("r0q0", "r0q1", pairs=2, name=f"forget-me-{i}", wait=0)
            for i in range(10)]
    done = client.wait(subs, timeout=60)
    assert {s.status for s in done} == {"completed"}
    backend = service.backend
    assert not [s.id for s in subs if s.id in backend._requests]
    assert not any(h.name.startswith("forget-me") for h in backend.orchestrator.handles)
    assert not [name for name in backend.sim._rngs if "forget-me" in name]
    # What a client reads comes from the database all the same.
    assert client.get(subs[0].id).result["delivered"] == 2


def test_the_rows_kept_in_memory_are_the_databases(live):
    """Views are answered from rows kept in step with each commit: the same as read back."""
    service, client = live
    served = client.request("r0q0", "r1q1", pairs=3, min_fidelity=0.9, wait=0)
    refused = client.request("r0q0", "r1q2", pairs=3, min_fidelity=0.9999, wait=0)
    job = client.job(GHZ3, shots=5, wait=0)
    cancelled = client.request("r0q2", "r0q3", wait=0)  # open-ended: until cancelled
    client.cancel(cancelled.id)
    client.wait([served, refused, job, cancelled], timeout=60)
    for sid in (served.id, refused.id, job.id, cancelled.id):
        assert sid in service._rows
        stored = service.store.get(sid)
        assert {k: v for k, v in service._rows[sid].items() if k != "created_at"} == {
            k: v for k, v in stored.items() if k != "created_at"}
