"""Real processes for the fault, scale-out and rate-limit tests: gunicorn, workers, PostgreSQL.

Every wait here is bounded; every process started is stopped by the caller's ``finally``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import TEST_SECRET

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(database_url: str, **extra: str) -> dict:
    """The environment of a child app or worker: testing mode on the test database."""
    env = {
        **os.environ,
        "PANEL_ENV": "testing",
        "PANEL_DATABASE_URL": database_url,
        "PANEL_SECRET_KEY": TEST_SECRET,
        "PANEL_PUBLIC_BASE_URL": "https://panel.example.cn",
        "PANEL_SMS_BACKEND": "file",
        "PANEL_SMS_FILE": os.devnull,
        "PANEL_SMS_QUIET_HOURS": "off",  # these tests run on the real clock, at any hour
    }
    env.update(extra)
    return env


def http(method: str, url: str, *, data: bytes | None = None, headers=None, timeout=5.0):
    """(status, body) of one request; a refused connection is status 0."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Proc:
    """A child process with its output in a file, stopped by ``stop``."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                args, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn's workers too), no clean-up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10) -> int | None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` with Werkzeug's threaded server on a free port for the ``with`` block.

    The app runs in this process (on the test's database); the requests arrive over a real
    socket, so what a proxy or a client sends (a chunked body, raw bytes) reaches it as sent.
    """
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log(self, *args) -> None:  # the test reads answers, not an access log
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def gunicorn(env: dict, log: Path, *, workers: int = 2) -> tuple[Proc, str]:
    """Serve ``wsgi:app`` with gunicorn (our config file) on a free port; wait until it answers."""
    port = free_port()
    proc = Proc(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "20", "--graceful-timeout", "3", "wsgi:app"],
        env, log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http("GET", base + "/healthz")[0] == 200, timeout=20,
                   what=f"gunicorn on {port}")
    except AssertionError:
        proc.stop()
        raise AssertionError(proc.output()) from None
    return proc, base


def cli_worker(env: dict, log: Path, *, interval: float = 0.2) -> Proc:
    """`flask --app wsgi panel worker`, the real command."""
    return Proc(
        [sys.executable, "-m", "flask", "--app", "wsgi", "panel", "worker", "--interval",
         str(interval)],
        env, log,
    )


# --- a private PostgreSQL cluster (never the shared server) ---------------------------------


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL binaries (initdb, pg_ctl), newest version first."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PrivateCluster:
    """initdb + pg_ctl in a temporary directory, on a free port, trust auth."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="panel-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "-t", "30", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class Browser:
    """A panelist's phone: keeps cookies, reads the CSRF token of the last page."""

    def __init__(self, base: str):
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.last = ""

    def request(self, method: str, path: str, form: dict | None = None) -> int:
        from urllib.parse import urlencode

        data = urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        try:
            with self.opener.open(req, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0
        self.last = body.decode("utf-8", "replace")
        return status

    def csrf(self) -> str:
        import re

        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', self.last)
        assert found, self.last[:500]
        return found[1]

    def vote(self, token: str, choice: str = "agree") -> int:
        """Open the link, take the pledge if asked, and vote; the final answer's status."""
        status = self.request("GET", f"/v/{token}")
        if status != 200:
            return status
        if "/pledge" in self.last:
            status = self.request("POST", f"/v/{token}/pledge", {"csrf_token": self.csrf()})
            if status != 200:
                return status
            status = self.request("GET", f"/v/{token}")
            if status != 200:
                return status
        if 'name="vote"' not in self.last:
            return status  # decided or closed meanwhile: the page says so, nothing to post
        opinion = "部门已按时更换路灯,市民不满意的是其他事项。"
        return self.request(
            "POST", f"/v/{token}", {"csrf_token": self.csrf(), "vote": choice, "opinion": opinion}
        )
