# The environment of release builds: binaryen's wasm-opt from tools/ (pinned in
# tools/package.json) ahead of any other on PATH. cargo-leptos runs whichever `wasm-opt` it
# finds first; Debian 12's binaryen 108 predates the WebAssembly features Rust 1.95 emits.
# Sourced by scripts/release-site.sh and `make release`.
export PATH="$(pwd)/tools/node_modules/.bin:$PATH"
