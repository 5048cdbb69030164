"""OTLP/HTTP export: ``TelemetryConfig(otlp_endpoint=...)`` sends the same spans and the
metrics to a collector; here a local receiver on 127.0.0.1 decodes them with
``opentelemetry-proto``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from suites.unit.features.otel_capture import (
    OTelCapture,
    Receiver,
    exported_metrics,
    running_receiver,
)
from unified import Clock, LMRequest, Message, MockBackend, TelemetryConfig, UnifiedConfig
from unified._config import RetryConfig
from unified._errors import ServerError
from unified._pipeline import Pipeline

REQ = LMRequest("m", (Message("user", "q"),), params={"temperature": 0.5})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return tuple(_value(v) for v in any_value.array_value.values)
    return getattr(any_value, kind)


def _run(telemetry: TelemetryConfig) -> None:
    """A retried call then a plain one; closing the pipeline flushes its providers."""
    pipe = Pipeline([MockBackend(["a"], errors=[ServerError("x")])],
                    UnifiedConfig(backend="mock", retry=RetryConfig(), telemetry=telemetry),
                    clock=Clock(sleep=lambda seconds: None))
    pipe.complete(REQ)
    pipe.complete(REQ)
    pipe.close()


def _exported_spans(receiver: Receiver) -> list[dict[str, Any]]:
    spans = []
    for body in receiver.bodies.get("/v1/traces", []):
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
            service = {a.key: _value(a.value) for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    spans.append({"name": span.name, "service": service["service.name"],
                                  "scope": scope.scope.name, "id": span.span_id,
                                  "parent": span.parent_span_id,
                                  "attributes": {a.key: _value(a.value)
                                                 for a in span.attributes}})
    return spans


def test_otlp_export_carries_the_same_spans_as_the_in_memory_exporter(
        receiver: Receiver) -> None:
    memory = OTelCapture()
    _run(memory.config())
    expected = sorted((s.name, tuple(sorted(dict(s.attributes or {}).items())))
                      for s in memory.spans)
    _run(TelemetryConfig(enabled=True, otlp_endpoint=receiver.url, service_name="svc-a"))
    exported = _exported_spans(receiver)
    assert sorted((s["name"], tuple(sorted(s["attributes"].items()))) for s in exported) == \
        expected
    assert {(s["service"], s["scope"]) for s in exported} == {("svc-a", "unified")}
    calls = {s["id"] for s in exported if s["name"] == "chat m"}
    attempts = [s for s in exported if s["name"] == "attempt mock"]
    assert len(calls) == 2 and len(attempts) == 3
    assert all(s["parent"] in calls for s in attempts)
    memory.shutdown()


def test_otlp_export_carries_the_genai_metrics(receiver: Receiver) -> None:
    _run(TelemetryConfig(enabled=True, otlp_endpoint=receiver.url))
    names = {name: sum(p["count"] if "count" in p else p["value"] for p in points)
             for name, points in exported_metrics(receiver).items()}
    assert names == {"gen_ai.client.operation.duration": 2, "gen_ai.client.token.usage": 4,
                     "unified.client.retries": 1}


def test_own_otlp_providers_are_not_installed_globally(receiver: Receiver) -> None:
    from opentelemetry import metrics, trace

    before = trace.get_tracer_provider(), metrics.get_meter_provider()
    _run(TelemetryConfig(enabled=True, otlp_endpoint=receiver.url))
    assert (trace.get_tracer_provider(), metrics.get_meter_provider()) == before
