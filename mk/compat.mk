# Compatibility tests (tests/compat/): real clients against kafkette, and our clients against Apache Kafka.
# Everything they need is installed here, into the repo, gitignored:
#   tests/compat/.venv           pytest, confluent-kafka and kafka-python from PyPI, our wheel (make py)
#   tests/compat/.jars/lib       Apache Kafka's broker, tools and Java client from Maven Central (pom.xml)
#   tests/compat/kafkajs/node_modules   kafkajs from npm (package-lock.json pins it)
# kcat comes from Debian (compat-tools in the root Makefile).

COMPAT_DIR := tests/compat
COMPAT_VENV := $(COMPAT_DIR)/.venv
COMPAT_PY := $(COMPAT_VENV)/bin/python
COMPAT_PY_STAMP := $(COMPAT_VENV)/.installed
COMPAT_JARS_STAMP := $(COMPAT_DIR)/.jars/.copied
COMPAT_JS_STAMP := $(COMPAT_DIR)/kafkajs/node_modules/.installed

.PHONY: test-compat compat-env compat-jars compat-venv compat-js compat-bin compat-bin-release bench-vs-kafka

$(COMPAT_PY_STAMP): $(COMPAT_DIR)/requirements.txt mk/compat.mk | $(PY_TOOLS)
	@test -x $(COMPAT_PY) || python3 -m venv $(COMPAT_VENV)
	$(COMPAT_PY) -m pip install -q --disable-pip-version-check -r $(COMPAT_DIR)/requirements.txt
	@touch $@

compat-venv: py $(COMPAT_PY_STAMP)
	$(COMPAT_PY) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall py/dist/kafkette-*.whl

# Maven needs Java and mvn (Debian: default-jdk-headless maven); both are on these machines.
$(COMPAT_JARS_STAMP): $(COMPAT_DIR)/pom.xml
	@command -v mvn >/dev/null || apt-get install -y -q maven || { apt-get update -q && apt-get install -y -q maven; }
	rm -rf $(COMPAT_DIR)/.jars/lib
	cd $(COMPAT_DIR) && mvn -q -B dependency:copy-dependencies -DoutputDirectory=.jars/lib
	@touch $@

compat-jars: $(COMPAT_JARS_STAMP)

$(COMPAT_JS_STAMP): $(COMPAT_DIR)/kafkajs/package.json $(COMPAT_DIR)/kafkajs/package-lock.json | node-tools
	cd $(COMPAT_DIR)/kafkajs && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

compat-js: $(COMPAT_JS_STAMP)

# The broker binary the tests start (`kafkette serve`), debug like the rest of `make test`, and
# the Rust side of our clients against Apache Kafka (core/tests/apache_kafka.rs, run by
# test_ours_vs_apache.py), built here so the test does not compile while the broker waits.
compat-bin: toolchain
	$(CARGO) build -q -p kafkette --bin kafkette
	$(CARGO) test -q -p kafkette --test apache_kafka --no-run

# ffi-lib: libkafkette.so for tests/compat/ours/roundtrip.c; node: the binding roundtrip.js requires.
compat-env: compat-tools compat-venv compat-jars compat-js compat-bin ffi-lib node

test-compat: compat-env
	cd $(COMPAT_DIR) && .venv/bin/python -m pytest -q -p no:cacheprovider .

# The side-by-side benchmark (make bench runs it after the Rust one): the same producers, Apache Kafka's
# kafka-producer-perf-test and confluent-kafka, against `kafkette serve` (release) and Apache Kafka on loopback.
# It needs the venv's confluent-kafka and the Kafka jars, not our wheel. BENCH_RECORDS (default 1000000),
# BENCH_RUNS (default 3) and BENCH_PARTITIONS (default 6) pass through from the environment.
compat-bin-release: toolchain
	$(CARGO) build -q --release -p kafkette --bin kafkette

bench-vs-kafka: $(COMPAT_PY_STAMP) compat-jars compat-bin-release
	KAFKETTE_BIN=$(CURDIR)/target/release/kafkette $(COMPAT_PY) $(COMPAT_DIR)/bench_vs_kafka.py
