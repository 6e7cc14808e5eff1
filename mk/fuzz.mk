# Fuzzing the wire decoders with cargo-fuzz (libFuzzer), for a bounded time per target.
#
#   request_decode   a request frame -> header -> decode guard -> kafka-protocol -> a broker with
#                    topics and data (what `kafkette serve` runs), its responses encoded and read
#                    back by our client's decoder
#   response_decode  a response frame -> header -> response decode guard -> kafka-protocol (what
#                    our TCP client runs on a broker's answer)
#
# The targets live in core/fuzz, outside the workspace, so normal builds never need libFuzzer.
# cargo-fuzz wants nightly `-Z` flags: stable serves them with RUSTC_BOOTSTRAP=1. The default
# sanitizer is none (the decoders are safe Rust): FUZZ_SANITIZER=address works too, at a third to
# a quarter of the executions per second (and a full rebuild when switching). Each target starts from a gitignored working corpus (core/fuzz/corpus/TARGET) that
# keeps what earlier runs found, seeded with tests/corpus (real kcat traffic, `make fuzz-corpus`).
# `make test` keeps the fast proptest (net::codec::tests::mutated_frames_never_abort);
# `make fuzz-proptest` runs it long (FUZZ_CASES).

FUZZ_CARGO_FUZZ_VERSION := 0.13.2
FUZZ_TOOLS := $(CURDIR)/.tools
FUZZ_CARGO_FUZZ := $(FUZZ_TOOLS)/bin/cargo-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SANITIZER ?= none
FUZZ_TARGETS := request_decode response_decode
FUZZ_DIR := core/fuzz

.PHONY: fuzz fuzz-tools fuzz-build fuzz-corpus fuzz-proptest

# cargo-fuzz at exactly the pinned version, in the repo-local (gitignored) tools root.
fuzz-tools: toolchain
	@if [ "$$($(FUZZ_CARGO_FUZZ) --version 2>/dev/null)" != "cargo-fuzz $(FUZZ_CARGO_FUZZ_VERSION)" ]; then \
		echo "installing cargo-fuzz $(FUZZ_CARGO_FUZZ_VERSION) into $(FUZZ_TOOLS)"; \
		$(CARGO) install cargo-fuzz --version $(FUZZ_CARGO_FUZZ_VERSION) --locked --root $(FUZZ_TOOLS) --force -q; \
	fi

FUZZ_RUN = cd core && PATH="$(FUZZ_TOOLS)/bin:$$PATH" RUSTC_BOOTSTRAP=1 $(CARGO) fuzz

fuzz-build: fuzz-tools
	$(FUZZ_RUN) build --sanitizer $(FUZZ_SANITIZER)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/corpus/request_decode $(FUZZ_DIR)/corpus/response_decode
	@cp tests/corpus/requests/*.bin $(FUZZ_DIR)/corpus/request_decode/
	@cp tests/corpus/responses/*.bin $(FUZZ_DIR)/corpus/response_decode/
	@for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_DIR)/corpus/$$t.log; rc=0; start=$$(date +%s); \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s (corpus $(FUZZ_DIR)/corpus/$$t, log $$log)"; \
		( $(FUZZ_RUN) run --sanitizer $(FUZZ_SANITIZER) $$t -- \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 ) > $$log 2>&1 || rc=$$?; \
		grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|thread .* panicked|SUMMARY|Test unit written)' $$log; \
		echo "== $$t: exit $$rc after $$(( $$(date +%s) - start )) s"; \
		if [ $$rc -ne 0 ]; then tail -30 $$log; echo "fuzz target $$t failed: the input is in $(FUZZ_DIR)/artifacts/$$t"; exit 1; fi; \
	done

# Re-records the real-client seeds (tests/corpus/requests) from kcat through a proxy, then the
# response seeds (tests/corpus/responses) from a broker's answers to them.
fuzz-corpus: toolchain compat-tools
	$(CARGO) test -q -p kafkette --test kcat -- --ignored record_kcat_requests
	$(CARGO) test -q -p kafkette --lib -- --ignored net::guard::response::tests::record_response_seeds

# The proptest that `make test` runs with 3000 cases, run long: random overwrites and truncations of
# populated requests of every supported version and of the kcat requests.
fuzz-proptest: toolchain
	KAFKETTE_FUZZ_CASES=$(or $(FUZZ_CASES),2000000) $(CARGO) test --release -q -p kafkette --lib \
		net::codec::tests::mutated_frames_never_abort
