"""Who may use the service: tenants with bearer tokens, their quotas and input limits.

A tenants file (YAML, given to ``qdcnet serve --tenants``) lists who may
call the API::

    tenants:
      - name: ops
        role: operator                 # reads everything, sets the clock
        token_sha256: 9f86d08...       # sha256 of the token (or token: for tests)
      - name: chem
        token_sha256: 2c26b46...
        pairs_per_s: 2000              # the dispatcher's bucket for its requests
        concurrent_jobs: 2             # jobs queued or running at once
        submissions_per_s: 50          # requests + jobs + cancellations, wall clock
        max_circuit_qubits: 24
        max_circuit_depth: 500

Without a file the service has one operator whose token is given
(``--token``) or drawn at start and printed. Every ``/v1`` endpoint needs
a token (``Authorization: Bearer ...``); a tenant sees and cancels only its
own submissions; an operator sees all of them.

Where each limit is enforced:

- ``pairs_per_s`` by the dispatcher, as an input of its policy: a token
  bucket per tenant, debited per pair delivered to the tenant's requests;
  once empty, the tenant's slices end and its requests wait in the queue
  until the bucket refills (see :mod:`qdcnet.control.dispatcher`). A request
  that asks more than the quota outright (a ``rate`` above it, or ``pairs``
  within ``max_time`` faster than it) is refused with 429 before anything
  is journaled.
- ``concurrent_jobs`` by the control plane's job admission: a tenant's job
  beyond it waits in the tenant's line (event ``job.held``) and is admitted
  when one of the tenant's jobs ends.
- The quotas in force are journaled with each submission, so a replay
  applies the quotas the live run applied.
- ``submissions_per_s`` and the circuit limits at the door: 429 (rate, with
  ``Retry-After``) or 422 (size), each naming the limit.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qdcnet.errors import ParameterError, QdcnetError

__all__ = ["Caller", "Tenancy", "TenantConfig", "TenantsConfig", "load_tenants",
           "token_digest"]

#: The tenant that owns the scenario's own workload and submissions made before tenants.
OPERATOR = "operator"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
#: Shortest plain token accepted (a guessable token is no token).
MIN_TOKEN_CHARS = 16


def token_digest(token: str) -> str:
    """The sha256 (hex) under which a token is looked up.

    >>> token_digest("correct horse battery staple")[:12]
    'c4bbcb1fbec9'
    """
    return hashlib.sha256(token.encode()).hexdigest()


class TenantConfig(BaseModel):
    """One tenant: its name, role, token and limits (``None``: unlimited)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    role: Literal["tenant", "operator"] = "tenant"
    token: str | None = Field(default=None, min_length=MIN_TOKEN_CHARS, max_length=512,
                              description="the token itself (tests; prefer token_sha256)")
    token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    pairs_per_s: float | None = Field(default=None, gt=0.0, le=1e9)
    pairs_burst: float | None = Field(
        default=None, ge=1.0, le=1e9, description="pairs the bucket holds (default: a "
        "tenth of a second of the quota, at least 1)")
    concurrent_jobs: int | None = Field(default=None, ge=1, le=100_000)
    submissions_per_s: float | None = Field(default=None, gt=0.0, le=1e6)
    max_circuit_qubits: int | None = Field(default=None, ge=1, le=100_000)
    max_circuit_depth: int | None = Field(default=None, ge=1, le=10_000_000)

    @model_validator(mode="after")
    def _one_token(self) -> TenantConfig:
        if (self.token is None) == (self.token_sha256 is None):
            raise ValueError("give exactly one of token and token_sha256")
        if self.name == OPERATOR and self.role != "operator":
            raise ValueError(f"the name {OPERATOR!r} is the operator's (it owns the "
                             "scenario's own workload): give it role operator, or another "
                             "name")
        return self

    @property
    def digest(self) -> str:
        return self.token_sha256 or token_digest(self.token or "")

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    def quota(self) -> dict[str, float] | None:
        """What dispatching enforces for this tenant (journaled with each submission)."""
        out: dict[str, float] = {}
        if self.pairs_per_s is not None:
            out["pairs_per_s"] = self.pairs_per_s
            out["pairs_burst"] = self.pairs_burst or max(1.0, self.pairs_per_s / 10)
        if self.concurrent_jobs is not None:
            out["concurrent_jobs"] = self.concurrent_jobs
        return out or None


class TenantsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenants: list[TenantConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> TenantsConfig:
        names = [t.name for t in self.tenants]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"tenant name {name!r} appears twice")
        digests = [t.digest for t in self.tenants]
        if len(set(digests)) != len(digests):
            raise ValueError("two tenants share a token")
        return self


def load_tenants(path: str | Path) -> TenantsConfig:
    """Read and check a tenants file; errors name the entry and field."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError("--tenants", str(path), "a readable YAML file",
                             str(exc)) from None
    except yaml.YAMLError as exc:
        raise QdcnetError(f"{path}: not valid YAML ({exc})") from None
    try:
        return TenantsConfig.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "tenants"
        raise ParameterError(f"{path.name}: {where}", first.get("input"),
                             first.get("msg", "")) from None


@dataclass
class Caller:
    """Who made a call: the tenant and its limits."""

    tenant: TenantConfig
    #: Submission-rate bucket: tokens and when last refilled (monotonic seconds).
    tokens: float = 0.0
    refilled: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return self.tenant.name

    @property
    def is_operator(self) -> bool:
        return self.tenant.is_operator


class RateLimited(QdcnetError):
    """A tenant's quota or rate limit refuses this call (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, limit: str, value: Any, retry_after_s: float | None
                 = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value
        self.retry_after_s = retry_after_s

    def details(self) -> dict[str, Any]:
        return {**super().details(), "limit": self.limit, "value": self.value,
                **({} if self.retry_after_s is None else
                   {"retry_after_s": round(self.retry_after_s, 3)})}


class Tenancy:
    """The tenants of one service: token lookup and the submission-rate buckets.

    >>> tenancy = Tenancy.single_operator("a-long-enough-test-token")
    >>> tenancy.authenticate("a-long-enough-test-token").name
    'operator'
    >>> tenancy.authenticate("wrong") is None
    True
    """

    def __init__(self, config: TenantsConfig) -> None:
        self.config = config
        self._by_digest = {t.digest: Caller(t, tokens=_burst(t)) for t in config.tenants}
        self.by_name = {c.name: c for c in self._by_digest.values()}
        #: The operator's token when it was drawn or given here (single_operator).
        self.token: str | None = None

    @classmethod
    def single_operator(cls, token: str | None = None) -> Tenancy:
        """One operator, with ``token`` (default: drawn now; read it from :attr:`token`)."""
        drawn = token or secrets.token_urlsafe(24)
        tenancy = cls(TenantsConfig(tenants=[TenantConfig(name=OPERATOR, role="operator",
                                                          token=drawn)]))
        tenancy.token = drawn
        return tenancy

    def authenticate(self, token: str) -> Caller | None:
        return self._by_digest.get(token_digest(token))

    def admit_call(self, caller: Caller) -> None:
        """Take one submission from the caller's rate bucket, or raise :class:`RateLimited`."""
        rate = caller.tenant.submissions_per_s
        if rate is None:
            return
        now = time.monotonic()
        caller.tokens = min(_burst(caller.tenant), caller.tokens + (now - caller.refilled) * rate)
        caller.refilled = now
        if caller.tokens < 1.0:
            wait = (1.0 - caller.tokens) / rate
            raise RateLimited(f"tenant {caller.name!r} is over its submissions_per_s = "
                              f"{rate:g} limit: retry in {wait:.3g} s", limit="submissions_per_s",
                              value=rate, retry_after_s=wait)
        caller.tokens -= 1.0


def _burst(tenant: TenantConfig) -> float:
    """A second's worth of submissions (at least one) may arrive at once."""
    rate = tenant.submissions_per_s
    return math.inf if rate is None else max(1.0, rate)
