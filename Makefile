# unified-dspy: every target sets itself up (a venv and an editable install) first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint parity bench record dashboard publish clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[all,dev]'
	@touch $(STAMP)

install: $(STAMP)

test: install
	$(PY) -m pytest --cov=unified --cov-report=term:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check unified harness
	$(PY) -m mypy unified harness

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage

# PERF= (empty) skips the perf gate; PARITY_ARGS may add --perf-pair/--perf-target/...
PERF ?= --perf
parity: install
	$(PY) -m harness parity $(PERF) $(PARITY_ARGS)

record: install
	$(PY) -m harness record $(RECORD_ARGS)

bench: install
	$(PY) -m harness bench $(BENCH_ARGS)

dashboard: install
	$(PY) -m harness dashboard $(DASHBOARD_ARGS)

# Runs write to reports/latest/ (ignored); publish copies the latest run into the
# committed reports/, appends its history lines and regenerates the README's numbers.
publish: install
	$(PY) -m harness publish $(PUBLISH_ARGS)
