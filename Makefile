# Two commands on a fresh machine (see README):
#   make all    set up .venv + node_modules, synthesize every stack, validate, plan offline, checkov gate
#   make test   the full test suite
PYTHON ?= python3
PY := .venv/bin/python
ENV ?=
ONLY := $(if $(ENV),--only $(ENV),)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

ENDPOINT ?=

.PHONY: all setup synth plan test test-integration bench local-up local-apply clean

all: plan

setup: .venv/.installed node_modules/.installed

.venv/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv .venv
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	$(PY) main.py $(ONLY)

plan: setup
	$(PY) -m modules.pipeline.run $(ONLY)

test: setup
	$(PY) -m pytest --durations=30

test-integration: setup
	$(PY) -m pytest tests/integration -m integration --durations=0

# Local AWS emulator (moto server on 127.0.0.1): see modules/local_aws/README.md
local-up: setup
	$(PY) -m modules.local_aws up

local-apply: setup
	$(PY) -m modules.local_aws apply --env $(or $(ENV),dev) $(if $(ENDPOINT),--endpoint $(ENDPOINT),)

bench: setup
	$(PY) scripts/benchmark_synth.py

clean:
	rm -rf cdktf.out build .pytest_cache
