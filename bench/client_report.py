"""The client section of docs/benchmarks.md, from bench/client.sh's reports.

Usage: client_report.py <work dir> <pkg dir> <runs> <devtools runs>, the pages
("label|path|who" lines) on standard input. Prints the section, markers included.
"""

import glob
import json
import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone

work, pkg, runs, devtools_runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pages = [line.split("|") for line in sys.stdin.read().splitlines() if line.strip()]
# The goals of architecture.md: Lighthouse ≥ 95 and CLS 0 on these four.
GOAL_PAGES = {"/login", "/", "/organizations"}


def goal_page(path):
    return path in GOAL_PAGES or path.startswith("/log")


def mark(met):
    return "" if met else " ✗"


def reports(method, index):
    found = []
    for path in sorted(glob.glob(f"{work}/lh-{method}-{index}-*.json")):
        with open(path) as f:
            report = json.load(f)
        if report.get("runtimeError") or report["categories"]["performance"]["score"] is None:
            continue
        found.append(report)
    return found


def median_of(found, audit):
    return statistics.median(r["audits"][audit]["numericValue"] for r in found)


rows = []
for method, count in (("simulate", runs), ("devtools", devtools_runs)):
    for index, (label, path, _who) in enumerate(pages):
        found = reports(method, index)
        if not found:
            rows.append(f"| {label} | {method} | no run finished | | | | | | |")
            continue
        score = round(statistics.median(r["categories"]["performance"]["score"] for r in found) * 100)
        lcp, fcp = median_of(found, "largest-contentful-paint"), median_of(found, "first-contentful-paint")
        tbt, cls = median_of(found, "total-blocking-time"), median_of(found, "cumulative-layout-shift")
        kib = median_of(found, "total-byte-weight") / 1024
        goals = goal_page(path)
        rows.append(
            f"| {label} | {method} | {score}{mark(not goals or score >= 95)} | {lcp:.0f} | {fcp:.0f} | {tbt:.0f} "
            f"| {cls:.3f}{mark(not goals or cls == 0)} | {kib:.0f} | {len(found)} of {count} |"
        )


def brotli_size(path):
    if os.path.exists(path + ".br"):
        return os.path.getsize(path + ".br")
    return len(subprocess.run(["brotli", "-c", "-q", "11", path], capture_output=True, check=True).stdout)


# The main bundle is what every first page loads; the split chunks load with their route.
files, initial = [], 0
for path in sorted(glob.glob(f"{pkg}/*.wasm") + glob.glob(f"{pkg}/*.js")):
    name = os.path.basename(path)
    raw, br = os.path.getsize(path), brotli_size(path)
    main = name.startswith(("kitchen-pantry", "__wasm_split."))
    initial += br if main else 0
    files.append((main, name, raw, br))
files.sort(key=lambda f: (not f[0], -f[3]))
SHOWN = 12
size_rows = [
    f"| `{name}` | {'every page' if main else 'its route'} | {raw / 1024:.1f} | {br / 1024:.1f} |"
    for main, name, raw, br in files[:SHOWN]
]
rest = files[SHOWN:]
if rest:
    size_rows.append(
        f"| {len(rest)} more chunks | their routes | {sum(f[2] for f in rest) / 1024:.1f} "
        f"| {sum(f[3] for f in rest) / 1024:.1f} |"
    )

with open(f"{work}/quick-log.jsonl") as f:
    quick = [json.loads(line) for line in f if line.strip().startswith("{")]
interactive = statistics.median(q["interactive_ms"] for q in quick) if quick else None
inps = [q["inp_ms"] for q in quick if q["inp_ms"] is not None]
inp = statistics.median(inps) if inps else None
counts = sorted({q["interactions"] for q in quick})
slowest = sorted({q["slowest"] for q in quick if q.get("slowest")})
opens = [q["save_opens_page_ms"] for q in quick if q.get("save_opens_page_ms") is not None]
logs = [q["log_opens_ms"] for q in quick if q.get("log_opens_ms") is not None]

when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [
    "<!-- bench-client:start -->",
    f"### What a phone gets (`make bench-client`, {when})",
    "",
    "Lighthouse 12.8.2, mobile defaults, against the release build on this machine (2 cores), a fresh",
    f"demo database, signed in as the demo rep (the monitoring page as the manager). `simulate`: the",
    f"default simulated slow 4G and 4× CPU, median of {runs} runs; `devtools`: the same throttling applied",
    f"while the page loads (`--throttling-method=devtools`), median of {devtools_runs}. Times in ms.",
    "✗ marks a miss of architecture.md's goals: score ≥ 95 and CLS 0 on sign-in, home, organizations",
    "and quick log.",
    "",
    "| page | throttling | score | LCP | FCP | TBT | CLS | transferred KiB | runs |",
    "|---|---|---|---|---|---|---|---|---|",
    *rows,
    "",
    f"The build's WASM and JS (KiB; brotli as served, `--precompress`). Loaded by every first page: "
    f"**{initial / 1024:.1f} KiB brotli**{mark(initial <= 200 * 1024)} (goal ≤ 200 KB).",
    "",
    "| file | loaded by | raw | brotli |",
    "|---|---|---|---|",
    *size_rows,
    "",
]
if quick:
    lines.append(
        f"The quick log on a 360 px phone with the CPU slowed 4× (Playwright, {len(quick)} runs, medians): "
        f"interactive (hydrated) **{interactive:.0f} ms** after navigation; logging a visit "
        f"({', '.join(map(str, counts))} interactions: an outcome, typing a note, a next step, save) has an "
        f"INP of **{inp:.0f} ms**{mark(inp is not None and inp < 100)} (goal < 100 ms); the slowest "
        f"interaction of each run: {', '.join(f'`{s}`' for s in slowest) or 'not named'}."
        + "".join(
            f" {what} after **{statistics.median(times):.0f} ms**."
            for what, times in [
                ("After the tap on \"Save visit\", the organization page it opens shows its activity", opens),
                ("Its \"Log visit\" (a rep's next visit) shows the quick log", logs),
            ]
            if times
        )
        if inp is not None
        else "The quick log's interactions left no Event Timing entries."
    )
else:
    lines.append("The quick log run did not finish (see target/bench/client/).")
lines.append("<!-- bench-client:end -->")
print("\n".join(lines))
