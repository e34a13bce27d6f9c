"""The hot pages against the framework's floor, side by side in one run, under wrk.

    .venv/bin/python bench/sidebyside.py                         # SQLite and PostgreSQL
    .venv/bin/python bench/sidebyside.py --backends sqlite --duration 5 --rounds 3

Two gunicorn servers run with the same command line (``-c gunicorn.conf.py --workers 2
--worker-class sync`` by default): the bare Flask app of ``bench/floor.py`` and the
service in production settings with its rate limits on, in Redis. ``wrk`` (32 connections,
2 threads) then drives, in interleaved rounds, ``GET /floor`` (the floor), ``GET /``, the
panelist page with its vote form, the receipt page of a voted seat and ``POST
/api/v1/appeals``; every request carries a random ``X-Forwarded-For`` (the service trusts
one proxy), so the per-address limits count each request apart and answer no 429, and the
API calls rotate over ``--api-keys`` keys, so its per-key limit (300 a minute) answers none
either. Only answers that are not 4xx or 5xx count (wrk counts a 429 as a request), and the
server's CPU is divided by them. Each figure is the median round; the ratio is req/s over
the floor's req/s in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import database_options  # noqa: E402
from bench.run import SECRET, database, free_port, log, prepare, stop_server  # noqa: E402
from bench.wrkload import make_script, wrk  # noqa: E402
from panel_service import timeutil  # noqa: E402
from panel_service.access import api_keys, links  # noqa: E402
from panel_service.db import make_engine  # noqa: E402
from panel_service.models import Assignment  # noqa: E402
from panel_service.panel import lifecycle  # noqa: E402
from panel_service.record.checkpoints import keygen  # noqa: E402
from panel_service.rules import PanelRules  # noqa: E402

OPINION = "部门已按时办结并恢复照明,市民不满意的是其他事项,申诉理由成立。"
SCENARIOS = ["floor", "healthz", "index", "page", "receipt", "appeal"]
LABELS = {
    "floor": "`GET /floor` bare Flask (floor)",
    "healthz": "`GET /healthz` this app, no database",
    "index": "`GET /`",
    "page": "`GET /v/<token>` panelist page, vote form",
    "receipt": "`GET /v/<token>` receipt page",
    "appeal": "`POST /api/v1/appeals`",
}
TARGETS = {"index": 0.5, "page": 0.35, "receipt": 0.35, "appeal": 0.1}


def gunicorn(app: str, env: dict, args, workdir: Path, name: str, cwd: Path = ROOT):
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
    command += ["--workers", str(args.workers), "--worker-class", args.worker_class]
    command += ["--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", app]
    out = open(workdir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    health = "/floor" if name == "floor" else "/healthz"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=2):
                return server, port
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn {app} did not start; see {workdir / name}.log")


def service_env(url: str, workdir: Path, redis_url: str) -> dict:
    """The service's environment for gunicorn: production, rate limits on in Redis (keys of
    this run's own: a run a minute earlier counted against the same key ids), one trusted
    proxy (the load generators send X-Forwarded-For), texts to a file."""
    keygen(workdir / "audit.pem")
    return dict(
        os.environ,
        PANEL_ENV="production",
        PANEL_SECRET_KEY=SECRET,
        PANEL_DATABASE_URL=url,
        PANEL_AUDIT_SIGNING_KEY_FILE=str(workdir / "audit.pem"),
        PANEL_RATELIMIT_STORAGE_URL=redis_url,
        PANEL_RATELIMIT_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        PANEL_PROXY_FIX_X_FOR="1",
        PANEL_SMS_BACKEND="file",
        PANEL_SMS_FILE=str(workdir / "sms.jsonl"),
        PANEL_ATTACHMENT_DIR=str(workdir / "attachments"),
        PANEL_PUBLIC_BASE_URL="https://panel.example.cn",
    )


def receipts(url: str, tokens: list[str], count: int) -> list[str]:
    """Vote on ``count`` seats (in the domain, as a POST would) for their receipt pages."""
    engine = make_engine(url)
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        for token in tokens[:count]:
            claims = links.read_token(token, secret_keys=[SECRET])
            seat = session.get(Assignment, claims.assignment_id)
            lifecycle.record_vote(
                session=session, assignment=seat, vote="agree", opinion=OPINION,
                rules=PanelRules(), now=timeutil.now(),
            )  # fmt: skip
            session.commit()
    engine.dispose()
    return tokens[:count]


def more_api_keys(url: str, count: int) -> list[str]:
    """``count`` more API keys for the appeal scenario to rotate over (the limit is per key)."""
    from sqlmodel import Session

    engine = make_engine(url)
    with Session(engine) as session:
        raw = [
            api_keys.create_api_key(session=session, name=f"bench-{n}", now=timeutil.now())[1]
            for n in range(count)
        ]
        session.commit()
    engine.dispose()
    return raw


def bench_backend(backend: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"panel-sbs-{backend}-"))
    try:
        return _bench(backend, args, workdir)
    finally:
        if args.keep:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(backend: str, args, workdir: Path) -> dict:
    url, drop = database(backend, args, workdir)
    servers = []
    try:
        log(f"{backend}: preparing")
        plan = prepare(url, page_appeals=16, vote_appeals=64)
        receipt_tokens = receipts(url, plan["vote_tokens"], 16)
        keys = [plan["api_key"], *more_api_keys(url, args.api_keys - 1)]
        env = service_env(url, workdir, args.redis_url)
        floor, floor_port = gunicorn("bench.floor:app", env, args, workdir, "floor")
        servers.append(floor)
        scripts = {"floor": (floor_port, make_script(workdir / "floor.lua", ["/floor"]), floor.pid)}
        body = json.dumps({**plan["appeal"], "work_order_no": "%s"}, ensure_ascii=False)
        paths = {
            "healthz": ["/healthz"],
            "index": ["/"],
            "page": [f"/v/{t}" for t in plan["page_tokens"]],
            "receipt": [f"/v/{t}" for t in receipt_tokens],
        }
        chosen = [s for s in SCENARIOS[1:] if s in args.scenarios.split(",")]
        # One server per checkout (this one, and --compare ones): same database, same rounds.
        for n, root in enumerate([ROOT, *args.compare]):
            root = root.resolve()
            app_env = dict(env, PYTHONPATH=str(root))
            server, port = gunicorn("wsgi:app", app_env, args, workdir, f"app{n}", cwd=root)
            servers.append(server)
            tag = "" if n == 0 else f"{root.name}:"
            for name in chosen:
                lua = workdir / f"{n}-{name}.lua"
                if name == "appeal":
                    script = make_script(lua, ["/api/v1/appeals"], method="POST", body=body,
                                         keys=keys)  # fmt: skip
                else:
                    script = make_script(lua, paths[name])
                scripts[tag + name] = (port, script, server.pid)
        chosen = list(scripts)
        for name in chosen:  # warm-up: every worker has imported, compiled, connected
            port, script, pid = scripts[name]
            wrk(port, script, args, args.warmup)
        rounds: dict[str, list[dict]] = {s: [] for s in chosen}
        for _ in range(args.rounds):
            for name in chosen:
                port, script, pid = scripts[name]
                result = wrk(port, script, args, args.duration, pid)
                log(f"{backend} {name}: {result}")
                rounds[name].append(result)
        return {
            name: {
                "rounds": results,
                **{k: statistics.median(r[k] for r in results) for k in ("ok_rps", "p50_ms", "p99_ms", "cpu_ms_per_request")},  # noqa: E501
                "non_2xx": sum(r["non_2xx"] for r in results),
                "ratio": statistics.median(
                    r["ok_rps"] / f["ok_rps"] for r, f in zip(results, rounds["floor"], strict=True)
                ),
                # The same in server CPU: the floor's CPU per request over this one's.
                "cpu_ratio": statistics.median(
                    f["cpu_ms_per_request"] / max(r["cpu_ms_per_request"], 1e-9)
                    for r, f in zip(results, rounds["floor"], strict=True)
                ),
            }
            for name, results in rounds.items()
        }  # fmt: skip
    finally:
        for server in servers:
            stop_server(server)
        drop()


def _label(name: str) -> str:
    tag, _, scenario = name.rpartition(":")
    return f"{tag}: {LABELS[scenario]}" if tag else LABELS[scenario]


def table(results: dict, args) -> str:
    lines = [
        f"wrk -t{args.wrk_threads} -c{args.connections}, {args.rounds} rounds of "
        f"{args.duration:g} s, gunicorn --workers {args.workers} --worker-class "
        f"{args.worker_class} --threads {args.threads}; ratio = median over rounds of "
        "req/s ÷ the floor's req/s in the same round; req/s counts only answers that are not "
        "4xx or 5xx (the last column counts those), and the server CPU is per such answer; "
        f"API calls rotate over {args.api_keys} keys. CPU ratio = the floor's server CPU per "
        "request ÷ this one's (gunicorn master and workers, from /proc), which other load on "
        "the machine moves far less.",
        "",
        "| Database | Endpoint | req/s | p50 ms | p99 ms | ÷ floor | target | server CPU ms/req "
        "| CPU ratio | non-2xx/3xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, rows in results.items():
        for name, row in rows.items():
            target = TARGETS.get(name.rsplit(":", 1)[-1])
            mark = (
                ""
                if target is None
                else f"≥ {target:g} {'met' if row['ratio'] >= target else '**missed**'}"
            )  # noqa: E501
            lines.append(
                f"| {backend} | {_label(name)} | {row['ok_rps']:.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {row['ratio']:.2f} | {mark} | "
                f"{row['cpu_ms_per_request']:.2f} | {row['cpu_ratio']:.2f} | {row['non_2xx']} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    database_options(parser, backend=None, redis_db=13)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--compare", type=Path, action="append", default=[],
        help="also serve this checkout (e.g. /work/wt-base), in the same rounds",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument(
        "--api-keys", type=int, default=200,
        help="API keys the appeal scenario rotates over (300 calls a minute each)",
    )  # fmt: skip
    args = parser.parse_args()
    results = {b: bench_backend(b, args) for b in args.backends.split(",")}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results, args) + "\n")


if __name__ == "__main__":
    main()
