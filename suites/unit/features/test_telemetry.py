"""The telemetry layer: GenAI spans, attempt spans, metrics, content recording, off = absent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from suites.unit.features.otel_capture import ALWAYS, ANSWERED, OTelCapture, text_in_spans
from unified import Clock, LMRequest, Message, MockBackend, UnifiedDSPyWrapper
from unified._config import (
    CacheConfig,
    RetryConfig,
    TelemetryConfig,
    UnifiedConfig,
    ValidationConfig,
)
from unified._errors import AuthError, RateLimitError, ServerError, ValidationError
from unified._features.base import CallRecord
from unified._features.metrics import Metered
from unified._features.telemetry import Attempted, Traced
from unified._pipeline import Pipeline
from unified._stack import layers

PROMPT = "What is the capital of France?"
ANSWER = "Paris, said the oracle"
REQ = LMRequest("openai/gpt-4o-mini", (Message("user", PROMPT),), system="Be terse.",
                params={"temperature": 0.3, "max_tokens": 64, "top_p": 0.9})


@pytest.fixture
def otel() -> Iterator[OTelCapture]:
    capture = OTelCapture()
    yield capture
    capture.shutdown()


def pipeline(otel: OTelCapture, *backends: MockBackend, telemetry: TelemetryConfig | None = None,
             **config: object) -> tuple[Pipeline, list[CallRecord], list[float]]:
    sleeps: list[float] = []
    pipe = Pipeline(list(backends), UnifiedConfig(
        backend="mock", telemetry=telemetry or otel.config(), **config),  # type: ignore[arg-type]
        clock=Clock(sleep=sleeps.append))
    records: list[CallRecord] = []
    pipe.listeners.append(records.append)
    return pipe, records, sleeps


def test_a_success_carries_every_genai_and_wrapper_attribute(otel: OTelCapture) -> None:
    pipe, records, _ = pipeline(otel, MockBackend([ANSWER], endpoint="mock://primary"))
    response = pipe.complete(REQ)
    [call] = otel.calls
    attrs = dict(call.attributes or {})
    assert ALWAYS | ANSWERED <= set(attrs)
    assert call.name == "chat openai/gpt-4o-mini"
    assert call.kind.name == "CLIENT"
    assert {k: attrs[k] for k in ("gen_ai.operation.name", "gen_ai.system",
                                  "gen_ai.request.model", "gen_ai.request.temperature",
                                  "gen_ai.request.max_tokens", "gen_ai.request.top_p",
                                  "unified.backend.kind", "unified.backend.endpoint")} == {
        "gen_ai.operation.name": "chat", "gen_ai.system": "unified.mock",
        "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 64, "gen_ai.request.top_p": 0.9,
        "unified.backend.kind": "mock", "unified.backend.endpoint": "mock://primary"}
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.usage.input_tokens"] == response.usage.input_tokens > 0
    assert attrs["gen_ai.usage.output_tokens"] == response.usage.output_tokens > 0
    assert attrs["gen_ai.response.model"] == "mock-model"
    assert (attrs["unified.attempts"], attrs["unified.retries"], attrs["unified.cache"],
            attrs["unified.fallback_used"]) == (1, 0, "off", False)
    assert attrs["unified.answered_by.endpoint"] == records[0].answered_by.endpoint
    assert "error.type" not in attrs and call.status.status_code.name == "UNSET"


def test_a_success_has_one_attempt_span_under_the_call_span(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER]))
    pipe.complete(REQ)
    [call] = otel.calls
    [attempt] = otel.attempts(call)
    assert attempt.name == "attempt mock"
    assert attempt.context.trace_id == call.context.trace_id
    assert dict(attempt.attributes or {})["unified.attempt"] == 1


def test_a_retried_call_records_attempts_waits_and_failed_attempt_spans(
        otel: OTelCapture) -> None:
    backend = MockBackend([ANSWER], errors=[ServerError("boom"), RateLimitError("slow", retry_after=4.0)])
    pipe, _, sleeps = pipeline(otel, backend, retry=RetryConfig(max_retries=3, base_delay=1.0))
    pipe.complete(REQ)
    [call] = otel.calls
    attrs = dict(call.attributes or {})
    assert (attrs["unified.attempts"], attrs["unified.retries"]) == (3, 2)
    assert attrs["unified.retry.waits"] == (1.0, 4.0) == tuple(sleeps)
    assert attrs["unified.retry.sleep_s"] == 5.0
    attempts = otel.attempts(call)
    assert [dict(a.attributes or {}).get("error.type") for a in attempts] == [
        "ServerError", "RateLimitError", None]
    assert [a.status.status_code.name for a in attempts] == ["ERROR", "ERROR", "UNSET"]
    assert [dict(a.attributes or {})["unified.attempt"] for a in attempts] == [1, 2, 3]
    assert call.status.status_code.name == "UNSET"
    assert otel.total("unified.client.retries") == 2


def test_a_cache_hit_has_no_attempt_span_and_counts_as_a_hit(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER]), cache=CacheConfig())
    pipe.complete(REQ)
    pipe.complete(REQ)
    miss, hit = otel.calls
    assert dict(miss.attributes or {})["unified.cache"] == "miss"
    hit_attrs = dict(hit.attributes or {})
    assert (hit_attrs["unified.cache"], hit_attrs["unified.attempts"]) == ("hit", 0)
    assert hit_attrs["gen_ai.usage.input_tokens"] == 0       # a hit costs no tokens
    assert otel.attempts(hit) == []
    assert (otel.total("unified.client.cache.hits"),
            otel.total("unified.client.cache.misses")) == (1, 1)


def test_a_fallback_names_the_backend_that_answered(otel: OTelCapture) -> None:
    primary = MockBackend([ANSWER], errors=[ServerError("down")] * 2, endpoint="mock://a")
    fallback = MockBackend([ANSWER], endpoint="mock://b")
    pipe, _, _ = pipeline(otel, primary, fallback, retry=RetryConfig(max_retries=1),
                          fallbacks=(UnifiedConfig(backend="mock", retry=None),))
    pipe.complete(REQ)
    [call] = otel.calls
    attrs = dict(call.attributes or {})
    assert attrs["unified.fallback_used"] is True
    assert (attrs["unified.backend.endpoint"], attrs["unified.answered_by.endpoint"]) == (
        "mock://a", "mock://b")
    assert [dict(a.attributes or {})["unified.backend.endpoint"]
            for a in otel.attempts(call)] == ["mock://a", "mock://a", "mock://b"]


def test_a_permanent_failure_marks_the_span_with_its_error_type(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER], errors=[AuthError("bad key")]),
                          retry=RetryConfig())
    with pytest.raises(AuthError):
        pipe.complete(REQ)
    [call] = otel.calls
    attrs = dict(call.attributes or {})
    assert attrs["error.type"] == "AuthError"
    assert call.status.status_code.name == "ERROR"
    assert call.status.description == "AuthError"
    assert ALWAYS <= set(attrs) and not ANSWERED & set(attrs)
    assert attrs["unified.attempts"] == 1
    [point] = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == "AuthError"
    assert otel.points("gen_ai.client.token.usage") == []


def test_the_validation_reason_code_is_on_the_span(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend(["ok", "x"]),
                          validation=ValidationConfig(min_length=2))
    pipe.complete(REQ)
    with pytest.raises(ValidationError):
        pipe.complete(REQ)
    passed, failed = (dict(c.attributes or {}) for c in otel.calls)
    assert passed["unified.validation"] == "all_validations_passed"
    assert (failed["unified.validation"], failed["error.type"]) == ("too_short",
                                                                    "ValidationError")


def test_metrics_are_labelled_by_backend_and_model(otel: OTelCapture) -> None:
    pipe, records, _ = pipeline(otel, MockBackend([ANSWER]))
    response = pipe.complete(REQ)
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1 and duration.sum == records[0].latency
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "chat", "gen_ai.system": "unified.mock",
        "gen_ai.request.model": "openai/gpt-4o-mini", "unified.backend.kind": "mock"}
    tokens = {p.attributes["gen_ai.token.type"]: p.sum
              for p in otel.points("gen_ai.client.token.usage")}
    assert tokens == {"input": response.usage.input_tokens,
                      "output": response.usage.output_tokens}


def test_metrics_can_be_switched_off_while_spans_stay(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER]), telemetry=otel.config(metrics=False))
    pipe.complete(REQ)
    assert len(otel.calls) == 1
    assert otel.points("gen_ai.client.operation.duration") == []


def test_without_content_recording_no_prompt_or_completion_text_is_in_any_span(
        otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER]))
    pipe.complete(REQ)
    spans = otel.spans
    assert len(spans) == 2
    for text in (PROMPT, "Be terse", ANSWER):
        assert text_in_spans(spans, text) == []


def test_recorded_content_has_api_keys_redacted(otel: OTelCapture) -> None:
    configured = "gw-configured-key-9f8e7d"
    shaped = "sk-proj-ABCDEFGHIJKLMNOPQRSTUV123"
    request = LMRequest("m", (Message("user", f"{PROMPT} key={configured} or {shaped}"),),
                        system=f"never say {configured}")
    pipe, _, _ = pipeline(otel, MockBackend([f"{ANSWER} {shaped}"]), gateway_api_key=configured,
                          telemetry=otel.config(record_content=True))
    pipe.complete(request)
    [call] = otel.calls
    attrs = dict(call.attributes or {})
    [message] = json.loads(attrs["gen_ai.input.messages"])
    assert message["parts"][0]["content"] == f"{PROMPT} key=*** or ***"
    assert json.loads(attrs["gen_ai.system_instructions"])[0]["content"] == "never say ***"
    [output] = json.loads(attrs["gen_ai.output.messages"])
    assert output["parts"][0]["content"] == f"{ANSWER} ***"
    assert text_in_spans(otel.spans, configured) == text_in_spans(otel.spans, shaped) == []


def test_the_async_path_keeps_attempt_spans_under_the_call_span(otel: OTelCapture) -> None:
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER], errors=[ServerError("x")]),
                          retry=RetryConfig())
    asyncio.run(pipe.acomplete(REQ))
    [call] = otel.calls
    assert len(otel.attempts(call)) == 2


def test_a_dspy_program_through_the_wrapper_emits_one_span_per_lm_call(
        otel: OTelCapture) -> None:
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="mock", telemetry=otel.config()),
                                 backend=MockBackend([{"reasoning": "r", "answer": "4"}]))
    module = wrapper.create_module("question -> answer", kind="chain_of_thought")
    assert module.predict(question="2+2?").answer == "4"
    [call] = otel.calls
    assert dict(call.attributes or {})["unified.attempts"] == 1
    wrapper.close()


def test_with_telemetry_off_the_pipeline_holds_no_telemetry() -> None:
    pipe = Pipeline([MockBackend([ANSWER])], UnifiedConfig(backend="mock"))
    assert pipe.telemetry is None
    assert type(pipe.stack) is Metered
    assert not any(isinstance(layer, (Traced, Attempted)) for layer in layers(pipe.stack))


def test_with_telemetry_on_the_stack_is_traced_outermost_and_each_backend_attempted(
        otel: OTelCapture) -> None:
    pipe = Pipeline([MockBackend([ANSWER])], UnifiedConfig(backend="mock",
                                                           telemetry=otel.config()))
    found = [type(layer).__name__ for layer in layers(pipe.stack)]
    assert found[:2] == ["Traced", "Metered"]
    assert found[-3:] == ["Retrying", "Attempted", "MockBackend"]


def test_with_telemetry_off_opentelemetry_is_never_imported() -> None:
    code = ("import sys; from unified import *; "
            "w = UnifiedDSPyWrapper(UnifiedConfig(backend='mock'), "
            "backend=MockBackend([{'answer': '1'}])); "
            "w.create_module('q -> answer').predict(q='x'); "
            "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_given_providers_are_used_and_no_global_provider_is_installed(
        otel: OTelCapture) -> None:
    from opentelemetry import trace

    before = trace.get_tracer_provider()
    pipe, _, _ = pipeline(otel, MockBackend([ANSWER]))
    pipe.complete(REQ)
    assert trace.get_tracer_provider() is before
    assert len(otel.calls) == 1


def test_the_applications_global_sdk_provider_receives_the_spans() -> None:
    code = """
import json
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from unified import LMRequest, Message, MockBackend, TelemetryConfig, UnifiedConfig
from unified._pipeline import Pipeline
pipe = Pipeline([MockBackend(["a"])], UnifiedConfig(backend="mock",
                telemetry=TelemetryConfig(enabled=True)))   # built before the SDK is set up
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
pipe.complete(LMRequest("m", (Message("user", "q"),)))
print(json.dumps(sorted(s.name for s in exporter.get_finished_spans())))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == ["attempt mock", "chat m"]


def test_a_media_part_is_recorded_by_its_type_never_its_payload(otel: OTelCapture) -> None:
    from types import SimpleNamespace

    from unified._features.telemetry import Telemetry

    payload = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
    message = SimpleNamespace(role="user", parts=(
        SimpleNamespace(type="text", text="Describe sk-abcdefghijklmnopqrstuv"),
        SimpleNamespace(type="image", data=payload)))
    request = SimpleNamespace(messages=(message,), system=None, system_text="Be terse.")
    telemetry = Telemetry(otel.config(record_content=True),
                          identity=MockBackend().identity(), secrets=())
    content = telemetry._content_in(request)  # type: ignore[arg-type]
    assert json.loads(content["gen_ai.input.messages"]) == [{"role": "user", "parts": [
        {"type": "text", "content": "Describe ***"}, {"type": "image"}]}]
    assert json.loads(content["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be terse."}]
