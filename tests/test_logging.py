"""Logs: JSON lines in production, a request id per request, no token or phone number."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from panel_service import logging_setup
from panel_service.config import Config

TOKEN_URL = "https://panel.example.cn/v/T5opuYZzMC4B.awby7g.Scs8vvkN11Ev5drf"


@pytest.fixture
def logged(app):
    """Route the root logger to a buffer in JSON (as production does); restore afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app.config["PANEL_CONFIG"].LOG_FORMAT = "json"
    stream = io.StringIO()
    logging_setup.configure(app.config["PANEL_CONFIG"], stream=stream)

    @app.get("/_log")
    def log_something():
        logging.getLogger("panel_service.test").info(
            "texted %s at %s",
            "+8613812345678",
            TOKEN_URL,
            extra={"appeal_id": 7, "to": "+8613812345678", "token": "secret-token"},
        )
        return "ok"

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_log_line_is_json_with_the_request_id_and_extras(app, logged):
    response = app.test_client().get("/_log", headers={"X-Request-ID": "edge-42.abc"})
    assert response.headers["X-Request-ID"] == "edge-42.abc"
    [line] = [entry for entry in logged() if entry["logger"] == "panel_service.test"]
    assert line["request_id"] == "edge-42.abc"
    assert line["level"] == "INFO" and line["appeal_id"] == 7
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_tokens_and_phone_numbers_never_reach_the_log(app, logged):
    app.test_client().get("/_log")
    raw = json.dumps(logged(), ensure_ascii=False)
    assert "13812345678" not in raw and "Scs8vvkN11Ev5drf" not in raw
    assert "secret-token" not in raw  # credential-like extras are dropped whatever they hold
    [line] = [entry for entry in logged() if entry["logger"] == "panel_service.test"]
    assert line["message"] == "texted [phone] at https://panel.example.cn/v/[token]"
    assert "to" not in line and "token" not in line


def test_exceptions_are_logged_on_one_line_with_the_request_id(app, logged):
    @app.get("/_boom")
    def boom():
        raise RuntimeError(f"failed for {TOKEN_URL}")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as production does
    response = app.test_client().get("/_boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    [line] = [entry for entry in logged() if entry.get("exception")]
    assert line["request_id"] == "boom-1" and line["level"] == "ERROR"
    assert "RuntimeError" in line["exception"] and "Scs8vvkN11Ev5drf" not in line["exception"]


@pytest.mark.parametrize(
    "asked",
    [None, "", "x" * 129, "bad id with spaces", "id;<script>", '{"json":1}'],
    ids=["absent", "empty", "too-long", "spaces", "markup", "json"],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_fresh_one(client, asked):
    headers = {} if asked is None else {"X-Request-ID": asked}
    response = client.get("/healthz", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_error_answers_carry_the_request_id_too(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "lost-1"})
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "lost-1"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {
                "PANEL_ENV": "production",
                "PANEL_SECRET_KEY": "k" * 40,
                "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
            },
            "json",
        ),
        ({"PANEL_ENV": "development"}, "text"),
        ({"PANEL_ENV": "development", "PANEL_LOG_FORMAT": "json"}, "json"),
    ],
)
def test_production_logs_json_lines_by_default(environ, expected, signing_key_file):
    if environ["PANEL_ENV"] == "production":
        environ = {**environ, "PANEL_AUDIT_SIGNING_KEY_FILE": signing_key_file}
    assert logging_setup.log_format(Config.from_env(environ)) == expected


def test_the_text_format_has_the_request_id_and_scrubs_too():
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logging_setup.configure(Config.from_env({}), stream=stream)
        logging.getLogger("panel_service.test").warning("sent to 13812345678")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert re.search(r"WARNING \[-\] panel_service\.test: sent to \[phone\]$", stream.getvalue())


def test_configuring_twice_keeps_one_handler():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logging_setup.configure(Config.from_env({}), stream=io.StringIO())
        logging_setup.configure(Config.from_env({}), stream=io.StringIO())
        ours = [h for h in root.handlers if isinstance(h, logging_setup.PanelHandler)]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert len(ours) == 1


def test_an_unknown_log_format_is_refused():
    from panel_service.config import ConfigError

    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        Config.from_env({"PANEL_LOG_FORMAT": "xml"})
