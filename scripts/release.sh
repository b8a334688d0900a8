#!/usr/bin/env bash
# The production build, as `make release` and the Containerfile run it:
#   target/x86_64-unknown-linux-musl/release/storefleet  one static binary: no system library,
#                                                        TLS through rustls and its own roots
#   target/site                                          the optimised site it serves
#                                                        (STOREFLEET_SITE_ROOT)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/release-site.sh target/site
# The server's build environment is the one the tests build it in.
. scripts/leptos-env.sh
cargo build --release --locked -p server --bin storefleet --target x86_64-unknown-linux-musl
echo "built target/x86_64-unknown-linux-musl/release/storefleet and target/site"
