# Node.js binding (node/): napi-rs native module + KafkaJS-shaped JS, tested with node --test.
# `make node` builds node/kafkette.linux-x64-gnu.node; `make test-node` also installs the npm
# dev packages (typescript, @types/node) locally with npm ci, runs the tests and a fresh-folder install.

NODE_PROFILE ?= debug
NODE_ADDON := node/kafkette.linux-x64-gnu.node
NODE_STAMP := node/node_modules/.kafkette-installed

.PHONY: node test-node node-tools

# Debian 12 ships node 18 (node --test, npm); install it only when missing.
node-tools:
	@command -v node >/dev/null && command -v npm >/dev/null || \
		apt-get install -y nodejs npm || { apt-get update && apt-get install -y nodejs npm; }

node: toolchain
	$(CARGO) build -q -p kafkette-node $(if $(filter release,$(NODE_PROFILE)),--release)
	@# Debug info stripped: the addon goes into the npm package.
	cp target/$(NODE_PROFILE)/libkafkette_node.so $(NODE_ADDON).tmp
	strip -S $(NODE_ADDON).tmp
	mv $(NODE_ADDON).tmp $(NODE_ADDON)

$(NODE_STAMP): node/package.json node/package-lock.json | node-tools
	cd node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-node: node node-tools $(NODE_STAMP)
	cd node && node --test --test-timeout=60000 test/
	bash node/scripts/fresh-install.sh
