# WebAssembly binding (wasm/): wasm-bindgen package for the playground, tested under Node.
# `make wasm` builds wasm/pkg, an ES module (`--target web`) with its .wasm; wasm/build.sh picks
# rustup's wasm32 target or Debian's rustc-web (std built from source) and installs the apt
# packages and the wasm-bindgen-cli it needs. `make test-wasm` also runs wasm/test with node --test.


.PHONY: wasm test-wasm

wasm: toolchain
	HOST_CARGO=$(CARGO) wasm/build.sh

test-wasm: wasm node-tools
	node --test wasm/test/*.test.mjs
