# Kitchen Pantry CRM. `make run` and `make test` do all set-up on a fresh machine:
# every tool is installed only when missing or of another version, so a warm machine
# starts in seconds. Tool versions are pinned here and nowhere else.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
# The load generator of make bench (bench/load.sh), on the system OpenSSL (it needs a TLS
# feature to build; native-tls uses libssl-dev, where its default rustls wants aws-lc).
OHA_VERSION := 1.16.0
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3; exit }' Cargo.lock)
# wasm-opt (npm binaryen) and Playwright come from end2end/package.json.
NODE_BIN := $(CURDIR)/end2end/node_modules/.bin
export PATH := $(NODE_BIN):$(HOME)/.cargo/bin:$(PATH)

SITE_ROOT := target/site
SERVER := target/release/kitchen-pantry
# cargo-leptos redoes its WASM steps on every call; rebuild only when a source changed.
SOURCES := $(shell find app frontend server style public migrations -type f -not -path '*/target/*') Cargo.toml Cargo.lock
BUILD_STAMP := target/.release-build
RUN_ADDR ?= 127.0.0.1:3000
RUN_DATABASE_URL ?= sqlite://data/kitchen-pantry.db

.PHONY: help run test build tools rust-target cargo-leptos wasm-bindgen npm chromium \
        lint fmt test-rust test-e2e seed-large sizes bench bench-tools bench-load bench-client bench-monitoring \
        bench-scale bench-import bench-sync fault-test clean

help:
	@echo "make run     build and serve the app with demo data on http://$(RUN_ADDR)"
	@echo "make test    every check: formatting, clippy, unit/integration/store tests, end-to-end"
	@echo "make build   release build with split WASM chunks into $(SITE_ROOT)"
	@echo "make seed-large  100k organizations into data/large.db (DATABASE_URL to choose another)"
	@echo "make sizes   the WASM/JS/CSS files of the last build, raw and brotli"
	@echo "make bench   every benchmark below but the import, unattended, into docs/benchmarks.md (~30 min)"
	@echo "make bench-load  oha at 100k organizations: saturation, steady rate, the ceiling, CPU and RSS"
	@echo "make bench-client  Lighthouse on six pages, the bundle sizes, the quick log's INP on a slow phone"
	@echo "make bench-monitoring  throughput with monitoring on and off, the read cache on and off"
	@echo "make bench-scale  search and dashboard latency at 100k organizations (BENCH_POSTGRES_URL for PostgreSQL too)"
	@echo "make bench-import  a 50,000-row CSV import, checked and imported (BENCH_POSTGRES_URL for PostgreSQL too)"
	@echo "make bench-sync  the demo rep's offline copy and 100 queued ops replayed (BENCH_POSTGRES_URL for PostgreSQL too)"
	@echo "make fault-test  the offline random fault test, longer (FAULT_CYCLES, default 200; FAULT_SEED)"

# --- tools -------------------------------------------------------------------------

tools: rust-target cargo-leptos wasm-bindgen npm

rust-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo-leptos:
	@cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $(CARGO_LEPTOS_VERSION)" || \
		cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked

# Installed without --locked: the CLI's own lock names a crate version the registry lacks.
wasm-bindgen:
	@test -n "$(WASM_BINDGEN_VERSION)" || { echo "wasm-bindgen is missing from Cargo.lock"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" || \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

npm: end2end/node_modules/.installed

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	@touch $@

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# --- build and run -----------------------------------------------------------------

build: tools $(BUILD_STAMP)

$(BUILD_STAMP): $(SOURCES)
	cargo leptos build --release --split --precompress
	@touch $@

run: build
	LEPTOS_SITE_ROOT=$(SITE_ROOT) LEPTOS_SITE_ADDR=$(RUN_ADDR) DATABASE_URL=$(RUN_DATABASE_URL) \
		DEMO_DATA=true $(SERVER)

seed-large: build
	DATABASE_URL=$${DATABASE_URL:-sqlite://data/large.db} $(SERVER) seed --organizations 100000

# Speed goals are checked here, never by timed assertions in tests. Each part writes its own
# section of docs/benchmarks.md; BENCH_POSTGRES_URL adds PostgreSQL where a part has it.
bench: build bench-tools
	bench/load.sh
	bench/scale.sh
	bench/sync.sh
	bench/client.sh
	BENCH_SECONDS=$${BENCH_MONITORING_SECONDS:-5} bench/run.sh

bench-tools: chromium npm bench/node_modules/.installed
	@dpkg -s libssl-dev pkg-config >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libssl-dev pkg-config; }
	@oha --version 2>/dev/null | grep -qx "oha $(OHA_VERSION)" || \
		cargo install oha --version $(OHA_VERSION) --locked --no-default-features --features native-tls
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund
	@touch $@

bench-load: build bench-tools
	bench/load.sh

bench-client: build bench-tools
	bench/client.sh

bench-monitoring: build bench-tools
	bench/run.sh

bench-scale: build
	bench/scale.sh

bench-import: build
	bench/import.sh

bench-sync: build
	bench/sync.sh

sizes:
	@command -v brotli >/dev/null || { apt-get update -qq && apt-get install -y -qq brotli; }
	@cd $(SITE_ROOT)/pkg && printf "%-64s %10s %10s\n" file raw brotli && \
		for f in *.wasm *.js *.css; do \
			printf "%-64.64s %10d %10d\n" "$$f" "$$(stat -c %s "$$f")" "$$(brotli -c -q 11 "$$f" | wc -c)"; \
		done

# --- checks ------------------------------------------------------------------------

test: tools chromium lint test-rust build test-e2e

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features app/ssr -- -D warnings
	cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features frontend/hydrate -- -D warnings

# Store tests also run on PostgreSQL when TEST_POSTGRES_URL is set, the shared-cache tests
# when TEST_REDIS_URL is set (.ci/run sets both when the services answer).
test-rust:
	@if [ -z "$${TEST_POSTGRES_URL:-}" ]; then echo "TEST_POSTGRES_URL is not set: PostgreSQL store tests will be skipped"; fi
	@if [ -z "$${TEST_REDIS_URL:-}" ]; then echo "TEST_REDIS_URL is not set: the Redis shared-cache test will be skipped"; fi
	cargo test --workspace --features app/ssr

# The fault test draws a new seed each run (printed, and FAULT_SEED=… repeats it).
test-e2e: chromium npm
	cd end2end && npx playwright test

# The random fault test of the offline client at length (make test runs 30 cycles).
fault-test: build chromium npm
	cd end2end && FAULT_CYCLES=$${FAULT_CYCLES:-200} npx playwright test fault.spec.ts --project=desktop --retries=0

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results bench/node_modules
