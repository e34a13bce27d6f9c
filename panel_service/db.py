"""Engine and sessions: one engine per app, one session per request or command."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session


def make_engine(url: str, *, sqlite_immediate: bool = True) -> sa.Engine:
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
            # A transaction begun by begin_reads only reads: it takes no lock (under WAL
            # readers and the writer never wait for each other).
            deferred = not sqlite_immediate or conn.get_execution_options().get(_READS)
            conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

        return engine
    # Pre-ping replaces connections a database restart killed; the connect timeout makes
    # requests fail fast (503) instead of hanging while the server is unreachable.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {},
    )


_READS = "panel_reads_only"


def begin_reads(session: Session) -> None:
    """Begin the session's transaction as one that only reads (a no-op if one is open).

    On SQLite it is a deferred BEGIN, which waits for no writer and makes none wait: a page
    view of every worker used to queue for the single write lock, and pysqlite's busy wait
    sleeps in steps of up to 100 ms. On PostgreSQL the connection is in autocommit: no BEGIN
    and no COMMIT round trips (each statement sees one snapshot; a page asks one). Whoever
    needs to write afterwards commits first: the next transaction is an ordinary one.
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        session.connection(execution_options={_READS: True})


def begin_snapshot(session: Session) -> None:
    """Begin the session's transaction as one long read of a single snapshot that blocks no
    writer (a no-op if one is open): ``panel audit verify`` reads for a minute.

    On PostgreSQL REPEATABLE READ, READ ONLY, so that events appended meanwhile cannot look
    like a chain longer than its recorded head; on SQLite the deferred BEGIN of
    ``begin_reads`` (its WAL snapshot needs no lock; BEGIN IMMEDIATE held every vote back).
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    else:
        session.connection(execution_options={_READS: True})


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


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
