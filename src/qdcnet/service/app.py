"""The HTTP API of a :class:`~qdcnet.service.core.Service` (FastAPI; OpenAPI at /openapi.json).

=========================  ======================================================
``POST /v1/requests``      an entanglement request: 201 with the plan or the
                           refusal, 202 if not yet decided, 200 for a known
                           client key (the first submission), 409 if that key
                           names another body, 422 for bad input
``POST /v1/jobs``          a circuit, shots and QoS: likewise
``GET /v1/requests``       list (``status``, ``limit``, ``offset``); also jobs
``GET /v1/requests/{id}``  one submission: status, plan, result, live progress
``DELETE .../{id}``        cancel (409 once it has ended)
``GET /v1/events``         server-sent events, resumable with ``Last-Event-ID``
                           (or ``?after=``); ``follow=false`` ends the stream
                           after what is recorded
``GET/PATCH /v1/clock``    the clock: pause, resume, mode, pace
``GET /v1/jobs/{id}/gantt`` a job's Gantt chart (planned shot, shots as run)
``GET /v1/datacenter``     the scenario served and its topology
``GET /v1/telemetry``      every link's utilisation and pair fidelity now
``GET /health``            liveness, database, replay figures (no token needed)
``GET /metrics``           Prometheus text format (operator)
``GET /``                  the live page: topology, queue, a job's Gantt chart
=========================  ======================================================

Every ``/v1`` call carries a tenant's token (``Authorization: Bearer``; 401
without one): a tenant sees, cancels and streams the events of its own
submissions only (another's id is 404, as an unknown one), an operator all
of them; only an operator sets the clock (403). A tenant over a quota or
rate limit gets 429 naming it (with ``Retry-After`` where waiting helps).
Every refusal is a 4xx whose ``detail`` names the field and what is allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from qdcnet._version import __version__
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.service.core import Conflict, NotFound, Service, Unavailable
from qdcnet.service.schema import (
    ClockIn,
    ClockOut,
    ErrorOut,
    HealthOut,
    JobIn,
    RequestIn,
    SubmissionOut,
)
from qdcnet.service.store import StoreError
from qdcnet.service.tenants import Caller, RateLimited

__all__ = ["create_app"]

#: Largest id a path accepts (the database's integer).
MAX_ID = 2**31 - 1
#: Largest event number a client may resume from.
MAX_EVENT_ID = 2**62
#: Events sent per database read of the stream.
EVENT_BATCH = 500
#: Wall seconds the driver may take to end its round when the server stops.
SHUTDOWN_S = 30.0
#: Seconds between keep-alive comments on a quiet stream.
KEEPALIVE_S = 15.0

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no token, or an unknown one"},
    429: {"model": ErrorOut, "description": "over a quota or rate limit (named)"},
    404: {"model": ErrorOut, "description": "no such submission"},
    503: {"model": ErrorOut, "description": "the simulation stopped: restart to replay"},
    409: {"model": ErrorOut, "description": "conflict (a reused client key, an ended "
          "submission)"},
    422: {"model": ErrorOut, "description": "bad input, naming the field"},
}

_UNAUTHORIZED = {401: _ERRORS[401]}
_OPERATOR_ONLY = {401: _ERRORS[401],
                  403: {"model": ErrorOut, "description": "an operator's call"}}

SubmissionId = Annotated[int, Path(ge=1, le=MAX_ID)]

_bearer = HTTPBearer(auto_error=False, description="a tenant's token")


async def _authenticated(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    """The caller of a ``/v1`` route, by its bearer token (401 without a known one)."""
    service: Service = request.app.state.service
    caller = None if credentials is None else service.tenancy.authenticate(
        credentials.credentials)
    if caller is None:
        raise HTTPException(401, {"code": "unauthorized", "message": (
            "a tenant's token is needed: Authorization: Bearer TOKEN" if credentials
            is None else "this token belongs to no tenant")},
            headers={"WWW-Authenticate": "Bearer"})
    return caller


Authenticated = Annotated[Caller, Depends(_authenticated)]


async def _operator(caller: Authenticated) -> Caller:
    if not caller.is_operator:
        raise HTTPException(403, {"code": "forbidden", "message": (
            f"tenant {caller.name!r} is not an operator: this call is an operator's")})
    return caller


def create_app(service: Service, *, drive: bool = True) -> FastAPI:
    """The FastAPI application of ``service`` (``drive``: run its clock in the background)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(service.drive()) if drive else None
        try:
            yield
        finally:
            ended = True
            if task is not None:
                # The driver ends after its round, its commits done (not cut in the middle
                # of one, whose thread would race the last flush), unless the database
                # hangs: then it is cancelled after a while and the last flush is skipped.
                service.stop()
                try:
                    await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_S)
                except TimeoutError:
                    ended = False
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if ended:
                service.flush(force_clock=True)

    app = FastAPI(title="qdcnet orchestrator", version=__version__, lifespan=lifespan,
                  description="The control plane of a simulated quantum data center: "
                  "entanglement requests and jobs, admitted or refused, served and "
                  "measured. Times are simulated seconds.")

    @app.exception_handler(QdcnetError)
    async def _qdcnet_error(_request: Request, exc: QdcnetError) -> JSONResponse:
        status = (404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict)
                  else 429 if isinstance(exc, RateLimited)
                  else 503 if isinstance(exc, (Unavailable, StoreError)) else 422)
        headers = None
        if isinstance(exc, RateLimited) and exc.retry_after_s is not None:
            headers = {"Retry-After": str(max(1, round(exc.retry_after_s + 0.5)))}
        return JSONResponse(status_code=status, content={"detail": exc.details()},
                            headers=headers)

    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors()]})

    async def _submit(kind: str, body: RequestIn | JobIn, key: str | None, wait: float,
                      response: Response, caller: Caller) -> dict[str, Any]:
        data = body.model_dump(mode="json")
        if key is not None:
            if data.get("client_key") not in (None, key):
                raise ParameterError("Idempotency-Key", key, f"the body's client_key "
                                     f"{data['client_key']!r} (or leave one out)")
            data["client_key"] = key
        view, created = await service.submit(kind, data, wait_s=wait, caller=caller)
        decided = view["decided_s"] is not None or view["status"] != "submitted"
        response.status_code = (201 if decided else 202) if created else 200
        return view

    wait_query = Query(2.0, ge=0.0, le=60.0, description="wall seconds to wait for the "
                       "decision before answering 202")
    key_header = Header(None, alias="Idempotency-Key", min_length=1, max_length=200)

    @app.post("/v1/requests", response_model=SubmissionOut, status_code=201,
              responses={200: {"model": SubmissionOut, "description": "known client key"},
                         202: {"model": SubmissionOut, "description": "not yet decided"},
                         **_ERRORS}, tags=["requests"])
    async def submit_request(caller: Authenticated, body: RequestIn, response: Response,
                             wait: float = wait_query,
                             idempotency_key: str | None = key_header) -> dict[str, Any]:
        """Submit an entanglement request; answered with its plan or the refusal's reason."""
        return await _submit("request", body, idempotency_key, wait, response, caller)

    @app.post("/v1/jobs", response_model=SubmissionOut, status_code=201,
              responses={200: {"model": SubmissionOut, "description": "known client key"},
                         202: {"model": SubmissionOut, "description": "not yet decided"},
                         **_ERRORS}, tags=["jobs"])
    async def submit_job(caller: Authenticated, body: JobIn, response: Response,
                         wait: float = wait_query,
                         idempotency_key: str | None = key_header) -> dict[str, Any]:
        """Submit a circuit as a job; answered with its schedule or the refusal's reason."""
        return await _submit("job", body, idempotency_key, wait, response, caller)

    for kind, plural in (("request", "requests"), ("job", "jobs")):
        _routes(app, service, kind, plural)

    @app.get("/v1/events", tags=["events"], responses={
        200: {"content": {"text/event-stream": {}}, "description": "server-sent events"},
        **_UNAUTHORIZED})
    async def events(caller: Authenticated, after: int | None = Query(None, ge=0, le=MAX_EVENT_ID),
                     follow: bool = Query(True, description="keep the stream open"),
                     submission: int | None = Query(None, ge=1, le=MAX_ID),
                     last_event_id: str | None = Header(None, alias="Last-Event-ID",
                                                        max_length=32),
                     telemetry: float | None = Query(None, ge=0.2, le=60.0, description=(
                         "also send a datacenter.telemetry event (utilisation and fidelity "
                         "of every link, not numbered, not stored) every this many wall "
                         "seconds"))) -> StreamingResponse:
        """Events in order (``request.admitted``, ``request.pair``, ``job.finished``, ...):
        the caller's own, or every one for an operator.

        Resumes after ``Last-Event-ID`` (or ``after``); each event's ``id`` is its number.
        """
        start = after or 0
        if last_event_id is not None:
            try:
                resume = int(last_event_id)
            except ValueError:
                resume = -1
            if not 0 <= resume <= MAX_EVENT_ID:
                raise ParameterError("Last-Event-ID", last_event_id,
                                     f"an event number (an integer in 0..{MAX_EVENT_ID})")
            start = max(start, resume)
        owner = None if caller.is_operator else caller.name
        return StreamingResponse(_stream(service, start, follow, submission, owner, telemetry),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/v1/clock", response_model=ClockOut, tags=["clock"],
             dependencies=[Depends(_authenticated)], responses=_UNAUTHORIZED)
    async def get_clock() -> dict[str, Any]:
        return service.clock_view()

    @app.patch("/v1/clock", response_model=ClockOut, tags=["clock"],
               responses={**_OPERATOR_ONLY, 422: _ERRORS[422]},
               dependencies=[Depends(_operator)])
    async def set_clock(change: ClockIn) -> dict[str, Any]:
        """Pause or resume the simulated clock, or change its mode or pace."""
        return service.set_clock(paused=change.paused, mode=change.mode, pace=change.pace)

    @app.get("/v1/datacenter", tags=["datacenter"], dependencies=[Depends(_authenticated)],
             responses=_UNAUTHORIZED)
    async def datacenter() -> dict[str, Any]:
        """The scenario served, and its topology (nodes with drawing positions, links)."""
        scenario = service.scenario
        return {"topology": service.topology(), "name": scenario.name,
                "description": scenario.description,
                "seed": service.seed, "version": __version__,
                "qpus": [q.name for q in scenario.qpus],
                "memory_banks": [m.name for m in scenario.memory_banks],
                "switches": [s.name for s in scenario.switches],
                "bsm_stations": [s.name for s in scenario.bsm_stations],
                "control_plane": (scenario.control_plane.model_dump(mode="json")
                                  if scenario.control_plane else None),
                "policy": scenario.orchestrator.policy}

    @app.get("/health", response_model=HealthOut, tags=["service"],
             responses={503: {"model": HealthOut, "description": "the database is "
                              "unreachable, or the simulation stopped (see fault)"}})
    async def health(response: Response) -> dict[str, Any]:
        report = service.health()
        if report["database"] != "ok" or report["fault"] is not None:
            response.status_code = 503
        return report

    @app.get("/v1/jobs/{submission_id}/gantt", tags=["jobs"],
             responses={k: _ERRORS[k] for k in (401, 404, 409)})
    async def gantt(caller: Authenticated, submission_id: SubmissionId) -> dict[str, Any]:
        """A job's Gantt chart: its first shot as scheduled, per QPU, and each shot as
        run (409 until it has a schedule)."""
        return service.gantt(submission_id, caller)

    @app.get("/v1/telemetry", tags=["datacenter"], dependencies=[Depends(_authenticated)],
             responses=_UNAUTHORIZED)
    async def telemetry() -> dict[str, Any]:
        """Every link's utilisation and its pairs' fidelity now (as the event stream's
        ``datacenter.telemetry``)."""
        return service.telemetry()

    @app.get("/metrics", response_class=PlainTextResponse, tags=["service"],
             dependencies=[Depends(_operator)], responses=_OPERATOR_ONLY)
    async def metrics() -> str:
        return service.metrics()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        from qdcnet.service.page import PAGE

        return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})

    return app


def _routes(app: FastAPI, service: Service, kind: str, plural: str) -> None:
    @app.get(f"/v1/{plural}", response_model=list[SubmissionOut], tags=[plural],
             name=f"list_{plural}", responses={401: _ERRORS[401]})
    async def listing(caller: Authenticated,
                      status: Literal["submitted", "queued", "running", "completed",
                                      "expired", "cancelled", "failed", "refused",
                                      "interrupted"] | None = None,
                      limit: int = Query(100, ge=1, le=1000),
                      offset: int = Query(0, ge=0, le=MAX_ID),
                      order: Literal["oldest", "newest"] = "oldest") -> list[dict[str, Any]]:
        """The caller's own, in id order, oldest or newest first (an operator:
        everyone's)."""
        return service.views(kind=kind, status=status, limit=limit, offset=offset,
                             caller=caller, newest_first=order == "newest")

    @app.get(f"/v1/{plural}/{{submission_id}}", response_model=SubmissionOut, tags=[plural],
             responses={k: _ERRORS[k] for k in (401, 404)}, name=f"get_{kind}")
    async def one(caller: Authenticated, submission_id: SubmissionId) -> dict[str, Any]:
        row = service.row(submission_id)
        if row is None or row["kind"] != kind:
            raise NotFound(f"no {kind} with id {submission_id}")
        return service.view(submission_id, row, caller=caller)

    @app.delete(f"/v1/{plural}/{{submission_id}}", response_model=SubmissionOut,
                tags=[plural], responses={k: _ERRORS[k] for k in (401, 404, 409, 429, 503)},
                name=f"cancel_{kind}")
    async def cancel(caller: Authenticated, submission_id: SubmissionId) -> dict[str, Any]:
        """Cancel it: its resources go back; 409 if it has already ended."""
        return await service.cancel_async(submission_id, kind, caller)


async def _stream(service: Service, after: int, follow: bool, submission: int | None,
                  owner: str | None, telemetry_s: float | None) -> AsyncIterator[str]:
    last = after
    loop = asyncio.get_running_loop()
    next_telemetry = loop.time()
    while True:
        if telemetry_s is not None and loop.time() >= next_telemetry:
            next_telemetry = loop.time() + telemetry_s
            yield f"event: datacenter.telemetry\ndata: {json.dumps(service.telemetry())}\n\n"
        changed = service.changed()
        # Read in order and filtered here: reading moves past others' events too, so a
        # follower never reads an event twice (a tenant filter in SQL would rescan them).
        rows = service.store.events_after(last, EVENT_BATCH, submission=submission)
        for row in rows:
            last = row["seq"]
            if owner is not None and service.tenant_of(row["submission_id"]) != owner:
                continue
            payload = {"seq": row["seq"], "time_s": row["time_ps"] / 1e12,
                       "kind": row["kind"], "submission": row["submission_id"],
                       "data": row["data"]}
            yield f"id: {row['seq']}\nevent: {row['kind']}\ndata: {json.dumps(payload)}\n\n"
        if len(rows) == EVENT_BATCH:
            await asyncio.sleep(0)  # a long catch-up must not hold the loop
            continue
        if not follow:
            return
        wait = KEEPALIVE_S if telemetry_s is None else max(
            0.0, next_telemetry - loop.time())
        try:
            await asyncio.wait_for(changed.wait(), wait)
        except TimeoutError:
            if telemetry_s is None:
                yield ": keep-alive\n\n"
