# Shared by the bench scripts (sourced): starting and stopping the server, signing in, and
# writing a marked section of docs/benchmarks.md, the 100k data set. Expects BASE, SERVER, WORK
# and PASSWORD.

server_pid=
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; fi; }
trap stop_server EXIT

# Starts the release server on database $1, its log in $WORK/$2, and waits until it answers.
serve_database() {
  DATABASE_URL=$1 "$SERVER" >"$WORK/$2" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do curl -fs "$BASE/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$0: the server did not start (see $WORK/$2)"; exit 1
}

# $1 made safe for a URL's query (names hold `&`, `#`, accents).
url_encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# Prints the session cookie of a sign-in as $1, with PASSWORD.
sign_in() {
  curl -fs -c "$WORK/jar" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$1\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/session" >/dev/null
  awk '$6 == "kp_session" { print "kp_session=" $7 }' "$WORK/jar"
}

# Replaces the section between <!-- $1:start --> and <!-- $1:end --> of docs/benchmarks.md
# with $2 (which carries those markers), or appends $2 when there is none yet.
write_section() {
  if [ -f docs/benchmarks.md ] && grep -q "<!-- $1:start -->" docs/benchmarks.md; then
    python3 - "$1" "$2" <<'PY'
import re, sys
path = "docs/benchmarks.md"
marker, section = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(rf"<!-- {marker}:start -->.*?<!-- {marker}:end -->", lambda _: section, text, flags=re.S)
open(path, "w").write(text)
PY
  else
    printf '\n%s\n' "$2" >> docs/benchmarks.md
  fi
  echo "$2"
}

# The 100k-organization database of bench/scale.sh and bench/load.sh, seeded once (ORGS,
# EMAIL and PASSWORD: a manager, and seed.rep001 gets the password too).
seed_scale_once() { # $1: DATABASE_URL, $2: marker file
  if [ ! -f "$2" ]; then
    echo "$0: seeding $ORGS organizations into $1 (once)"
    local started=$SECONDS
    DATABASE_URL=$1 "$SERVER" seed --organizations "$ORGS" >/dev/null
    echo "$PASSWORD" | DATABASE_URL=$1 "$SERVER" user add --email "$EMAIL" --name "Bench Manager" --role manager >/dev/null 2>&1
    echo "$PASSWORD" | DATABASE_URL=$1 "$SERVER" user set-password --email seed.rep001@kitchenpantry.test >/dev/null 2>&1
    echo "$0: seeded in $((SECONDS - started)) s"
    touch "$2"
  fi
}

# The PostgreSQL database of the 100k data set, on BENCH_POSTGRES_URL's server (created once).
scale_postgres_url() {
  psql "$BENCH_POSTGRES_URL" -qtc "SELECT 1 FROM pg_database WHERE datname = 'kp_bench_scale'" | grep -q 1 \
    || psql "$BENCH_POSTGRES_URL" -qc "CREATE DATABASE kp_bench_scale" >/dev/null
  echo "${BENCH_POSTGRES_URL%/*}/kp_bench_scale"
}

# Calls the script's run_backend on the 100k data set (label, DATABASE_URL): SQLite, then
# PostgreSQL when BENCH_POSTGRES_URL is set; each seeded once.
each_scale_backend() {
  seed_scale_once "sqlite://$WORK/scale-$ORGS.db" "$WORK/scale-$ORGS.sqlite.done"
  run_backend SQLite "sqlite://$WORK/scale-$ORGS.db"
  if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    local pg_url
    pg_url=$(scale_postgres_url)
    seed_scale_once "$pg_url" "$WORK/scale-$ORGS.postgres.done"
    run_backend PostgreSQL "$pg_url"
  fi
}
