"""The benchmark suite (pytest-benchmark, plain ``benchmark`` fixture).

Every test here is marked ``bench`` and is left out of ordinary runs (``make test``):
the numbers come from ``make bench`` (``python -m harness bench``), which selects them
with ``-m bench`` and saves pytest-benchmark's JSON under ``reports/bench/``. They also
run when asked for explicitly: ``pytest suites/bench -m bench`` or ``--benchmark-only``,
or with ``UNIFIED_BENCH=1``.

DSPy's cache is switched off by ``suites/conftest.py`` before dspy is imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.perf.subjects import Workload

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``bench`` marker."""
    config.addinivalue_line("markers", "bench: a benchmark (run by make bench, not make test)")


def _wanted(config: pytest.Config) -> bool:
    markexpr = config.getoption("markexpr", "") or ""
    return ("bench" in markexpr and "not bench" not in markexpr) or bool(
        config.getoption("benchmark_only", False)) or os.environ.get("UNIFIED_BENCH") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this directory's tests ``bench``; deselect them unless benchmarks were asked for."""
    ours = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.bench)
    if ours and not _wanted(config):
        keep = set(map(id, ours))
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if id(item) not in keep]


@pytest.fixture
def workload() -> Iterator[list[Workload]]:
    """Workloads a test registers here are closed after it."""
    made: list[Workload] = []
    yield made
    for item in made:
        item.close()


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    """One scripted OpenAI-compatible server on 127.0.0.1 for a module's benchmarks."""
    from harness.stack.upstream import ScriptedUpstream

    with ScriptedUpstream() as server:
        yield server.url
