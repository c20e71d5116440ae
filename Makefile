# kg_builder — the two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DEMO_STORE ?= demo-store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo demo-build test install install-test lint bench clean vendor fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 'setuptools>=77'  # tests/test_wheel.py builds with the venv's own
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)
install-test: $(TEST_STAMP)

## demo: build the example graph, validate it, then serve it on http://$(HOST):$(PORT)/
demo: $(STAMP)
	$(BIN)/kg-builder build examples/ctgov-json examples/seeds --store $(DEMO_STORE) --rejects $(DEMO_STORE).rejects.tsv --fresh; \
	  status=$$?; if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi
	$(BIN)/kg-builder validate --store $(DEMO_STORE)
	$(BIN)/kg-builder stats --store $(DEMO_STORE)
	$(BIN)/kg-builder query --store $(DEMO_STORE) --name trial-overview --param nct=NCT07003074
	$(BIN)/kg-builder serve --store $(DEMO_STORE) --host $(HOST) --port $(PORT)

## demo-build: the demo without serving (build, validate, print a query)
demo-build: $(STAMP)
	$(BIN)/kg-builder build examples/ctgov-json examples/seeds --store $(DEMO_STORE) --quiet --fresh
	$(BIN)/kg-builder validate --store $(DEMO_STORE)
	$(BIN)/kg-builder query --store $(DEMO_STORE) --name adc-trials

## test: the whole suite, offline
test: $(TEST_STAMP)
	bash .ci/install-browser.sh
	$(BIN)/ruff check kg_builder tests bench
	$(BIN)/pytest

## fuzz: the long fuzz run: FUZZ_EXAMPLES mutated real records per layout (FUZZ_LAYOUTS: a pytest -k
## expression), read = built + rejected and no record over FUZZ_TIME_BOUND CPU seconds; figures at the end.
## Memory is capped (ulimit -v, KiB) so that a blow-up fails the run instead of the machine.
FUZZ_EXAMPLES ?= 10000
FUZZ_TIME_BOUND ?= 1
FUZZ_LAYOUTS ?= every
FUZZ_MEMORY ?= 6000000
fuzz: $(TEST_STAMP)
	ulimit -v $(FUZZ_MEMORY); KG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) KG_FUZZ_TIME_BOUND=$(FUZZ_TIME_BOUND) \
	  $(BIN)/pytest tests/fuzz -p no:cacheprovider -k "$(FUZZ_LAYOUTS)"

lint: $(TEST_STAMP)
	$(BIN)/ruff check kg_builder tests bench

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/build.py

## vendor: refresh the browser libraries of the query and landscape pages from npm (pins: web/package.json and
## web/package-lock.json) into kg_builder/server/static/vendor/, licenses and MANIFEST.json included. Needs node + npm;
## the result is committed (package data), node_modules is not.
vendor:
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	node web/vendor.mjs

clean:
	rm -rf $(DEMO_STORE) $(DEMO_STORE).rejects.tsv .pytest_cache .ruff_cache
