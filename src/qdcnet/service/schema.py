"""The service's API documents: what a client sends and what it gets back.

An entanglement request follows the link-layer service of Dahlberg et al.,
"A link layer protocol for quantum networks", SIGCOMM 2019 (its CREATE
message) where it fits a data center with a central control plane:

========================  ==============================================
Dahlberg et al.           here
========================  ==============================================
remote node ID            ``src`` and ``dst`` (the control plane serves
                          any two nodes, not only a node's neighbour)
minimum fidelity          ``min_fidelity`` (each pair, at delivery)
maximum time              ``max_time`` (s from submission, else expired)
purpose ID                ``purpose_id`` (echoed on every pair event)
number                    ``pairs`` (or ``rate`` for ``duration``)
priority                  ``priority`` (larger is more urgent)
type K / M                ``type``: ``keep`` or ``measure``
random basis              ``basis`` (measure only: X, Y, Z or random)
========================  ==============================================

Fields of the CREATE message not listed (``atomic``, ``consecutive``) are
not offered: a body naming them is refused (422), never silently served
without them. Numbers are SI: seconds, hertz.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qdcnet.config.scenario import DistillationConfig, StrategyConfig

__all__ = ["ClockIn", "ClockOut", "JobIn", "RequestIn", "StrategyIn", "SubmissionOut"]

#: Bounds of a body's size (a request's path, a job's circuit text).
MAX_PATH_NODES = 64
MAX_CIRCUIT_CHARS = 1_000_000
MAX_NAME = 200


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="", max_length=MAX_NAME)
    purpose_id: int = Field(default=0, ge=0, le=65535,
                            description="the application's tag, echoed on its events")
    client_key: str | None = Field(
        default=None, min_length=1, max_length=MAX_NAME,
        description="idempotency key: a second submission with this key is the first one")


class StrategyIn(StrategyConfig):
    """How the relays build a request's pairs: a scenario's ``strategy`` with SI numbers
    (``cutoff`` in seconds), so that a stored body validates again as it was stored."""

    cutoff: float | None = Field(default=None, gt=0.0, le=1e6,  # type: ignore[assignment]
                                 description="memory cutoff of a waiting pair (s)")


class RequestIn(_Body):
    """An entanglement request (Dahlberg et al. 2019's CREATE, adapted)."""

    src: str = Field(min_length=1, max_length=MAX_NAME)
    dst: str = Field(min_length=1, max_length=MAX_NAME)
    type: Literal["keep", "measure"] = Field(
        default="keep", description="keep: pairs delivered into memory; measure: each pair "
        "measured at delivery and the outcomes reported")
    basis: Literal["X", "Y", "Z", "random"] | None = Field(
        default=None, description="measure only: the basis of both ends (default random)")
    pairs: int | None = Field(default=None, ge=1, le=1_000_000)
    rate: float | None = Field(default=None, gt=0.0, le=1e9, description="pairs per second")
    duration: float | None = Field(default=None, gt=0.0, le=1e6,
                                   description="how long a rate is served (s)")
    min_fidelity: float | None = Field(default=None, gt=0.25, le=1.0)
    max_time: float | None = Field(default=None, ge=1e-9, le=1e6,
                                   description="seconds from submission to completion")
    priority: int = Field(default=0, ge=-1000, le=1000)
    weight: float = Field(default=1.0, gt=0.0, le=1e6)
    path: list[str] | None = Field(default=None, min_length=2, max_length=MAX_PATH_NODES)
    distillation: DistillationConfig | None = None
    strategy: StrategyIn | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RequestIn:
        if self.src == self.dst:
            raise ValueError(f"src and dst are both {self.src!r}")
        if self.rate is not None and self.duration is None:
            raise ValueError("a rate needs a duration (how long to serve it)")
        if self.duration is not None and self.rate is None:
            raise ValueError("duration is how long a rate is served: give rate too")
        if self.rate is not None and self.pairs is not None:
            raise ValueError("give pairs or rate with duration, not both")
        if self.pairs is None and self.rate is None and self.max_time is not None:
            raise ValueError("an open-ended request (no pairs, no rate) has no amount to "
                             "finish within max_time")
        if self.basis is not None and self.type != "measure":
            raise ValueError("basis applies to type measure only")
        return self


class JobIn(_Body):
    """A circuit to run ``shots`` times with its quality of service."""

    circuit: str = Field(min_length=1, max_length=MAX_CIRCUIT_CHARS,
                         description="OpenQASM 2 or 3 source text")
    shots: int = Field(default=100, ge=1, le=100_000)
    policy: Literal["jit", "prefetch", "lookahead"] = "prefetch"
    min_fidelity: float | None = Field(default=None, gt=0.25, le=1.0)
    max_time: float | None = Field(
        default=None, ge=1e-9, le=1e6, description="seconds from the job's admission (its "
        "arrival plus the control plane's processing time, plus any wait behind its "
        "tenant's concurrent_jobs quota) to its last shot")
    model: Literal["fixed", "teleport"] = "fixed"


class SubmissionOut(BaseModel):
    """A submission as the service knows it: what was asked, decided and measured."""

    id: int
    kind: Literal["request", "job"]
    name: str
    tenant: str = Field(description="who submitted it")
    client_key: str | None
    status: str = Field(description="submitted, queued, serving, running, completed, "
                        "expired, cancelled, failed, refused or interrupted")
    reason: str
    arrival_s: float = Field(description="simulated time the submission entered")
    decided_s: float | None
    finished_s: float | None
    plan: dict[str, Any] | None
    result: dict[str, Any] | None
    progress: dict[str, Any] | None = Field(description="live figures while it runs")
    body: dict[str, Any]


class ClockIn(BaseModel):
    """A change of the service's clock: pause or resume, its mode and pace."""

    model_config = ConfigDict(extra="forbid")

    paused: bool | None = None
    mode: Literal["paced", "free"] | None = None
    pace: float | None = Field(default=None, gt=0.0, le=1e9,
                               description="simulated seconds per wall second (paced mode)")


class ClockOut(BaseModel):
    mode: Literal["paced", "free"]
    pace: float
    paused: bool
    now_s: float = Field(description="simulated time reached")
    target_s: float | None = Field(description="where paced time should be now")
    lag_s: float = Field(description="how far the simulation trails its paced target")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "failed"]
    fault: str | None = Field(default=None, description="why the simulation stopped")
    database: Literal["ok", "unreachable"]
    replayed_inputs: int
    replay_divergences: int
    version: str
    scenario: str
    seed: int
    engine: str


class ErrorOut(BaseModel):
    detail: Any
