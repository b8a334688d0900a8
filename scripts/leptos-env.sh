# The environment `cargo leptos build` compiles the server with (dev profile). Plain cargo
# commands that share target/ use the same, so they reuse its artifacts instead of rebuilding
# every crate. Sourced by scripts/test.sh.
export LEPTOS_OUTPUT_NAME=storefleet LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
  LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false
# Components are not type-erased (`disable-erase-components` in Cargo.toml), so no RUSTFLAGS.
unset RUSTFLAGS
