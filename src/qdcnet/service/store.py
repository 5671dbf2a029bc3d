"""The service's journal in a database: SQLite by default, PostgreSQL by URL.

Four tables (created and upgraded by the Alembic migrations beside this
module, never by ``create_all``):

- ``submissions``: every accepted request and job, with its tenant, its
  client key (stored as ``TENANT/KEY``, unique: a second submission with the
  same key is the same submission), its body, the tenant's quota in force
  when it entered (``limits``, which a replay applies again), simulated
  arrival time, status, plan and result;
- ``journal``: the inputs (submissions and cancellations) in the order they
  entered the simulation, each with its simulated time: what a restart
  replays;
- ``events``: everything the backend reported, numbered (the server-sent
  event ids);
- ``service_meta``: what the journal belongs to (the scenario's hash, the
  seed, the version that wrote it) and the simulated time reached.

A submission is committed before it is answered, so an accepted submission
survives a kill -9. SQLite runs in WAL mode with ``synchronous=FULL``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from qdcnet.errors import ParameterError, QdcnetError

__all__ = ["Input", "Store", "StoreError", "database_url", "metadata", "migrate"]

metadata = sa.MetaData()

#: Longest stored client key: TENANT/KEY, a tenant's name and the key a client gave.
CLIENT_KEY_CHARS = 64 + 1 + 200
#: The advisory-lock key that marks a PostgreSQL journal's writer (one journal per database).
WRITER_LOCK_KEY = 0x51DC_5E7E

service_meta = sa.Table(
    "service_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    # TENANT/KEY: a tenant's name (64) and its key (200).
    sa.Column("client_key", sa.String(CLIENT_KEY_CHARS), nullable=True, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("arrival_ps", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("plan", sa.JSON, nullable=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("decided_ps", sa.BigInteger, nullable=True),
    sa.Column("finished_ps", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("tenant", sa.String(64), nullable=False, server_default="operator"),
    sa.Column("limits", sa.JSON, nullable=True),
    sa.Index("ix_submissions_kind_status", "kind", "status"),
    sa.Index("ix_submissions_tenant", "tenant", "kind", "status"),
)
journal = sa.Table(
    "journal", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("arrival_ps", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
)
events = sa.Table(
    "events", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("time_ps", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("submission_id", sa.Integer, nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index("ix_events_submission", "submission_id"),
)


# The statements of the hot paths, built once: building a statement costs more than
# executing it (SQLAlchemy caches the compiled form by the statement's cache key).
_KNOWN_KEYS = sa.select(submissions.c.client_key, submissions.c.id).where(
    submissions.c.client_key.in_(sa.bindparam("keys", expanding=True)))
_INSERT_SUBMISSIONS = sa.insert(submissions).returning(submissions.c.id,
                                                       sort_by_parameter_order=True)
_INSERT_JOURNAL = sa.insert(journal)
_INSERT_EVENTS = sa.insert(events)
_UPDATE_META = (sa.update(service_meta).where(service_meta.c.key == sa.bindparam("meta_key"))
                .values(value=sa.bindparam("meta_value")))
_INSERT_META = sa.insert(service_meta).values(key=sa.bindparam("meta_key"),
                                              value=sa.bindparam("meta_value"))
_SELECT_ONE = sa.select(submissions).where(submissions.c.id == sa.bindparam("sid"))
_SELECT_BY_KEY = sa.select(submissions).where(submissions.c.client_key == sa.bindparam("key"))
_updates: dict[tuple[str, ...], Any] = {}


def _update_statement(columns: tuple[str, ...]) -> Any:
    """An UPDATE of ``columns`` of one submission (by ``sid_``), built once per column set."""
    statement = _updates.get(columns)
    if statement is None:
        statement = _updates[columns] = (
            sa.update(submissions).where(submissions.c.id == sa.bindparam("sid_"))
            .values({name: sa.bindparam(name) for name in columns}))
    return statement


#: One submission to journal: kind, client key, name, body, body hash, tenant, limits.
Submitted = tuple[str, str | None, str, dict[str, Any], str, str, dict[str, Any] | None]


class StoreError(QdcnetError):
    """The database cannot be used (unreachable, or it journals another scenario)."""

    code = "bad_database"


@dataclass(frozen=True)
class Input:
    """One journaled input: a submission or a cancellation, at a simulated time."""

    seq: int
    arrival_ps: int
    action: str  # "submit" or "cancel"
    submission_id: int
    kind: str
    body: dict[str, Any]
    tenant: str = "operator"
    limits: dict[str, Any] | None = None


def database_url(db: str | Path) -> str:
    """A SQLAlchemy URL from what a user writes: a file path (SQLite) or a URL.

    ``postgresql://`` means the psycopg 3 driver (the one the ``service`` extra installs).

    >>> database_url("journal.db")
    'sqlite:///journal.db'
    >>> database_url("postgresql://qdc@localhost:5433/qdc")
    'postgresql+psycopg://qdc@localhost:5433/qdc'
    """
    text = str(db)
    if "://" not in text:
        return f"sqlite:///{text}"
    scheme, rest = text.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme.startswith(("sqlite", "postgresql+")):
        return text
    raise ParameterError("db", text, "a file path (SQLite), sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/NAME")


def migrate(connection: Connection) -> None:
    """Bring the schema to the newest Alembic revision (creating it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """The journal of one service (see the module's description).

    >>> store = Store("sqlite://")  # in memory
    >>> sid, created = store.add_submission("request", "op/k1", "ab", {"src": "a"}, "h", 0)
    >>> store.add_submission("request", "op/k1", "ab", {"src": "a"}, "h", 5)
    (1, False)
    >>> [(i.action, i.submission_id) for i in store.inputs()]
    [('submit', 1)]
    """

    def __init__(self, url: str) -> None:
        self.url = url
        path = sa.engine.make_url(url).database if url.startswith("sqlite") else None
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise StoreError(f"db = {path}: the folder {Path(path).parent} does not exist")
        try:
            self.engine: Engine = sa.create_engine(url, future=True, **_engine_options(url))
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as connection:
                migrate(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"db = {_safe_url(url)}: cannot open the database "
                             f"({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None

        self._writer: Any = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def claim_writer(self) -> None:
        """Become the journal's one writer, or refuse: two services writing one journal
        would interleave their inputs and number their events twice.

        SQLite: an exclusive ``flock`` on ``DB.writer.lock``; PostgreSQL: a session
        advisory lock. Either is released when this store closes or its process dies
        (a kill -9 included), so a restart is never locked out.
        """
        if self._writer is not None:
            return
        if self.dialect == "sqlite":
            path = self.engine.url.database
            if not path or path == ":memory:":
                self._writer = True
                return
            import fcntl
            import os

            lock = open(f"{path}.writer.lock", "a+")  # noqa: SIM115 - held open until close
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "?"
                lock.close()
                raise StoreError(f"db = {path}: another qdcnet serve (pid {holder}) is "
                                 "writing this journal; stop it first, or give another "
                                 "--db") from None
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
            self._writer = lock
            return
        connection = self.engine.connect()
        held = connection.execute(sa.select(sa.func.pg_try_advisory_lock(WRITER_LOCK_KEY)))
        if not held.scalar():
            connection.close()
            raise StoreError(f"db = {_safe_url(self.url)}: another qdcnet serve is writing "
                             "this journal; stop it first, or give another --db")
        connection.commit()
        self._writer = connection

    def release_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None or writer is True:
            return
        if isinstance(writer, Connection):
            # Unlocked now, not when the server notices the session has gone: a writer
            # that follows at once must find the journal free.
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                writer.execute(sa.select(sa.func.pg_advisory_unlock(WRITER_LOCK_KEY)))
                writer.commit()
        writer.close()  # the flock, or the session holding the advisory lock, ends here

    def close(self) -> None:
        self.release_writer()
        self.engine.dispose()

    # -- what the journal belongs to ---------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self.engine.connect() as c:
            return {row.key: row.value for row in c.execute(sa.select(service_meta))}

    def set_meta(self, values: dict[str, str], connection: Connection | None = None) -> None:
        def write(c: Connection) -> None:
            for key, value in values.items():
                params = {"meta_key": key, "meta_value": value}
                if not c.execute(_UPDATE_META, params).rowcount:
                    c.execute(_INSERT_META, params)

        if connection is not None:
            write(connection)
            return
        with self.engine.begin() as c:
            write(c)

    # -- inputs --------------------------------------------------------------------------

    def add_submission(self, kind: str, client_key: str | None, name: str, body: dict[str, Any],
                       body_hash: str, arrival_ps: int,
                       clock_ps: int | None = None, *, tenant: str = "operator",
                       limits: dict[str, Any] | None = None) -> tuple[int, bool]:
        """Journal a submission at ``arrival_ps``; with a known client key, the existing one.

        Returns the submission's id and whether it was new. ``clock_ps`` records the
        simulated time reached in the same transaction (an input that entered the
        simulation live: a restart replays at least that far).
        """
        return self.add_submissions([(kind, client_key, name, body, body_hash, tenant, limits)],
                                    arrival_ps, clock_ps=clock_ps)[0]

    def add_submissions(self, items: Sequence[Submitted], arrival_ps: int, *,
                        clock_ps: int | None = None) -> list[tuple[int, bool]]:
        """Journal several submissions (kind, client key, name, body, body hash, tenant,
        limits) at one arrival time in one transaction; per item its id and whether it is
        new.

        An item whose key is already journaled, or repeats an earlier item's key, is that
        submission (not new).
        """
        keys = list({item[1] for item in items if item[1] is not None})
        with self.engine.begin() as c:
            known = {row.client_key: row.id for row in c.execute(
                _KNOWN_KEYS, {"keys": keys})} if keys else {}
            # New items in order; a key that repeats an earlier new item's is that one.
            fresh: list[dict[str, Any]] = []
            slots: list[tuple[str, Any]] = []
            first_of_key: dict[str, int] = {}
            now = _now()
            for kind, key, name, body, digest, tenant, limits in items:
                if key is not None and key in known:
                    slots.append(("known", known[key]))
                elif key is not None and key in first_of_key:
                    slots.append(("repeat", first_of_key[key]))
                else:
                    if key is not None:
                        first_of_key[key] = len(fresh)
                    slots.append(("new", len(fresh)))
                    fresh.append({"kind": kind, "client_key": key, "name": name, "body": body,
                                  "body_hash": digest, "arrival_ps": arrival_ps,
                                  "status": "submitted", "reason": "", "created_at": now,
                                  "tenant": tenant, "limits": limits})
            ids = [int(row[0]) for row in c.execute(_INSERT_SUBMISSIONS, fresh)] if fresh else []
            if ids:
                c.execute(_INSERT_JOURNAL, [{"arrival_ps": arrival_ps, "action": "submit",
                                             "submission_id": sid} for sid in ids])
            if clock_ps is not None:
                self.set_meta({"clock_ps": str(clock_ps)}, c)
        out: list[tuple[int, bool]] = []
        for how, where in slots:
            out.append((int(where), False) if how == "known" else
                       (ids[where], how == "new"))
        return out

    def add_cancel(self, submission_id: int, arrival_ps: int) -> None:
        """Journal a cancellation that entered the simulation at ``arrival_ps`` (now)."""
        with self.engine.begin() as c:
            c.execute(sa.insert(journal).values(arrival_ps=arrival_ps, action="cancel",
                                                submission_id=submission_id))
            self.set_meta({"clock_ps": str(arrival_ps)}, c)

    def inputs(self) -> list[Input]:
        """Every journaled input in the order it entered the simulation."""
        query = (sa.select(journal, submissions.c.kind, submissions.c.body,
                           submissions.c.tenant, submissions.c.limits)
                 .join(submissions, submissions.c.id == journal.c.submission_id)
                 .order_by(journal.c.arrival_ps, journal.c.seq))
        with self.engine.connect() as c:
            return [Input(r.seq, r.arrival_ps, r.action, r.submission_id, r.kind, r.body,
                          r.tenant, r.limits) for r in c.execute(query)]

    # -- state --------------------------------------------------------------------------

    def apply(self, updates: Iterable[tuple[int, dict[str, Any]]],
              new_events: Sequence[dict[str, Any]], clock_ps: int | None = None) -> None:
        """One transaction: submission updates, new events, and the simulated time reached."""
        merged: dict[int, dict[str, Any]] = {}
        for sid, values in updates:  # in order: a later value of a column wins
            merged.setdefault(sid, {}).update(values)
        batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for sid, values in merged.items():
            batches.setdefault(tuple(sorted(values)), []).append({"sid_": sid, **values})
        with self.engine.begin() as c:
            for columns, rows in batches.items():
                c.execute(_update_statement(columns), rows)
            if new_events:
                c.execute(_INSERT_EVENTS, list(new_events))
            if clock_ps is not None:
                self.set_meta({"clock_ps": str(clock_ps)}, c)

    def get(self, submission_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            row = c.execute(_SELECT_ONE, {"sid": submission_id}).mappings().first()
        return None if row is None else dict(row)

    def by_client_key(self, client_key: str) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            row = c.execute(_SELECT_BY_KEY, {"key": client_key}).mappings().first()
        return None if row is None else dict(row)

    def list(self, *, kind: str | None = None, status: str | None = None, limit: int = 100,
             offset: int = 0, tenant: str | None = None,
             newest_first: bool = False) -> list[dict[str, Any]]:
        order = submissions.c.id.desc() if newest_first else submissions.c.id
        query = sa.select(submissions).order_by(order).limit(limit).offset(offset)
        if tenant is not None:
            query = query.where(submissions.c.tenant == tenant)
        if kind is not None:
            query = query.where(submissions.c.kind == kind)
        if status is not None:
            query = query.where(submissions.c.status == status)
        with self.engine.connect() as c:
            return [dict(row) for row in c.execute(query).mappings()]

    def index(self) -> list[tuple[int, str, str]]:
        """Every submission's id, tenant and status (what opening a service needs of them)."""
        query = sa.select(submissions.c.id, submissions.c.tenant, submissions.c.status)
        with self.engine.connect() as c:
            return [(int(r.id), r.tenant, r.status) for r in c.execute(query)]

    def counts(self) -> dict[tuple[str, str], int]:
        query = (sa.select(submissions.c.kind, submissions.c.status, sa.func.count())
                 .group_by(submissions.c.kind, submissions.c.status))
        with self.engine.connect() as c:
            return {(kind, status): n for kind, status, n in c.execute(query)}

    def events_after(self, seq: int, limit: int = 1000, *,
                     submission: int | None = None) -> list[dict[str, Any]]:
        """Events after ``seq`` in order: all, or one submission's."""
        query = sa.select(events).where(events.c.seq > seq)
        if submission is not None:
            query = query.where(events.c.submission_id == submission)
        query = query.order_by(events.c.seq).limit(limit)
        with self.engine.connect() as c:
            return [dict(row) for row in c.execute(query).mappings()]

    def last_event_seq(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # One connection per thread; the service's loop and its worker threads both read.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _safe_url(url: str) -> str:
    """The URL without its password (it goes into error messages)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
