"""Per-call cost of DSPy ``Predict`` through the unified wrapper, the legacy patterns and
their compat shims, and the cache layers (groups ``predict``, ``patterns``, ``cache``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.perf.patterns import PATTERNS, pattern_workload
from harness.perf.subjects import (
    Workload,
    cache_workloads,
    floor_workload,
    unified_workload,
)

PREDICT: dict[str, Callable[[], Workload]] = {
    "bare-engine-floor": floor_workload,
    "unified-mock-miss": unified_workload,
    "unified-mock-no-cache": lambda: unified_workload(cache=False),
}


@pytest.mark.benchmark(group="predict")
@pytest.mark.parametrize("name", list(PREDICT))
def test_predict(benchmark, workload: list[Workload], name: str) -> None:
    """One ``Predict`` call: the bare-engine floor vs the unified wrapper (mock backend,
    retry + validation + metrics on; cache on and missing, or off)."""
    load = PREDICT[name]()
    workload.append(load)
    benchmark(load.run, 1)


@pytest.mark.benchmark(group="patterns")
@pytest.mark.parametrize("kind", ["legacy", "compat"])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern(benchmark, workload: list[Workload], pattern: str, kind: str) -> None:
    """One call of each legacy pattern and of its compat shim, same in-process answerer."""
    load = pattern_workload(kind, pattern)
    workload.append(load)
    benchmark(load.run, 1)


@pytest.mark.benchmark(group="cache")
@pytest.mark.parametrize("layer", ["miss", "memory", "disk"])
def test_cache(benchmark, workload: list[Workload], tmp_path, layer: str) -> None:
    """Pipeline-level call on a mock backend: a miss, a memory hit, a disk hit."""
    loads = cache_workloads(str(tmp_path))
    workload.append(loads["miss"])
    benchmark(loads[layer].run, 1)
