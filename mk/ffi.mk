# The C face (ffi/): libkafkette.so/.a, the cbindgen header, and C test programs run
# as they are and under valgrind's memcheck. `make ffi` builds and checks the header;
# `make test-ffi` also installs what the tests need (cbindgen, valgrind) and runs them.

FFI_CBINDGEN_VERSION := 0.29.4
FFI_TOOLS := $(CURDIR)/.tools
FFI_CBINDGEN := $(FFI_TOOLS)/bin/cbindgen
FFI_HEADER := ffi/include/kafkette.h
# cbindgen writes negative constants bare (`#define X -1`); parenthesize them so `a-X` stays `a - (-1)`.
FFI_GEN = $(FFI_CBINDGEN) --quiet --config ffi/cbindgen.toml --crate kafkette-ffi ffi \
	| sed -E 's/^(\#define [A-Za-z0-9_]+) (-[0-9]+)$$/\1 (\2)/'

.PHONY: ffi ffi-lib ffi-cbindgen ffi-header ffi-header-check ffi-valgrind test-ffi

# cbindgen at exactly the pinned version, in a repo-local (gitignored) root.
ffi-cbindgen: toolchain
	@if [ "$$($(FFI_CBINDGEN) --version 2>/dev/null)" != "cbindgen $(FFI_CBINDGEN_VERSION)" ]; then \
		echo "installing cbindgen $(FFI_CBINDGEN_VERSION) into $(FFI_TOOLS)"; \
		$(CARGO) install cbindgen --version $(FFI_CBINDGEN_VERSION) --locked --root $(FFI_TOOLS) --force -q; \
	fi

ffi-lib: toolchain
	$(CARGO) build -q -p kafkette-ffi

# Regenerate the committed header after changing ffi/src.
ffi-header: ffi-cbindgen
	$(FFI_GEN) > $(FFI_HEADER)

ffi-header-check: ffi-cbindgen
	@tmp=$$(mktemp); trap 'rm -f $$tmp' EXIT; $(FFI_GEN) > $$tmp || exit 1; \
	if ! diff -u $(FFI_HEADER) $$tmp; then \
		echo "$(FFI_HEADER) drifted from ffi/src: run 'make ffi-header' and commit it"; exit 1; \
	fi; echo "ffi header: $(FFI_HEADER) matches cbindgen $(FFI_CBINDGEN_VERSION)"

ffi: ffi-lib ffi-header-check

ffi-valgrind:
	@command -v valgrind >/dev/null || apt-get install -y -q valgrind || { apt-get update -q && apt-get install -y -q valgrind; }

test-ffi: ffi ffi-valgrind
	CC="$${CC:-cc}" LIB_DIR="$(CURDIR)/target/debug" OUT_DIR="$(CURDIR)/target/ffi-tests" bash ffi/tests/run.sh
