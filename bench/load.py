"""Load generator: threads with persistent HTTP connections, one scenario, JSON out.

    python bench/load.py --port 8000 --scenario page --plan plan.json --duration 10 -c 32

Scenarios (the plan file, written by bench/run.py, holds the tokens and the API key):

* ``healthz``: GET /healthz, the framework's floor.
* ``page``: GET /v/<token> of a seat whose pledge is confirmed, so the vote form shows.
* ``vote``: POST /v/<token> with a vote and an opinion; each seat is used once. Each
  thread first GETs one page (not timed) for a session cookie and its CSRF token, which
  Flask-WTF binds to the session, not to the page, so one token serves every POST.
* ``appeal``: POST /api/v1/appeals with a bearer key and a new work-order number each time.

Only the requests of the scenario are timed. Prints one JSON object: requests, errors
(unexpected statuses or failed connections), rps, p50_ms, p99_ms, and ``exhausted`` when
the vote seats ran out before the time was up. It sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

HOST = "127.0.0.1"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
OPINION = "部门已按时办结并恢复照明,市民不满意的是其他事项,申诉理由成立。"
EXPECTED = {"healthz": 200, "page": 200, "vote": 303, "appeal": 201}


class Client:
    """One persistent connection; reconnects when the server closes it."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def request(self, method: str, path: str, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _cookie(response) -> str:
    cookies = [v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    return "; ".join(cookies)


def make_scenario(name: str, plan: dict, client: Client, counter) -> Callable:
    """A function that sends one request and returns (status or None when out of work)."""
    if name == "healthz":
        return lambda: client.request("GET", "/healthz")[0].status
    if name == "page":
        tokens = itertools.cycle(plan["page_tokens"])
        return lambda: client.request("GET", f"/v/{next(tokens)}")[0].status
    if name == "appeal":
        headers = {"Authorization": f"Bearer {plan['api_key']}", "Content-Type": "application/json"}
        run = uuid.uuid4().hex[:8].upper()
        template = dict(plan["appeal"])

        def appeal():
            body = dict(template, work_order_no=f"BENCH{run}{next(counter):08d}")
            return client.request("POST", "/api/v1/appeals", json.dumps(body), headers)[0].status

        return appeal
    if name == "vote":
        response, data = client.request("GET", f"/v/{plan['page_tokens'][0]}")
        found = CSRF.search(data.decode("utf-8"))
        if response.status != 200 or not found:
            raise RuntimeError(f"no vote form to take a CSRF token from ({response.status})")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie(response),
        }
        body = urlencode({"csrf_token": found[1], "vote": "agree", "opinion": OPINION})
        seats = plan["vote_tokens"]

        def vote():
            i = next(counter)
            if i >= len(seats):
                return None
            return client.request("POST", f"/v/{seats[i]}", body, headers)[0].status

        return vote
    raise SystemExit(f"unknown scenario {name}")


def run(
    *,
    port: int,
    scenario: str,
    plan: dict,
    duration: float,
    concurrency: int,
    timeout: float,
    start: int = 0,
) -> dict:
    """Drive the server for ``duration`` seconds from ``concurrency`` threads."""
    counter = itertools.count(start)  # next() on a count is atomic under the GIL
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    exhausted = threading.Event()
    ready = threading.Barrier(concurrency + 1)
    deadline = [float("inf")]  # set once every thread is primed
    failures: list[str] = []

    def worker(n: int) -> None:
        client = Client(port, timeout)
        try:
            send = make_scenario(scenario, plan, client, counter)
        except Exception as exc:  # noqa: BLE001 - reported, and the run is called off
            failures.append(repr(exc))
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        mine, expected = latencies[n], EXPECTED[scenario]
        while time.perf_counter() < deadline[0]:
            start = time.perf_counter()
            try:
                status = send()
            except (http.client.HTTPException, OSError):
                status = -1
            if status is None:
                exhausted.set()
                break
            mine.append(time.perf_counter() - start)
            if status != expected:
                errors[n] += 1
        client.conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=120)  # every thread is connected and primed; the clock starts now
    except threading.BrokenBarrierError:
        raise SystemExit(f"priming failed: {failures[:1]}") from None
    started = time.perf_counter()
    deadline[0] = started + duration
    for thread in threads:
        thread.join(duration + timeout + 5)
    elapsed = time.perf_counter() - started
    everything = sorted(x for per in latencies for x in per)
    return {
        "scenario": scenario,
        "concurrency": concurrency,
        "duration_s": round(elapsed, 2),
        "requests": len(everything),
        "errors": sum(errors),
        "rps": round(len(everything) / elapsed, 1),
        "p50_ms": round(_percentile(everything, 50) * 1000, 2),
        "p99_ms": round(_percentile(everything, 99) * 1000, 2),
        "exhausted": exhausted.is_set(),
    }


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * pct / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scenario", choices=sorted(EXPECTED), required=True)
    parser.add_argument("--plan", help="JSON file with tokens and the API key (from run.py)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--start", type=int, default=0, help="first vote seat to use")
    args = parser.parse_args()
    plan = {}
    if args.plan:
        with open(args.plan, encoding="utf-8") as f:
            plan = json.load(f)
    result = run(
        port=args.port,
        scenario=args.scenario,
        plan=plan,
        duration=min(args.duration, 300.0),
        concurrency=args.concurrency,
        timeout=args.timeout,
        start=args.start,
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
