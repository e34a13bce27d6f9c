"""The Markdown tables bench/run.py prints (and BENCHMARKS.md quotes)."""

from __future__ import annotations

ENDPOINTS = [
    ("healthz", "`GET /healthz` (floor)"),
    ("page", "`GET /v/<token>` panelist page"),
    ("vote", "`POST /v/<token>` vote"),
    ("appeal", "`POST /api/v1/appeals`"),
]


def report(all_results: dict, args) -> str:
    lines = [
        f"{args.concurrency} concurrent clients, {args.duration:g} s per row in "
        f"{args.rounds} interleaved rounds (median round shown), "
        f"gunicorn: {args.workers} {args.worker_class} workers × {args.threads} thread(s).",
        "",
        "| Database | Endpoint | req/s | p50 ms | p99 ms | req/s ÷ floor | p50 ÷ floor "
        "| p99 ÷ floor | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, results in all_results.items():
        floor = results["healthz"]
        for scenario, label in ENDPOINTS:
            r = results[scenario]
            note = " (seats ran out)" if r["exhausted"] else ""
            lines.append(
                f"| {backend} | {label}{note} | {r['rps']:.0f} | {r['p50_ms']:.1f} "
                f"| {r['p99_ms']:.1f} | {r['rps'] / floor['rps']:.2f} "
                f"| {r['p50_ms'] / floor['p50_ms']:.1f} | {r['p99_ms'] / floor['p99_ms']:.1f} "
                f"| {r['errors']} |"
            )
    lines += [
        "",
        "| Database | Panelist page | req/s | p50 ms | p99 ms | floor req/s (same rounds) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for backend, results in all_results.items():
        before, after = results["page"], results["page_1m"]
        lines.append(
            f"| {backend} | before | {before['rps']:.0f} | {before['p50_ms']:.1f} "
            f"| {before['p99_ms']:.1f} | {results['healthz']['rps']:.0f} |"
        )
        lines.append(
            f"| {backend} | with {after['assignments']:,} assignments | {after['rps']:.0f} "
            f"| {after['p50_ms']:.1f} | {after['p99_ms']:.1f} "
            f"| {results['healthz_1m']['rps']:.0f} |"
        )
        lines.append(
            f"| {backend} | **ratio** | {after['rps'] / before['rps']:.2f} "
            f"| **{after['p50_ms'] / before['p50_ms']:.2f}** "
            f"| **{after['p99_ms'] / before['p99_ms']:.2f}** "
            f"| {results['healthz_1m']['rps'] / results['healthz']['rps']:.2f} |"
        )
    lines += ["", "Targets:", ""]
    for backend, r in all_results.items():
        page = r["page"]["rps"] / r["healthz"]["rps"]
        growth = max(
            r["page_1m"]["p50_ms"] / r["page"]["p50_ms"],
            r["page_1m"]["p99_ms"] / r["page"]["p99_ms"],
        )
        checks = [
            (f"page ≥ 50% of the floor's req/s ({page:.0%})", page >= 0.5),
            (f"vote p99 < 100 ms ({r['vote']['p99_ms']:.0f} ms)", r["vote"]["p99_ms"] < 100),
            (f"1M-row latency ratio < 1.3 (worst of p50/p99: {growth:.2f})", growth < 1.3),
        ]
        for text, ok in checks:
            lines.append(f"- {backend}: {text}: {'met' if ok else '**missed**'}")
    return "\n".join(lines)
