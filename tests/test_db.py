"""The engine: reads that hold no lock, and pooled connections checked after they sat idle."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from panel_service.db import begin_reads, make_engine, reading


def _postgres_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the pool's connections to a server are PostgreSQL's")


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _terminate(engine, pid: int) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        conn.commit()


@pytest.mark.postgres
def test_a_connection_killed_while_idle_in_the_pool_is_replaced_before_use(
    engine, database_url
):
    _postgres_only(engine)
    pooled = make_engine(database_url, ping_after_idle=0.05)
    try:
        killed = _backend_pid(pooled)
        _terminate(engine, killed)
        time.sleep(0.1)  # idle long enough to be pinged
        assert _backend_pid(pooled) != killed  # no error: the dead connection was replaced
    finally:
        pooled.dispose()


@pytest.mark.postgres
def test_a_connection_in_use_a_moment_ago_is_not_pinged(engine, database_url):
    """The ping is what this saves: a killed connection that was busy a moment ago is found
    dead by the request itself (then the pool is replaced, as after a failed ping)."""
    _postgres_only(engine)
    pooled = make_engine(database_url, ping_after_idle=60)
    try:
        killed = _backend_pid(pooled)
        _terminate(engine, killed)
        with pytest.raises(sa.exc.OperationalError), pooled.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert _backend_pid(pooled) != killed  # the next request has a live connection
    finally:
        pooled.dispose()


def test_reads_send_no_begin_and_a_write_after_them_is_an_ordinary_transaction(engine):
    """begin_reads (a session) and reading (a bare connection) read without a transaction
    of their own: no BEGIN on SQLite, autocommit on PostgreSQL."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with reading(engine) as connection:
            connection.exec_driver_sql("SELECT 0")
        with Session(engine) as session:
            begin_reads(session)
            session.connection().exec_driver_sql("SELECT 1")
            session.commit()
            session.connection().exec_driver_sql("SELECT 2")  # an ordinary transaction now
            session.rollback()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert sent[:2] == ["SELECT 0", "SELECT 1"]
    if engine.dialect.name == "sqlite":
        assert sent[2:] == ["BEGIN IMMEDIATE", "SELECT 2"]


def test_a_snapshot_reads_one_state_of_the_database_however_long_it_lasts(engine, session):
    """begin_snapshot (panel audit verify): writes committed meanwhile stay out of view, and
    nothing waits for it (on SQLite a deferred BEGIN, not the write lock)."""
    from panel_service.db import begin_snapshot

    from . import factories

    count = "SELECT count(*) FROM department"
    with Session(engine) as reader:
        begin_snapshot(reader)
        before = reader.connection().exec_driver_sql(count).scalar()
        factories.DepartmentFactory(code="SNAP", name="快照局")
        session.commit()  # another connection writes while the snapshot is open
        assert reader.connection().exec_driver_sql(count).scalar() == before
        reader.rollback()
        assert reader.connection().exec_driver_sql(count).scalar() == before + 1
        reader.rollback()
