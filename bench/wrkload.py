"""wrk, driven from Python: a Lua script per scenario, the figures parsed, the server's CPU.

``bench/sidebyside.py`` uses it. Every request carries a random ``X-Forwarded-For`` (the
service trusts one proxy in the benchmark), so the per-address rate limits never answer 429;
API calls rotate over many keys (each request the next one), so the per-key limit (300 a
minute) does not either. wrk counts every answer as a request, a 429 too: the figures
that count are those of the answers that are not 4xx or 5xx (``ok_rps``), and the server's
CPU is divided by those.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

LUA = """
local paths = {%(paths)s}
local keys = {%(keys)s}
local method, body = "%(method)s", %(body)s
local threads, n, run = 0, 0, "0"
init = function(args) run = args[1] end
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
request = function()
  n = n + 1
  local headers = {["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d",
      math.random(0, 255), math.random(0, 255), math.random(1, 254))}
  if method == "POST" then
    headers["Content-Type"] = "application/json"
    headers["Authorization"] = "Bearer " .. keys[((id or 0) * 7 + n) %% #keys + 1]
    local order = string.format("WRK%%s%%02d%%09d", run, id or 0, n)
    return wrk.format("POST", paths[1], headers, string.format(body, order))
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def make_script(path: Path, paths: list[str], *, method="GET", body=None, keys=()) -> Path:
    text = LUA % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "keys": ", ".join(json.dumps(k) for k in keys),
        "method": method,
        "body": f"[==[{body}]==]" if body else "nil",
    }
    path.write_text(text)
    return path


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) of the server: its master and the workers it has now.

    With the child counters the master keeps (cutime, cstime), workers that max_requests
    replaced during the round still count.
    """
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += (task / "children").read_text().split()
    return proc_cpu([master, *children], with_children=True)


def proc_cpu(pids, *, with_children: bool = False) -> float:
    """CPU seconds (user + system) these processes have used; those gone count nothing."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        # utime stime, and cutime cstime: what their children that ended used
        total += sum(int(f) for f in fields[11 : 15 if with_children else 13]) / _TICK
    return total


def wrk(port: int, script: Path, args, duration: float, master: int | None = None) -> dict:
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections)]
    command += ["-d", f"{max(1, round(duration))}s", "--latency", "-s", str(script)]
    # After the URL, a run id: the work-order numbers of two runs never meet.
    command += [f"http://127.0.0.1:{port}", "--", str(time.time_ns() // 1000 % 10**10)]
    cpu_before = cpu_seconds(master) if master else 0.0
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    cpu = cpu_seconds(master) - cpu_before if master else 0.0
    out = done.stdout
    if "Requests/sec" not in out:
        raise SystemExit(f"wrk failed: {out}\n{done.stderr}")

    def latency(pct: str) -> float:
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(found[1]) * _UNIT[found[2]] if found else float("nan")

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out)[1])
    non_2xx = int(bad[1]) if bad else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    ok = requests - non_2xx
    return {
        "rps": rps,
        # Answers that are not 4xx or 5xx: a 429 is an answer, not a measurement.
        "ok_rps": rps * ok / max(requests, 1),
        "cpu_ms_per_request": round(cpu * 1000 / max(ok, 1), 3),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": non_2xx,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
