"""``qdcnet serve``: the orchestrator of a scenario's data center as an HTTP service.

Everything is checked before the port opens: the extra is installed, the
options are in range, the tenants file (if any) is valid, the scenario is
valid, the database opens and belongs to this scenario and seed. Then the
journal is replayed (a restart rebuilds the simulation from the seed) and
uvicorn serves the API and the live page.
"""

from __future__ import annotations

import gc
from pathlib import Path

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report.tables import make_console

#: Where the journal goes when --db is not given: beside where the command runs.
DEFAULT_DB_SUFFIX = ".journal.db"


def _require_extra() -> None:
    missing = []
    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise QdcnetError(f"qdcnet serve needs the service extra ({', '.join(missing)} "
                          "missing): pip install 'qdcnet[service]'")


def run(scenario_path: Path, *, db: str | None, host: str, port: int, pace: float,
        free: bool, paused: bool, seed: int | None, workload: bool, engine: str | None,
        tenants: Path | None = None, token: str | None = None, quiet: bool = False) -> None:
    _require_extra()
    if not 0 <= port <= 65535:
        raise ParameterError("--port", port, "0..65535")
    if not 0.0 < pace <= 1e9:
        raise ParameterError("--pace", pace, "(0, 1e9] simulated seconds per wall second")
    from qdcnet.service.tenants import MIN_TOKEN_CHARS, Tenancy, load_tenants

    if tenants is not None and token is not None:
        raise ParameterError("--token", "(given)", "left out when --tenants is given (the "
                             "file holds the operators' tokens)")
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ParameterError("--token", f"{len(token)} characters",
                             f"at least {MIN_TOKEN_CHARS} characters")
    tenancy = (Tenancy(load_tenants(tenants)) if tenants is not None
               else Tenancy.single_operator(token))
    import uvicorn

    from qdcnet.config.scenario import load_scenario
    from qdcnet.service.app import create_app
    from qdcnet.service.clock import Clock
    from qdcnet.service.core import Service
    from qdcnet.service.store import Store, database_url

    scenario, _ = load_scenario(scenario_path)
    url = database_url(db if db is not None else Path(scenario_path).stem + DEFAULT_DB_SUFFIX)
    store = Store(url)
    clock = Clock("free" if free else "paced", pace=pace, paused=paused)
    service = Service(scenario, store, seed=seed, clock=clock, workload=workload,
                      engine=engine, tenancy=tenancy)
    service.open()
    # What exists now (modules, the data center, the replayed simulation) lives as long
    # as the process: out of the collector's full passes, whose pauses would otherwise
    # grow with it (a 100-200 ms stall of every call, every second or so, under load).
    gc.collect()
    gc.freeze()
    console = make_console(stderr=True)
    if not quiet:
        mode = "free" if free else f"paced x{pace:g}"
        console.print(f"[bold]qdcnet serve[/bold] {scenario.name} (seed {service.seed}) on "
                      f"http://{host}:{port}  clock {mode}{', paused' if paused else ''}")
        console.print(f"  journal {store.url.split('@')[-1]}: {service.replayed_inputs} "
                      f"inputs replayed to t = {service.backend.now_ps() / 1e12:g} s, "
                      f"{service.divergences} divergences, {service.interrupted} interrupted")
        console.print(f"  API docs http://{host}:{port}/docs  events "
                      f"http://{host}:{port}/v1/events")
        if tenants is None:
            shown = tenancy.token if token is None else "(--token)"
            console.print(f"  live page http://{host}:{port}/#token={shown}")
            console.print(f"  operator token {shown}: send it as 'Authorization: Bearer "
                          "TOKEN'")
        else:
            console.print(f"  live page http://{host}:{port}/ (give a tenant's token); "
                          f"{len(tenancy.config.tenants)} tenants from {tenants}")
        # The file's duration bounds `qdcnet run`; a service runs until it is stopped.
        console.print(f"  the scenario's duration ({scenario.duration:g} s) does not apply: "
                      "the service runs until stopped"
                      + ("" if workload else "; its own workload is left out (--no-workload)"))
    uvicorn.run(create_app(service), host=host, port=port, log_level="warning",
                access_log=False)
    store.close()
