"""The counting child's side, run in-process: a job's record, injected slowdowns, and
legacy references moved onto DSPy's engine route. No counter involved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.perf.engine_route import ForwardEngine, apply_engine_route
from harness.perf.server import _patch_target, run_job


def _record(tmp_path: Path, job_id: str) -> dict[str, Any]:
    return json.loads((tmp_path / f"{job_id}.json").read_text())


def test_a_job_records_its_pid_and_the_waits_of_its_counted_calls(tmp_path: Path) -> None:
    run_job({"id": "j1", "subject": "burn", "calls": 3, "warmup": 1}, tmp_path)
    record = _record(tmp_path, "j1")
    assert record["id"] == "j1" and record["pid"] > 0 and record["waits"] == 0


def test_an_injected_sleep_blocks_once_per_call(tmp_path: Path) -> None:
    run_job({"id": "j2", "subject": "burn", "calls": 5, "warmup": 0,
             "inject": {"sleep": 0.001}}, tmp_path)
    assert _record(tmp_path, "j2")["waits"] >= 3  # a sleep blocks (a voluntary switch)


def test_the_environment_can_slow_a_subject_down_for_a_test(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_PERF_INJECT", json.dumps({"bu*": {"sleep": 0.001}}))
    run_job({"id": "j3", "subject": "burn", "calls": 4, "warmup": 0}, tmp_path)
    assert _record(tmp_path, "j3")["waits"] >= 3


class _Target:
    calls = 0

    def work(self) -> int:
        return 7


def test_a_hot_path_target_runs_the_slowdown_on_every_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(_Target, "work", _Target.work)  # restored after the test
    _patch_target(f"{__name__}:_Target.work", lambda: seen.append(1))
    assert _Target().work() == 7 and _Target().work() == 7 and seen == [1, 1]


class _LegacyLM:
    model = "legacy-model"

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def forward(self, prompt: Any = None, messages: Any = None, **params: Any) -> dict:
        self.seen.append((messages, params))
        return {"model": self.model, "usage": {"prompt_tokens": 3, "completion_tokens": 2,
                                               "total_tokens": 5},
                "choices": [{"message": {"role": "assistant", "content": "hi there"}}]}


def test_the_forward_engine_answers_an_lm15_request_through_the_legacy_forward() -> None:
    from dspy.lm15 import Config, Message, Request, TextPart

    legacy = _LegacyLM()
    request = Request(model="m", messages=(Message.user([TextPart("hello")]),), system="be kind",
                      config=Config(temperature=0.2, max_tokens=9))
    response = ForwardEngine(legacy).complete(request)
    assert response.text == "hi there" and response.usage.total_tokens == 5
    assert legacy.seen == [([{"role": "system", "content": "be kind"},
                             {"role": "user", "content": "hello"}],
                            {"temperature": 0.2, "max_tokens": 9})]


def test_the_legacy_gateway_lm_is_built_on_the_engine_route_after_the_patch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import dspy

    from harness.legacy import load_legacy_module

    ns = load_legacy_module("dspy_gateway_backend")
    monkeypatch.setattr(ns, "DSPyGatewayLM", ns.DSPyGatewayLM)  # restored after the test
    original = ns.DSPyGatewayLM
    apply_engine_route(ns, "gateway")
    lm = ns.DSPyGatewayLM("chat", "http://gateway.invalid")
    assert isinstance(lm, dspy.LM) and isinstance(lm.engine, ForwardEngine)
    assert isinstance(lm.engine.legacy_lm, original) and lm.backend is lm.engine.legacy_lm.backend
