# kafkette's one task runner. README's two commands are `make run` and `make test`;
# CI (.ci/run) calls `make test`. Every target installs what it needs and is safe to run twice.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run demo test lint test-core compat-tools check-core-deps bench serve toolchain help

help:
	@echo "make run    - build the browser playground and serve it on 127.0.0.1 (prints the URL)"
	@echo "make demo   - start an in-process broker, produce and consume (kafkette demo)"
	@echo "make test   - every check and test CI runs"
	@echo "make bench  - throughput benchmarks (figures printed, medians of repeated runs), then kafkette serve"
	@echo "              side by side with Apache Kafka (make bench-vs-kafka; BENCH_RECORDS, BENCH_RUNS), then"
	@echo "              transactions and consumer groups against both (make bench-eos-vs-kafka; BENCH_EOS_RUNS)"
	@echo "make serve  - kafkette serve on 127.0.0.1:9092 (ARGS=\"--brokers 3\" and so on)"
	@echo "make fuzz   - cargo-fuzz the request and response decoders, FUZZ_SECONDS each (default 60)"
	@echo "make wasm   - build the WebAssembly package into wasm/pkg (installs its toolchain)"
	@echo "make test-wasm - build it and run its Node tests"
	@echo "make test-playground - the playground in headless Chromium (installs Chromium and playwright-core)"

# The Rust toolchain comes from rustup on these machines; make sure the components we use are there.
toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

run: serve-playground
demo: toolchain
	$(CARGO) run --release -q -p kafkette --bin kafkette -- demo

test: lint test-core check-core-deps test-ffi test-py test-node test-wasm test-playground test-compat

lint: toolchain
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -q -- -D warnings

test-core: toolchain compat-tools
	$(CARGO) test --workspace -q

# Real clients the core's wire tests start: kcat (librdkafka) from Debian.
compat-tools:
	@command -v kcat >/dev/null || apt-get install -y -q kcat || { apt-get update -q && apt-get install -y -q kcat; }

# The core must stay free of binding crates (DESIGN.md: bindings are adapters), on every
# target: wasm32 is where wasm-bindgen would sneak in (uuid's or getrandom's `js` features).
check-core-deps: toolchain
	@leak=$$($(CARGO) tree -p kafkette -e normal --target all | grep -oE '(pyo3|napi|wasm-bindgen)[a-z_-]*' | sort -u); \
	if [ -n "$$leak" ]; then echo "core depends on binding crates: $$leak"; exit 1; fi; \
	echo "core dependency check: no binding crates"

serve: toolchain
	$(CARGO) run --release -q -p kafkette --bin kafkette -- serve $(ARGS)

bench: toolchain
	$(CARGO) run --release -q -p kafkette --example bench
	$(MAKE) --no-print-directory bench-vs-kafka
	$(MAKE) --no-print-directory bench-eos-vs-kafka
	$(MAKE) --no-print-directory bench-wasm

include mk/ffi.mk
include mk/py.mk
include mk/node.mk
include mk/wasm.mk
include mk/playground.mk
include mk/compat.mk
include mk/bench.mk
include mk/fuzz.mk
