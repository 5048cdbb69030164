"""Parallel parity runs: a cold worker starts on the light scenarios while the parent
imports, and every scenario still runs once, its result in the scenarios' order."""

from __future__ import annotations

import functools

import pytest

import harness.parity.pool as pool
from harness.parity.run import run_scenario
from harness.parity.scenarios import SCENARIO_DIR, load_scenario

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NAMES = ("enhanced-direct-plain", "simple-predict-plain", "gateway-predict-plain",
         "enhanced-direct-503-then-success", "simple-cache-repeat")


def _verdicts(result):  # type: ignore[no-untyped-def]
    return result.scenario, [(r.implementation, r.status, r.diffs) for r in result.results]


def test_a_parallel_run_gives_the_serial_verdicts_in_the_scenarios_order() -> None:
    scenarios = [load_scenario(SCENARIO_DIR / f"{name}.yaml") for name in NAMES]
    seen: list[int] = []
    results = pool.run_pool(scenarios, run_scenario, 2, lambda result, done, total: seen.append(done))
    assert [_verdicts(r) for r in results] == [_verdicts(run_scenario(s)) for s in scenarios]
    assert seen == [1, 2, 3, 4, 5]


def test_light_scenarios_the_cold_worker_has_not_started_run_on_the_warm_workers(
        monkeypatch) -> None:
    scenarios = [load_scenario(SCENARIO_DIR / f"{name}.yaml") for name in NAMES]
    monkeypatch.setattr(pool, "preload", lambda modules: [])   # warm at once: most go back
    results = pool.run_pool(scenarios, functools.partial(run_scenario, only=("unified",)), 2)
    assert [r.scenario for r in results] == list(NAMES)
    assert all(not r.failed for r in results)


def test_a_selection_without_light_scenarios_forks_no_cold_worker() -> None:
    scenarios = [load_scenario(SCENARIO_DIR / "enhanced-direct-plain.yaml")]
    assert pool._start_cold(scenarios, [(scenarios[0].path, ())]) == (None, {})


def test_the_parent_warms_up_on_the_first_scenario_of_each_heavy_backend() -> None:
    names = ("simple-predict-plain", "bedrock-predict-plain", "enhanced-direct-plain",
             "bedrock-cache-repeat", "enhanced-direct-plain")
    scenarios = [load_scenario(SCENARIO_DIR / f"{name}.yaml") for name in names]
    assert pool.warm_up_indices(scenarios) == [1, 2]


def test_the_parent_also_warms_up_on_the_first_failing_call_of_each_heavy_backend() -> None:
    names = ("enhanced-direct-plain", "bedrock-predict-plain", "enhanced-direct-plain",
             "gateway-fallback-to-direct", "bedrock-throttling-then-success",
             "enhanced-direct-503-then-success")
    scenarios = [load_scenario(SCENARIO_DIR / f"{name}.yaml") for name in names]
    assert pool.warm_up_indices(scenarios) == [0, 1, 3, 4]
