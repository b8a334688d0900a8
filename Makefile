# storefleet: `make run` serves on http://127.0.0.1:3000, `make test` runs every test.
# Both install what is missing first (Debian 12, as root) and may be run again at any time.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test build setup setup-test

run: setup build
	./target/debug/storefleet serve

build:
	cargo leptos build

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

test: setup-test
	scripts/test.sh
