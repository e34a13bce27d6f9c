"""Shared fixtures: one migrated database per test run, emptied after every test."""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from panel_service import create_app, migrate, timeutil
from panel_service.config import Config
from panel_service.db import make_engine
from panel_service.rules import PanelRules, QuietHours

from . import factories

TEST_SECRET = "test-secret-key-0123456789abcdefghijklmnop"


@contextlib.contextmanager
def _fresh_database(sqlite_dir):
    """A private PostgreSQL database when PANEL_DATABASE_URL names a server, else SQLite."""
    base = os.environ.get("PANEL_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{sqlite_dir / 'panel.db'}"
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
def database_url(tmp_path_factory):
    """A fresh database for this run: a private PostgreSQL database or a SQLite file."""
    with _fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of the run's kind for one test (a migration's own data)."""
    with _fresh_database(tmp_path) as url:
        yield url


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


def _test_days():
    """The days tests draw on: the fixed clock's season, and the real days around today."""
    from datetime import date, timedelta

    first, last, today = date(2025, 6, 1), date(2027, 6, 30), datetime.now(UTC).date()
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    return sorted(set(days) | {today + timedelta(n) for n in range(-3, 11)})


_EPOCH_ROWS: dict = {}


@pytest.fixture(autouse=True)
def _epochs(request):
    """Every day a test draws on has its seed committed, as the worker does days ahead.

    The first test commits them through the domain; the rows it wrote (the epochs, their
    event and its chain's head) are copied into every later test's empty tables.
    """
    if "engine" not in request.fixturenames or "no_epochs" in request.keywords:
        yield
        return
    from panel_service.models import AuditChain, AuditEvent, DrawEpoch
    from panel_service.record import epochs

    engine = request.getfixturevalue("engine")
    tables = [DrawEpoch.__table__, AuditEvent.__table__, AuditChain.__table__]
    if not _EPOCH_ROWS:
        with Session(engine) as session:
            epochs.commit(
                session=session, days=_test_days(), actor="system",
                now=datetime(2025, 1, 1, tzinfo=UTC),
            )  # fmt: skip
            session.commit()
        with engine.connect() as conn:
            for table in tables:
                rows = [dict(r._mapping) for r in conn.execute(table.select())]
                # Ids come from the database's sequence, which a copied id would not advance.
                _EPOCH_ROWS[table.name] = [{k: v for k, v in r.items() if k != "id"} for r in rows]
    else:
        with engine.begin() as conn:
            for table in tables:
                conn.execute(table.insert(), _EPOCH_ROWS[table.name])
    yield


@pytest.fixture(scope="session")
def inspect_engine(engine, database_url):
    """The tests' own engine: on SQLite its reads take no write lock, so a test may read
    and then call the app without blocking it (the app's engine still serializes writes)."""
    if not database_url.startswith("sqlite"):
        yield engine
        return
    own = make_engine(database_url, sqlite_immediate=False)
    yield own
    own.dispose()


@pytest.fixture
def session(inspect_engine):
    with Session(inspect_engine, expire_on_commit=False) as session:
        factories.bind(session)
        yield session
        factories.bind(None)


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory):
    """An Ed25519 key for the audit checkpoints, as `panel audit keygen` writes one."""
    from panel_service.record.checkpoints import keygen

    path = tmp_path_factory.mktemp("keys") / "audit-signing.pem"
    keygen(path)
    return str(path)


@pytest.fixture
def now():
    """A fixed instant; the clock reads it too."""
    instant = datetime(2025, 9, 24, 2, 0, tzinfo=UTC)
    timeutil.set_clock(lambda: instant)
    yield instant
    timeutil.set_clock(None)


@pytest.fixture
def rules():
    """The rules most tests move the clock by: a 72-hour window, no quiet hours. Tests of
    working days and quiet hours (tests/panel/test_windows.py, ...) build their own."""
    return PanelRules(voting_workdays=0, quiet_hours=QuietHours.parse("off"))


@pytest.fixture
def config(database_url, tmp_path):
    return Config.from_env(
        environ={},
        ATTACHMENT_DIR=str(tmp_path / "attachments"),
        ENV="testing",
        TESTING=True,
        DATABASE_URL=database_url,
        SECRET_KEY=TEST_SECRET,
        PUBLIC_BASE_URL="https://panel.example.cn",
        # Tests run at any hour on the real clock; quiet hours have tests of their own.
        SMS_QUIET_HOURS="off",
    )


def redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_config(config):
    """The config with rate limits in the real Redis, as in production, under a key prefix
    of this test alone (its keys are deleted afterwards)."""
    import dataclasses

    if not redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"panel-test-{uuid.uuid4().hex[:12]}"
    yield dataclasses.replace(
        config, RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=prefix
    )
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_app(redis_config, engine):
    """The app with its rate limits in Redis (see redis_config)."""
    app = create_app(redis_config)
    yield app
    app.extensions["panel_engine"].dispose()


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
    department = factories.DepartmentFactory(code="HOUSING", name="市住房和城乡建设局")
    session.commit()  # a pending write would hold SQLite's lock against the app
    return department


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
    from panel_service.appeals.submission import create_appeal

    appeal = create_appeal(
        session=session,
        data=factories.appeal_input(department=department.code),
        submitted_by="staff:test",
        rules=rules,
        now=now,
    )
    session.commit()
    return appeal


@pytest.fixture
def make_link(app):
    """Sign a panelist's link token for an assignment, as the invitation SMS carries it."""
    from panel_service.access import links

    def make(assignment) -> str:
        return links.make_token(
            assignment=assignment, secret_keys=links.secret_keys_from(app.config["PANEL_CONFIG"])
        )

    return make


@pytest.fixture
def sms_settings(config):
    """How texts are rendered in tests: the test config's base URL, keys and signature."""
    from panel_service.messaging.outbox import SmsSettings

    return SmsSettings.from_config(config)


@pytest.fixture
def make_worker(engine, sms_settings, rules, tmp_path):
    """Build an outbox worker on the test database (default: the file backend)."""
    from panel_service.messaging.clients.sms.file import FileBackend
    from panel_service.messaging.worker import Worker

    def make(backend=None, **kw) -> Worker:
        values = dict(engine=engine, settings=sms_settings, rules=rules)
        values.update(kw)
        return Worker(backend=backend or FileBackend(tmp_path / "sms.jsonl"), **values)

    return make


@pytest.fixture
def sent_sms(tmp_path):
    """The lines the default test worker's file backend wrote, parsed."""
    import json

    def read() -> list[dict]:
        path = tmp_path / "sms.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return read


# --- accounts, roles and the API (issue 6) -------------------------------------------------

DEMO_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(session, now):
    """Create a user (committed) with the role and department given."""
    from panel_service.access.accounts import UserInput, create_user

    def make(username: str, role: str, department: str | None = None):
        user = create_user(
            session=session,
            data=UserInput(username=username, display_name=f"{username}用户", role=role,
                           department=department, password=DEMO_PASSWORD),
            now=now,
        )
        session.commit()
        return user

    return make


@pytest.fixture
def sign_in():
    """Put a user's Flask-Login session on a test client (the login form has its own tests)."""

    def sign(client, user):
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = f"{user.id}:{user.session_generation}"
            flask_session["_fresh"] = True
        return client

    return sign


@pytest.fixture
def staff_client(app, make_user, sign_in):
    return sign_in(app.test_client(), make_user("staff-test", "staff"))


@pytest.fixture
def admin_client(app, make_user, sign_in):
    return sign_in(app.test_client(), make_user("admin-test", "admin"))


@pytest.fixture
def department_client(app, make_user, sign_in, department):
    return sign_in(app.test_client(), make_user("housing-test", "department", "HOUSING"))


@pytest.fixture
def api_key(session, now):
    """A live API key: the raw bearer value."""
    from panel_service.access.api_keys import create_api_key

    _row, raw = create_api_key(session=session, name="hotline-platform", now=now)
    session.commit()
    return raw


@pytest.fixture
def api(app, api_key):
    """A test client that sends the API key with every request."""

    class ApiClient:
        def __init__(self):
            self.client = app.test_client()
            self.headers = {"Authorization": f"Bearer {api_key}"}

        def get(self, url, **kw):
            return self.client.get(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def post(self, url, **kw):
            return self.client.post(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def put(self, url, **kw):
            return self.client.put(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    return ApiClient()


@pytest.fixture
def form_token():
    """The CSRF token of the form at ``url``."""
    import re

    def token(client, url):
        html = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    return token


# --- only the lifecycle changes states (issue 11) ------------------------------------------

_state_writers: list[str] = []


def _record_state_writer(target, value, oldvalue, initiator):
    """Remember which panel_service module set a stored row's status or state."""
    import sys

    from sqlalchemy import inspect

    if not inspect(target).persistent:
        return  # a new row's first value is its creation, not a transition
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("panel_service"):
            if not module.startswith("panel_service.panel.lifecycle"):
                _state_writers.append(f"{module}:{frame.f_lineno}")
            return
        frame = frame.f_back


@pytest.fixture(scope="session", autouse=True)
def _watch_state_writers():
    from panel_service.models import Appeal, Assignment

    for attribute in (Appeal.status, Assignment.state):
        sa.event.listen(attribute, "set", _record_state_writer)
    yield
    for attribute in (Appeal.status, Assignment.state):
        sa.event.remove(attribute, "set", _record_state_writer)


@pytest.fixture(autouse=True)
def _only_the_lifecycle_writes_states(_watch_state_writers):
    """Fail any test during which a module other than the lifecycle changed a state."""
    _state_writers.clear()
    yield
    assert _state_writers == [], f"states changed outside the lifecycle: {_state_writers}"
