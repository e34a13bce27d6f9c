"""What one request of each hot page costs the app, with no HTTP server and no test client.

    .venv/bin/python bench/pagecost.py                        # CPU µs per request, SQLite
    .venv/bin/python bench/pagecost.py --root /work/wt-base   # another checkout's code

Each request is a WSGI call of the app built in production settings (rate limits in Redis,
db 14), with a fresh client address and no cookie, as wrk sends them; the floor is
``bench/floor.py`` called the same way. ``cpu``: chunks of ``--chunk`` requests of each page
in turn, ``--rounds`` times, and the median CPU time per request (this process: the app,
SQLite, the Redis client; not the PostgreSQL or Redis servers). Interleaving the pages
(and two checkouts run one after the other) keeps what else the machine does out of the
comparison as far as a CPU clock can.
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import database_options  # noqa: E402

OPINION = "部门已按时办结并恢复照明,市民不满意的是其他事项,申诉理由成立。"
PAGES = ["floor", "healthz", "index", "page", "receipt"]


def _environ(path: str, n: int) -> dict:
    from werkzeug.test import EnvironBuilder

    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    headers = {
        "X-Forwarded-For": address,
        "Accept-Language": "zh-CN,zh;q=0.9",
        "User-Agent": "Mozilla/5.0 (Linux; Android 10)",
        "Host": "127.0.0.1:8000",
    }
    return EnvironBuilder(path=path, headers=headers).get_environ()


def _call(app, path: str, n: int) -> str:
    status = []
    body = app(_environ(path, n), lambda s, _h, _e=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return status[0]


def _apps(args, workdir: Path):
    from bench.floor import app as floor
    from bench.inprocess import production_app
    from bench.run import database, prepare

    url, drop = database(args.backend, args, workdir)
    plan = prepare(url, page_appeals=4, vote_appeals=4)
    app = production_app(url, workdir, args.redis_url)
    client, token = app.test_client(), plan["vote_tokens"][0]
    form = client.get(f"/v/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
    voted = client.post(f"/v/{token}", data={"csrf_token": csrf, "vote": "agree",
                                              "opinion": OPINION})  # fmt: skip
    assert voted.status_code == 303, voted.status_code
    targets = {
        "floor": (floor, "/floor"),
        "healthz": (app, "/healthz"),
        "index": (app, "/"),
        "page": (app, f"/v/{plan['page_tokens'][0]}"),
        "receipt": (app, f"/v/{token}"),
    }
    return targets, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    database_options(parser, backend="sqlite", redis_db=14)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--chunk", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    pages = args.pages.split(",")
    with tempfile.TemporaryDirectory(prefix="panel-pagecost-") as tmp:
        targets, drop = _apps(args, Path(tmp))
        try:
            count = itertools.count(1)
            for name in pages:  # warm: imports, compiled templates, pooled connections
                app, path = targets[name]
                status = [_call(app, path, next(count)) for _ in range(200)][-1]
                assert status.startswith("200"), (name, status)
            _cpu(targets, pages, args, count, root)
        finally:
            drop()


def _cpu(targets, pages, args, count, root) -> None:
    spent: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.rounds):
        for name in pages:
            app, path = targets[name]
            started = time.process_time()
            for _ in range(args.chunk):
                _call(app, path, next(count))
            spent[name].append((time.process_time() - started) / args.chunk * 1e6)
    out = sys.stdout.write
    out(f"{root} ({args.backend}), median CPU µs per request over {args.rounds} rounds\n")
    for name in pages:
        out(f"  {name:8s} {statistics.median(spent[name]):7.0f}  (min {min(spent[name]):.0f})\n")


if __name__ == "__main__":
    main()
