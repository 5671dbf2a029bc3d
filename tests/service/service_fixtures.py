"""Helpers of the service tests: a service on a real port in a thread, PostgreSQL databases."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from qdcnet.client import Client
from qdcnet.config.scenario import load_scenario
from qdcnet.service.app import create_app
from qdcnet.service.clock import Clock
from qdcnet.service.core import Service
from qdcnet.service.store import Store, database_url
from qdcnet.service.tenants import Tenancy, TenantConfig, TenantsConfig

ROOT = Path(__file__).resolve().parents[2]
TWO_RACKS = ROOT / "examples" / "two_racks.yaml"
PG_URL = os.environ.get("QDCNET_TEST_PG_URL")

#: The tests' tokens: the operator's, and two tenants' (``TENANTS``).
OPERATOR_TOKEN = "operator-token-for-tests"
ALICE_TOKEN = "alice-token-for-tests-0001"
BOB_TOKEN = "bob-token-for-tests-000002"


def tenancy(**alice_limits) -> Tenancy:
    """The operator, alice (with ``alice_limits``) and bob (no limits)."""
    return Tenancy(TenantsConfig(tenants=[
        TenantConfig(name="ops", role="operator", token=OPERATOR_TOKEN),
        TenantConfig(name="alice", token=ALICE_TOKEN, **alice_limits),
        TenantConfig(name="bob", token=BOB_TOKEN)]))


GHZ3 = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; creg c[3]; h q[0]; cx q[0],q[1]; '
        'cx q[1],q[2]; measure q -> c;')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(db_url: str, *, mode: str = "free", pace: float = 1.0, workload: bool = False,
            seed: int | None = None, scenario: Path = TWO_RACKS,
            tenants: Tenancy | None = None, token: str = OPERATOR_TOKEN
            ) -> Iterator[tuple[Service, Client]]:
    """A service on a loopback port, its clock driven by uvicorn's loop in a thread; the
    client holds ``token`` (default the operator's of :func:`tenancy`)."""
    import uvicorn

    model, _ = load_scenario(scenario)
    store = Store(database_url(db_url))
    service = Service(model, store, seed=seed, clock=Clock(mode, pace=pace),  # type: ignore[arg-type]
                      workload=workload, tenancy=tenants or tenancy())
    service.open()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.01)
    service.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    client = Client(service.url, token=token, timeout=60)  # type: ignore[attr-defined]
    try:
        yield service, client
    finally:
        client.close()
        server.should_exit = True
        thread.join(30)
        store.close()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (QDCNET_TEST_PG_URL), dropped afterwards."""
    if PG_URL is None:
        pytest.skip("no PostgreSQL server: set QDCNET_TEST_PG_URL (.ci/run starts one)")
    import psycopg

    name = f"qdcnet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL of ``kind`` (sqlite or postgresql)."""
    if kind == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{tmp_path / 'journal.db'}"
    else:
        with postgres_database() as url:
            yield url
