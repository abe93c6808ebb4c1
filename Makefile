# conduit: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pyenv resolves python3 to 3.12 through .python-version; elsewhere take any python >= 3.12
PYTHON ?= $(shell for p in python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test setup lint format browser baselines bench mutate clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "conduit needs Python >= 3.12 (none found on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[viz,dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/conduit run scenarios/uk-2008-bpi-vs-talktalk.yaml --replicates 4 --steps 260 --set population.subscribers=100000

# the browser tests drive /usr/bin/chromium (Playwright cannot download a browser here)
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

baselines: setup
	$(PY) tests/baselines/regenerate.py
	$(PY) tests/image_baselines/regenerate.py

bench: setup
	$(PY) benchmarks/bench_model.py

# one-line mutants of the model rules; each must make a behavioural test fail (docs/mutation.md)
mutate: setup
	$(PY) tools/mutate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
