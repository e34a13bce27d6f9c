"""Load benchmarks of panel-service under gunicorn, on PostgreSQL and on SQLite.

    .venv/bin/python bench/run.py                      # both databases, ~6 minutes
    .venv/bin/python bench/run.py --backends sqlite --duration 5

For each database: a fresh database (Alembic migrations, the demo panel, an API key,
appeals whose seats have the pledge confirmed); gunicorn with ``-c gunicorn.conf.py`` on a
free 127.0.0.1 port, rate limits off (PANEL_RATELIMIT_ENABLED=false); then bench/load.py,
in its own process, drives in turn /healthz (the floor), a panelist page GET, a vote POST
and an appeal POST through the API. Then 1,000,000 past assignments are bulk-loaded and the
panelist page is measured again on the same server. Prints Markdown tables (see
BENCHMARKS.md) and, with --json, writes the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pastdata import load_past  # noqa: E402
from bench.report import ENDPOINTS, report  # noqa: E402
from panel_service import migrate, timeutil  # noqa: E402
from panel_service.access import api_keys, links  # noqa: E402
from panel_service.appeals.submission import AppealInput, create_appeal  # noqa: E402
from panel_service.db import make_engine  # noqa: E402
from panel_service.models import Assignment  # noqa: E402
from panel_service.panel import visits  # noqa: E402
from panel_service.record import epochs  # noqa: E402
from panel_service.rules import PanelRules  # noqa: E402
from panel_service.seed import seed_demo  # noqa: E402

SECRET = secrets.token_urlsafe(32)
APPEAL = {
    "department": "HOUSING",
    "citizen_request": "小区路灯损坏两个月无人维修,夜间出行不便,联系电话13907151234。",
    "department_reply": "已于9月20日更换路灯12盏,现场照明恢复正常。",
    "appeal_reason": "已按时办结并恢复照明,市民因其他诉求评价不满意。",
    "policy_basis": "《城市照明管理规定》第二十一条。",
    "repeat_calls": 3,
}
VOTE_BLOCK = 64  # seats 1, 2, 3 of 64 appeals in turn: concurrent votes rarely share an appeal


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")


def prepare(url: str, *, page_appeals: int, vote_appeals: int, revision: str = "head") -> dict:
    """Migrate, seed and create the appeals; returns the plan bench/load.py reads."""
    migrate.upgrade(url, revision)
    engine = make_engine(url)
    rules, now = PanelRules(), timeutil.now()
    with Session(engine, expire_on_commit=False) as session:
        epochs.commit_ahead(session=session, now=now - timedelta(minutes=1))  # as init-db does
        seed_demo(session=session, rules=rules, now=now)
        _key, raw_key = api_keys.create_api_key(session=session, name="bench", now=now)
        session.commit()
        appeals = []
        for n in range(page_appeals + vote_appeals):
            data = AppealInput(work_order_no=f"XNBENCH{n:09d}", **APPEAL)
            appeals.append(
                create_appeal(
                    session=session, data=data, submitted_by="bench", rules=rules, now=now
                )
            )
            if n % 100 == 99:
                session.commit()
        session.commit()
        seats = defaultdict(list)
        for a in session.exec(select(Assignment).order_by(Assignment.id)):
            seats[a.appeal_id].append(a)
        # The pledge is taken once per panelist, on their first seat, as in real use.
        for seat_list in seats.values():
            for seat in seat_list:
                visits.confirm_pledge(session=session, assignment=seat, now=now)
        session.commit()
        keys = [SECRET]

        def token(seat):
            return links.make_token(assignment=seat, secret_keys=keys)

        page_tokens = [token(seats[a.id][0]) for a in appeals[:page_appeals]]
        vote_tokens = []
        voting = appeals[page_appeals:]
        for start in range(0, len(voting), VOTE_BLOCK):
            block = voting[start : start + VOTE_BLOCK]
            for k in range(3):
                vote_tokens += [token(seats[a.id][k]) for a in block]
    engine.dispose()
    return {
        "page_tokens": page_tokens,
        "vote_tokens": vote_tokens,
        "api_key": raw_key,
        "appeal": APPEAL,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, *, args, workdir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(
        os.environ,
        PANEL_ENV="production",
        PANEL_SECRET_KEY=SECRET,
        PANEL_DATABASE_URL=url,
        PANEL_RATELIMIT_ENABLED="false",
        PANEL_SMS_BACKEND="file",
        PANEL_SMS_FILE=str(workdir / "sms.jsonl"),
        PANEL_ATTACHMENT_DIR=str(workdir / "attachments"),
        PANEL_PUBLIC_BASE_URL="https://panel.example.cn",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--workers", str(args.workers)]
    command += ["--worker-class", args.worker_class, "--threads", str(args.threads)]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with open(workdir / "gunicorn.log", "ab") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server, port
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    stop_server(server)
    raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def drive(port: int, scenario: str, plan_file: Path, args, duration: float, start=0) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--port", str(port)]
    command += ["--scenario", scenario, "--plan", str(plan_file), "--duration", str(duration)]
    command += ["--concurrency", str(args.concurrency), "--start", str(start)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
    if done.returncode != 0:
        raise SystemExit(f"load.py {scenario} failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    # Other work on the machine shows here: the benchmark cannot keep it out.
    result["loadavg_1m"] = round(os.getloadavg()[0], 2)
    log(f"{scenario}: {result}")
    return result


def database(backend: str, args, workdir: Path) -> tuple[str, Callable[[], None]]:
    """A fresh database URL and the function that removes it."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    name = f"panel_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    url = sa.engine.make_url(args.pg_url).set(database=name)
    return url.render_as_string(hide_password=False), drop


def measure(port: int, plan_file: Path, args, scenarios: list[str]) -> dict:
    """Each scenario in ``args.rounds`` interleaved rounds; the median round of each figure.

    Interleaving gives every scenario the same share of whatever else the machine is doing,
    so the ratios to the floor hold up better than the absolute numbers.
    """
    rounds: dict[str, list[dict]] = {s: [] for s in scenarios}
    next_seat = 0
    for _ in range(args.rounds):
        for scenario in scenarios:
            result = drive(port, scenario, plan_file, args, args.duration / args.rounds, next_seat)
            if scenario == "vote":
                next_seat += result["requests"]  # each request used one seat
            rounds[scenario].append(result)
    combined = {}
    for scenario, results in rounds.items():
        combined[scenario] = {
            "requests": sum(r["requests"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "exhausted": any(r["exhausted"] for r in results),
            "rounds": results,
            **{k: statistics.median(r[k] for r in results) for k in ("rps", "p50_ms", "p99_ms")},
        }
    return combined


def bench_backend(backend: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"panel-bench-{backend}-") as tmp:
        workdir = Path(tmp)
        url, drop = database(backend, args, workdir)
        try:
            log(f"{backend}: preparing {args.page_appeals + args.vote_appeals} appeals")
            plan = prepare(
                url,
                page_appeals=args.page_appeals,
                vote_appeals=args.vote_appeals,
                revision=args.schema_revision,
            )
            plan_file = workdir / "plan.json"
            plan_file.write_text(json.dumps(plan))
            server, port = start_server(url, args=args, workdir=workdir)
            results: dict = {}
            try:
                drive(port, "page", plan_file, args, args.warmup)  # also opens every link
                drive(port, "healthz", plan_file, args, args.warmup)
                results.update(measure(port, plan_file, args, [s for s, _label in ENDPOINTS]))
                log(f"{backend}: loading {args.past_appeals * 5:,} past assignments")
                started = time.monotonic()
                engine = make_engine(url)
                seats = load_past(engine, appeals=args.past_appeals)
                engine.dispose()
                log(f"{backend}: {seats:,} assignments in {time.monotonic() - started:.0f} s")
                drive(port, "page", plan_file, args, args.warmup)
                after = measure(port, plan_file, args, ["healthz", "page"])
                results["healthz_1m"], results["page_1m"] = after["healthz"], after["page"]
                results["page_1m"]["assignments"] = seats
            finally:
                stop_server(server)
            return results
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="server to create the panel_bench_* database on (default: %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--worker-class", default="gthread", help="gunicorn worker class (default gthread)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument(
        "--schema-revision", default="head", help="migrate only this far (e.g. 0004: no fix)"
    )
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, not measured")
    parser.add_argument("--page-appeals", type=int, default=64, help="appeals for the page GET")
    parser.add_argument("--vote-appeals", type=int, default=2000, help="3 seats each are voted")
    parser.add_argument("--past-appeals", type=int, default=200_000, help="× 5 past seats")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    all_results = {}
    for backend in args.backends.split(","):
        if backend not in {"postgresql", "sqlite"}:
            raise SystemExit(f"unknown backend {backend}")
        all_results[backend] = bench_backend(backend, args)
    if args.json:
        args.json.write_text(json.dumps(all_results, indent=2))
    sys.stdout.write(report(all_results, args) + "\n")


if __name__ == "__main__":
    main()
