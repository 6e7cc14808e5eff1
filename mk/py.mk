# The Python face (py/): a venv in py/.venv with the build and test tools, the wheel
# built the way `pip install ./py` builds it (PEP 517 through maturin, release profile)
# into py/dist, installed into the venv, then pytest. Rebuilt only when sources change.

PY_VENV := py/.venv
PY_BIN := $(PY_VENV)/bin/python
PY_TOOLS := $(PY_VENV)/.tools-installed
PY_WHEEL_STAMP := py/dist/.built
PY_SOURCES := $(shell find py/src py/python core/src -type f -not -name '*.so' 2>/dev/null) \
	py/Cargo.toml py/pyproject.toml core/Cargo.toml Cargo.toml Cargo.lock

.PHONY: py test-py

$(PY_TOOLS): mk/py.mk
	@python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || \
		apt-get install -y python3-venv || { apt-get update && apt-get install -y python3-venv; }
	@test -x $(PY_BIN) || python3 -m venv $(PY_VENV)
	$(PY_BIN) -m pip install -q --disable-pip-version-check "maturin>=1.9,<2" "pytest>=8" "mypy>=1.10"
	@touch $@

$(PY_WHEEL_STAMP): $(PY_SOURCES) $(PY_TOOLS)
	rm -f py/dist/kafkette-*.whl
	$(PY_BIN) -m pip wheel -q --disable-pip-version-check --no-deps -w py/dist ./py
	@touch $@

py: toolchain $(PY_WHEEL_STAMP)
	$(PY_BIN) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall py/dist/kafkette-*.whl

test-py: py
	cd py && KAFKETTE_WHEEL="$$(ls $(CURDIR)/py/dist/kafkette-*.whl | head -1)" .venv/bin/python -m pytest -q tests
