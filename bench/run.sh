#!/usr/bin/env bash
# `make bench-monitoring` (and part of `make bench`): throughput and latency of the hot reads
# with the server's monitoring on and off, measured by wrk from this machine, written into
# docs/benchmarks.md.
#
# Settings (environment): BENCH_ORGANIZATIONS (20000), BENCH_SECONDS per run (10),
# BENCH_CONNECTIONS (16), BENCH_ROUNDS (2; on/off alternate so drift hits both alike).
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${BENCH_ORGANIZATIONS:-20000}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
ROUNDS=${BENCH_ROUNDS:-2}
PORT=${BENCH_PORT:-3207}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench
DB="$WORK/bench-$ORGS.db"
EMAIL=bench@kitchenpantry.test
PASSWORD=bench-password-1
mkdir -p "$WORK"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }

export DATABASE_URL="sqlite://$DB" LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
# Limits high enough that wrk measures the server, not the rate limiter.
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_SEARCHES=100000000 RATE_LIMIT_WRITES=100000000
if [ ! -f "$DB" ]; then
  echo "bench: seeding $ORGS organizations into $DB (once)"
  "$SERVER" seed --organizations "$ORGS" --interactions $((ORGS * 2)) --opportunities $((ORGS / 4)) >/dev/null
  echo "$PASSWORD" | "$SERVER" user add --email "$EMAIL" --name "Bench Manager" --role manager >/dev/null 2>&1
fi

# The team mix signs in as seeded reps: give the first few a password (once).
REPS=8
rep_email() { printf 'seed.rep%03d@kitchenpantry.test' "$1"; }
if [ ! -f "$WORK/reps-$ORGS.done" ]; then
  for i in $(seq 1 "$REPS"); do echo "$PASSWORD" | "$SERVER" user set-password --email "$(rep_email "$i")" >/dev/null 2>&1; done
  touch "$WORK/reps-$ORGS.done"
fi

source bench/common.sh

start_server() { # $1: MONITORING true|false, $2: CACHE_TTL_SECS (default 30), then a wrapper (valgrind …)
  local monitoring=$1 ttl=${2:-30}
  shift $(($# < 2 ? $# : 2))
  MONITORING=$monitoring CACHE_TTL_SECS=$ttl "$@" "$SERVER" >"$WORK/server.log" 2>&1 &
  server_pid=$!
  # A minute: under valgrind the start (migrations, warm-up) is slow.
  for _ in $(seq 1 600); do curl -fs "$BASE/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: the server did not start (see $WORK/server.log)"; exit 1
}

cookie() { sign_in "${1:-$EMAIL}"; } # $1: the email (default: the bench manager)

# Prints "requests/s p50 p95 p99 errors" for one path.
measure() { # $1: path, $2: cookie
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -H "Cookie: $2" -H 'Accept: text/html,application/json' \
    -s bench/report.lua "$BASE$1" | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }'
}

PATHS=("/" "/api/v1/organizations" "/organizations" "/api/v1/organizations?priority=A&sort=name&page=3")
declare -A SUM
for round in $(seq 1 "$ROUNDS"); do
  for mode in true false; do
    start_server "$mode"
    session=$(cookie)
    for path in "${PATHS[@]}"; do
      curl -fs -H "Cookie: $session" "$BASE$path" >/dev/null # warm the page cache
      read -r rps p50 p95 p99 errors < <(measure "$path" "$session")
      echo "bench: round $round monitoring=$mode $path: $rps req/s, p50 $p50 ms, p95 $p95 ms, p99 $p99 ms, $errors errors"
      key="$mode $path"
      SUM[$key]="${SUM[$key]:-} $rps/$p50/$p95/$p99/$errors"
    done
    stop_server
  done
done

# The read cache on two read-heavy mixes, on and off: bench/mix.lua (the manager alone: 20 list
# pages and 50 organizations, 0.5 % writes) and bench/team.lua (eight reps and the manager,
# each with their own view and working set, 0.5 % writes).
working_set() { # $1: cookie, $2: how many (25); prints ids of organizations that user sees, comma-separated
  curl -fs -H "Cookie: $1" "$BASE/api/v1/organizations?per_page=${2:-25}&sort=city" \
    | python3 -c 'import json, sys; print(",".join(o["id"] for o in json.load(sys.stdin)["items"]))'
}
team_file() { # target/bench/team.txt: "cookie|user id|ids" for each rep, then the manager
  : >"$WORK/team.txt"
  for i in $(seq 1 "$REPS"); do
    local c
    c=$(cookie "$(rep_email "$i")")
    id=$(curl -fs -H "Cookie: $c" "$BASE/api/v1/session" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    echo "$c|$id|$(working_set "$c")" >>"$WORK/team.txt"
  done
  echo "$session||$(working_set "$session")" >>"$WORK/team.txt"
}
mix_rows=""
for script in mix team; do
  for ttl in 30 0; do
    start_server true "$ttl"
    session=$(cookie)
    if [ "$script" = mix ]; then
      working_set "$session" 50 | tr , '\n' >"$WORK/ids.txt"
    else
      team_file
    fi
    # A first pass fills the caches (a server that has run for a while has them warm); the hit
    # ratio is then taken over the measured run alone, from the counters before and after.
    wrk -t2 -c"$CONNECTIONS" -d3s -H "Cookie: $session" -s "bench/$script.lua" "$BASE" >/dev/null
    curl -fs -H "Cookie: $session" "$BASE/api/v1/cache" >"$WORK/cache-before.json"
    read -r rps p50 p95 p99 errors < <(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -H "Cookie: $session" \
      -s "bench/$script.lua" "$BASE" | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }')
    # Hits over lookups of every cache, then of the lists and of the single organizations.
    ratio=$(curl -fs -H "Cookie: $session" "$BASE/api/v1/cache" | python3 -c '
import json, sys
before = {c["name"]: c for c in json.load(open(sys.argv[1]))["caches"]}
after = {c["name"]: c for c in json.load(sys.stdin)["caches"]}
def count(name, field):
    return after[name][field] - before.get(name, {}).get(field, 0)
def share(names):
    hits = sum(count(n, "hits") + count(n, "shared_hits") for n in names if n in after)
    lookups = hits + sum(count(n, "misses") for n in names if n in after)
    return "%.1f %%" % (hits / lookups * 100) if lookups else "—"
print("%s (lists %s, organizations %s)" % (share(after), share(["organization_lists"]), share(["organizations"])))
' "$WORK/cache-before.json")
    label=$([ "$ttl" = 0 ] && echo "off" || echo "on (TTL ${ttl} s)")
    who=$([ "$script" = mix ] && echo "manager alone" || echo "team: 8 reps + manager")
    echo "bench: $who, cache $label: $rps req/s, p50 $p50 ms, p95 $p95 ms, p99 $p99 ms, hit ratio $ratio, $errors errors"
    mix_rows+="| $who | cache $label | $(printf %.0f "$rps") | $p50 / $p95 / $p99 | $ratio | $errors |"$'\n'
    stop_server
  done
done

# Instructions per request under callgrind, monitoring on and off: wall-clock throughput on a
# shared 2-core machine drifts by more than the overhead, an instruction count does not.
# Prints one number for $1 (MONITORING) and $2 (path), over $3 requests on one connection.
instructions() {
  local out="$WORK/callgrind" c
  rm -f "$out".*
  start_server "$1" 30 valgrind --tool=callgrind --callgrind-out-file="$out"
  # A server that does not start or dies under valgrind (as with rustix#1559 before its
  # use-libc-auxv feature) leaves no dump and no figure; the other parts still run.
  c=$(cookie) || { stop_server; return 0; }
  urls() { for _ in $(seq 1 "$1"); do echo "url = \"$BASE$2\""; done; }
  urls 50 "$2" | curl -s -H "Cookie: $c" -K - >/dev/null # warm up
  callgrind_control --zero "$server_pid" >/dev/null || true
  urls "$3" "$2" | curl -s -H "Cookie: $c" -K - >/dev/null
  callgrind_control --dump "$server_pid" >/dev/null || true
  stop_server
  local total
  total=$(for f in "$out".*; do [ -f "$f" ] || continue; awk '/^summary:/ { print $2 }' "$f"; done | sort -n | tail -1)
  # No dump: the server died under valgrind (its log says why); no figure rather than a wrong one.
  if [ -n "$total" ]; then echo $((total / $3)); fi
}
instruction_rows=""
if command -v valgrind >/dev/null; then
  for path in "${PATHS[@]}"; do
    # Empty when the server did not start or died under valgrind: that row says so.
    on=$(instructions true "$path" 300) || on=
    off=$(instructions false "$path" 300) || off=
    echo "bench: instructions per request $path: monitoring on ${on:-none}, off ${off:-none}"
    if [ -z "$on" ] || [ -z "$off" ]; then
      instruction_rows+="| \`$path\` | the server did not run under valgrind (target/bench/server.log) | | |"$'\n'
      continue
    fi
    instruction_rows+="| \`$path\` | $on | $off | $(python3 -c "print('%+.1f %%' % (($on - $off) / $off * 100))") |"$'\n'
  done
else
  instruction_rows="| (valgrind is not installed: not measured) | | | |"$'\n'
fi

# Mean of the rounds per path and mode, and the overhead of monitoring on throughput.
table=$(for path in "${PATHS[@]}"; do
  echo "${SUM[true $path]}|${SUM[false $path]}|$path"
done | awk -F'|' '
  function mean(runs, field,   n, i, parts, total, cells) {
    n = split(runs, cells, " "); total = 0
    for (i = 1; i <= n; i++) { split(cells[i], parts, "/"); total += parts[field] }
    return total / n
  }
  # How far apart the rounds of one path and mode were: the noise the overhead must beat.
  function spread(runs,   n, i, parts, cells, lo, hi, total) {
    n = split(runs, cells, " "); lo = -1; hi = 0; total = 0
    for (i = 1; i <= n; i++) {
      split(cells[i], parts, "/"); total += parts[1]
      if (lo < 0 || parts[1] < lo) lo = parts[1]
      if (parts[1] > hi) hi = parts[1]
    }
    return (hi - lo) / (total / n) * 100
  }
  {
    on = mean($1, 1); off = mean($2, 1)
    printf "| `%s` | %.0f | %.0f | %+.1f %% | %.0f %% / %.0f %% | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f |\n", \
      $3, on, off, (off - on) / off * 100, spread($1), spread($2), \
      mean($1, 2), mean($1, 3), mean($1, 4), mean($2, 2), mean($2, 3), mean($2, 4)
  }')

results=$(cat <<MD
<!-- bench:start -->
Measured $(date -u +"%Y-%m-%d %H:%M UTC") on $(nproc) cores ($(awk '/model name/ { $1=$2=$3=""; print; exit }' /proc/cpuinfo | sed 's/^ *//')),
SQLite with $ORGS organizations, wrk with 2 threads and $CONNECTIONS connections on the same machine,
${SECONDS_PER_RUN} s per run, mean of $ROUNDS rounds, monitoring on and off alternating. Signed in
as a manager (sees every organization).

| path | req/s, monitoring on | req/s, off | overhead | spread between rounds, on / off | p50 / p95 / p99 ms, on | p50 / p95 / p99 ms, off |
|---|---|---|---|---|---|---|
$table

The cost of monitoring in instructions (callgrind, 300 requests on one connection after 50 to
warm up; repeatable to a fraction of a percent, unlike the throughput above):

| path | instructions per request, monitoring on | off | overhead |
|---|---|---|---|
${instruction_rows%$'\n'}

Read-heavy mixes, monitoring on, 0.5 % writes (one request in 200 of each wrk thread creates an
organization); after a 3 s pass that fills the caches, the hit ratio counts the measured run only. Manager alone (\`bench/mix.lua\`): half the requests read 20 organization list pages
in turn, half read 50 organizations one by one. Team (\`bench/team.lua\`): eight reps and their
manager take turns, each reading 10 list pages of their own view and the 25 organizations of their
own working set; a rep's write is their own organization, so it leaves the other reps' views cached.

| who | read cache | req/s | p50 / p95 / p99 ms | hit ratio (lists, organizations) | errors |
|---|---|---|---|---|---|
${mix_rows%$'\n'}
<!-- bench:end -->
MD
)
write_section bench "$results"
