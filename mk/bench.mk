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
