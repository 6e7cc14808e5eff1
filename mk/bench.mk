# Transactions and consumer groups (issues 5 and 6), make bench runs it after bench-vs-kafka: our producer and
# consumers (core/examples/bench_txn.rs, bench_group.rs, release) in-process, against `kafkette serve` (release) and
# against Apache Kafka 4.1.1 on loopback (tests/compat/bench_eos_vs_kafka.py starts both brokers). It needs the
# venv's Python and the Kafka jars. BENCH_EOS_RUNS (3), BENCH_TXNS (100), BENCH_TXN_SIZES (100,1000),
# BENCH_GROUP_RECORDS (300000), BENCH_GROUP_MEMBERS (3), BENCH_EOS_PARTITIONS (6) and BENCH_GROUP_DELAY_MS
# (group.initial.rebalance.delay.ms on both brokers, 0) pass through from the environment.
.PHONY: bench-eos-vs-kafka bench-eos-bin

bench-eos-bin: toolchain
	$(CARGO) build -q --release -p kafkette --bin kafkette --example bench_txn --example bench_group

bench-eos-vs-kafka: $(COMPAT_PY_STAMP) compat-jars bench-eos-bin
	KAFKETTE_BIN=$(CURDIR)/target/release/kafkette KAFKETTE_EXAMPLES=$(CURDIR)/target/release/examples \
		$(COMPAT_PY) $(COMPAT_DIR)/bench_eos_vs_kafka.py

# The playground's engine (issue 7), make bench runs it last: the wasm package's size (make wasm; raw and
# gzip -9, and playground/dist when built), then wasm/bench/million.mjs: 1,000,000 records produced and consumed
# in the engine under Node (the Simulation API, virtual time moved only by the API), medians of BENCH_WASM_RUNS
# (3) runs, beside the same workload natively (wasm/examples/million.rs, release) and the ratio of wall times.
# BENCH_WASM_RECORDS (1000000) and BENCH_WASM_PER_RECORD=1 (also one run with a JS call per record) pass through.
.PHONY: bench-wasm bench-wasm-size

BENCH_WASM_RUNS ?= 3
export BENCH_WASM_RUNS

bench-wasm-size: wasm
	@pkg=wasm/pkg; kib() { echo "$$(( ($$1 + 512) / 1024 )) KiB"; }; \
	raw=$$(stat -c %s $$pkg/kafkette_wasm_bg.wasm); gz=$$(gzip -9 -c $$pkg/kafkette_wasm_bg.wasm | wc -c); \
	js=$$(stat -c %s $$pkg/kafkette_wasm.js); jsgz=$$(gzip -9 -c $$pkg/kafkette_wasm.js | wc -c); \
	echo "bench-wasm: bundle size"; \
	echo "  kafkette_wasm_bg.wasm  $$(kib $$raw) raw, $$(kib $$gz) gzip -9"; \
	echo "  kafkette_wasm.js       $$(kib $$js) raw, $$(kib $$jsgz) gzip -9"; \
	if [ -f $(PLAYGROUND_DIST)/index.html ]; then \
	  all=$$(find $(PLAYGROUND_DIST) -type f -exec cat {} + | wc -c); \
	  allgz=$$(find $(PLAYGROUND_DIST) -type f -printf '%p\n' | sort | while read -r f; do gzip -9 -c "$$f" | wc -c; done \
	    | awk '{ s += $$1 } END { print s }'); \
	  echo "  $(PLAYGROUND_DIST) (whole page)  $$(kib $$all) raw, $$(kib $$allgz) gzip -9 (each file compressed)"; \
	else echo "  $(PLAYGROUND_DIST) not built (make playground)"; fi

bench-wasm: bench-wasm-size
	@command -v node >/dev/null || { echo "node not found: install Node.js 20 or later"; exit 1; }
	$(CARGO) build -q --release -p kafkette-wasm --example million
	NATIVE_BIN=$(CURDIR)/target/release/examples/million node wasm/bench/million.mjs

# README's picture of the playground (not a benchmark, but a README figure like the ones above): a paused frame
# of lesson 9 (at 4000 ms) at 1280x800 in headless Chromium, written to playground/screenshot.png.
.PHONY: playground-screenshot
playground-screenshot: playground playground-chromium playground/node_modules/.package-lock.json
	node playground/test/screenshot.mjs
