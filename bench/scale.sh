#!/usr/bin/env bash
# `make bench-scale`: search and dashboard latency at 100k organizations (300k contacts, 1M
# interactions, 50k deals: `seed`'s defaults) on SQLite, and on PostgreSQL when
# BENCH_POSTGRES_URL names a server (a database kp_bench_scale is created there once).
# One connection (the latency one person sees), wrk for BENCH_SECONDS (5) per request;
# the server's own time comes from its Server-Timing header. Written into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ORGS=${BENCH_SCALE_ORGANIZATIONS:-100000}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
PORT=${BENCH_PORT:-3208}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench
EMAIL=bench@kitchenpantry.test
PASSWORD=bench-password-1
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

export LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_SEARCHES=100000000 RATE_LIMIT_WRITES=100000000

source bench/common.sh

# The server's total for one request of $1 with cookie $2, from its Server-Timing header (the
# body is kept in $WORK/scale-body).
server_total() {
  curl -fs -D - -o "$WORK/scale-body" -H "Cookie: $2" "$BASE$1" | tr -d '\r' \
    | awk -F'total;dur=' 'tolower($0) ~ /^server-timing/ { split($2, a, /[,;]/); print a[1] }'
}

# "p50 p99 server-ms hits" for one request: wrk's latency with one connection, the server's
# total from Server-Timing, and how many results came back.
measure() { # $1: path, $2: cookie
  local latency total hits
  latency=$(wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" -H "Cookie: $2" -s bench/report.lua "$BASE$1" | awk '/^RESULT/ { print $3, $5 }')
  total=$(server_total "$1" "$2")
  hits=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d) if isinstance(d, list) else "-")' "$WORK/scale-body" 2>/dev/null || echo -)
  echo "$latency ${total:--} $hits"
}

# Queries made from the data: a real name's word, the same word misspelt, a two-letter
# prefix, a city, phone digits, an email prefix.
pick_queries() { # from the running server (manager cookie $1)
  curl -fs -H "Cookie: $1" "$BASE/api/v1/organizations?per_page=50&sort=name&page=7" >"$WORK/scale-orgs.json"
  python3 - "$WORK/scale-orgs.json" <<'PY'
import json, sys, urllib.parse
orgs = json.load(open(sys.argv[1]))["items"]
name = next(o["name"] for o in orgs if len(o["name"].split()) >= 2)
word = max(name.split(), key=len).lower()
dropped = word[:3] + word[4:] if len(word) > 4 else word + "e"
swapped = word[:2] + word[3] + word[2] + word[4:] if len(word) > 4 else word + "e"
city = next(o["city"] for o in orgs if o.get("city"))
phone = next(o["phone"] for o in orgs if o.get("phone"))
digits = "".join(c for c in phone if c.isdigit())[-7:]
for label, q in [("a word of a name", word), ("the word, a letter left out", dropped),
                 ("the word, two letters swapped", swapped), ("two letters", name[:2].lower()),
                 ("a city", city.lower()), ("7 phone digits", digits), ("a whole name", name.lower())]:
    print(f"{label}\t{q}\t{urllib.parse.quote(q)}")
PY
}

rows=""
run_backend() { # $1: label, $2: DATABASE_URL
  serve_database "$2" scale-server.log
  local manager rep
  manager=$(sign_in "$EMAIL")
  rep=$(sign_in seed.rep001@kitchenpantry.test)
  # The first request computes every figure (the read cache is empty) and warms the OS's page cache.
  local cold
  cold=$(server_total /api/dashboard "$manager")
  rows+="| $1 | dashboard: the team, first request after start (nothing cached) | - | - | ${cold:--} | - |"$'\n'
  while IFS=$'\t' read -r label q encoded; do
    read -r p50 p99 server hits < <(measure "/api/search?q=$encoded" "$manager")
    rows+="| $1 | search: $label (\`$q\`) | $p50 | $p99 | $server | $hits |"$'\n'
  done < <(pick_queries "$manager")
  read -r p50 p99 server _ < <(measure "/api/dashboard" "$manager")
  rows+="| $1 | dashboard: the team, this quarter | $p50 | $p99 | $server | - |"$'\n'
  read -r p50 p99 server _ < <(measure "/api/dashboard" "$rep")
  rows+="| $1 | dashboard: one rep's own | $p50 | $p99 | $server | - |"$'\n'
  read -r p50 p99 server _ < <(measure "/api/reports" "$manager")
  rows+="| $1 | reports: the team, this quarter | $p50 | $p99 | $server | - |"$'\n'
  stop_server
}

each_scale_backend

results=$(cat <<MD
<!-- bench-scale:start -->
### At $ORGS organizations: search and dashboard (\`make bench-scale\`, $(date -u +%Y-%m-%d))

$ORGS organizations, $((ORGS * 3)) contacts, 1 000 000 interactions, 50 000 deals (\`seed\`'s defaults);
one connection, wrk for ${SECONDS_PER_RUN} s per request on the same machine (2 cores); "server" is
the request's total in its \`Server-Timing\` header; read cache on (searches are not cached).

| database | request | p50 ms | p99 ms | server ms | results |
|---|---|---|---|---|---|
${rows%$'\n'}
<!-- bench-scale:end -->
MD
)
write_section bench-scale "$results"
