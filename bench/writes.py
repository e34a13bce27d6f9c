"""What one write costs, in-process: a plain vote, a deciding vote, an API appeal.

    .venv/bin/python bench/writes.py                                  # PostgreSQL
    .venv/bin/python bench/writes.py --root /work/wt-base             # the same, older code
    .venv/bin/python bench/writes.py --profile deciding --top 40

Each operation goes through the Flask test client as a panelist's POST or the platform's
API call would (production settings, rate limits on in Redis db 14, one client address
per request), on a fresh database. For each: the SQL statements it sends, the wall time,
the CPU time of this process (the app and the test client) and, on PostgreSQL, the CPU
time of the server backends that served it (from /proc: the server must run on this
machine). CPU time is what the 40-vote burst and the API row are short of, and other load
on the machine inflates it far less than wall time. ``--root`` imports ``panel_service``
from another checkout (same schema), so two versions are measured by the same script.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# bench/ is always this checkout's (imported before --root puts another panel_service first).
from bench.options import database_options  # noqa: E402
from bench.wrkload import proc_cpu  # noqa: E402


def _setup_path() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    database_options(parser, backend="postgresql", redis_db=14)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to import from")
    # At most 290: the API takes 300 calls a minute per key.
    parser.add_argument("--n", type=int, default=150, help="operations of each kind")
    parser.add_argument("--profile", choices=["plain", "deciding", "appeal"])
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    return args


class Meter:
    """Statements, wall, app CPU and server-backend CPU of whatever runs inside ``measure``."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.statements = 0
        self.backends: set[int] = set()
        self.postgres = engine.dialect.name == "postgresql"
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        if self.postgres:
            sa.event.listen(engine, "connect", self._connected)
            engine.dispose()  # pooled connections made before the listener: make them again

    def _seen(self, *_args, **_kw):
        self.statements += 1

    def _connected(self, dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.backends.add(cursor.fetchone()[0])
        cursor.close()
        dbapi_conn.commit()

    def measure(self, operation, timer: cProfile.Profile | None = None) -> dict:
        before = (self.statements, time.perf_counter(), time.process_time())
        server = proc_cpu(self.backends)
        if timer:
            timer.enable()
        operation()
        if timer:
            timer.disable()
        return {
            "statements": self.statements - before[0],
            "wall_ms": (time.perf_counter() - before[1]) * 1e3,
            "app_cpu_ms": (time.process_time() - before[2]) * 1e3,
            "db_cpu_ms": (proc_cpu(self.backends) - server) * 1e3,
        }


def main() -> None:
    args = _setup_path()
    from bench.run import APPEAL, database, prepare

    with tempfile.TemporaryDirectory(prefix="panel-writes-") as tmp:
        workdir = Path(tmp)
        url, drop = database(args.backend, args, workdir)
        try:
            # Votes: all five seats of n/2 appeals, so the 3rd vote of each decides.
            plan = prepare(url, page_appeals=0, vote_appeals=args.n // 2 + 10)
            app = _app(url, workdir, args.redis_url)
            logging.disable(logging.INFO)  # one log line per request is not what we measure
            result = run(app, plan, APPEAL, args)
        finally:
            drop()
    result.update(root=str(args.root.resolve()), backend=args.backend,
                  loadavg=[round(x, 2) for x in os.getloadavg()])  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    sys.stdout.write(json.dumps({k: v for k, v in result.items() if k != "profile"}) + "\n")
    if "profile" in result:
        sys.stdout.write(result["profile"])


def _app(url: str, workdir: Path, redis_url: str):
    """The service in production settings (bench/inprocess.py's), with rate-limit keys of
    its own: the API's 300 calls a minute per key count this run's calls only."""
    from bench.run import SECRET
    from panel_service import create_app
    from panel_service.config import Config
    from panel_service.record.checkpoints import keygen

    keygen(workdir / "audit.pem")
    env = {
        "PANEL_ENV": "production",
        "PANEL_SECRET_KEY": SECRET,
        "PANEL_DATABASE_URL": url,
        "PANEL_AUDIT_SIGNING_KEY_FILE": str(workdir / "audit.pem"),
        "PANEL_RATELIMIT_STORAGE_URL": redis_url,
        "PANEL_RATELIMIT_KEY_PREFIX": f"writes-{uuid.uuid4().hex[:8]}",
        "PANEL_SMS_BACKEND": "file",
        "PANEL_SMS_FILE": str(workdir / "sms.jsonl"),
        "PANEL_ATTACHMENT_DIR": str(workdir / "attachments"),
        "PANEL_PUBLIC_BASE_URL": "https://panel.example.cn",
        "PANEL_PROXY_FIX_X_FOR": "1",
    }
    return create_app(Config.from_env(env))


def run(app, plan: dict, appeal_fields: dict, args) -> dict:
    from sqlmodel import Session, select

    from bench.run import SECRET
    from bench.votes import CSRF, OPINION
    from panel_service.access import links
    from panel_service.models import Assignment

    engine = app.extensions["panel_engine"]
    meter = Meter(engine)
    client = app.test_client()
    addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
    with Session(engine) as session:
        seats = session.exec(select(Assignment).order_by(Assignment.id)).all()
    by_appeal: dict[int, list[str]] = {}
    for seat in seats:
        token = links.make_token(assignment=seat, secret_keys=[SECRET])
        by_appeal.setdefault(seat.appeal_id, []).append(token)
    appeals = iter(by_appeal.values())

    def vote_poster(token: str):
        form = client.get(f"/v/{token}", headers={"X-Forwarded-For": next(addresses)})
        data = {"csrf_token": CSRF.search(form.get_data(as_text=True))[1], "vote": "agree",
                "opinion": OPINION}  # fmt: skip

        def post():
            answer = client.post(f"/v/{token}", data=data,
                                 headers={"X-Forwarded-For": next(addresses)})  # fmt: skip
            assert answer.status_code == 303, answer.status_code

        return post

    api_headers = {"Authorization": f"Bearer {plan['api_key']}",
                   "Content-Type": "application/json"}  # fmt: skip
    orders = itertools.count(1)

    def appeal_poster():
        body = dict(appeal_fields, work_order_no=f"XNWRITE{next(orders):09d}")

        headers = {**api_headers, "X-Forwarded-For": next(addresses)}

        def post():
            answer = client.post("/api/v1/appeals", data=json.dumps(body), headers=headers)
            assert answer.status_code == 201, (answer.status_code, answer.get_data())

        return post

    samples: dict[str, list[dict]] = {"plain": [], "deciding": [], "appeal": []}
    # Timed in CPU time: waiting for the server or for a core is not what this looks for.
    profile = cProfile.Profile(time.process_time) if args.profile else None

    def one_appeal_of_votes(keep: bool):
        tokens = next(appeals)
        for k, token in enumerate(tokens[:3]):
            kind = "deciding" if k == 2 else "plain"
            sample = meter.measure(vote_poster(token), profile if args.profile == kind else None)
            if keep:
                samples[kind].append(sample)

    for _ in range(5):  # warm-up: imports, compiled statements, pooled connections
        one_appeal_of_votes(keep=False)
        meter.measure(appeal_poster())
    for _ in range(args.n // 2):
        one_appeal_of_votes(keep=True)
    for _ in range(args.n):
        timer = profile if args.profile == "appeal" else None
        samples["appeal"].append(meter.measure(appeal_poster(), timer))
    result: dict = {"n": {k: len(v) for k, v in samples.items()}}
    for kind, rows in samples.items():
        result[kind] = {
            key: round(statistics.median(r[key] for r in rows), 3)
            for key in ("statements", "wall_ms", "app_cpu_ms", "db_cpu_ms")
        }
        # Backend CPU comes in clock ticks (10 ms): its mean, not its median, says something.
        result[kind]["db_cpu_ms"] = round(statistics.mean(r["db_cpu_ms"] for r in rows), 3)
        result[kind]["app_cpu_ms_mean"] = round(statistics.mean(r["app_cpu_ms"] for r in rows), 3)
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(args.sort).print_stats(args.top)
        result["profile"] = text.getvalue()
    engine.dispose()
    return result


if __name__ == "__main__":
    main()
