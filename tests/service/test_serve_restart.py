"""kill -9 and restart: nothing accepted is lost, finished results stand, the rest carries on.

The service runs as ``qdcnet serve`` in its own process, paced at real time so
that work is under way when it is killed; it restarts (free-running, to
finish quickly) on the same journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from service_fixtures import GHZ3, OPERATOR_TOKEN, ROOT, TWO_RACKS, database, free_port

from qdcnet.client import Client, ServiceError

TOKEN = OPERATOR_TOKEN

pytestmark = pytest.mark.slow


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def _start(db: str, port: int, log: Path, *extra: str) -> subprocess.Popen:
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qdcnet", "serve", str(TWO_RACKS), "--db", db, "--port",
             str(port), "--quiet", "--token", TOKEN, *extra], cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT)
    client = Client(f"http://127.0.0.1:{port}", token=TOKEN, timeout=30)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"qdcnet serve exited: {log.read_text()}")
        try:
            client.health()
            break
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    client.close()
    return process


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_kill_9_and_restart_loses_nothing(tmp_path, kind):
    with database(kind, tmp_path) as db:
        port = free_port()
        process = _start(db, port, tmp_path / "serve.log", "--pace", "1.0")
        client = Client(f"http://127.0.0.1:{port}", token=TOKEN, timeout=30)
        try:
            keys = {f"req-{i}": client.request(f"r0q{i}", f"r1q{i}", pairs=60,
                                               client_key=f"req-{i}") for i in range(3)}
            keys["job"] = client.job(GHZ3, shots=400, client_key="job")
            endless = client.request("r0q3", "r1q3", client_key="endless")
            client.cancel(endless.id)
            time.sleep(2.0)
            before = {s.id: s for s in client.list("request", limit=1000)
                      + client.list("job", limit=1000)}
            seen = list(client.events(follow=False))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
            client.close()
        finished_before = {i: s for i, s in before.items() if s.finished}
        running_before = [i for i, s in before.items() if not s.finished]
        assert finished_before, "some work had finished at the kill"
        assert running_before, "some work was unfinished at the kill"

        process = _start(db, port, tmp_path / "serve.log", "--free")
        client = Client(f"http://127.0.0.1:{port}", token=TOKEN, timeout=30)
        try:
            health = client.health()
            assert health["replay_divergences"] == 0
            assert health["replayed_inputs"] >= len(keys) + 2  # and the cancellation
            # Resubmitting with a key answers the first submission.
            assert client.request("r0q0", "r1q0", pairs=60, client_key="req-0").id == \
                keys["req-0"].id
            with pytest.raises(ServiceError):
                client.request("r0q0", "r1q0", pairs=61, client_key="req-0")
            after = {s.id: s for s in client.wait(list(before), timeout=300)}
            assert set(after) == set(before)  # nothing accepted is lost
            for sid, old in finished_before.items():  # served from the database
                assert (after[sid].status, after[sid].result) == (old.status, old.result)
            assert after[endless.id].status == "cancelled"
            assert {s.status for s in after.values()} <= {"completed", "cancelled"}
            replayed = list(client.events(follow=False))
            # The regenerated history is the recorded one, and it goes on from there.
            assert [(e.seq, e.kind, e.submission, e.time_s) for e in replayed[:len(seen)]] \
                == [(e.seq, e.kind, e.submission, e.time_s) for e in seen]
            assert [e.seq for e in replayed] == list(range(1, len(replayed) + 1))
            resumed = list(client.events(after=seen[-1].seq, follow=False))
            assert [e.seq for e in resumed] == [e.seq for e in replayed[len(seen):]]
            print(json.dumps({"db": kind, "submissions": len(before),
                              "finished_at_kill": len(finished_before),
                              "unfinished_at_kill": len(running_before),
                              "events_at_kill": len(seen), "events_after": len(replayed),
                              "replayed_inputs": health["replayed_inputs"],
                              "divergences": health["replay_divergences"]}))
        finally:
            _stop(process)
            client.close()
        assert os.path.exists(db.removeprefix("sqlite:///")) or kind == "postgresql"


def test_the_readme_flow_serve_and_the_batch_example(tmp_path):
    """`qdcnet serve examples/two_racks.yaml --free` and `python examples/service_batch.py`."""
    port = free_port()
    process = _start(str(tmp_path / "journal.db"), port, tmp_path / "serve.log", "--free",
                     "--no-workload")
    try:
        runs = [subprocess.run(
            [sys.executable, str(ROOT / "examples" / "service_batch.py"), "--url",
             f"http://127.0.0.1:{port}", "--token", TOKEN, "--shots", "10"],
            capture_output=True, text=True,
            cwd=tmp_path, check=False, timeout=600) for _ in range(2)]
    finally:
        _stop(process)
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        table = [line for line in run.stdout.splitlines() if line.startswith("ghz")]
        assert [line.split()[:2] for line in table] == [
            [f"ghz{n}", "completed"] for n in (2, 4, 6, 8)]
    # The second run found its four jobs by their client keys: the same ids, no new jobs.
    ids = [[line.split()[1] for line in run.stdout.splitlines() if line.startswith("  job")]
           for run in runs]
    assert ids[0] == ids[1]
    assert len(ids[0]) == 4
