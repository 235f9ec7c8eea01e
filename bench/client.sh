#!/usr/bin/env bash
# `make bench-client` (and part of `make bench`): what a phone gets. Lighthouse 12.8.2, mobile
# defaults (simulated slow 4G and 4× CPU), the median of BENCH_LIGHTHOUSE_RUNS (5) runs per
# page, then the same pages with --throttling-method=devtools (real throttling applied while
# loading, BENCH_LIGHTHOUSE_DEVTOOLS_RUNS, 1: each such run takes ~40 s here); the WASM and JS
# files of the build, raw and brotli; the quick log on a 4×-slowed phone driven by Playwright
# (when it is interactive, and the INP of logging a visit). A fresh SQLite demo database; written into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_LIGHTHOUSE_RUNS:-5}
DEVTOOLS_RUNS=${BENCH_LIGHTHOUSE_DEVTOOLS_RUNS:-1}
QUICK_LOG_RUNS=${BENCH_QUICK_LOG_RUNS:-5}
PORT=${BENCH_PORT:-3212}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench/client
PASSWORD=pantry-demo
LIGHTHOUSE=bench/node_modules/.bin/lighthouse
rm -rf "$WORK" && mkdir -p "$WORK"
export LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_SEARCHES=100000000 RATE_LIMIT_WRITES=100000000
export DEMO_DATA=true DEMO_PASSWORD=$PASSWORD CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}

source bench/common.sh

serve_database "sqlite://$WORK/client.db" server.log
rep=$(sign_in rep1@kitchenpantry.test)
manager=$(sign_in manager@kitchenpantry.test)
organization=$(curl -fs -H "Cookie: $rep" "$BASE/api/v1/organizations?per_page=1&sort=name" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
printf '{"Cookie": "%s"}' "$rep" >"$WORK/rep.json"
printf '{"Cookie": "%s"}' "$manager" >"$WORK/manager.json"
echo '{}' >"$WORK/nobody.json"

# label, path, who: the pages of the goals (login, home, organizations, quick log) and three more.
pages=(
  "sign-in|/login|nobody"
  "Today (the rep's home)|/|rep"
  "organizations|/organizations|rep"
  "an organization|/organizations/$organization|rep"
  "quick log|/log?organization=$organization|rep"
  "monitoring (a manager)|/monitoring|manager"
)

lighthouse() { # $1: URL, $2: headers file, $3: throttling method, $4: report
  "$LIGHTHOUSE" "$1" --quiet --output=json --output-path="$4" --only-categories=performance \
    --throttling-method="$3" --extra-headers="$2" --max-wait-for-load=60000 \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --disable-quic" \
    >/dev/null 2>>"$WORK/lighthouse.log"
}

for method in simulate devtools; do
  runs=$RUNS
  [ "$method" = devtools ] && runs=$DEVTOOLS_RUNS
  for i in "${!pages[@]}"; do
    IFS='|' read -r label path who <<<"${pages[$i]}"
    echo "bench-client: Lighthouse ($method) on $path, $runs runs"
    for run in $(seq 1 "$runs"); do
      lighthouse "$BASE$path" "$WORK/$who.json" "$method" "$WORK/lh-$method-$i-$run.json" ||
        echo "bench-client: a Lighthouse run failed on $path (see $WORK/lighthouse.log)"
    done
  done
done

echo "bench-client: the quick log on a 4×-slowed phone, $QUICK_LOG_RUNS runs"
(cd end2end && node bench/quick-log.mjs "$BASE" "${rep#kp_session=}" "$organization" "$QUICK_LOG_RUNS") \
  >"$WORK/quick-log.jsonl"
stop_server

pages_list=$(printf '%s\n' "${pages[@]}")
results=$(python3 bench/client_report.py "$WORK" target/site/pkg "$RUNS" "$DEVTOOLS_RUNS" <<<"$pages_list")
write_section bench-client "$results"
