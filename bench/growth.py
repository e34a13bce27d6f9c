"""What 1,000,000 past seats and their audit events cost: one client, before and after.

    .venv/bin/python bench/growth.py                          # SQLite
    .venv/bin/python bench/growth.py --backend postgresql

In-process (the Flask test client, production settings, rate limits in Redis): the
panelist page, a vote and an API appeal are timed on the fresh database (the median of
``--n`` requests each); then ``bench/pastdata.py`` loads 200,000 decided appeals with five
voted seats each and their audit chains (the draw and five sealed votes: 1,200,000 events
with valid hashes), and the same three are timed again. Then ``panel audit verify`` over
every event, and the fairness report and the statistics over five years. Prints JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inprocess import OPINION, production_app  # noqa: E402
from bench.pastdata import load_past, load_past_audit  # noqa: E402
from bench.run import APPEAL, database, log, prepare  # noqa: E402
from panel_service import timeutil  # noqa: E402
from panel_service.db import make_engine  # noqa: E402


def timed(call, n: int) -> float:
    """The median milliseconds of ``n`` calls."""
    spent = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(spent), 3)


def run(url: str, workdir: Path, args) -> dict:
    plan = prepare(url, page_appeals=8, vote_appeals=2 * args.n // 3 + 2)
    app = production_app(url, workdir, args.redis_url)
    client = app.test_client()
    addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
    pages = itertools.cycle(plan["page_tokens"])
    seats = iter(plan["vote_tokens"])
    orders = itertools.count()
    api = {"Authorization": f"Bearer {plan['api_key']}"}

    def get(path):
        response = client.get(path, headers={"X-Forwarded-For": next(addresses)})
        assert response.status_code == 200, response.status_code
        return response

    def page():
        get(f"/v/{next(pages)}")

    forms = []

    def open_forms(count):  # the GET before each vote, not timed
        for _ in range(count):
            token = next(seats)
            text = get(f"/v/{token}").get_data(as_text=True)
            forms.append((token, text.split('name="csrf_token" type="hidden" value="')[1][:91]))

    def vote():
        token, csrf = forms.pop()
        data = {"csrf_token": csrf.split('"')[0], "vote": "agree", "opinion": OPINION}
        response = client.post(
            f"/v/{token}", data=data, headers={"X-Forwarded-For": next(addresses)}
        )
        assert response.status_code == 303, response.status_code

    def appeal():
        body = dict(APPEAL, work_order_no=f"GROWTH{next(orders):09d}")
        response = client.post("/api/v1/appeals", json=body, headers=api)
        assert response.status_code == 201, (response.status_code, response.get_data())

    def measure() -> dict:
        for _ in range(50):
            page()
        result = {"page_ms": timed(page, args.n)}
        open_forms(args.n // 3)
        result["vote_ms"] = timed(vote, args.n // 3)
        result["appeal_ms"] = timed(appeal, args.n // 10)
        return result

    results = {"empty": measure()}
    engine = make_engine(url)
    started = time.monotonic()
    seats_added = load_past(engine, appeals=args.past_appeals)
    events = load_past_audit(engine)
    results["load_s"] = round(time.monotonic() - started, 1)
    results["assignments"], results["past_events"] = seats_added, events
    log(f"loaded {seats_added:,} assignments, {events:,} events in {results['load_s']} s")
    results["grown"] = measure()
    results["ratio"] = {
        k: round(results["grown"][k] / results["empty"][k], 2) for k in results["empty"]
    }
    runner = app.test_cli_runner()
    started = time.monotonic()
    verified = runner.invoke(args=["panel", "audit", "verify"])
    results["audit_verify_s"] = round(time.monotonic() - started, 1)
    results["audit_verify_output"] = verified.output.strip().splitlines()[:3]
    results.update(reports(app, engine))
    engine.dispose()
    app.extensions["panel_engine"].dispose()
    return results


def reports(app, engine) -> dict:
    """The fairness report and the statistics over five years, as the admin pages ask."""
    from sqlmodel import Session

    from panel_service.panel import fairness
    from panel_service.reports import stats

    end = timeutil.now()
    start = end - timedelta(days=5 * 365)
    out = {}
    with app.app_context(), Session(engine) as session:
        began = time.monotonic()
        records = fairness.draw_records(session=session, start=start, end=end)
        fairness.fairness_report(record for _id, record in records)
        fairness.resubmissions(session=session, start=start, end=end)
        out["fairness_5y_s"] = round(time.monotonic() - began, 2)
        out["fairness_draws"] = len(records)
        began = time.monotonic()
        for name in ("appeals_per_month", "decisions_per_department", "response_rates"):
            getattr(stats, name)(session=session, start=start, end=end)
        stats.median_hours_to_decision(session=session, start=start, end=end)
        stats.sms_delivery(session=session, start=start, end=end)
        out["statistics_5y_s"] = round(time.monotonic() - began, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--n", type=int, default=300, help="page views (votes: n/3)")
    parser.add_argument("--past-appeals", type=int, default=200_000, help="× 5 past seats")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="panel-growth-") as tmp:
        url, drop = database(args.backend, args, Path(tmp))
        try:
            result = run(url, Path(tmp), args)
        finally:
            drop()
    sys.stdout.write(json.dumps({"backend": args.backend, **result}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
