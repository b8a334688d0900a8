#!/usr/bin/env bash
# Builds the release site into DIR (default target/site-release): the WASM through wasm-opt,
# the JavaScript minified, the CSS and public files, exactly as `cargo leptos build --release`
# makes them for production, but without the release server build. The browser tests serve
# this site from the debug server, so `make test` checks what production ships. `--split` cuts
# the WASM into the first download and one lazily fetched chunk per page (app/src/routes.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/site-release}
. scripts/release-env.sh
# The production pipeline's defaults, whatever the calling shell set for debug builds.
unset RUSTFLAGS LEPTOS_JS_MINIFY LEPTOS_HASH_FILES
LEPTOS_SITE_ROOT=$out cargo leptos build --release --split --frontend-only
