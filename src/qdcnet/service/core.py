"""The orchestrator as a service: journal first, then the simulation, driven by the clock.

A :class:`Service` ties three parts together:

- the :class:`~qdcnet.service.store.Store`, whose journal records every
  accepted input (a submission or a cancellation) with the simulated time at
  which it entered, before the client hears that it was accepted;
- the :class:`~qdcnet.service.backend.Backend` (the simulated data center),
  which turns inputs into events;
- the :class:`~qdcnet.service.clock.Clock`, which says how far simulated time
  may run.

Inputs enter the backend in one order, (arrival time, journal sequence), live
and on replay alike, and the backend runs between them with
``advance(until)``, whose result does not depend on how a stretch of time is
cut into slices. A service reopened on its journal therefore rebuilds the
same simulation from the seed: it replays every input up to the simulated
time last recorded, checks each regenerated event against the one stored
(a mismatch is counted as a divergence, and the stored one stands), serves
finished results from the database and carries on. An input that can no
longer be prepared (its circuit, say, no longer compiles) is marked
``interrupted`` with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import heapq
import json
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qdcnet._version import __version__
from qdcnet.config.scenario import DataCenterScenario
from qdcnet.errors import QdcnetError
from qdcnet.service.backend import FINAL, BackendEvent, SimulatedBackend
from qdcnet.service.clock import Clock
from qdcnet.service.schema import JobIn, RequestIn
from qdcnet.service.store import Input, Store, StoreError
from qdcnet.service.tenants import OPERATOR, Caller, RateLimited, Tenancy, TenantConfig
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = ["Conflict", "NotFound", "Service", "Unavailable", "internal_caller"]

#: Wall seconds between two records of the simulated time reached (when nothing else
#: is written): how far a restart may have to replay beyond the last event.
HEARTBEAT_S = 1.0
#: Wall time one step of the driver aims at; slices of simulated time adapt to it.
STEP_WALL_S = 0.02
#: Bounds of a slice of simulated time (1 us to 10 s).
MIN_SLICE_PS, MAX_SLICE_PS = 10**6, 10**13

#: Ended submissions whose rows stay in memory after their last change (newest kept).
ROW_CACHE = 10_000

#: Event kinds that decide a submission (the POST that made it waits for one).
DECISIONS = frozenset({"request.admitted", "request.refused", "request.finished",
                       "job.admitted", "job.refused", "job.finished", "job.held"})


class NotFound(QdcnetError):
    code = "not_found"


class Conflict(QdcnetError):
    code = "conflict"


class Unavailable(QdcnetError):
    """The simulation stopped on an internal error: restart the service to replay."""

    code = "unavailable"


def internal_caller() -> Caller:
    """The operator, for calls made in-process (tests, the scenario's own workload)."""
    return _INTERNAL


# Unlimited (no bucket to spend), so one object serves every in-process call.
_INTERNAL = Caller(TenantConfig.model_construct(name=OPERATOR, role="operator"))


def scenario_hash(scenario: DataCenterScenario) -> str:
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def body_hash(body: dict[str, Any]) -> str:
    """What identifies a submission's content (its client key aside)."""
    content = {k: v for k, v in body.items() if k != "client_key"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class Service:
    """One data center served: see the module's description.

    Parameters
    ----------
    scenario
        The validated scenario (its data center, control plane and orchestrator).
    store
        The journal.
    seed
        The simulation's seed (default the scenario's); the journal records it.
    clock
        How simulated time passes (default paced at 1.0).
    workload
        Journal the scenario's own requests and jobs at their start times (only
        when the journal is new).
    engine
        The physics engine for jobs' fidelities (``None``: none).
    tenancy
        Who may call, with their quotas (default: one operator, its token drawn now).
    """

    def __init__(self, scenario: DataCenterScenario, store: Store, *, seed: int | None = None,
                 clock: Clock | None = None, workload: bool = True,
                 engine: str | None = "auto", tenancy: Tenancy | None = None) -> None:
        self.scenario = scenario
        self.store = store
        self.seed = scenario.seed if seed is None else seed
        self.clock = clock or Clock()
        self.workload = workload
        self.engine = engine
        self.tenancy = tenancy or Tenancy.single_operator()
        #: Rows of the submissions this process entered, as the database holds them
        #: (kept in step after each commit): a view needs no read. Ended ones leave
        #: after ROW_CACHE more have ended.
        self._rows: dict[int, dict[str, Any]] = {}
        self._rows_ended: deque[int] = deque()
        self._topology: dict[str, Any] | None = None
        #: Each submission's tenant.
        self._tenant_of: dict[int, str] = {}
        #: The quota each tenant's submissions last entered the dispatcher with.
        self._quota_applied: dict[str, dict[str, Any] | None] = {}
        #: Why the simulation stopped (an internal error): the service then refuses work.
        self.fault: str | None = None
        self.backend = SimulatedBackend(scenario, seed=self.seed, engine=engine)
        self._pending: list[tuple[int, int, Input]] = []
        self._applied: set[int] = set()
        self._cancelled_early: set[int] = set()
        self._final: set[int] = set()
        self._stored_seq = 0
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._intake: list[_Intake] = []
        self._wakeup = asyncio.Event()
        self._driving = False
        self._stopping = False
        self._lock = asyncio.Lock()
        self._changed: asyncio.Event | None = None
        self._slice_ps = 10**9
        self._last_heartbeat = 0.0
        self._replaying = False
        self.replayed_inputs = 0
        self.divergences = 0
        self.interrupted = 0
        self.started_wall = time.time()
        self.fresh = True

    # -- opening: identity, workload, replay ----------------------------------------------

    def open(self) -> None:
        """Claim the journal, check it belongs to this scenario, seed and engine, then
        rebuild the simulation from it."""
        self.store.claim_writer()
        try:
            self._open()
        except BaseException:
            self.store.release_writer()
            raise

    def _open(self) -> None:
        meta = self.store.meta()
        digest = scenario_hash(self.scenario)
        self.fresh = not meta
        if not meta:
            # The workload first, the facts last: a crash in between leaves no facts, so
            # the next open journals the workload again (its client keys make that a no-op).
            if self.workload:
                self._journal_workload()
            self.store.set_meta({"scenario_sha256": digest, "scenario": self.scenario.name,
                                 "seed": str(self.seed), "engine": str(self.engine),
                                 "version": __version__, "clock_ps": "0"})
        else:
            if meta.get("scenario_sha256") != digest:
                raise StoreError(
                    f"db: this database journals scenario {meta.get('scenario')!r} "
                    f"(sha256 {meta.get('scenario_sha256', '?')[:12]}), not this one "
                    f"({self.scenario.name!r}, sha256 {digest[:12]}): serve the same scenario "
                    "file, or give a new --db")
            if meta.get("seed") != str(self.seed):
                raise StoreError(f"seed = {self.seed}: this database journals seed "
                                 f"{meta.get('seed')}; a replay needs the same seed "
                                 "(leave --seed out, or give a new --db)")
            if meta.get("engine", str(self.engine)) != str(self.engine):
                raise StoreError(f"engine = {self.engine}: this database journals engine "
                                 f"{meta.get('engine')}; a replay needs the same one "
                                 "(give --engine as before, or a new --db)")
        self._stored_seq = self.store.last_event_seq()
        for sid, tenant, status in self.store.index():
            self._tenant_of[sid] = tenant
            if status in FINAL:
                self._final.add(sid)
        self._replay(int(meta.get("clock_ps", "0")) if meta else 0)
        self.clock.anchor(self.backend.now_ps())
        self._last_heartbeat = time.monotonic()

    def _journal_workload(self) -> None:
        """The scenario's own requests and jobs, as submissions at their start times."""
        for index, config in enumerate(self.scenario.workload.requests):
            body = {"src": config.src, "dst": config.dst, "pairs": config.pairs,
                    "rate": config.rate, "duration": config.duration,
                    "min_fidelity": config.min_fidelity, "priority": config.priority,
                    "weight": config.weight, "path": config.path, "name": config.name,
                    "max_time": (None if config.deadline is None
                                 else config.deadline - config.start),
                    "distillation": (config.distillation.model_dump(mode="json")
                                     if config.distillation else None),
                    "strategy": (config.strategy.model_dump(mode="json")
                                 if config.strategy else None),
                    "client_key": f"scenario:request:{index}"}
            self._journal_at("request", RequestIn, body, s_to_ps(config.start))
        for index, job in enumerate(self.scenario.workload.jobs):
            body = {"circuit": Path(job.circuit).read_text(encoding="utf-8"),
                    "shots": job.shots, "policy": job.policy, "min_fidelity": job.min_fidelity,
                    "max_time": job.deadline, "model": job.model, "name": job.name,
                    "client_key": f"scenario:job:{index}"}
            self._journal_at("job", JobIn, body, s_to_ps(job.start))

    def _journal_at(self, kind: str, model: Any, body: dict[str, Any], arrival_ps: int) -> None:
        try:
            checked = model.model_validate(body).model_dump(mode="json")
        except ValueError as exc:
            raise QdcnetError(f"workload entry {body.get('name')!r}: {exc}") from None
        self.store.add_submission(kind, f"{OPERATOR}/{checked['client_key']}",
                                  checked["name"], checked, body_hash(checked), arrival_ps)

    def _replay(self, until_ps: int) -> None:
        inputs = self.store.inputs()
        for item in inputs:
            heapq.heappush(self._pending, (item.arrival_ps, item.seq, item))
        self._replaying = True
        try:
            self._advance_to(until_ps)
            self.flush(force_clock=False)
        finally:
            self._replaying = False
        # On a new journal the inputs applied so far are the scenario's own, not a replay.
        self.replayed_inputs = 0 if self.fresh else len(inputs) - len(self._pending)

    # -- the driver --------------------------------------------------------------------

    def _advance_to(self, target_ps: int) -> None:
        pending, backend = self._pending, self.backend
        while pending and pending[0][0] <= target_ps:
            arrival, _, item = heapq.heappop(pending)
            backend.advance(arrival)
            self._apply(item)
            if self._replaying:
                self.flush(force_clock=False)
        backend.advance(target_ps)

    def _apply(self, item: Input, prepared: Any = None) -> None:
        """Enter one input into the backend now (``prepared``: already prepared, live)."""
        sid = item.submission_id
        if item.action == "cancel":
            if sid in self._applied:
                self.backend.cancel(sid)
            elif sid not in self._cancelled_early:
                # Cancelled before its start time came: it never enters the simulation.
                self._cancelled_early.add(sid)
                self._pending[:] = [p for p in self._pending if not (
                    p[2].submission_id == sid and p[2].action == "submit")]
                heapq.heapify(self._pending)
                self.backend.withdraw(sid, item.kind, "cancelled before its start time")
            return
        if sid in self._cancelled_early or sid in self._applied:
            return
        tenant = item.tenant
        if self._quota_applied.get(tenant) != item.limits:
            # The quota journaled with the input: a replay applies what the live run did.
            self.backend.set_quota(tenant, item.limits)
            self._quota_applied[tenant] = item.limits
        try:
            if prepared is None:
                prepared = self.backend.prepare(item.kind, item.body, tenant=tenant)
            self._applied.add(sid)
            self.backend.submit(sid, prepared)
        except (QdcnetError, ValueError) as exc:
            self.interrupted += 1
            self._update_final(sid, {"status": "interrupted",
                                     "reason": f"cannot be "
                                     f"{'replayed' if self._replaying else 'entered'}: {exc}",
                                     "finished_ps": self.backend.now_ps()})

    def _update_final(self, sid: int, values: dict[str, Any]) -> None:
        if sid in self._final:
            return
        self._final.add(sid)
        self.store.apply([(sid, values)], [])
        self._cache_updates([(sid, values)], {sid})

    def step(self) -> bool:
        """Let simulated time run one slice as the clock allows, then record what happened.

        Returns whether simulated time moved.
        """
        moved = self._run_slice()
        self.flush()
        return moved

    def _run_slice(self) -> bool:
        now = self.backend.now_ps()
        target: int | None = None
        if self.clock.paused:
            target = None
        elif self.clock.mode == "free":
            if self.backend.next_event_ps() is not None:
                target = now + self._slice_ps
            elif self._pending:
                target = self._pending[0][0]  # nothing runs until the next input
        else:
            paced = self.clock.target_ps(now)
            if paced is not None:
                target = min(paced, now + self._slice_ps)
        moved = target is not None and target > now
        if target is not None and (moved or (self._pending and self._pending[0][0] <= now)):
            began = time.perf_counter()
            self._advance_to(target)
            took = time.perf_counter() - began
            if took < STEP_WALL_S / 2:
                self._slice_ps = min(MAX_SLICE_PS, self._slice_ps * 2)
            elif took > STEP_WALL_S * 2:
                self._slice_ps = max(MIN_SLICE_PS, self._slice_ps // 2)
        return moved

    async def drive(self) -> None:
        """Run the clock until :meth:`stop` (the server's background task).

        Each round, under the write lock: journal the waiting submissions, enter them,
        run a slice, record its events. The two commits run in a worker thread, so the
        loop goes on answering calls while the disk syncs; nothing else touches the
        backend meanwhile (a cancellation takes the lock, see :meth:`cancel_async`).

        An internal error stops the simulation: :attr:`fault` says why, ``/health``
        answers 503 and submissions are refused; a restart replays the journal.
        """
        stopping = self._stopping
        self._wakeup = asyncio.Event()  # bound to this loop
        self._lock = asyncio.Lock()
        self._driving = True
        self._stopping = stopping  # a stop() that came first still holds
        try:
            while not self._stopping:
                try:
                    async with self._lock:
                        await self._enter_intake_async()
                        moved = self._run_slice()
                        await self._flush_async()
                except Exception as exc:
                    import traceback

                    self.fault = f"{type(exc).__name__}: {exc}"
                    traceback.print_exc()
                    for item in self._intake:
                        if not item.entered.done():
                            item.entered.set_exception(Unavailable(self.fault))
                    self._intake = []
                    return
                if self.clock.running_free and moved:
                    await asyncio.sleep(0)
                    continue
                # Sleep until the next tick, or until a submission arrives.
                self._wakeup.clear()
                if self._intake:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(),
                                           0.05 if self.clock.paused else 0.005)
        finally:
            self._driving = False
            self._stopping = False
            # What arrived during the last round is not entered: its callers hear so.
            _fail(self._intake, Unavailable("the service is stopping: submit again once "
                                            "it is back"))
            self._intake = []

    def stop(self) -> None:
        """Ask :meth:`drive` to end after its current round (its commits complete)."""
        self._stopping = True
        self._wakeup.set()

    # -- recording ---------------------------------------------------------------------

    def flush(self, *, force_clock: bool = False) -> list[BackendEvent]:
        """Write the backend's new events and the submissions they change, in one transaction,
        then wake whoever waits for them."""
        batch = self._collect(force_clock)
        if batch is None:
            return []
        self.store.apply(batch.updates, batch.rows, batch.clock_ps)
        return self._committed(batch)

    async def _flush_async(self) -> list[BackendEvent]:
        """:meth:`flush`, its commit in a worker thread."""
        batch = self._collect(False)
        if batch is None:
            return []
        await asyncio.to_thread(self.store.apply, batch.updates, batch.rows, batch.clock_ps)
        return self._committed(batch)

    def _collect(self, force_clock: bool) -> _Batch | None:
        """What the next commit writes: the drained events, the rows they change."""
        drained = self.backend.drain()
        now = self.backend.now_ps()
        wall = time.monotonic()
        heartbeat = force_clock or wall - self._last_heartbeat >= HEARTBEAT_S
        if not drained and not heartbeat:
            return None
        updates: list[tuple[int, dict[str, Any]]] = []
        rows: list[dict[str, Any]] = []
        ending: set[int] = set()
        diverged = 0
        stored = self._stored_events(drained)
        for event in drained:
            if event.seq <= self._stored_seq:
                old = stored.get(event.seq)
                if old is None or (old["kind"], old["submission_id"], old["time_ps"],
                                   old["data"]) != (event.kind, event.submission,
                                                    event.time_ps, event.data):
                    diverged += 1
            else:
                rows.append({"seq": event.seq, "time_ps": event.time_ps, "kind": event.kind,
                             "submission_id": event.submission, "data": event.data})
            change = _row_change(event)
            if change is None or event.submission is None:
                continue
            if event.submission in self._final or event.submission in ending:
                continue  # served from the database as it was recorded
            if change.get("status") in FINAL:
                ending.add(event.submission)
            updates.append((event.submission, change))
        clock_ps = now if (heartbeat or drained) and not self._replaying else None
        return _Batch(drained, updates, rows, ending, diverged, clock_ps, wall)

    def _committed(self, batch: _Batch) -> list[BackendEvent]:
        # Only once committed: a failed commit leaves memory as the database is.
        self.divergences += batch.diverged
        self._final |= batch.ending
        self._cache_updates(batch.updates, batch.ending)
        if batch.rows:
            self._stored_seq = batch.rows[-1]["seq"]
        if batch.clock_ps is not None:
            self._last_heartbeat = batch.wall
        self._wake(batch.drained)
        return batch.drained

    def _cache_updates(self, updates: list[tuple[int, dict[str, Any]]],
                       ending: set[int]) -> None:
        rows = self._rows
        for sid, values in updates:  # in order, as the database applied them
            row = rows.get(sid)
            if row is not None:
                row.update(values)
        for sid in ending:
            if sid in rows:
                self._rows_ended.append(sid)
        while len(self._rows_ended) > ROW_CACHE:
            rows.pop(self._rows_ended.popleft(), None)

    def row(self, submission_id: int) -> dict[str, Any] | None:
        """A submission's row: from memory when this process entered it, else the
        database's."""
        cached = self._rows.get(submission_id)
        return cached if cached is not None else self.store.get(submission_id)

    def _stored_events(self, drained: list[BackendEvent]) -> dict[int, dict[str, Any]]:
        old = [e for e in drained if e.seq <= self._stored_seq]
        if not old:
            return {}
        rows = self.store.events_after(old[0].seq - 1, limit=len(old))
        return {row["seq"]: row for row in rows}

    def _wake(self, drained: list[BackendEvent]) -> None:
        for event in drained:
            if event.kind in DECISIONS and event.submission in self._waiters:
                for future in self._waiters.pop(event.submission):
                    if not future.done():
                        future.set_result(None)
        if drained and self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        """An event set when new events have been recorded (then replaced by a fresh one)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    # -- what clients do --------------------------------------------------------------

    async def submit(self, kind: str, body: dict[str, Any], *, wait_s: float = 2.0,
                     caller: Caller | None = None) -> tuple[dict[str, Any], bool]:
        """Journal and enter a submission; returns its view and whether it is new.

        With a client key the caller used before, the first submission (409
        :class:`Conflict` if the body differs). Waits up to ``wait_s`` wall seconds for
        the decision. The caller's limits are checked first (:class:`RateLimited`, or a
        :class:`~qdcnet.errors.ParameterError` naming the limit), before anything is
        journaled.
        """
        self._check_running()
        caller = caller or internal_caller()
        tenant = caller.tenant
        self.tenancy.admit_call(caller)
        key = body.get("client_key")
        stored_key = None if key is None else f"{tenant.name}/{key}"
        digest = body_hash(body)
        if stored_key is not None:
            existing = self.store.by_client_key(stored_key)
            if existing is not None:
                return self._checked_existing(existing, kind, digest, caller), False
        self._check_quota(kind, body, tenant)
        limits = tenant.quota()
        if kind == "job":  # compiling may take a while: off the loop
            prepared = await asyncio.to_thread(
                self.backend.prepare, kind, body, tenant=tenant.name,
                max_qubits=tenant.max_circuit_qubits, max_depth=tenant.max_circuit_depth)
        else:
            prepared = self.backend.prepare(kind, body, tenant=tenant.name)
        entered: asyncio.Future[tuple[int, bool]] = asyncio.get_running_loop().create_future()
        self._intake.append(_Intake(kind, stored_key, body, digest, prepared, entered,
                                    tenant.name, limits))
        if self._driving:
            self._wakeup.set()  # the driver journals every waiting submission in one commit
        else:
            self.enter_intake()
        sid, created = await entered
        if not created:
            existing = self.row(sid)
            assert existing is not None
            return self._checked_existing(existing, kind, digest, caller), False
        if wait_s > 0 and sid not in self._final:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(sid, []).append(future)
            try:
                await asyncio.wait_for(future, wait_s)
            except TimeoutError:
                pass
            finally:
                waiting = self._waiters.get(sid, [])
                if future in waiting:
                    waiting.remove(future)
                if not waiting:
                    self._waiters.pop(sid, None)
        return self.view(sid), True

    def _check_quota(self, kind: str, body: dict[str, Any], tenant: TenantConfig) -> None:
        """Refuse a request that asks more than the tenant's pairs-per-second quota
        outright, naming the quota (its aggregate is the dispatcher's to hold, and a
        job over ``concurrent_jobs`` waits in the backend's line)."""
        if kind == "job":
            return
        quota = tenant.pairs_per_s
        if quota is None:
            return
        asked: float | None = body.get("rate")
        what = f"rate = {asked:g} pairs/s" if asked is not None else ""
        if asked is None and body.get("pairs") and body.get("max_time"):
            asked = body["pairs"] / body["max_time"]
            what = (f"pairs = {body['pairs']} within max_time = {body['max_time']:g} s "
                    f"({asked:g} pairs/s)")
        if asked is not None and asked > quota:
            raise RateLimited(f"{what} exceeds tenant {tenant.name!r}'s pairs_per_s quota "
                              f"of {quota:g}", limit="pairs_per_s", value=quota)

    def enter_intake(self) -> None:
        """Journal the submissions waiting to enter in one transaction (group commit), at
        the simulated time now, then enter them in that order and tell their callers."""
        items, self._intake = self._intake, []
        if not items:
            return
        arrival = self.backend.now_ps()
        try:
            results = self.store.add_submissions(_rows_of(items), arrival, clock_ps=arrival)
        except Exception as exc:
            _fail(items, exc)
            raise
        self._entered(items, results, arrival)

    async def _enter_intake_async(self) -> None:
        """:meth:`enter_intake`, its commit in a worker thread (the backend waits: only the
        driver advances it)."""
        items, self._intake = self._intake, []
        if not items:
            return
        arrival = self.backend.now_ps()
        try:
            results = await asyncio.to_thread(self.store.add_submissions, _rows_of(items),
                                              arrival, clock_ps=arrival)
        except Exception as exc:
            # A commit that failed may have been stored all the same (a connection lost
            # in COMMIT): the simulation would no longer be its journal's. The driver
            # stops the service (503); a restart replays what was stored.
            _fail(items, exc)
            raise
        self._entered(items, results, arrival)

    def _entered(self, items: list[_Intake], results: list[tuple[int, bool]],
                 arrival: int) -> None:
        now = dt.datetime.now(dt.UTC)
        for item, (sid, created) in zip(items, results, strict=True):
            if created:
                self._tenant_of[sid] = item.tenant
                self._rows[sid] = {
                    "id": sid, "kind": item.kind, "client_key": item.key,
                    "name": item.body.get("name") or "", "body": item.body,
                    "body_hash": item.digest, "arrival_ps": arrival, "status": "submitted",
                    "reason": "", "plan": None, "result": None, "decided_ps": None,
                    "finished_ps": None, "created_at": now, "tenant": item.tenant,
                    "limits": item.limits}
                self._apply(Input(0, arrival, "submit", sid, item.kind, item.body,
                                  item.tenant, item.limits), item.prepared)
            if not item.entered.done():
                item.entered.set_result((sid, created))

    def _check_running(self) -> None:
        if self.fault is not None:
            raise Unavailable(f"the simulation stopped ({self.fault}); restart the service "
                              "to replay its journal")

    def _checked_existing(self, row: dict[str, Any], kind: str, digest: str,
                          caller: Caller) -> dict[str, Any]:
        if row["kind"] != kind or row["body_hash"] != digest:
            raise Conflict(f"client_key = {_client_key(row)!r} names submission {row['id']} "
                           f"(a {row['kind']} with another body): a key identifies one "
                           "submission; use a new key for a new one")
        return self.view(row["id"], caller=caller)

    async def cancel_async(self, submission_id: int, kind: str | None = None,
                           caller: Caller | None = None) -> dict[str, Any]:
        """:meth:`cancel` between two rounds of the driver (never inside one), its commits
        in a worker thread."""
        if not self._driving:
            return self.cancel(submission_id, kind, caller)
        async with self._lock:
            row, caller = self._cancellable(submission_id, kind, caller)
            arrival = self.backend.now_ps()
            await asyncio.to_thread(self.store.add_cancel, submission_id, arrival)
            self._apply(_cancel_input(row, arrival))
            await self._flush_async()
        return self.view(submission_id, caller=caller)

    def cancel(self, submission_id: int, kind: str | None = None,
               caller: Caller | None = None) -> dict[str, Any]:
        """Journal and enter a cancellation now (only the owner or an operator may)."""
        row, caller = self._cancellable(submission_id, kind, caller)
        arrival = self.backend.now_ps()
        self.store.add_cancel(submission_id, arrival)
        self._apply(_cancel_input(row, arrival))
        self.flush()
        return self.view(submission_id, caller=caller)

    def _cancellable(self, submission_id: int, kind: str | None,
                     caller: Caller | None) -> tuple[dict[str, Any], Caller]:
        """The submission to cancel, or why not (404 for another tenant's, 409 ended)."""
        self._check_running()
        caller = caller or internal_caller()
        self.tenancy.admit_call(caller)
        row = self.row(submission_id)
        if row is None or (kind is not None and row["kind"] != kind) or not _sees(caller, row):
            raise NotFound(f"no {kind or 'submission'} with id {submission_id}")
        started = submission_id in self._applied
        if row["status"] in FINAL or submission_id in self._final or (
                started and not self.backend.can_cancel(submission_id)):
            raise Conflict(f"{row['kind']} {submission_id} has already ended "
                           f"({row['status']}): nothing to cancel")
        return row, caller

    def tenant_of(self, submission_id: int | None) -> str | None:
        """Who made a submission (``None``: unknown)."""
        return None if submission_id is None else self._tenant_of.get(submission_id)

    def view(self, submission_id: int, row: dict[str, Any] | None = None, *,
             caller: Caller | None = None) -> dict[str, Any]:
        """A submission as its owner (or an operator) sees it; :class:`NotFound` for
        others, as for an id that does not exist."""
        row = row or self.row(submission_id)
        if row is None or (caller is not None and not _sees(caller, row)):
            raise NotFound(f"no submission with id {submission_id}")
        progress = None
        status = row["status"]
        if status not in FINAL:
            progress = self.backend.progress(submission_id)
            if progress is not None and progress.get("status") not in (None, *FINAL):
                status = progress["status"]

        def seconds(ps: int | None) -> float | None:
            return None if ps is None else ps / PS_PER_S

        return {"id": row["id"], "kind": row["kind"], "name": row["name"],
                "tenant": row["tenant"], "client_key": _client_key(row), "status": status,
                "reason": row["reason"],
                "arrival_s": row["arrival_ps"] / PS_PER_S,
                "decided_s": seconds(row["decided_ps"]),
                "finished_s": seconds(row["finished_ps"]), "plan": row["plan"],
                "result": row["result"], "progress": progress, "body": row["body"]}

    def views(self, *, kind: str | None, status: str | None, limit: int,
              offset: int, caller: Caller | None = None,
              newest_first: bool = False) -> list[dict[str, Any]]:
        """Submissions in id order: the caller's own, or all of them for an operator."""
        tenant = None if caller is None or caller.is_operator else caller.name
        return [self.view(row["id"], row) for row in
                self.store.list(kind=kind, status=status, limit=limit, offset=offset,
                                tenant=tenant, newest_first=newest_first)]

    # -- what the data center looks like -----------------------------------------------

    def topology(self) -> dict[str, Any]:
        if self._topology is None:
            self._topology = self.backend.topology()
        return self._topology

    def telemetry(self) -> dict[str, Any]:
        """The backend's figures now, and the last event recorded (a page that loads the
        lists after reading it follows the stream from there)."""
        return {**self.backend.telemetry(), "last_event": self._stored_seq}

    def gantt(self, submission_id: int, caller: Caller | None = None) -> dict[str, Any]:
        """A job's Gantt chart (see the backend's); :class:`NotFound` if the caller has
        no such job, :class:`Conflict` while it has no schedule yet (or was refused)."""
        row = self.row(submission_id)
        if row is None or row["kind"] != "job" or (caller is not None
                                                   and not _sees(caller, row)):
            raise NotFound(f"no job with id {submission_id}")
        chart = self.backend.gantt(submission_id)
        if chart is None:
            raise Conflict(f"job {submission_id} has no schedule ({row['status']})")
        return {"id": submission_id, "status": self.view(submission_id, row)["status"],
                **chart}

    # -- the clock and health ---------------------------------------------------------

    def clock_view(self) -> dict[str, Any]:
        now = self.backend.now_ps()
        target = None
        if self.clock.mode == "paced" and not self.clock.paused:
            target = self.clock.target_ps(now)
        return {"mode": self.clock.mode, "pace": self.clock.pace, "paused": self.clock.paused,
                "now_s": now / PS_PER_S,
                "target_s": None if target is None else target / PS_PER_S,
                "lag_s": 0.0 if target is None else max(0, target - now) / PS_PER_S}

    def set_clock(self, *, paused: bool | None, mode: str | None,
                  pace: float | None) -> dict[str, Any]:
        now = self.backend.now_ps()
        self.clock.set(now, mode=mode, pace=pace)  # type: ignore[arg-type]
        if paused is True:
            self.clock.pause(now)
        elif paused is False:
            self.clock.resume(now)
        return self.clock_view()

    def health(self) -> dict[str, Any]:
        database = "ok" if self.store.ping() else "unreachable"
        status = ("failed" if self.fault is not None else
                  "ok" if database == "ok" and not self.divergences else "degraded")
        return {"status": status, "fault": self.fault, "database": database,
                "replayed_inputs": self.replayed_inputs,
                "replay_divergences": self.divergences, "version": __version__,
                "scenario": self.scenario.name, "seed": self.seed,
                "engine": str(self.engine)}

    def metrics(self) -> str:
        """The service's figures in the Prometheus text format."""
        lines = ["# HELP qdcnet_submissions Submissions by kind and status.",
                 "# TYPE qdcnet_submissions gauge"]
        for (kind, status), n in sorted(self.store.counts().items()):
            lines.append(f'qdcnet_submissions{{kind="{kind}",status="{status}"}} {n}')
        clock = self.clock_view()
        figures = [
            ("qdcnet_events_recorded_total", "counter", "Events recorded.", self._stored_seq),
            ("qdcnet_simulated_seconds", "gauge", "Simulated time reached.", clock["now_s"]),
            ("qdcnet_clock_lag_seconds", "gauge", "Simulated time behind the paced target.",
             clock["lag_s"]),
            ("qdcnet_clock_paused", "gauge", "1 while the clock is paused.",
             int(clock["paused"])),
            ("qdcnet_kernel_events_total", "counter", "Kernel events executed.",
             self.backend.sim.num_events),
            ("qdcnet_replayed_inputs", "gauge", "Inputs replayed when the service opened.",
             self.replayed_inputs),
            ("qdcnet_replay_divergences", "gauge",
             "Replayed events that differ from the recorded ones.", self.divergences),
            ("qdcnet_uptime_seconds", "gauge", "Wall seconds since the service started.",
             round(time.time() - self.started_wall, 3)),
        ]
        for name, kind, text, value in figures:
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
        return "\n".join(lines) + "\n"


@dataclass
class _Intake:
    """A prepared submission waiting for the next group commit."""

    kind: str
    key: str | None
    body: dict[str, Any]
    digest: str
    prepared: Any
    entered: asyncio.Future[tuple[int, bool]]
    tenant: str = OPERATOR
    limits: dict[str, Any] | None = None


@dataclass
class _Batch:
    """One commit of recorded events: what it writes and what memory learns after."""

    drained: list[BackendEvent]
    updates: list[tuple[int, dict[str, Any]]]
    rows: list[dict[str, Any]]
    ending: set[int]
    diverged: int
    clock_ps: int | None
    wall: float


def _cancel_input(row: dict[str, Any], arrival_ps: int) -> Input:
    """The journaled cancellation of ``row``'s submission, entering now."""
    return Input(0, arrival_ps, "cancel", row["id"], row["kind"], row["body"], row["tenant"],
                 row["limits"])


def _rows_of(items: list[_Intake]) -> list[Any]:
    return [(i.kind, i.key, i.body.get("name") or "", i.body, i.digest, i.tenant, i.limits)
            for i in items]


def _fail(items: list[_Intake], exc: BaseException) -> None:
    for item in items:
        if not item.entered.done():
            item.entered.set_exception(exc)


def _sees(caller: Caller, row: dict[str, Any]) -> bool:
    return caller.is_operator or row["tenant"] == caller.name


def _client_key(row: dict[str, Any]) -> str | None:
    """The key as its tenant gave it (stored as ``TENANT/KEY``)."""
    key = row["client_key"]
    return None if key is None else key.split("/", 1)[-1]


def _row_change(event: BackendEvent) -> dict[str, Any] | None:
    data, now = event.data, event.time_ps
    kind = event.kind
    if kind in ("request.admitted", "job.admitted"):
        return {"status": "queued", "plan": data.get("plan"), "decided_ps": now}
    if kind in ("request.refused", "job.refused"):
        return {"status": "refused", "reason": data.get("reason", ""), "decided_ps": now,
                "finished_ps": now}
    if kind == "job.started":
        return {"status": "running"}
    if kind in ("request.finished", "job.finished"):
        return {"status": data["status"], "reason": data.get("reason") or "",
                "result": data.get("result"), "finished_ps": now}
    return None
