"""Link tokens never reach a log: werkzeug's, the app's or gunicorn's."""

from __future__ import annotations

import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig

from panel_service.logredact import RedactTokens, redact

TOKEN = "K-0kVwBbSP4B.aNNQoA.7fb1QL6fgcmEfCA1"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /v/{TOKEN} HTTP/1.1", "GET /v/[token] HTTP/1.1"),
        (f"/v/{TOKEN}/pledge?lang=en", "/v/[token]/pledge?lang=en"),
        (f"https://panel.example.cn/v/{TOKEN}", "https://panel.example.cn/v/[token]"),
        ("GET /staff/appeals HTTP/1.1", "GET /staff/appeals HTTP/1.1"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_filter_rewrites_formatted_records():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s', (f"GET /v/{TOKEN}", 200), None
    )
    assert RedactTokens().filter(record) is True
    assert record.getMessage() == '"GET /v/[token]" 200'


def test_gunicorn_access_and_error_logs_cut_the_token(tmp_path):
    token = TOKEN
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("access_log_format", conf["access_log_format"])
    logger = conf["logger_class"](cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/v/{token}?lang=en",
        "PATH_INFO": f"/v/{token}",
        "QUERY_STRING": "lang=en",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_REFERER": f"https://panel.example.cn/v/{token}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    logger.exception("Error handling request %s", environ["RAW_URI"])
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    access = (tmp_path / "access.log").read_text()
    error = (tmp_path / "error.log").read_text()
    assert (
        '"GET /v/[token]?lang=en HTTP/1.1" 200 1234 "https://panel.example.cn/v/[token]"' in access
    )
    assert "Error handling request /v/[token]?lang=en" in error
    assert token not in access + error
    logger.close_on_exec()
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.close()


@pytest.mark.parametrize(
    "log_format",
    [
        None,  # the one gunicorn.conf.py sets
        '%(h)s "%(r)s" %(s)s %(U)s?%(q)s "%({referer}i)s" %({path_info}e)s %({X-Request-ID}o)s '
        "%(p)s %(D)s %(missing)s %({absent}i)s",
    ],
)
def test_an_access_line_is_gunicorns_own_with_the_token_cut(tmp_path, log_format):
    """The logger builds only the atoms its format names; the line is what gunicorn's own
    logger writes, tokens redacted."""
    from gunicorn.glogging import Logger

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    lines = {}
    for name, cls in (("ours", conf["logger_class"]), ("gunicorn", Logger)):
        cfg = GunicornConfig()
        cfg.set("accesslog", str(tmp_path / f"{name}.log"))
        cfg.set("access_log_format", log_format or conf["access_log_format"])
        logger = cls(cfg)
        logger.now = lambda: "[05/Dec/2026:14:00:00 +0000]"
        environ = {
            "REQUEST_METHOD": "GET", "RAW_URI": f"/v/{TOKEN}?lang=en", "PATH_INFO": f"/v/{TOKEN}",
            "QUERY_STRING": "lang=en", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.1.2.3",
            "HTTP_REFERER": f"https://panel.example.cn/v/{TOKEN}", "HTTP_USER_AGENT": 'UA "x"',
            "HTTP_ACCEPT": "text/html", "wsgi.version": (1, 0),
        }  # fmt: skip
        response = SimpleNamespace(
            status="200 OK", sent=99, headers=[("X-Request-ID", "r1"), ("Vary", "Cookie")]
        )
        request = SimpleNamespace(
            headers=[("REFERER", environ["HTTP_REFERER"]), ("ACCEPT", "text/html")]
        )
        logger.access(response, request, environ, timedelta(microseconds=12345))
        for handler in logger.access_log.handlers:
            handler.flush()
            handler.close()
        lines[name] = (tmp_path / f"{name}.log").read_text()
    assert TOKEN in lines["gunicorn"] and TOKEN not in lines["ours"]
    assert lines["ours"] == redact(lines["gunicorn"])
    assert "r1" in lines["ours"]
    if log_format is None:
        assert 'UA \\"x\\"' in lines["ours"]
