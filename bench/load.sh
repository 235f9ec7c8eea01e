#!/usr/bin/env bash
# `make bench-load` (and part of `make bench`): the server under load with oha, at 100k
# organizations (300k contacts, 1M interactions, 50k deals: the database of bench/scale.sh,
# seeded once), on SQLite and on PostgreSQL when BENCH_POSTGRES_URL names a server.
#
# Each request is driven twice: a saturation run (closed loop, BENCH_CONNECTIONS at once: the
# most it serves) and an open-loop run at half that rate with oha's latency correction (what a
# user waits at a steady load the server can carry). The same two runs on a bare axum handler
# of the same binary (`kitchen-pantry ceiling`) give the machine's ceiling, and each request's
# throughput is also stated as a share of it. One request is also driven at rising offered
# rates, into a plot. The app server's CPU per run and peak RSS from /proc (PostgreSQL's own
# CPU is not in it), the peak also after the first copy and after each request's runs, which
# shows the request that raised it. Written into docs/benchmarks.md.
#
# Settings: BENCH_SECONDS per run (5), BENCH_CONNECTIONS (16), BENCH_SCALE_ORGANIZATIONS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${BENCH_SCALE_ORGANIZATIONS:-100000}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
PORT=${BENCH_PORT:-3209}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench
OHA=${OHA:-oha}
EMAIL=bench@kitchenpantry.test
PASSWORD=bench-password-1
mkdir -p "$WORK/load"
export LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_SEARCHES=100000000 RATE_LIMIT_WRITES=100000000

source bench/common.sh

# The server's CPU seconds so far (user + system), from /proc.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server_pid/stat"
}

# The server's peak resident memory so far, in KiB.
peak_rss() {
  awk '/^VmHWM/ { print $2 }' "/proc/$server_pid/status"
}

# One oha run into $WORK/load/$1.json, and the server's CPU over its wall time (% of one
# core) into $1.cpu: a run lasts past its seconds while it waits for requests under way.
drive() { # $1: name, $2: cookie, $3…: oha's arguments (rate, method, body) and the URL
  local name=$1 cookie=$2 before after started
  shift 2
  before=$(cpu_seconds)
  started=$(date +%s.%N)
  "$OHA" --no-tui --output-format json -z "${SECONDS_PER_RUN}s" -w -H "Cookie: $cookie" "$@" >"$WORK/load/$name.json"
  after=$(cpu_seconds)
  python3 -c "import sys; a, b, s, e = map(float, sys.argv[1:]); print(round((b - a) * 100 / (e - s)))" \
    "$before" "$after" "$started" "$(date +%s.%N)" >"$WORK/load/$name.cpu"
}

# Saturation, then half that rate open-loop: $1 a name, $2 the cookie, then oha's arguments.
saturate_then_steady() {
  local name=$1 cookie=$2 rate
  shift 2
  drive "$name-max" "$cookie" -c "$CONNECTIONS" "$@"
  rate=$(python3 -c 'import json, sys; print(max(1, int(json.load(open(sys.argv[1]))["summary"]["requestsPerSec"] / 2)))' \
    "$WORK/load/$name-max.json")
  drive "$name-steady" "$cookie" -c "$CONNECTIONS" -q "$rate" --latency-correction "$@"
}

# Distinct quick-log forms, one per line, each a new visit to one of the organizations given
# (not the one whose page is measured: its visits would pile up run after run). oha draws a
# line at random per request, so a few repeat an earlier form: those are answered as a double
# tap is (no second visit), ~1 % of a 5 s run.
quick_log_bodies() { # $1: the organizations' JSON list (its first 20 are visited), $2: how many
  python3 - "$1" "$2" <<'PY' >"$WORK/load/quick-log.bodies"
import json, sys, uuid, urllib.parse
organizations, count = [o["id"] for o in json.load(open(sys.argv[1]))["items"][1:20]], int(sys.argv[2])
for n in range(count):
    form = {"id": str(uuid.uuid4()), "version": "", "organization_id": organizations[n % len(organizations)],
            "contact_id": "", "kind": "visit", "outcome": "positive", "occurred_on": "", "duration_minutes": "15",
            "notes": "Benchmark visit: tasted the new burrata.", "next_step": "", "follow_up_on": "",
            "follow_up_notes": "", "follow_up_done": "", "completes": ""}
    print(urllib.parse.urlencode({f"form[{k}]": v for k, v in form.items()}))
PY
}

run_backend() { # $1: label, $2: DATABASE_URL
  local label=$1 key=${1,,} rep manager organization word common cursor
  serve_database "$2" load-server.log
  rep=$(sign_in seed.rep001@kitchenpantry.test)
  manager=$(sign_in "$EMAIL")
  # The rep's first 100 accounts by name (the quick log visits the first 20 of them).
  curl -fs -H "Cookie: $rep" "$BASE/api/v1/organizations?per_page=100&sort=name" >"$WORK/load/orgs-100.json"
  organization=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["items"][0]["id"])' "$WORK/load/orgs-100.json")
  word=$(python3 -c 'import json, sys; print(max(json.load(open(sys.argv[1]))["items"][3]["name"].split(), key=len).lower())' \
    "$WORK/load/orgs-100.json")
  # And the word most of the rep's accounts share (a town, a kind of place: `kitchen`): a
  # search with hundreds of matches, which a rare name does not show. From 100 accounts: the
  # first 20 by name can all start with the same rare name.
  common=$(python3 -c '
import collections, json, sys
words = collections.Counter(w for o in json.load(open(sys.argv[1]))["items"] for w in o["name"].lower().split() if len(w) >= 4)
print(next(w for w, _ in words.most_common() if w != sys.argv[2]))' "$WORK/load/orgs-100.json" "$word")
  # The rep's whole offline copy (the first sync of a big territory: pages, size, time, into
  # $key.copy), whose cursor then makes the delta pull a client sends every few minutes.
  cursor=$(python3 - "$BASE" "$rep" "$WORK/load/$key.copy" <<'PY'
import json, sys, time, urllib.request
base, cookie, out = sys.argv[1:4]
cursor, more, pages, size, rows, started = "", True, 0, 0, {}, time.perf_counter()
while more:
    request = urllib.request.Request(f"{base}/api/v1/sync/changes?since={cursor}", headers={"Cookie": cookie})
    raw = urllib.request.urlopen(request).read()
    page = json.loads(raw)
    pages, size, cursor, more = pages + 1, size + len(raw), page["cursor"], page["more"]
    for kind in ("organizations", "contacts", "interactions", "opportunities"):
        rows[kind] = rows.get(kind, 0) + len(page[kind])
json.dump({"pages": pages, "bytes": size, "seconds": time.perf_counter() - started, "rows": rows}, open(out, "w"))
print(cursor)
PY
)
  peak_rss >"$WORK/load/$key.copy.rss"
  quick_log_bodies "$WORK/load/orgs-100.json" 50000
  # label | name | who | oha's arguments
  local requests=(
    "home, SSR|home|rep|$BASE/"
    "organizations list, SSR|orgs-ssr|rep|$BASE/organizations"
    "organizations list, JSON|orgs-json|rep|$BASE/api/v1/organizations"
    "an organization, SSR|org|rep|$BASE/organizations/$organization"
    "search \`$word\`|search|rep|$BASE/api/search?q=$(url_encode "$word")"
    "search \`$common\` (many matches)|search-common|rep|$BASE/api/search?q=$(url_encode "$common")"
    "dashboard, the rep's own|dashboard|rep|$BASE/api/dashboard"
    "sync: a delta pull|sync-pull|rep|$BASE/api/v1/sync/changes?since=$cursor"
    "quick log: a visit saved|quick-log|rep|-m POST -T application/x-www-form-urlencoded -Z $WORK/load/quick-log.bodies $BASE/api/interactions/save"
    "team dashboard (a manager)|team-dashboard|manager|$BASE/api/dashboard"
  )
  for entry in "${requests[@]}"; do
    IFS='|' read -r what name who args <<<"$entry"
    echo "bench-load: $label, $what"
    local cookie=$rep
    [ "$who" = manager ] && cookie=$manager
    # shellcheck disable=SC2086 # the arguments are words on purpose
    saturate_then_steady "$key-$name" "$cookie" $args
    peak_rss >"$WORK/load/$key-$name.rss"
    printf '%s|%s\n' "$what" "$key-$name" >>"$WORK/load/$key.list"
  done
  # Latency against offered rate, for the plot: the JSON list at shares of its saturation.
  local max
  max=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["requestsPerSec"])' "$WORK/load/$key-orgs-json-max.json")
  for share in 10 25 50 75 90 100 120; do
    drive "$key-curve-$share" "$rep" -c 64 -q "$(python3 -c "print(max(1, int($max * $share / 100)))")" --latency-correction \
      "$BASE/api/v1/organizations"
  done
  peak_rss >"$WORK/load/$key.rss"
  stop_server
}

command -v "$OHA" >/dev/null || { echo "bench-load: oha is missing: make bench-tools"; exit 1; }
rm -f "$WORK"/load/*.list

# The ceiling first, on its own: the same binary and HTTP stack, a fixed body.
"$SERVER" ceiling >"$WORK/ceiling.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$BASE/" >/dev/null 2>&1 && break; sleep 0.1; done
echo "bench-load: the ceiling (a bare axum handler)"
saturate_then_steady ceiling none "$BASE/"
stop_server

each_scale_backend

results=$(python3 bench/load_report.py "$WORK/load" "$ORGS" "$SECONDS_PER_RUN" "$CONNECTIONS" docs/bench-latency.svg)
write_section bench-load "$results"
