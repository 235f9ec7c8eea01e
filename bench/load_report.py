"""The load section of docs/benchmarks.md and its plot, from bench/load.sh's oha runs.

Usage: load_report.py <load dir> <organizations> <seconds per run> <connections> <plot.svg>
Prints the section, markers included; writes the plot (latency against offered rate).
"""

import json
import math
import os
import sys
from datetime import datetime, timezone

folder, orgs, seconds, connections, plot = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
BACKENDS = [("sqlite", "SQLite"), ("postgresql", "PostgreSQL")]
SHARES = [10, 25, 50, 75, 90, 100, 120]


def run(name):
    with open(f"{folder}/{name}.json") as f:
        report = json.load(f)
    summary, percentiles = report["summary"], report.get("latencyPercentiles") or {}
    statuses = {int(k): v for k, v in (report.get("statusCodeDistribution") or {}).items()}
    failed = sum(v for k, v in statuses.items() if k >= 400) + sum((report.get("errorDistribution") or {}).values())
    total = sum(statuses.values()) + sum((report.get("errorDistribution") or {}).values())
    with open(f"{folder}/{name}.cpu") as f:
        cpu = int(f.read().strip() or 0)

    def ms(p):
        value = percentiles.get(p)
        return None if value is None else value * 1000

    rss = f"{folder}/{name.removesuffix('-max')}.rss"
    return {
        "peak_mb": int(open(rss).read().strip()) / 1024 if os.path.exists(rss) else None,
        "rps": summary.get("requestsPerSec") or 0.0,
        "p50": ms("p50"),
        "p95": ms("p95"),
        "p99": ms("p99"),
        "failed": failed,
        "total": total,
        "cpu": cpu,
    }


def latencies(r):
    return " / ".join("—" if r[p] is None else f"{r[p]:.1f}" for p in ("p50", "p95", "p99"))


def errors(r):
    return f"{r['failed']} of {r['total']}" if r["failed"] else "0"


def megabytes(mb):
    return "—" if mb is None else f"{mb:.0f}"


def goal(name, steady, top):
    """Architecture.md's server goals, judged on this request; "" when none applies."""
    if name in ("home", "orgs-ssr"):
        met = steady["p50"] is not None and steady["p50"] < 10 and steady["p99"] < 50
        return f"p50 < 10, p99 < 50 ms: {'met' if met else '✗ missed'}"
    if name in ("orgs-json", "search", "search-common"):
        met = top["rps"] >= 2000 and steady["p95"] is not None and steady["p95"] < 50
        return f"≥ 2,000/s, p95 < 50 ms: {'met' if met else '✗ missed'}"
    return ""


ceiling_top, ceiling_steady = run("ceiling-max"), run("ceiling-steady")
rows = [
    f"| ceiling: a bare axum handler | — | {ceiling_top['rps']:.0f} | 100 % | {latencies(ceiling_top)} "
    f"| {ceiling_top['cpu']} % | {ceiling_steady['rps']:.0f} | {latencies(ceiling_steady)} | {errors(ceiling_top)} | | |"
]
memory, copies = [], []
for key, label in BACKENDS:
    listing = f"{folder}/{key}.list"
    if not os.path.exists(listing):
        continue
    with open(listing) as f:
        entries = [line.rstrip("\n").split("|", 1) for line in f if line.strip()]
    for what, name in entries:
        top, steady = run(f"{name}-max"), run(f"{name}-steady")
        short = name.removeprefix(f"{key}-")
        share = top["rps"] / ceiling_top["rps"] * 100 if ceiling_top["rps"] else 0
        rows.append(
            f"| {what} | {label} | {top['rps']:.0f} | {share:.1f} % | {latencies(top)} | {top['cpu']} % "
            f"| {steady['rps']:.0f} | {latencies(steady)} | {errors(top)} "
            f"| {goal(short, steady, top)} | {megabytes(top['peak_mb'])} |"
        )
    with open(f"{folder}/{key}.rss") as f:
        rss_mb = int(f.read().strip()) / 1024
    after_copy = ""
    if os.path.exists(f"{folder}/{key}.copy.rss"):
        with open(f"{folder}/{key}.copy.rss") as f:
            after_copy = f" ({int(f.read().strip()) / 1024:.0f} MB after the first copy)"
    memory.append(f"{label} {rss_mb:.0f} MB{'' if rss_mb < 100 else ' ✗'}{after_copy}")
    with open(f"{folder}/{key}.copy") as f:
        copy = json.load(f)
    counts = " / ".join(f"{copy['rows'][k]:,}" for k in ("organizations", "contacts", "interactions", "opportunities"))
    copies.append(
        f"| {label} | {counts} | {copy['bytes'] / 1048576:.1f} MiB in {copy['pages']} pages | {copy['seconds']:.1f} s |"
    )

# The plot: p50 and p99 of the JSON list against the offered rate, per backend.
series = []
for key, label in BACKENDS:
    points = []
    for share in SHARES:
        name = f"{key}-curve-{share}"
        if os.path.exists(f"{folder}/{name}.json"):
            points.append((share, run(name)))
    if points:
        series.append((label, points))


def svg(series):
    width, height, left, right, top, bottom = 720, 360, 64, 160, 24, 48
    all_ms = [r[p] for _, pts in series for _, r in pts for p in ("p50", "p99") if r[p]]
    lo, hi = 10 ** math.floor(math.log10(min(all_ms))), 10 ** math.ceil(math.log10(max(all_ms)))
    x = lambda share: left + (share - SHARES[0]) / (SHARES[-1] - SHARES[0]) * (width - left - right)
    y = lambda v: top + (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))) * (height - top - bottom)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" font-weight="bold">GET /api/v1/organizations at {orgs} organizations: latency against offered rate</text>',
    ]
    decade = lo
    while decade <= hi:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(decade):.1f}" y2="{y(decade):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(decade) + 4:.1f}" text-anchor="end">{decade:g} ms</text>')
        decade *= 10
    for share in SHARES:
        out.append(f'<text x="{x(share):.1f}" y="{height - bottom + 16}" text-anchor="middle">{share} %</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
        "offered rate, as a share of the saturation throughput (open loop, latency-corrected)</text>"
    )
    colours = {"SQLite": "#1f6f43", "PostgreSQL": "#2456a6"}
    legend = top + 10
    for label, points in series:
        for p, dash in (("p50", ""), ("p99", ' stroke-dasharray="5 4"')):
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x(share):.1f},{y(r[p]):.1f}" for i, (share, r) in enumerate(points) if r[p]
            )
            colour = colours.get(label, "#444")
            out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            out.append(f'<line x1="{width - right + 12}" x2="{width - right + 36}" y1="{legend}" y2="{legend}" stroke="{colour}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{width - right + 42}" y="{legend + 4}">{label} {p}</text>')
            legend += 18
    out.append("</svg>")
    return "\n".join(out) + "\n"


if series:
    with open(plot, "w") as f:
        f.write(svg(series))

when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print(
    "\n".join(
        [
            "<!-- bench-load:start -->",
            f"### Under load, at {orgs} organizations (`make bench-load`, {when})",
            "",
            f"oha on the same 2 cores as the server, {seconds} s per run, {connections} connections, signed in as a",
            "seeded rep (one of 20: 1/20 of the organizations are theirs) unless it says a manager. \"max\": a",
            "saturation run (closed loop: the most it serves); \"steady\": open loop at half that rate with",
            "oha's latency correction (what a user waits at a load the server carries). \"share of ceiling\":",
            "its throughput over a bare axum handler's of the same binary in the same run, a ratio that holds",
            "better than req/s from one machine to the next. CPU: the app server's (not PostgreSQL's), in % of",
            "one core, during the max run. Peak RSS: the server's highest resident memory once that request's",
            "runs were over (it only rises, so the request that raised it shows).",
            "Latencies in ms. Goals from architecture.md; ✗ marks a miss.",
            "",
            "| request | database | max req/s | share of ceiling | p50 / p95 / p99 at max | CPU | steady req/s | p50 / p95 / p99 steady | errors | goal | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Peak RSS of the server over the whole run (goal < 100 MB at 100k organizations): {', '.join(memory)}.",
            "",
            "The rep's whole offline copy, as a first sync on a new phone makes it (one client, pages of up to",
            "500 rows per kind, before the runs above):",
            "",
            "| database | organizations / contacts / interactions / deals | size | time |",
            "|---|---|---|---|",
            *copies,
            "",
            "![latency against offered rate](bench-latency.svg)",
            "<!-- bench-load:end -->",
        ]
    )
)
