"""Security: headers on every answer, cookies, proxies, secrets, rate limits across processes."""

from __future__ import annotations

import logging
import random

import pytest

from panel_service import create_app
from panel_service.config import Config, ConfigError

from .. import procs
from ..conftest import redis_up

STRONG = "s3cr3t-" + "x" * 40


@pytest.fixture
def keep_logging():
    """A production app configures the root logger; put it back as pytest had it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        "/readyz",
        "/login",
        "/v/not-a-token",
        "/api/v1/departments",
        "/api/v1/openapi.json",
        "/no-such-page",
        "/staff/appeals",
    ],
)
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # development/testing: no HSTS


def test_staff_pages_allow_no_script_and_only_their_own_styles(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "object-src 'none'" in csp
    assert "style-src 'self' 'unsafe-inline'" in csp  # base.html keeps its CSS inline


def test_the_api_answers_with_a_deny_everything_policy(client):
    csp = client.get("/api/v1/departments").headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'")


def test_a_blueprints_own_policy_is_kept(client):
    # The panelist pages set a stricter policy of their own; the default must not replace it.
    csp = client.get("/v/not-a-token").headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp and "unsafe-inline" not in csp


def test_production_adds_hsts_and_secure_cookies(
    database_url, tmp_path, keep_logging, signing_key_file
):
    config = Config.from_env(
        environ={},
        ENV="production",
        AUDIT_SIGNING_KEY_FILE=signing_key_file,
        SECRET_KEY=STRONG,
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15",
        LOG_FORMAT="text",
        ATTACHMENT_DIR=str(tmp_path),
    )
    app = create_app(config)
    try:
        response = app.test_client().get("/healthz")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        app.extensions["panel_engine"].dispose()


@pytest.mark.parametrize(
    "secret", ["", "dev-only-not-secret", "too-short-0123456789"], ids=["missing", "demo", "short"]
)
def test_production_refuses_a_default_or_missing_secret(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env(environ={"PANEL_ENV": "production", "PANEL_SECRET_KEY": secret})


def test_production_refuses_a_per_process_rate_limit_store(signing_key_file):
    """Each gunicorn worker would count alone: production must share the counts."""
    environ = {
        "PANEL_ENV": "production",
        "PANEL_SECRET_KEY": STRONG,
        "PANEL_AUDIT_SIGNING_KEY_FILE": signing_key_file,
    }
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URL"):
        Config.from_env(environ=environ)
    shared = Config.from_env(
        environ={**environ, "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15"}
    )
    assert shared.RATELIMIT_STORAGE_URL.startswith("redis://")


def test_production_warns_when_rate_limits_are_off(
    database_url, caplog, keep_logging, signing_key_file
):
    config = Config.from_env(
        environ={},
        ENV="production",
        AUDIT_SIGNING_KEY_FILE=signing_key_file,
        SECRET_KEY=STRONG,
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED=False,
        LOG_FORMAT="text",
    )
    with caplog.at_level(logging.WARNING, logger="panel_service.views.security"):
        app = create_app(config)
    app.extensions["panel_engine"].dispose()
    assert any("rate limits are off" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("hops", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")], ids=["no-proxy", "one-proxy"]
)
def test_proxy_fix_trusts_forwarded_headers_only_when_configured(config, engine, hops, expected):
    config.PROXY_FIX_X_FOR = config.PROXY_FIX_X_PROTO = hops
    app = create_app(config)
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    app.extensions["panel_engine"].dispose()
    assert seen["addr"] == expected
    assert seen["scheme"] == ("https" if hops else "http")


def test_the_api_is_rate_limited_per_key(app, api, session, now):
    from panel_service.access.api_keys import create_api_key
    from panel_service.views.security import API_LIMIT

    allowed = int(API_LIMIT.split()[0])
    statuses = [api.get("/api/v1/departments").status_code for _ in range(allowed)]
    assert set(statuses) == {200}
    limited = api.get("/api/v1/departments")
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "too_many_requests"
    # Another key (another client) is not affected.
    _row, other = create_api_key(session=session, name="another-platform", now=now)
    session.commit()
    response = app.test_client().get(
        "/api/v1/departments", headers={"Authorization": f"Bearer {other}"}
    )
    assert response.status_code == 200


@pytest.mark.slow
def test_the_login_limit_holds_across_processes_through_redis(database_url, engine, tmp_path):
    if not redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = procs.child_env(
        database_url,
        PANEL_RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15",
        # Counts of this run only (the per-account count would otherwise meet other runs').
        PANEL_RATELIMIT_KEY_PREFIX=f"panel-test-{random.randrange(16**12):012x}",
        PANEL_PROXY_FIX_X_FOR="1",
    )
    # A client address of this run only, so no other run's counts meet ours in Redis; it
    # reaches the app through ProxyFix, as behind the real reverse proxy.
    client_ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    started = []
    try:
        for i in range(2):
            started.append(procs.gunicorn(env, tmp_path / f"web-{i}.log", workers=2))
        statuses = []
        for attempt in range(8):
            _proc, base = started[attempt % 2]
            browser = procs.Browser(base)
            browser.opener.addheaders = [("X-Forwarded-For", client_ip)]
            assert browser.request("GET", "/login") == 200
            statuses.append(
                browser.request(
                    "POST",
                    "/login",
                    {"csrf_token": browser.csrf(), "username": "wang", "password": "wrong"},
                )
            )
        other = procs.Browser(started[0][1])
        other.opener.addheaders = [("X-Forwarded-For", f"192.0.2.{random.randrange(1, 255)}")]
        other.request("GET", "/login")
        other_status = other.request(
            "POST", "/login", {"csrf_token": other.csrf(), "username": "wang", "password": "x"}
        )
    finally:
        for proc, _base in started:
            proc.stop()
    # Five failures per account and address a minute, spread over two instances of two
    # workers each.
    assert statuses == [422] * 5 + [429] * 3
    assert other_status == 422  # another address is not affected


# --- the dependency audit in .ci/run -------------------------------------------------------


def _judge():
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / ".ci" / "audit_report.py"
    return runpy.run_path(str(path))["judge"]


def _report(tmp_path, *deps):
    import json

    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"dependencies": list(deps), "fixes": []}))
    return path


def test_the_audit_fails_on_a_known_vulnerability(tmp_path):
    vuln = {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": []}
    report = _report(
        tmp_path,
        {"name": "jinja2", "version": "2.10", "vulns": [vuln]},
        {"name": "flask", "version": "3.1.3", "vulns": []},
    )
    assert _judge()(report, "", 1) == 1


def test_the_audit_passes_a_clean_report_and_only_warns_when_nothing_was_checked(tmp_path, capsys):
    clean = _report(tmp_path, {"name": "flask", "version": "3.1.3", "vulns": []})
    assert _judge()(clean, "", 0) == 0
    unknown = _report(tmp_path, {"name": "flask", "skip_reason": "Dependency not found on PyPI"})
    assert _judge()(unknown, "", 0) == 0
    assert "audit INCOMPLETE" in capsys.readouterr().err


def test_the_audit_skips_only_when_the_service_cannot_be_reached(tmp_path):
    missing = tmp_path / "none.json"
    judge = _judge()
    assert judge(missing, "requests.exceptions.ConnectionError: Max retries exceeded", 1) == 0
    assert judge(missing, "pip-audit: error: unrecognized arguments", 2) == 1


def test_random_bogus_api_keys_from_one_address_hit_429_too(redis_app, api_key):
    """The limit is keyed on the resolved key: a fresh bogus key each time gets no fresh count."""
    import secrets

    from panel_service.views.security import API_LIMIT

    client = redis_app.test_client()
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    allowed = int(API_LIMIT.split()[0])
    statuses = [
        client.get("/api/v1/departments", environ_base=attacker,
                   headers={"Authorization": f"Bearer pk_{secrets.token_urlsafe(32)}"}).status_code
        for _ in range(allowed + 1)
    ]  # fmt: skip
    assert set(statuses[:allowed]) == {401}
    assert statuses[allowed] == 429
    limited = client.get("/api/v1/departments", environ_base=attacker)
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many_requests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    # The real key, even from that address, has a count of its own.
    ok = client.get("/api/v1/departments", environ_base=attacker,
                    headers={"Authorization": f"Bearer {api_key}"})  # fmt: skip
    assert ok.status_code == 200
