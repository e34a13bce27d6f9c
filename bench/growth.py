"""What 1,000,000 past seats and their audit events cost: one client, side by side.

    .venv/bin/python bench/growth.py                          # SQLite
    .venv/bin/python bench/growth.py --backend postgresql

Two databases are prepared alike (the demo panel, an API key, appeals to view and vote
on), then ``bench/pastdata.py`` gives one of them 200,000 decided appeals, 1,000,000
sealed seats and their audit chains (1,400,000 events with valid hashes). Two apps run in
this process, one per database (the Flask test client, production settings, rate limits
in Redis). The panelist page, a vote and an API appeal are timed in interleaved rounds: in
each round a batch on the empty database and the same batch on the grown one, in turns,
so that whatever else the machine does falls on both alike. Every call's wall time and
CPU time (``time.process_time``: this process, the app and SQLite, not the PostgreSQL or
Redis servers) is kept; a figure is a median, a ratio grown / empty of two medians.

The database's own work: the statements each call sends (on both databases, the same
count is the claim) and the plan of every statement of one call of each path on the
grown database, where any step reading a whole table or index is named (bench/plans.py).

Then ``panel audit verify``, the fairness report and the statistics over five years on
the grown database, wall and CPU. Prints JSON; ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inprocess import OPINION, production_app  # noqa: E402
from bench.options import database_options  # noqa: E402
from bench.pastdata import load_past, load_past_audit  # noqa: E402
from bench.plans import Recorder, scans  # noqa: E402
from bench.run import APPEAL, VOTE_BLOCK, database, log, prepare  # noqa: E402
from panel_service import timeutil  # noqa: E402
from panel_service.db import make_engine  # noqa: E402

PATHS = ("page", "vote", "appeal")
_addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
_orders = itertools.count()


class Side:
    """One database and its app, and the three paths on it."""

    def __init__(self, name: str, url: str, workdir: Path, args):
        workdir.mkdir()
        calls = args.rounds * args.batch
        # Votes timed, warmed up, and looked at (up to a deciding one), three per appeal.
        warm = args.warmup + 3 * VOTE_BLOCK + 3
        self.plan = prepare(url, page_appeals=8, vote_appeals=(calls + warm) // 3 + 1)
        self.name, self.url = name, url
        self.app = production_app(url, workdir, args.redis_url)
        self.client = self.app.test_client()
        self.recorder = Recorder(self.app.extensions["panel_engine"])
        self.pages = itertools.cycle(self.plan["page_tokens"])
        self.seats = iter(self.plan["vote_tokens"])
        self.api = {"Authorization": f"Bearer {self.plan['api_key']}"}
        self.samples = defaultdict(list)  # path: [(wall ms, CPU ms, statements)]

    def _get(self, path: str):
        response = self.client.get(path, headers={"X-Forwarded-For": next(_addresses)})
        assert response.status_code == 200, response.status_code
        return response

    def prepared(self, path: str):
        """The call of ``path``, with what must precede it untimed (a vote's GET) done."""
        if path == "page":
            token = next(self.pages)
            return lambda: self._get(f"/v/{token}")
        if path == "vote":
            token = next(self.seats)
            form = self._get(f"/v/{token}").get_data(as_text=True)
            csrf = form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
            data = {"csrf_token": csrf, "vote": "agree", "opinion": OPINION}
            return lambda: self._check(303, self.client.post(
                f"/v/{token}", data=data, headers={"X-Forwarded-For": next(_addresses)}))
        body = dict(APPEAL, work_order_no=f"GROWTH{next(_orders):09d}")
        return lambda: self._check(201, self.client.post("/api/v1/appeals", json=body,
                                                         headers=self.api))  # fmt: skip

    @staticmethod
    def _check(status: int, response):
        assert response.status_code == status, (response.status_code, response.get_data())

    def timed(self, path: str, round_: int) -> None:
        call = self.prepared(path)
        statements, wall, cpu = self.recorder.count, time.perf_counter(), time.process_time()
        call()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        spent = (wall * 1000, cpu * 1000, self.recorder.count - statements, round_)
        self.samples[path].append(spent)


def interleaved(sides: list[Side], args) -> dict:
    """Warm both up, then time the paths in rounds, the two databases taking turns."""
    for side in sides:
        for path in PATHS:
            # Every page token once at least: a link's first opening writes, later ones read.
            for _ in range(max(args.warmup, 8 if path == "page" else 0)):
                side.prepared(path)()
    for r in range(args.rounds):
        for path in PATHS:
            for side in sides if r % 2 == 0 else sides[::-1]:
                for _ in range(args.batch // (3 if path == "appeal" else 1) or 1):
                    side.timed(path, r)
    return {path: summary(sides, path) for path in PATHS}


def summary(sides: list[Side], path: str) -> dict:
    out = {}
    for side in sides:
        walls, cpus, counts, _rounds = zip(*side.samples[path], strict=True)
        out[side.name] = {"n": len(walls), "wall_ms": round(statistics.median(walls), 3),
                          "cpu_ms": round(statistics.median(cpus), 3),
                          "statements": dict(sorted(Counter(counts).items()))}  # fmt: skip
    empty, grown = out["empty"], out["grown"]
    out["ratio_wall"] = round(grown["wall_ms"] / empty["wall_ms"], 3)
    out["ratio_cpu"] = round(grown["cpu_ms"] / empty["cpu_ms"], 3)
    # How much the ratio moves from round to round: the noise the medians smooth out.
    per_round = sorted(_round_ratio(sides, path, r) for r in {s[3] for s in sides[0].samples[path]})
    out["ratio_cpu_rounds"] = {"min": per_round[0], "median": statistics.median(per_round),
                               "max": per_round[-1]}  # fmt: skip
    return out


def _round_ratio(sides: list[Side], path: str, round_: int) -> float:
    empty, grown = (statistics.median(s[1] for s in side.samples[path] if s[3] == round_)
                    for side in sides)  # fmt: skip
    return round(grown / empty, 3)


def plans(side: Side) -> dict:
    """Every statement of one call of each path on ``side`` (a plain and a deciding vote),
    and the steps of their plans that scan a whole table or index."""
    engine = side.app.extensions["panel_engine"]
    kept = {path: side.recorder.keep(side.prepared(path)) for path in PATHS}
    for _ in range(3 * VOTE_BLOCK):  # the third vote on an appeal decides it
        other = side.recorder.keep(side.prepared("vote"))
        if len(other) != len(kept["vote"]):
            kept["vote"], kept["deciding vote"] = sorted((kept["vote"], other), key=len)
            break
    return {path: {"statements": len(found), "scans": scans(engine, found)}
            for path, found in kept.items()}  # fmt: skip


def after_growth(side: Side) -> dict:
    """`panel audit verify`, the fairness report and the statistics over five years."""
    from sqlmodel import Session

    from panel_service.panel import fairness
    from panel_service.reports import stats

    out = {}
    wall, cpu = time.perf_counter(), time.process_time()
    verified = side.app.test_cli_runner().invoke(args=["panel", "audit", "verify"])
    out["audit_verify"] = _spent(wall, cpu) | {"output": verified.output.strip().splitlines()}
    end = timeutil.now()
    start = end - timedelta(days=5 * 365)
    engine = side.app.extensions["panel_engine"]
    with side.app.app_context(), Session(engine) as session:
        wall, cpu = time.perf_counter(), time.process_time()
        report = fairness.period_report(session=session, start=start, end=end)
        fairness.resubmissions(session=session, start=start, end=end)
        out["fairness_5y"] = _spent(wall, cpu) | {"draws": report.draws}
        wall, cpu = time.perf_counter(), time.process_time()
        for name in ("appeals_per_month", "decisions_per_department", "response_rates"):
            getattr(stats, name)(session=session, start=start, end=end)
        stats.median_hours_to_decision(session=session, start=start, end=end)
        stats.sms_delivery(session=session, start=start, end=end)
        out["statistics_5y"] = _spent(wall, cpu)
    return out


def _spent(wall: float, cpu: float) -> dict:
    return {"wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2)}  # fmt: skip


def run(tmp: Path, args) -> dict:
    urls, drops = {}, []
    for name in ("empty", "grown"):
        urls[name], drop = database(args.backend, args, tmp / name)
        drops.append(drop)
    try:
        sides = [Side(name, urls[name], tmp / f"{name}-app", args) for name in urls]
        engine = make_engine(urls["grown"])
        started = time.monotonic()
        seats = load_past(engine, appeals=args.past_appeals)
        events = load_past_audit(engine)
        engine.dispose()
        result = {"load_s": round(time.monotonic() - started, 1), "assignments": seats,
                  "past_events": events}  # fmt: skip
        log(f"loaded {seats:,} assignments, {events:,} events in {result['load_s']} s")
        result["uptime_before"] = _uptime()
        result["paths"] = interleaved(sides, args)
        result["plans_grown"] = plans(sides[1])
        result.update(after_growth(sides[1]))
        result["uptime_after"] = _uptime()
        for side in sides:
            side.app.extensions["panel_engine"].dispose()
        return result
    finally:
        for drop in drops:
            drop()


def _uptime() -> str:
    return os.popen("uptime").read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    database_options(parser, backend="sqlite", redis_db=14)
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds")
    parser.add_argument("--batch", type=int, default=10, help="pages and votes per round "
                        "and database (API appeals: a third)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls of each path")
    parser.add_argument("--past-appeals", type=int, default=200_000, help="× 5 past seats")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="panel-growth-") as tmp:
        result = run(Path(tmp), args)
    sys.stdout.write(json.dumps({"backend": args.backend, **result}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
