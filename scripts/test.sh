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
pdns_dir=$(mktemp -d /tmp/storefleet-pdns.XXXXXX)
stop_peers() {
  scripts/localstripe.sh stop "$peers/localstripe" || true
  scripts/postgres.sh stop "$pg_dir" || true
  scripts/powerdns.sh stop "$pdns_dir" || true
  scripts/seaweedfs.sh stop "$peers/seaweedfs" || true
  rm -rf "$pg_dir" "$pdns_dir"
}
trap stop_peers EXIT
rm -rf "$peers" end2end/test-results; mkdir -p "$peers"

say "format"
cargo fmt --all -- --check

say "clippy (server build)"
cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
cargo clippy -p server --test rbac -- -D warnings
say "clippy (WASM build)"
cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
say "check: nothing server-only reaches the WASM build"
cargo check -p frontend --target wasm32-unknown-unknown

say "PostgreSQL on 127.0.0.1"
pg_url=$(scripts/postgres.sh start "$pg_dir" "$(free_port)")
export STOREFLEET_TEST_POSTGRES_URL=$pg_url STOREFLEET_REQUIRE_POSTGRES=1
# Every peer below is required: a test whose peer is missing fails instead of skipping.
export STOREFLEET_REQUIRE_PEERS=1

# MailDev, the real SMTP server of the mail tests: each test starts its own on free ports.
maildev="$root/end2end/node_modules/.bin/maildev"
[ -x "$maildev" ] || { echo "MailDev is missing: run scripts/setup.sh test" >&2; exit 1; }
export STOREFLEET_TEST_MAILDEV=$maildev

# DNS tests: a PowerDNS server (HTTP API and DNS) on 127.0.0.1 with the zone shops.test.
say "PowerDNS on 127.0.0.1"
pdns_dns_port=$(free_port)
pdns_peer=$(scripts/powerdns.sh start "$pdns_dir" "$pdns_dns_port" "$(free_port)" shops.test)
read -r pdns_api pdns_key pdns_zone <<<"$pdns_peer"
export STOREFLEET_TEST_POWERDNS_API=$pdns_api STOREFLEET_TEST_POWERDNS_KEY=$pdns_key \
  STOREFLEET_TEST_POWERDNS_ZONE=$pdns_zone STOREFLEET_TEST_POWERDNS_DNS_PORT=$pdns_dns_port

# Billing: localstripe on 127.0.0.1 for the Stripe tests; stopped with the other peers.
say "localstripe on 127.0.0.1"
STOREFLEET_TEST_LOCALSTRIPE_URL=$(scripts/localstripe.sh start "$peers/localstripe" "$(free_port)")
export STOREFLEET_TEST_LOCALSTRIPE_URL

# Backups: SeaweedFS as the S3 server, with a bucket and generated keys.
say "SeaweedFS on 127.0.0.1"
STOREFLEET_TEST_S3=$(scripts/seaweedfs.sh start "$peers/seaweedfs" "$(free_port)" backups)
export STOREFLEET_TEST_S3

# The deployment manifests are rendered with the pinned kubectl.
export STOREFLEET_TEST_KUBECTL="$root/.peers/venv/bin/kubectl"

say "build the site"
cargo leptos build --split
say "build the release site (WASM and JavaScript through the production pipeline)"
scripts/release-site.sh target/site-release
say "build the static binary (x86_64-unknown-linux-musl)"
cargo build -p server --bin storefleet --target x86_64-unknown-linux-musl
# The static binary serves the release site: in its own test, and to the browser suite's
# release projects.
export STOREFLEET_TEST_STATIC_BINARY="$root/target/x86_64-unknown-linux-musl/debug/storefleet"
export STOREFLEET_TEST_RELEASE_SITE="$root/target/site-release"
export E2E_RELEASE_BINARY=$STOREFLEET_TEST_STATIC_BINARY

say "cargo tests (SQLite and PostgreSQL)"
cargo test -p app --features ssr
# The simulated cluster records every request of the engine; the RBAC test then holds
# deploy/kubernetes/base/rbac.yaml to exactly what the whole suite called.
export STOREFLEET_SIM_API_LOG="$peers/sim-api.log"
cargo test -p server
cargo test -p server --test rbac

say "browser tests (chromium, hydrated and without JavaScript, debug and release sites)"
e2e_status=0
(cd end2end && E2E_DATA_DIR=$(mktemp -d "$peers/e2e.XXXX") npx playwright test) || e2e_status=$?
node -e '
  const s = require(process.argv[1]).stats;
  console.log(`browser tests: ${s.expected} passed, ${s.unexpected + s.flaky} failed`);
' "$root/end2end/test-results/results.json"
exit "$e2e_status"
