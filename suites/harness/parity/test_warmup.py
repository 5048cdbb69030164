"""What a parallel run imports before forking, and which scenarios need none of it."""

from __future__ import annotations

import gc
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from harness.parity import warmup
from harness.parity.scenarios import SCENARIO_DIR, load_scenario


def _scenario(name: str):  # type: ignore[no-untyped-def]
    return load_scenario(SCENARIO_DIR / f"{name}.yaml")


def test_a_gateway_scenario_is_light_and_needs_only_the_base_modules() -> None:
    scenario = _scenario("simple-predict-plain")
    assert warmup.is_light(scenario)
    assert warmup.modules_for([scenario]) == warmup.BASE


def test_a_unified_fallback_to_direct_makes_a_gateway_scenario_need_litellm() -> None:
    scenario = _scenario("gateway-fallback-to-direct")
    assert warmup.backends_reached(scenario) == {"gateway", "direct"}
    assert not warmup.is_light(scenario) and "litellm" in warmup.modules_for([scenario])


def test_a_dynamic_scenario_reaches_the_direct_backend() -> None:
    assert "direct" in warmup.backends_reached(_scenario("dynamic-forecasting"))


def test_bedrock_scenarios_need_moto_and_not_litellm() -> None:
    modules = warmup.modules_for([_scenario("bedrock-predict-plain")])
    assert "moto" in modules and "litellm" not in modules


def test_preload_reports_a_missing_module_and_freezes_what_it_imported() -> None:
    try:
        assert warmup.preload(["json", "harness_no_such_module"]) == ["harness_no_such_module"]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_collector_is_paused_in_the_block_then_restored_and_what_it_built_frozen() -> None:
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        with warmup.collector_paused():
            assert not gc.isenabled()
            built = [[] for _ in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= len(built)
        gc.disable()
        with warmup.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        (gc.enable if was_enabled else gc.disable)()


def test_settling_waits_until_the_logging_pool_has_run_what_it_was_handed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setitem(sys.modules, warmup.LOGGING_POOL, SimpleNamespace(executor=pool))
    ran: list[int] = []
    pool.submit(lambda: (time.sleep(0.2), ran.append(1)))
    warmup.settle_logging_threads()
    assert ran == [1]
    pool.shutdown()


def test_settling_without_litellm_imported_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, warmup.LOGGING_POOL, raising=False)
    warmup.settle_logging_threads()
