# storefleet: `make run` serves on http://127.0.0.1:3000, `make test` runs every test.
# Both install what is missing first (Debian 12, as root) and may be run again at any time.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test build release setup setup-release setup-test

# The key sealing owners' secret settings lives beside the SQLite database, never in it; the
# simulated cluster keeps its objects there too, so stores outlive a restart. Where PostgreSQL
# and SeaweedFS are installed, stores get real databases and backups (scripts/run-peers.sh).
run: setup build
	@[ -n "$$STOREFLEET_SECRET_KEY" ] || [ -n "$$STOREFLEET_SECRET_KEY_FILE" ] || [ -f data/secret.key ] \
		|| ./target/debug/storefleet secrets generate-key --file data/secret.key
	eval "$$(scripts/run-peers.sh)"; \
		STOREFLEET_SIM_STATE_FILE="$${STOREFLEET_SIM_STATE_FILE-data/sim-cluster.json}" \
		STOREFLEET_SIM_IMAGE_PULL_MS="$${STOREFLEET_SIM_IMAGE_PULL_MS-20000}" \
		STOREFLEET_SIM_DATABASE_INIT_MS="$${STOREFLEET_SIM_DATABASE_INIT_MS-10000}" \
		./target/debug/storefleet serve

# Every page but the home page is a lazy route: `--split` cuts the WASM into one chunk per page.
build:
	cargo leptos build --split

# The production build: the static binary target/x86_64-unknown-linux-musl/release/storefleet
# and the optimised site in target/site (the Containerfile makes an image of the two).
release: setup-release
	scripts/release.sh

setup:
	scripts/setup.sh run

setup-release:
	scripts/setup.sh release

setup-test:
	scripts/setup.sh test

test: setup-test
	scripts/test.sh
