# kafkette's one task runner. README's two commands are `make run` and `make test`;
# CI (.ci/run) calls `make test`. Every target installs what it needs and is safe to run twice.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run demo test lint test-core check-core-deps bench toolchain help

help:
	@echo "make run    - the main job: start an in-process broker, produce and consume (kafkette demo)"
	@echo "make test   - every check and test CI runs"
	@echo "make bench  - throughput benchmarks (figures printed, medians of repeated runs)"

# The Rust toolchain comes from rustup on these machines; make sure the components we use are there.
toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

run: demo
demo: toolchain
	$(CARGO) run --release -q -p kafkette --bin kafkette -- demo

test: lint test-core check-core-deps test-ffi test-py test-node

lint: toolchain
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -q -- -D warnings

test-core: toolchain
	$(CARGO) test --workspace -q

# The core must stay free of binding crates (DESIGN.md: bindings are adapters), on every
# target: wasm32 is where wasm-bindgen would sneak in (uuid's or getrandom's `js` features).
check-core-deps: toolchain
	@leak=$$($(CARGO) tree -p kafkette -e normal --target all | grep -oE '(pyo3|napi|wasm-bindgen)[a-z_-]*' | sort -u); \
	if [ -n "$$leak" ]; then echo "core depends on binding crates: $$leak"; exit 1; fi; \
	echo "core dependency check: no binding crates"

bench: toolchain
	$(CARGO) run --release -q -p kafkette --example bench_inproc

include mk/ffi.mk
include mk/py.mk
include mk/node.mk
include mk/wasm.mk
