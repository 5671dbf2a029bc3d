"""The service under load: submissions held per second and the latency of admission.

``qdcnet serve`` runs in its own process on a 16-QPU leaf-spine data center
(two racks of eight Oxford-type ions, two spines), paced at real time, every
submission committed durably (SQLite in WAL mode with ``synchronous=FULL``;
PostgreSQL beside it when ``QDCNET_TEST_PG_URL`` names a server). A load
generator in this process, on the loopback interface, first asks once for a
pair between every two QPUs (warming the planner's caches), then offers
requests of one pair between random QPUs *open loop* at a fixed rate: each
submission is sent at its time whether or not earlier ones were answered,
over 64 keep-alive connections. Each one's latency runs from its scheduled
sending time to receiving its admission decision (the plan, or the
refusal), which comes after the modelled control-plane latency in simulated
time; waiting for a free connection counts. Bounded: a phase sends at most
``count`` submissions and stops waiting after a wall-time limit.

Figures per phase: the rate offered, the rate held (answered per second of
the phase, which ends with the last answer), p50 and p99 of the latency,
answers that came without a decision (202) or with an error, and how far
simulated time trailed the wall clock at the end (the simulation's lag).
The goal (500 submissions/s held with p99 < 50 ms, SQLite) is met by a
phase offering at least 500/s in which every submission is decided, the
rate held is within 2 % of the rate offered, and p99 is under 50 ms.
The generator shares the machine with the server (two cores here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parent.parent
#: The operator's token of the served process (every /v1 call carries one).
TOKEN = "benchmark-operator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _scenario_file(folder: Path) -> Path:
    import yaml

    from qdcnet.network.topology import leaf_spine

    document = leaf_spine(2, 8, spines=2, profile="trapped_ion_oxford",
                          communication_qubits=2, rack_to_spine_m=20.0,
                          overrides={"communication.t2": "200 ms", "qubits.storage": 4})
    document["control_plane"] = {"node": "spine0", "processing_latency": "2 us"}
    path = folder / "sixteen_qpus.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(scenario: Path, db: str, log: Path):
    import httpx

    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [p for p in (os.environ.get("PYTHONPATH"), str(ROOT / "src")) if p]))
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qdcnet", "serve", str(scenario), "--db", db, "--port",
             str(port), "--pace", "1.0", "--no-workload", "--quiet", "--token", TOKEN],
            stdout=out,
            stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"qdcnet serve exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("qdcnet serve did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


async def _phase(url: str, bodies: list[dict], rate: float, limit_s: float,
                 connections: int = 64) -> dict:
    """Send ``bodies`` open loop at ``rate`` over ``connections`` keep-alive connections.

    A plain asyncio HTTP/1.1 client, not httpx: at hundreds of requests a second a
    general client's connection pool costs more than the server under test (both share
    the machine). Latency runs from each submission's *scheduled* time, so time spent
    waiting for a free connection counts (no coordinated omission).
    """
    import json as jsonlib
    from urllib.parse import urlsplit

    host, port = urlsplit(url).hostname, urlsplit(url).port
    latencies: list[float] = []
    codes: list[int] = []
    queue: asyncio.Queue = asyncio.Queue()
    timeline: list[tuple[float, float]] = []

    def request_bytes(body: dict) -> bytes:
        data = jsonlib.dumps(body).encode()
        return (f"POST /v1/requests?wait={limit_s:g} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode() + data

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                scheduled, payload = item
                writer.write(payload)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                code = int(status_line.split()[1])
                codes.append(code)
                if code == 201:
                    latencies.append(time.perf_counter() - scheduled)
                    timeline.append((scheduled - start, latencies[-1]))
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    payloads = [request_bytes(body) for body in bodies]
    start = time.perf_counter() + 0.1
    for i, payload in enumerate(payloads):
        at = start + i / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        queue.put_nowait((at, payload))
    for _ in workers:
        queue.put_nowait(None)
    _done, pending = await asyncio.wait(workers, timeout=limit_s)
    for task in pending:
        task.cancel()
    wall = time.perf_counter() - start
    import httpx

    async with httpx.AsyncClient(base_url=url, headers=AUTH) as client:
        clock = (await client.get("/v1/clock")).json()
    decided = len(latencies)
    return {"offered": rate, "sent": len(bodies), "decided": decided,
            "held": decided / wall if wall > 0 else 0.0,
            "p50_ms": float(np.percentile(latencies, 50)) * 1e3 if latencies else None,
            "p99_ms": float(np.percentile(latencies, 99)) * 1e3 if latencies else None,
            "undecided": sum(1 for c in codes if c == 202) + len(bodies) - len(codes),
            "errors": sum(1 for c in codes if c not in (201, 202)),
            "lag_s": clock["lag_s"], "timeline": timeline}


def _load(url: str, qpus: list[str], rates: list[float], count: int, limit_s: float,
          seed: int) -> list[dict]:
    import httpx

    with httpx.Client(base_url=url, timeout=120, headers=AUTH) as client:  # warm the planner
        for i, a in enumerate(qpus):
            for b in qpus[i + 1:]:
                client.post("/v1/requests", json={"src": a, "dst": b, "pairs": 1},
                            params={"wait": 30})
    rng = np.random.default_rng(seed)
    out = []
    for rate in rates:
        bodies = [{"src": qpus[a], "dst": qpus[b], "pairs": 1}
                  for a, b in (rng.choice(len(qpus), 2, replace=False) for _ in range(count))]
        out.append(asyncio.run(_phase(url, bodies, rate, limit_s)))
    return out


@contextlib.contextmanager
def _postgres_database():
    url = os.environ.get("QDCNET_TEST_PG_URL")
    if url is None:
        yield None
        return
    import psycopg

    name = f"qdcnet_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(quick: bool) -> list[Row]:
    rates = [100.0] if quick else [100.0, 250.0, 500.0, 750.0, 1000.0]
    count, limit_s = (200, 20.0) if quick else (2000, 60.0)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        scenario = _scenario_file(Path(folder))
        import yaml

        qpus = [q["name"] for q in yaml.safe_load(scenario.read_text())["qpus"]]
        with _postgres_database() as pg:
            databases = [("SQLite WAL", str(Path(folder) / "journal.db"))]
            if pg is not None:
                databases.append(("PostgreSQL", pg))
            for label, db in databases:
                with _server(scenario, db, Path(folder) / "serve.log") as url:
                    phases = _load(url, qpus, rates, count, limit_s, seed=5)
                for phase in phases:
                    # Held: every submission decided, at the rate offered (answers per
                    # second of the phase, which ends with the last answer, so a rate held
                    # exactly reads a little under it: 2 % is allowed for that tail).
                    held = (phase["decided"] == phase["sent"]
                            and phase["held"] >= 0.98 * phase["offered"])
                    met = (phase["offered"] >= 500.0 and held and phase["p99_ms"] is not None
                           and phase["p99_ms"] < 50.0)
                    detail = (f"{label}; {phase['decided']}/{phase['sent']} decided, "
                              f"{phase['undecided']} undecided, {phase['errors']} errors; "
                              f"p50 {_ms(phase['p50_ms'])}, p99 {_ms(phase['p99_ms'])}; "
                              f"simulation lag {phase['lag_s']:.2f} s")
                    goal = ">= 500/s, p99 < 50 ms" if phase["offered"] >= 500 else ""
                    rows.append(Row("service load",
                                    f"held at {phase['offered']:g}/s offered ({label})",
                                    phase["held"], "/s", goal=goal,
                                    met=(met if goal and label == "SQLite WAL" else None),
                                    detail=detail))
                    if phase["p99_ms"] is not None:
                        rows.append(Row("service load",
                                        f"admission p99 at {phase['offered']:g}/s ({label})",
                                        phase["p99_ms"], "ms", detail=detail))
    return rows


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"
