# The two contracts: `make run` and `make test` (see README). Both install what is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core, which the browser tests inject into pages (pinned in package.json / package-lock.json).
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test lint install system nlu nlu-eval nlu-compare bench bench-scale conversation-eval clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (PostgreSQL binaries, Chromium), installed when missing.
system:
	bash scripts/system-packages.sh

# The NLU runs on Python 3.10 in its own environment: one model per language (nlu/data, nlu/lang/*),
# each retrained only when its data change.
nlu: $(STAMP)
	$(PY) -m nlu.manage ensure-venv
	$(PY) -m nlu.manage train

run: install nlu
	$(PY) -m bot run

$(AXE):
	npm install --no-audit --no-fund

# Style and the layers between packages fail the tests as surely as a failing test.
lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

test: system install nlu $(AXE) lint
	$(PY) -m pytest -q

nlu-eval: install nlu
	$(PY) -m nlu.manage eval

nlu-compare: install nlu
	$(PY) -m nlu.manage compare

bench: install nlu
	$(PY) -m bench

# 1, 2 and 4 application processes on PostgreSQL (127.0.0.1:5432), residents over Twilio and
# Telegram webhooks against local stand-ins (bench/scale.py); a few minutes.
bench-scale: install
	$(PY) -m bench scale

# Scripted residents through the real dialogue, NLU and rules (tests/conversations/).
conversation-eval: install nlu
	$(PY) -m bench.conversation_eval

clean:
	rm -rf $(VENV) .venv-nlu nlu/models var .pytest_cache node_modules
