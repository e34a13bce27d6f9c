"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory.

The access log keeps the usual combined format, but a panelist's link token never reaches
it: the request line, path and referrer (our own pages send it to our CSS) are written with
``/v/[token]``. The error log gets the same treatment ("Error handling request /v/...").
Each access line ends with the request id the app echoed (``X-Request-ID``), the same id
its own JSON log lines carry.

Every setting below can be overridden on the command line or with ``GUNICORN_*``
variables (``GUNICORN_WORKERS=4``); ``GUNICORN_CMD_ARGS`` works as usual.
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

from panel_service.logredact import RedactTokens, redact

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # the reverse proxy connects here
# Sync workers: every request is short database work; 2 per core plus one is the usual size.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that takes this long is stuck: gunicorn kills the worker (the database has a 5 s
# connect timeout, no statement timeout: a long query of an admin report can reach this).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20  # on SIGTERM, finish what is in flight, then stop
keepalive = 5  # above nothing: the proxy in front reuses connections
# Recycle workers now and then so a slow leak never grows; jitter keeps them from all
# restarting at once.
max_requests = 2000
max_requests_jitter = 200
# The app is imported and built once, in the master, and each worker is forked from it:
# a worker that starts by importing it costs about a second of CPU (the imports, the app,
# the first compile of every template), which max_requests made every 2,000 requests
# (half a millisecond a request, BENCHMARKS.md). The price: a HUP reloads the settings and
# restarts the workers but not the code; deploy new code with a restart.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server):
    """Compile the hot templates in the master, so that every forked worker has them."""
    if preload_app:
        from panel_service.views import compiled_i18n

        app = server.app.wsgi()
        if "compiled_i18n" in getattr(app, "extensions", {}):
            compiled_i18n.warm(app)


def post_fork(server, worker):
    """A forked worker opens its own database connections, never the master's."""
    if preload_app:
        engine = getattr(server.app.wsgi(), "extensions", {}).get("panel_engine")
        if engine is not None:
            engine.dispose(close=False)  # SQLAlchemy's recipe for a pool inherited over fork
# Small request lines and headers: nothing we serve needs big ones.
limit_request_line = 4096
limit_request_fields = 100
limit_request_field_size = 8190
# Only the local proxy's X-Forwarded-* headers are believed by gunicorn itself; the app
# reads them through ProxyFix (PANEL_PROXY_FIX_*).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)


_NAMED = re.compile(r"%\(([^)]+)\)")
# What the base atoms (h, r, u, f, a, ...) read from the WSGI environ.
_BASE_ENVIRON = (
    "REMOTE_ADDR", "REQUEST_METHOD", "RAW_URI", "SERVER_PROTOCOL", "PATH_INFO", "QUERY_STRING",
    "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_AUTHORIZATION",
)  # fmt: skip


class RedactingLogger(Logger):
    """gunicorn's logger with every link token cut from access and error lines.

    An access line is built from the atoms its format names only: the base class makes one
    per request header, response header and environ key (some sixty), which gunicorn then
    copies and escapes one by one, and each would be redacted here; the line uses a dozen.
    """

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactTokens) for f in self.error_log.filters):
            self.error_log.addFilter(RedactTokens())
        found = _NAMED.findall(cfg.access_log_format)
        named = {n.lower() if n.startswith("{") else n for n in found}
        self._named = named
        self._environ = _BASE_ENVIRON + tuple(n[1:-2].upper() for n in named if n.endswith("}e"))
        self._headers = {n[1:-2] for n in named if n.endswith("}i")}

    def atoms(self, resp, req, environ, request_time):
        wanted_environ = {k: environ[k] for k in self._environ if k in environ}
        headers = [(k, v) for k, v in getattr(req, "headers", ()) if k.lower() in self._headers]
        atoms = super().atoms(resp, headers, wanted_environ, request_time)
        return {
            k: redact(v) if isinstance(v, str) else v for k, v in atoms.items() if k in self._named
        }


logger_class = RedactingLogger
