"""Engine and sessions: one engine per app, one session per request or command."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

# A pooled connection idle this long is pinged before use (see _ping_after_idle).
PING_AFTER_IDLE = 1.0


def make_engine(
    url: str, *, sqlite_immediate: bool = True, ping_after_idle: float = PING_AFTER_IDLE
) -> sa.Engine:
    """Create an engine with the per-dialect settings the domain relies on.

    ``sqlite_immediate=False`` gives plain deferred transactions, whose reads never block a
    writer under WAL; only tests use it, for their own inspecting session.
    """
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # SQLite has no row locks: take the write lock up front so that
            # read-then-write operations (votes, decisions, the audit chain) serialize.
            # What begin_reads begins only reads: no BEGIN at all, each statement is its own
            # snapshot and takes no lock (under WAL readers and the writer never wait for
            # each other), as PostgreSQL's autocommit reads do.
            options = conn.get_execution_options()
            if options.get(_READS):
                return
            deferred = options.get(_SNAPSHOT) or not sqlite_immediate
            conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

        return engine
    # The connect timeout makes requests fail fast (503) instead of hanging while the
    # server is unreachable.
    engine = sa.create_engine(
        url,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {},
    )
    _ping_after_idle(engine, seconds=ping_after_idle)
    return engine


def _ping_after_idle(engine: sa.Engine, *, seconds: float) -> None:
    """Ping a pooled connection before use if it sat idle ``seconds`` or more.

    What SQLAlchemy's pool_pre_ping does (a connection a database restart killed is
    replaced, and the pool with it, before any request sees it), but not for a connection
    that served a request a moment ago: under load that is every checkout, and the ping was
    a round trip on every page view (about a tenth of a link page's time on PostgreSQL,
    BENCHMARKS.md). A restart inside the last ``seconds`` of a busy connection shows as one
    failed request (503); the disconnect then invalidates the pool as the ping would have.
    """
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_from"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from < seconds:
            return  # just connected, or in use a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if not dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise sa.exc.InvalidatePoolError()  # as a failed pre-ping: reconnect, all of them


_READS = "panel_reads_only"
_SNAPSHOT = "panel_snapshot"


def begin_reads(session: Session) -> None:
    """Begin the session's transaction as one that only reads (a no-op if one is open).

    On SQLite no BEGIN is sent: each statement reads its own snapshot, waits for no writer
    and makes none wait (a page view of every worker used to queue for the single write
    lock, and pysqlite's busy wait sleeps in steps of up to 100 ms). On PostgreSQL the
    connection is in autocommit: no BEGIN and no COMMIT round trips. Either way each
    statement sees one snapshot, and a page asks one. Whoever needs to write afterwards
    commits first: the next transaction is an ordinary one.
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        session.connection(execution_options={_READS: True})


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for statements that only read and hold nothing, as begin_reads gives a
    session: no BEGIN on SQLite, autocommit on PostgreSQL. For a Core read on a hot page,
    without the session's unit of work around it."""
    options = {"isolation_level": "AUTOCOMMIT"} if is_postgres_engine(engine) else {_READS: True}
    with engine.connect().execution_options(**options) as connection:
        yield connection


def reads() -> AbstractContextManager[sa.Connection]:
    """``reading`` on the app's engine (in a request or app context)."""
    from flask import current_app

    return reading(current_app.extensions["panel_engine"])


def begin_snapshot(session: Session) -> None:
    """Begin the session's transaction as one long read of a single snapshot that blocks no
    writer (a no-op if one is open): ``panel audit verify`` reads for a minute.

    On PostgreSQL REPEATABLE READ, READ ONLY, so that events appended meanwhile cannot look
    like a chain longer than its recorded head; on SQLite a deferred BEGIN (its WAL
    snapshot needs no lock; BEGIN IMMEDIATE held every vote back).
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    else:
        session.connection(execution_options={_SNAPSHOT: True})


def is_postgres(session: Session) -> bool:
    return is_postgres_engine(session.get_bind())


def is_postgres_engine(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


def init_app(app) -> None:
    """Bind an engine to the app and close each request's session at teardown."""
    from flask import g

    engine = make_engine(app.config["PANEL_DATABASE_URL"])
    app.extensions["panel_engine"] = engine

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The current request's session (created on first use)."""
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = Session(current_app.extensions["panel_engine"], expire_on_commit=False)
    return g.db_session
