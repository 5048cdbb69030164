# unified-dspy: every target sets itself up (a venv and an editable install) first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint parity perf perf-selftest bench record dashboard publish clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[all,dev]'
	@touch $(STAMP)

install: $(STAMP)

test: install
	$(PY) -m pytest --cov=unified --cov=unified_tlm --cov=unified_datatable --cov-report=term:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check unified unified_tlm unified_datatable harness
	$(PY) -m mypy unified unified_tlm unified_datatable harness

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage

# The perf gate counts instructions under valgrind (a few minutes): its own step, `make
# perf` (PERF_ARGS may add --pair/--target/--inconclusive=warn/...). PERF=--perf folds it
# into `make parity` again.
PERF ?=
parity: install
	$(PY) -m harness parity $(PERF) $(PARITY_ARGS)

perf: install
	$(PY) -m harness perf $(PERF_ARGS)

# the gate, then +3 %, +10 % and +2 ms injected into every candidate: each must FAIL
perf-selftest: install
	$(PY) -m harness perf --self-test $(PERF_ARGS)

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
