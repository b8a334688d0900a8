#!/usr/bin/env bash
# Every test: the gates, the cargo tests on SQLite and PostgreSQL, and the browser suite.
# Test peers start on 127.0.0.1 and stop when this script ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/leptos-env.sh
peers="$root/.test-peers"
say() { printf '\n== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# PostgreSQL's files live under /tmp: its server runs as the postgres user, which cannot
# enter a checkout under /root.
pg_dir=$(mktemp -d /tmp/storefleet-pg.XXXXXX)
stop_peers() { scripts/postgres.sh stop "$pg_dir" || true; rm -rf "$pg_dir"; }
trap stop_peers EXIT
rm -rf "$peers" end2end/test-results; mkdir -p "$peers"

say "format"
cargo fmt --all -- --check

say "clippy (server build)"
cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
say "clippy (WASM build)"
cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
say "check: nothing server-only reaches the WASM build"
cargo check -p frontend --target wasm32-unknown-unknown

say "PostgreSQL on 127.0.0.1"
pg_url=$(scripts/postgres.sh start "$pg_dir" "$(free_port)")
export STOREFLEET_TEST_POSTGRES_URL=$pg_url STOREFLEET_REQUIRE_POSTGRES=1

# Billing: localstripe on 127.0.0.1 for the Stripe tests; stopped with the other peers.
say "localstripe on 127.0.0.1"
trap 'scripts/localstripe.sh stop "$peers/localstripe"; stop_peers' EXIT
STOREFLEET_TEST_LOCALSTRIPE_URL=$(scripts/localstripe.sh start "$peers/localstripe" "$(free_port)")
export STOREFLEET_TEST_LOCALSTRIPE_URL STOREFLEET_REQUIRE_PEERS=1

say "cargo tests (SQLite and PostgreSQL)"
cargo test -p app --features ssr
cargo test -p server

say "build the site"
cargo leptos build

say "browser tests (chromium, hydrated and without JavaScript)"
e2e_status=0
(cd end2end && E2E_PORT=$(free_port) E2E_DATA_DIR=$(mktemp -d "$peers/e2e.XXXX") npx playwright test) || e2e_status=$?
node -e '
  const s = require(process.argv[1]).stats;
  console.log(`browser tests: ${s.expected} passed, ${s.unexpected + s.flaky} failed`);
' "$root/end2end/test-results/results.json"
exit "$e2e_status"
