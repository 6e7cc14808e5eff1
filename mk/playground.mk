# The browser playground (playground/): a static site around the wasm package.
#   make playground       build wasm/pkg and assemble the site in playground/dist
#   make run              build it and serve it on 127.0.0.1 (prints the URL)
#   make test-playground  install Chromium and playwright-core if missing, build, test in headless Chromium
# The site needs no special headers: any static file server of playground/dist works.

.PHONY: playground playground-page serve-playground test-playground playground-chromium

PLAYGROUND_DIST := playground/dist
PLAYGROUND_PORT ?= 8000

# src/** keeps its tree (src/views/*.js); views.css is optional until the views land (an empty
# one keeps the page's <link> from a 404).
playground: wasm
	@rm -rf $(PLAYGROUND_DIST).tmp && mkdir -p $(PLAYGROUND_DIST).tmp/pkg
	@cp playground/index.html playground/style.css $(PLAYGROUND_DIST).tmp/
	@if [ -f playground/views.css ]; then cp playground/views.css $(PLAYGROUND_DIST).tmp/; \
	  else : > $(PLAYGROUND_DIST).tmp/views.css; fi
	@cp -R playground/src $(PLAYGROUND_DIST).tmp/src
	@cp wasm/pkg/kafkette_wasm.js wasm/pkg/kafkette_wasm_bg.wasm $(PLAYGROUND_DIST).tmp/pkg/
	@rm -rf $(PLAYGROUND_DIST) && mv $(PLAYGROUND_DIST).tmp $(PLAYGROUND_DIST)
	@echo "playground: built $(PLAYGROUND_DIST) ($$(du -sk $(PLAYGROUND_DIST) | cut -f1) KiB)"

# The page without rebuilding wasm/pkg (the views and the shell change often; the engine rarely).
playground-page:
	@test -f wasm/pkg/kafkette_wasm_bg.wasm || { echo "wasm/pkg is not built: run make wasm first"; exit 1; }
	@$(MAKE) --no-print-directory -o wasm playground

# Port $(PLAYGROUND_PORT) if free, else any free port.
serve-playground: playground
	@port=$(PLAYGROUND_PORT); \
	python3 -c "import socket; socket.socket().bind(('127.0.0.1', $$port))" 2>/dev/null || \
	  port=$$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"); \
	echo; echo "kafkette playground: open http://127.0.0.1:$$port/   (Ctrl-C stops the server)"; echo; \
	exec python3 -m http.server --bind 127.0.0.1 --directory $(PLAYGROUND_DIST) $$port

# Debian's Chromium (browser downloads by test tools are not possible here).
playground-chromium:
	@[ -x /usr/bin/chromium ] || { \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  apt="env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q"; \
	  $$sudo $$apt install chromium || { $$sudo $$apt update && $$sudo $$apt install chromium; }; }

playground/node_modules/.package-lock.json: playground/package.json playground/package-lock.json
	cd playground && npm ci --no-audit --no-fund
	@touch $@

test-playground: playground playground-chromium playground/node_modules/.package-lock.json
	@command -v node >/dev/null || { echo "node not found: install Node.js 20 or later"; exit 1; }
	cd playground && node --test test/*.test.mjs
