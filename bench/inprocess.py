"""In-process cost of the hot pages: the Flask test client, no HTTP, production settings.

    .venv/bin/python bench/inprocess.py                          # SQLite, every page
    .venv/bin/python bench/inprocess.py --backend postgresql --profile page --top 40

For each page: the mean service time and CPU time (of this process: the app, the test
client, and SQLite; not the PostgreSQL or Redis servers) over ``--n`` requests (after a
warm-up), and the SQL
statements one request sends (counted with an engine event, so a change in the page's round
trips shows here before it shows under load). ``--profile PAGE`` prints a cProfile of that
page sorted by cumulative time. Rate limits are on, in Redis (db 14 of
``--redis-url``), with one client address per request so that no answer is a 429.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import database_options  # noqa: E402
from bench.run import SECRET, database, prepare  # noqa: E402
from panel_service import create_app  # noqa: E402
from panel_service.config import Config  # noqa: E402
from panel_service.record.checkpoints import keygen  # noqa: E402

OPINION = "部门已按时办结并恢复照明,市民不满意的是其他事项,申诉理由成立。"


def production_app(url: str, workdir: Path, redis_url: str):
    key = workdir / "audit.pem"
    keygen(key)
    config = Config.from_env(
        {
            "PANEL_ENV": "production",
            "PANEL_SECRET_KEY": SECRET,
            "PANEL_DATABASE_URL": url,
            "PANEL_AUDIT_SIGNING_KEY_FILE": str(key),
            "PANEL_RATELIMIT_STORAGE_URL": redis_url,
            "PANEL_SMS_BACKEND": "file",
            "PANEL_SMS_FILE": str(workdir / "sms.jsonl"),
            "PANEL_ATTACHMENT_DIR": str(workdir / "attachments"),
            "PANEL_PUBLIC_BASE_URL": "https://panel.example.cn",
            "PANEL_PROXY_FIX_X_FOR": "1",
        }
    )
    return create_app(config)


class Statements:
    """Counts the SQL statements the engine sends."""

    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kw):
        self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    database_options(parser, backend="sqlite", redis_db=14)
    parser.add_argument("--n", type=int, default=2000, help="requests per page")
    parser.add_argument("--profile", help="healthz, index, page, receipt or vote")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="panel-inprocess-") as tmp:
        workdir = Path(tmp)
        url, drop = database(args.backend, args, workdir)
        try:
            run(url, workdir, args)
        finally:
            drop()


def run(url: str, workdir: Path, args) -> None:
    plan = prepare(url, page_appeals=4, vote_appeals=max(2, args.n // 3 + 1))
    app = production_app(url, workdir, args.redis_url)
    engine = app.extensions["panel_engine"]
    client = app.test_client()
    addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
    page_token, receipt_token = plan["page_tokens"][0], plan["vote_tokens"][0]

    def get(path: str):
        return client.get(path, headers={"X-Forwarded-For": next(addresses)})

    form = get(f"/v/{receipt_token}").get_data(as_text=True)
    csrf = form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    voted = client.post(
        f"/v/{receipt_token}",
        data={"csrf_token": csrf, "vote": "agree", "opinion": OPINION},
        headers={"X-Forwarded-For": next(addresses)},
    )
    assert voted.status_code == 303, voted.status_code
    pages = {
        "healthz": "/healthz",
        "index": "/",
        "page": f"/v/{page_token}",
        "receipt": f"/v/{receipt_token}",
    }
    statements = Statements(engine)
    out = sys.stdout.write
    out(f"backend {args.backend}, {args.n} requests per page after 200 of warm-up\n\n")
    out("| page | µs per request | CPU µs per request | SQL statements | bytes |\n")
    out("|---|---:|---:|---:|---:|\n")
    for name, path in pages.items():
        for _ in range(200):
            response = get(path)
        assert response.status_code == 200, (name, response.status_code)
        statements.count = 0
        get(path)
        count = statements.count
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            get(path)
        micros = (time.perf_counter() - started) / args.n * 1e6
        cpu = (time.process_time() - cpu) / args.n * 1e6
        out(f"| {name} | {micros:.0f} | {cpu:.0f} | {count} | {len(response.get_data())} |\n")
    # Votes: each on a fresh seat (seats 1-3 of the voting appeals: a third decide).
    seats = iter(plan["vote_tokens"][1:])

    def vote(timer: cProfile.Profile | None = None):
        token = next(seats)
        form = get(f"/v/{token}").get_data(as_text=True)
        csrf = form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        data = {"csrf_token": csrf, "vote": "agree", "opinion": OPINION}
        started = time.perf_counter()
        if timer:
            timer.enable()
        response = client.post(
            f"/v/{token}", data=data, headers={"X-Forwarded-For": next(addresses)}
        )
        if timer:
            timer.disable()
        assert response.status_code == 303, response.status_code
        return time.perf_counter() - started

    cpu = time.process_time()
    spent = [vote() for _ in range(min(args.n // 2, 200))]
    cpu = (time.process_time() - cpu) / len(spent) * 1e6  # with the GET before each vote
    out(f"| vote (POST, a third decide) | {sum(spent) / len(spent) * 1e6:.0f} | ")
    out(f"{cpu:.0f} (with its GET) | - | - |\n")
    if args.profile:
        profile = cProfile.Profile()
        if args.profile == "vote":
            for _ in range(min(args.n // 2, 200)):
                vote(profile)
        else:
            profile.enable()
            for _ in range(args.n):
                get(pages[args.profile])
            profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(args.top)
        out(text.getvalue())
    engine.dispose()


if __name__ == "__main__":
    main()
