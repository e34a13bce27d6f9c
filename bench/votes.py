"""Forty votes at the same instant on eight appeals: their latency, and the right decisions.

    .venv/bin/python bench/votes.py                               # PostgreSQL, 5 bursts
    .venv/bin/python bench/votes.py --root /work/wt-base          # the same, older code

gunicorn (``-c gunicorn.conf.py --workers 4 --worker-class gthread --threads 2``) serves
the service in production settings (rate limits on, in Redis; a random X-Forwarded-For
per client). Each burst takes 8 fresh appeals; 40 clients, one per seat, first open their
page (not timed: the session cookie and the CSRF token), wait at a barrier, then all POST
their vote at once. The votes of each appeal are fixed so that its decision does not
depend on their order (e.g. agree, agree, agree, disagree, disagree: upheld however they
arrive); afterwards every appeal must be decided that way, with one decision event.
``--root`` runs gunicorn from another checkout on the same database (the schema must match).

Besides the latencies it reports the CPU time the burst cost from the barrier to the last
answer: of gunicorn (master and workers, from /proc) and of the PostgreSQL backends serving
it (their pids from ``pg_stat_activity``; the server must run on this machine). CPU time is
what the burst is short of on two cores, and other load inflates it far less than latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import database_options  # noqa: E402
from bench.run import SECRET, database, log, prepare, stop_server  # noqa: E402
from bench.sidebyside import gunicorn, service_env  # noqa: E402
from bench.wrkload import cpu_seconds, proc_cpu  # noqa: E402
from panel_service.access import links  # noqa: E402
from panel_service.db import make_engine  # noqa: E402
from panel_service.enums import AuditKind  # noqa: E402
from panel_service.models import Appeal, Assignment, AuditEvent  # noqa: E402

OPINION = "部门已按时办结并恢复照明,市民不满意的是其他事项,申诉理由成立。"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Five votes per appeal, chosen so that the order of arrival cannot change the decision.
PATTERNS = [
    ("agree",) * 3 + ("disagree",) * 2,
    ("disagree",) * 3 + ("agree",) * 2,
    ("agree",) * 4 + ("disagree",),
    ("disagree",) * 5,
]


def one_vote(port, token, choice, address, barrier, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-Forwarded-For": address}
    conn.request("GET", f"/v/{token}", headers=headers)
    page = conn.getresponse()
    body = page.read().decode()
    cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    form = urlencode({"csrf_token": CSRF.search(body)[1], "vote": choice, "opinion": OPINION})
    headers.update(Cookie=cookie, **{"Content-Type": "application/x-www-form-urlencoded"})
    barrier.wait()
    started = time.perf_counter()
    conn.request("POST", f"/v/{token}", body=form, headers=headers)
    answer = conn.getresponse()
    answer.read()
    results.append(((time.perf_counter() - started) * 1000, answer.status))
    conn.close()


class BurstCpu:
    """CPU seconds of gunicorn and of the database backends, from the barrier to the end."""

    def __init__(self, master: int, engine: sa.Engine | None):
        self.master, self.engine, self.backends = master, engine, []
        self.start = (0.0, 0.0)

    def _now(self) -> tuple[float, float]:
        return cpu_seconds(self.master), proc_cpu(self.backends)

    def at_barrier(self) -> None:
        if self.engine is not None:
            with self.engine.connect() as conn:
                self.backends = conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars().all()
        self.start = self._now()

    def spent(self) -> tuple[float, float]:
        app, db = self._now()
        return app - self.start[0], db - self.start[1]


def burst(
    port: int, seats: dict[int, list[str]], n: int, cpu: BurstCpu
) -> tuple[list[float], list[int]]:
    barrier = threading.Barrier(sum(len(t) for t in seats.values()), action=cpu.at_barrier)
    results: list[tuple[float, int]] = []
    threads = []
    for k, tokens in enumerate(seats.values()):
        for i, token in enumerate(tokens):
            choice = PATTERNS[k % len(PATTERNS)][i]
            address = f"10.{n}.{k}.{i + 1}"
            threads.append(
                threading.Thread(
                    target=one_vote,
                    args=(port, token, choice, address, barrier, results),
                )
            )
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r[0] for r in results], [r[1] for r in results]


def check(engine: sa.Engine, appeal_ids: list[int]) -> list[str]:
    """What is wrong with the decisions (nothing, if the list is empty)."""
    wrong = []
    with Session(engine) as session:
        for k, appeal_id in enumerate(appeal_ids):
            appeal = session.get(Appeal, appeal_id)
            agree = PATTERNS[k % len(PATTERNS)].count("agree")
            expected = "upheld" if agree >= 3 else "dismissed"
            decisions = session.exec(
                select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.appeal_id == appeal_id, AuditEvent.kind == AuditKind.DECISION)
            ).one()
            if appeal.status != "decided" or appeal.decision != expected or decisions != 1:
                wrong.append(f"{appeal.reference}: {appeal.status} {appeal.decision} {decisions}")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    database_options(parser, backend="postgresql", redis_db=13)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to serve from")
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--appeals", type=int, default=8, help="appeals per burst (× 5 votes)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="panel-votes-") as tmp:
        workdir = Path(tmp)
        url, drop = database(args.backend, args, workdir)
        server = None
        try:
            count = args.bursts * args.appeals
            log(f"preparing {count} appeals")
            prepare(url, page_appeals=count, vote_appeals=0)
            engine = make_engine(url)
            with Session(engine) as session:
                rows = session.exec(select(Assignment).order_by(Assignment.id)).all()
            by_appeal: dict[int, list[str]] = {}
            for seat in rows:
                token = links.make_token(assignment=seat, secret_keys=[SECRET])
                by_appeal.setdefault(seat.appeal_id, []).append(token)
            env = dict(service_env(url, workdir, args.redis_url), PYTHONPATH=str(args.root))
            args.root = args.root.resolve()
            server, port = gunicorn("wsgi:app", env, args, workdir, "app", cwd=args.root)
            appeal_ids = sorted(by_appeal)
            latencies, statuses, wrong, per_burst = [], [], [], []
            cpu = BurstCpu(server.pid, engine if args.backend == "postgresql" else None)
            for n in range(args.bursts):
                ids = appeal_ids[n * args.appeals : (n + 1) * args.appeals]
                times, codes = burst(port, {i: by_appeal[i] for i in ids}, n, cpu)
                app_cpu, db_cpu = cpu.spent()
                latencies += times
                statuses += codes
                wrong += check(engine, ids)
                per_burst.append(
                    {"p50_ms": statistics.median(times), "max_ms": max(times), "codes": codes,
                     "app_cpu_ms": app_cpu * 1e3, "db_cpu_ms": db_cpu * 1e3}
                )  # fmt: skip
                log(f"burst {n}: p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms,"
                    f" CPU {app_cpu * 1e3:.0f} ms gunicorn + {db_cpu * 1e3:.0f} ms database")
            engine.dispose()
        finally:
            if server is not None:
                stop_server(server)
            drop()
    latencies.sort()
    p99 = latencies[max(0, round(len(latencies) * 0.99) - 1)]
    result = {
        "votes": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(latencies[-1], 1),
        "statuses": {str(c): statuses.count(c) for c in sorted(set(statuses))},
        # CPU per burst of 40 votes (median burst): what two cores must fit in the p99.
        "app_cpu_ms_per_burst": round(statistics.median(b["app_cpu_ms"] for b in per_burst)),
        "db_cpu_ms_per_burst": round(statistics.median(b["db_cpu_ms"] for b in per_burst)),
        "wrong_decisions": wrong,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "root": str(args.root),
    }
    if args.json:
        args.json.write_text(json.dumps({**result, "bursts": per_burst}, indent=2))
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
