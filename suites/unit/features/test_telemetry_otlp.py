"""OTLP/HTTP export: ``TelemetryConfig(otlp_endpoint=...)`` sends the same spans and the
metrics to a collector; here a local receiver on 127.0.0.1 decodes them with
``opentelemetry-proto``."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from suites.unit.features.otel_capture import OTelCapture
from unified import (
    Clock,
    LMRequest,
    Message,
    MockBackend,
    RetryConfig,
    ServerError,
    TelemetryConfig,
    UnifiedConfig,
)
from unified.pipeline import Pipeline

REQ = LMRequest("m", (Message("user", "q"),), params={"temperature": 0.5})


class Receiver(http.server.ThreadingHTTPServer):
    """Keeps the body of every POST by path; answers 200 with an empty export response."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: dict[str, list[bytes]] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    wbufsize = -1
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.server.lock:
            self.server.bodies.setdefault(self.path, []).append(body)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


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
    names: dict[str, int] = {}
    for body in receiver.bodies.get("/v1/metrics", []):
        for resource in ExportMetricsServiceRequest.FromString(body).resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.HasField("histogram"):
                        names[metric.name] = sum(p.count for p in metric.histogram.data_points)
                    else:
                        names[metric.name] = sum(p.as_int for p in metric.sum.data_points)
    assert names == {"gen_ai.client.operation.duration": 2, "gen_ai.client.token.usage": 4,
                     "unified.client.retries": 1}


def test_own_otlp_providers_are_not_installed_globally(receiver: Receiver) -> None:
    from opentelemetry import metrics, trace

    before = trace.get_tracer_provider(), metrics.get_meter_provider()
    _run(TelemetryConfig(enabled=True, otlp_endpoint=receiver.url))
    assert (trace.get_tracer_provider(), metrics.get_meter_provider()) == before
