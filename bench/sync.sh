#!/usr/bin/env bash
# `make bench-sync`: the server side of offline sync for the demo rep (rep1): the fresh copy
# (every page of GET /api/v1/sync/changes: time and size), 100 queued visits replayed in
# batches of 25 as the client sends them (from the first request to the last acknowledgement),
# and the same 100 sent again as after lost answers (each answered "replayed", none applied
# twice). On a fresh SQLite demo database, and on PostgreSQL when BENCH_POSTGRES_URL names a
# server (a database kp_bench_sync is created there afresh). Written into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${BENCH_PORT:-3211}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench
PASSWORD=pantry-demo
mkdir -p "$WORK"
export LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_WRITES=100000000 DEMO_DATA=true DEMO_PASSWORD=$PASSWORD

source bench/common.sh

measure() { # $1: label; prints one table row
  python3 - "$BASE" "$PASSWORD" "$1" <<'PY'
import http.cookiejar, json, sys, time, urllib.request, uuid
from datetime import datetime, timezone
base, password, label = sys.argv[1:4]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with opener.open(req) as r:
        raw = r.read()
        return raw, json.loads(raw)
call("POST", "/api/v1/session", {"email": "rep1@kitchenpantry.test", "password": password})
# The copy reaches writes settled for 5 s: let the demo seed settle.
time.sleep(6)
start, cursor, size, counts, pages = time.perf_counter(), "", 0, {}, 0
while True:
    raw, page = call("GET", "/api/v1/sync/changes" + (f"?since={cursor}" if cursor else ""))
    size, pages, cursor = size + len(raw), pages + 1, page["cursor"]
    for kind in ("organizations", "contacts", "interactions", "opportunities"):
        counts[kind] = counts.get(kind, 0) + len(page[kind])
    if not page["more"]:
        break
prime_ms = (time.perf_counter() - start) * 1000
_, first = call("GET", "/api/v1/sync/changes")
orgs = [o["id"] for o in first["organizations"]]
now = datetime.now(timezone.utc).isoformat()
ops = [{"op_id": str(uuid.uuid4()), "entity": "interaction", "action": "create", "entity_id": str(uuid.uuid4()),
        "changes": {"organization_id": orgs[i % len(orgs)], "kind": "visit", "outcome": "positive",
                    "notes": f"Visit {i} logged offline"}, "client_time": now} for i in range(100)]
def replay():
    start, results = time.perf_counter(), []
    for i in range(0, len(ops), 25):
        results += call("POST", "/api/v1/sync", {"ops": ops[i:i + 25]})[1]["results"]
    return (time.perf_counter() - start) * 1000, results
sync_ms, results = replay()
assert all(r["status"] == "applied" and not r["replayed"] for r in results), results
again_ms, again = replay()
assert all(r["status"] == "applied" and r["replayed"] for r in again), again
print(f"| {label} | {counts['organizations']} / {counts['contacts']} / {counts['interactions']} / "
      f"{counts['opportunities']} | {size / 1024:.0f} KiB in {pages} page(s), {prime_ms:.0f} ms | "
      f"{sync_ms:.0f} ms | {again_ms:.0f} ms |")
PY
}

serve_database "sqlite://$WORK/sync-$$.db" sync-sqlite.log
rows=$(measure SQLite)
stop_server
rm -f "$WORK"/sync-$$.db*
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS kp_bench_sync" -c "CREATE DATABASE kp_bench_sync" >/dev/null
  pg_url="${BENCH_POSTGRES_URL%/*}/kp_bench_sync"
  psql "$pg_url" -qc "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null
  serve_database "$pg_url" sync-postgres.log
  rows="$rows
$(measure PostgreSQL)"
  stop_server
fi

write_section bench-sync "<!-- bench-sync:start -->
## Offline sync, server side (\`make bench-sync\`)

The demo rep's fresh copy (every page of \`GET /api/v1/sync/changes\`), then 100 visits queued
offline replayed to \`POST /api/v1/sync\` in batches of 25 (first request to last
acknowledgement), then the same 100 sent again as after lost answers (all answered
\"replayed\", none applied twice). One client, $(nproc) cores, release build, $(date -u +%Y-%m-%d).

| database | copy: organizations / contacts / interactions / deals | copy size and time | 100 ops acknowledged | 100 ops resent |
|---|---|---|---|---|
$rows
<!-- bench-sync:end -->"
