"""A typed Python client of ``qdcnet serve``.

>>> from qdcnet.client import Client
>>> client = Client("http://127.0.0.1:8000")          # doctest: +SKIP
>>> sub = client.request("r0q0", "r1q1", pairs=10, min_fidelity=0.9,
...                      client_key="exp-1")          # doctest: +SKIP
>>> sub.status, sub.plan["rate_hz"]                   # doctest: +SKIP
('queued', 32.7...)
>>> client.wait([sub.id])[0].result["delivered"]      # doctest: +SKIP
10

Every call raises :class:`ServiceError` (with the HTTP status and the
server's ``detail``, which names the field) for a refusal of bad input; a
request the orchestrator refuses is not an error: it comes back with status
``refused`` and the reason. Submissions are idempotent by ``client_key``:
sending one again (after a timeout, say) returns the first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qdcnet.errors import QdcnetError

__all__ = ["FINAL", "Client", "Event", "ServiceError", "Submission"]

#: Statuses after which a submission does not change.
FINAL = frozenset({"refused", "completed", "expired", "cancelled", "failed", "interrupted"})


class ServiceError(QdcnetError):
    """The service refused a call: ``status_code`` and its ``detail`` say why."""

    code = "service_error"

    def __init__(self, status_code: int, detail: Any) -> None:
        self.status_code = status_code
        self.detail = detail
        message = detail.get("message") if isinstance(detail, dict) else None
        super().__init__(f"HTTP {status_code}: {message or json.dumps(detail)}")


@dataclass(frozen=True)
class Submission:
    """A request or job as the service reports it."""

    id: int
    kind: Literal["request", "job"]
    name: str
    tenant: str
    client_key: str | None
    status: str
    reason: str
    arrival_s: float
    decided_s: float | None
    finished_s: float | None
    plan: dict[str, Any] | None
    result: dict[str, Any] | None
    progress: dict[str, Any] | None
    body: dict[str, Any]

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Submission:
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Event:
    """One server-sent event: its number, simulated time, kind and submission."""

    seq: int
    time_s: float
    kind: str
    submission: int | None
    data: dict[str, Any]


class Client:
    """Talks to one service as one tenant. ``base_url`` like ``http://127.0.0.1:8000``;
    ``token`` the tenant's (default ``$QDCNET_TOKEN``).

    ``transport`` is an optional ``httpx`` transport (tests pass an ASGI one).
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8000", *, token: str | None = None,
                 timeout: float = 60.0, transport: Any = None) -> None:
        import os

        import httpx

        self.base_url = base_url.rstrip("/")
        token = token if token is not None else os.environ.get("QDCNET_TOKEN")
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                  transport=transport, headers=headers)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- submitting ------------------------------------------------------------------

    def request(self, src: str, dst: str, *, pairs: int | None = None,
                rate: float | None = None, duration: float | None = None,
                min_fidelity: float | None = None, max_time: float | None = None,
                type: Literal["keep", "measure"] = "keep",
                basis: Literal["X", "Y", "Z", "random"] | None = None, purpose_id: int = 0,
                priority: int = 0, weight: float = 1.0, path: list[str] | None = None,
                distillation: dict[str, Any] | None = None,
                strategy: dict[str, Any] | None = None,
                name: str = "", client_key: str | None = None,
                wait: float = 2.0) -> Submission:
        """Ask for entangled pairs between ``src`` and ``dst`` (see ``POST /v1/requests``)."""
        body = {"src": src, "dst": dst, "pairs": pairs, "rate": rate, "duration": duration,
                "min_fidelity": min_fidelity, "max_time": max_time, "type": type,
                "basis": basis, "purpose_id": purpose_id, "priority": priority,
                "weight": weight, "path": path, "distillation": distillation,
                "strategy": strategy, "name": name, "client_key": client_key}
        return self._submit("/v1/requests", body, wait)

    def job(self, circuit: str | Path, *, shots: int = 100,
            policy: Literal["jit", "prefetch", "lookahead"] = "prefetch",
            min_fidelity: float | None = None, max_time: float | None = None,
            model: Literal["fixed", "teleport"] = "fixed", purpose_id: int = 0,
            name: str = "", client_key: str | None = None, wait: float = 2.0) -> Submission:
        """Run a circuit (OpenQASM text, or a path to a file read here) as a job."""
        if isinstance(circuit, Path):
            name = name or circuit.stem
            circuit = circuit.read_text(encoding="utf-8")
        body = {"circuit": circuit, "shots": shots, "policy": policy,
                "min_fidelity": min_fidelity, "max_time": max_time, "model": model,
                "purpose_id": purpose_id, "name": name, "client_key": client_key}
        return self._submit("/v1/jobs", body, wait)

    def _submit(self, path: str, body: dict[str, Any], wait: float) -> Submission:
        data = {k: v for k, v in body.items() if v is not None}
        return Submission.from_json(self._call("POST", path, json=data,
                                               params={"wait": wait}))

    # -- reading and cancelling ------------------------------------------------------

    def get(self, submission_id: int, kind: Literal["request", "job"] = "request"
            ) -> Submission:
        return Submission.from_json(self._call("GET", f"/v1/{kind}s/{submission_id}"))

    def list(self, kind: Literal["request", "job"] = "request", *, status: str | None = None,
             limit: int = 100, offset: int = 0,
             order: Literal["oldest", "newest"] = "oldest") -> list[Submission]:
        params: dict[str, Any] = {"limit": limit, "offset": offset, "order": order}
        if status is not None:
            params["status"] = status
        return [Submission.from_json(x) for x in self._call("GET", f"/v1/{kind}s",
                                                            params=params)]

    def cancel(self, submission_id: int, kind: Literal["request", "job"] = "request"
               ) -> Submission:
        return Submission.from_json(self._call("DELETE", f"/v1/{kind}s/{submission_id}"))

    def wait(self, submissions: Iterable[Submission | int], *, timeout: float = 600.0,
             poll: float = 0.2) -> list[Submission]:
        """Poll until every submission has finished; returns them in the order given.

        Raises :class:`TimeoutError` naming those still open after ``timeout`` wall seconds.
        """
        wanted = [(s.id, s.kind) if isinstance(s, Submission) else (int(s), None)
                  for s in submissions]
        done: dict[int, Submission] = {}
        deadline = time.monotonic() + timeout
        while True:
            for sid, kind in wanted:
                if sid in done:
                    continue
                current = self._find(sid, kind)
                if current.finished:
                    done[sid] = current
            if len(done) == len(wanted):
                return [done[sid] for sid, _ in wanted]
            if time.monotonic() > deadline:
                open_ = [sid for sid, _ in wanted if sid not in done]
                raise TimeoutError(f"submissions {open_} still open after {timeout:g} s")
            time.sleep(poll)

    def _find(self, sid: int, kind: str | None) -> Submission:
        if kind is not None:
            return self.get(sid, kind)  # type: ignore[arg-type]
        try:
            return self.get(sid, "request")
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
            return self.get(sid, "job")

    def events(self, *, after: int | None = None, follow: bool = True,
               submission: int | None = None) -> Iterator[Event]:
        """Server-sent events in order; with ``follow`` it reconnects after a dropped
        connection from the last event seen (``Last-Event-ID``)."""
        import httpx

        last = after
        while True:
            params: dict[str, Any] = {"follow": follow}
            if submission is not None:
                params["submission"] = submission
            headers = {} if last is None else {"Last-Event-ID": str(last)}
            try:
                with self._http.stream("GET", "/v1/events", params=params, headers=headers,
                                       timeout=None) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise ServiceError(response.status_code, _detail(response))
                    for event in _parse_sse(response.iter_lines()):
                        last = event.seq
                        yield event
            except httpx.TransportError:
                if not follow:
                    raise
                time.sleep(0.5)
                continue
            if not follow:
                return

    # -- the clock and the service ---------------------------------------------------

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/v1/clock")  # type: ignore[no-any-return]

    def set_clock(self, *, paused: bool | None = None, mode: str | None = None,
                  pace: float | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("paused", paused), ("mode", mode), ("pace", pace))
                if v is not None}
        return self._call("PATCH", "/v1/clock", json=body)  # type: ignore[no-any-return]

    def pause(self) -> dict[str, Any]:
        return self.set_clock(paused=True)

    def resume(self) -> dict[str, Any]:
        return self.set_clock(paused=False)

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")  # type: ignore[no-any-return]

    def datacenter(self) -> dict[str, Any]:
        return self._call("GET", "/v1/datacenter")  # type: ignore[no-any-return]

    def metrics(self) -> str:
        response = self._http.get("/metrics")
        if response.status_code >= 400:
            raise ServiceError(response.status_code, _detail(response))
        return response.text

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ServiceError(response.status_code, _detail(response))
        return response.json()


def _detail(response: Any) -> Any:
    try:
        return response.json().get("detail", response.text)
    except ValueError:
        return response.text


def _parse_sse(lines: Iterable[str]) -> Iterator[Event]:
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                payload = json.loads("\n".join(data))
                yield Event(payload["seq"], payload["time_s"], payload["kind"],
                            payload["submission"], payload["data"])
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
