#!/usr/bin/env bash
# `make bench-import`: how long a CSV import of BENCH_IMPORT_ROWS (50 000, the most one import
# takes) organizations with their primary contact takes: the check (upload, read, validate,
# match with existing organizations), the import of new rows, and the same file again with
# "update" (every row matches). On a fresh SQLite database, and on PostgreSQL when
# BENCH_POSTGRES_URL names a server (a database kp_bench_import is created there afresh).
# Written into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_IMPORT_ROWS:-50000}
PORT=${BENCH_PORT:-3209}
BASE="http://127.0.0.1:$PORT"
SERVER=target/release/kitchen-pantry
WORK=target/bench
EMAIL=bench@kitchenpantry.test
PASSWORD=bench-password-1
mkdir -p "$WORK"
export LOG_LEVEL=error LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RATE_LIMIT_SIGN_INS=100000 RATE_LIMIT_WRITES=100000000

source bench/common.sh

python3 - "$ROWS" "$WORK/import.csv" <<'PY'
import csv, random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
cities = ["Austin", "Dallas", "Houston", "San Antonio", "El Paso", "Plano", "Waco", "Tyler"]
segments = ["Fine Dining", "Fast Food", "Healthcare", "Education", "Casual Dining", "Hospitality"]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["Name", "City", "Priority", "Segment", "Phone", "Contact first name", "Contact last name",
                "Contact email", "Notes"])
    for i in range(1, rows + 1):
        w.writerow([f"Bench Import Kitchen {i}", random.choice(cities), random.choice("ABCD"),
                    random.choice(segments), f"(512) 555-{i % 10000:04d}", "Chef", f"Number{i}",
                    f"chef{i}@import.bench", "Imported for the benchmark"])
PY
size=$(du -h "$WORK/import.csv" | cut -f1)

now_ms() { date +%s%3N; }

# Uploads the file, starts the import with $2 (skip/update), waits for it; prints
# "check-seconds import-seconds created updated".
import_once() { # $1: cookie, $2: on_duplicate
  local started id checked done_at status summary
  started=$(now_ms)
  id=$(curl -fs -H "Cookie: $1" -F "file=@$WORK/import.csv" "$BASE/api/v1/imports" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["id"])')
  checked=$(now_ms)
  curl -fs -H "Cookie: $1" -d "id=$id&on_duplicate=$2" "$BASE/api/imports/start" >/dev/null
  while true; do
    summary=$(curl -fs -H "Cookie: $1" "$BASE/api/imports/detail?id=$id")
    status=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["summary"]["status"])' "$summary")
    [ "$status" = running ] || break
    sleep 0.2
  done
  done_at=$(now_ms)
  [ "$status" = done ] || { echo "bench-import: the import ended $status: $summary"; exit 1; }
  python3 -c 'import json,sys; s=json.loads(sys.argv[1])["summary"]; print(sys.argv[2], sys.argv[3], s["created_count"], s["updated_count"])' \
    "$summary" "$(awk "BEGIN { printf \"%.1f\", ($checked - $started) / 1000 }")" \
    "$(awk "BEGIN { printf \"%.1f\", ($done_at - $checked) / 1000 }")"
}

rows=""
run_backend() { # $1: label, $2: DATABASE_URL
  echo "$PASSWORD" | DATABASE_URL=$2 "$SERVER" user add --email "$EMAIL" --name "Bench Manager" --role manager >/dev/null
  serve_database "$2" import-server.log
  local cookie check import created updated
  cookie=$(sign_in "$EMAIL")
  read -r check import created updated < <(import_once "$cookie" skip)
  rows+="| $1 | new organizations | $check | $import | $created created | $(awk "BEGIN { printf \"%d\", $ROWS / $import }") |"$'\n'
  read -r check import created updated < <(import_once "$cookie" update)
  rows+="| $1 | the same file again, update | $check | $import | $updated updated | $(awk "BEGIN { printf \"%d\", $ROWS / $import }") |"$'\n'
  stop_server
}

rm -f "$WORK"/import.db*
run_backend SQLite "sqlite://$WORK/import.db"
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS kp_bench_import" -c "CREATE DATABASE kp_bench_import"
  psql "${BENCH_POSTGRES_URL%/*}/kp_bench_import" -qc "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"
  run_backend PostgreSQL "${BENCH_POSTGRES_URL%/*}/kp_bench_import"
fi

results=$(cat <<MD
<!-- bench-import:start -->
### CSV import (\`make bench-import\`, $(date -u +%Y-%m-%d))

One file of $ROWS organizations, each with a primary contact ($size), into an empty database,
then the same file again with "update the existing organization" (every row matches one and
changes nothing, so it measures the matching). "Check" is the upload answered (read, validated,
matched, kept); "import" from the start to the last batch (batches of 200, each one
transaction with audit rows and search index). Same machine, 2 cores.

| database | run | check s | import s | result | rows/s |
|---|---|---|---|---|---|
${rows%$'\n'}
<!-- bench-import:end -->
MD
)
write_section bench-import "$results"
