"""Shared fixtures: one migrated database per test run, emptied after every test."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from panel_service import create_app, migrate, timeutil
from panel_service.config import Config
from panel_service.db import make_engine
from panel_service.rules import PanelRules

from . import factories

TEST_SECRET = "test-secret-key-0123456789abcdefghijklmnop"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this run: a private PostgreSQL database or a SQLite file."""
    base = os.environ.get("PANEL_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'panel.db'}"
        return
    # A database of our own, so that parallel runs on one server never meet.
    name = f"panel_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Each test starts from empty tables (tests commit for real, so no rollback trick)."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        factories.bind(session)
        yield session
        factories.bind(None)


@pytest.fixture
def now():
    """A fixed instant; the clock reads it too."""
    instant = datetime(2025, 9, 24, 2, 0, tzinfo=UTC)
    timeutil.set_clock(lambda: instant)
    yield instant
    timeutil.set_clock(None)


@pytest.fixture
def rules():
    return PanelRules()


@pytest.fixture
def config(database_url):
    return Config.from_env(
        environ={},
        ENV="testing",
        TESTING=True,
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET,
        PUBLIC_BASE_URL="https://panel.example.cn",
    )


@pytest.fixture
def app(config, engine):
    app = create_app(config)
    yield app
    app.extensions["panel_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def department(session):
    return factories.DepartmentFactory(code="HOUSING", name="市住房和城乡建设局")


@pytest.fixture
def pool(session, department):
    """A realistic panel of 20: 8 CPPCC/media/business, 4 government staff of other units."""
    others = factories.DepartmentFactory.create_batch(2)
    members = factories.PanelistFactory.create_batch(16)
    members += factories.PanelistFactory.create_batch(
        4, category="government", affiliation_id=others[0].id
    )
    session.commit()
    return members


@pytest.fixture
def appeal(session, pool, department, rules, now):
    """An open appeal with its panel drawn and committed."""
    from panel_service.appeals import create_appeal

    appeal = create_appeal(
        session=session,
        data=factories.appeal_input(department=department.code),
        submitted_by="staff:test",
        rules=rules,
        now=now,
    )
    session.commit()
    return appeal
