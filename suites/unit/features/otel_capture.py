"""An OpenTelemetry SDK set-up of the test's own: in-memory span exporter and metric reader.

Never installed as the global providers: the telemetry layer receives them through
``TelemetryConfig(tracer_provider=..., meter_provider=...)``, as an application that
keeps its own providers would give them.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from unified import TelemetryConfig

#: Attributes every call span carries, whatever its outcome.
ALWAYS = {"gen_ai.operation.name", "gen_ai.system", "gen_ai.provider.name",
          "gen_ai.request.model", "unified.backend.kind", "unified.backend.endpoint",
          "unified.attempts", "unified.retries", "unified.retry.waits", "unified.retry.sleep_s",
          "unified.cache", "unified.fallback_used"}
#: Attributes of a call that returned an answer.
ANSWERED = {"gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens", "gen_ai.response.model"}


class OTelCapture:
    """Providers whose spans and metrics a test can read back."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def config(self, **fields: Any) -> TelemetryConfig:
        """A telemetry config that reports to these providers."""
        return TelemetryConfig(enabled=True, tracer_provider=self.tracer_provider,
                               meter_provider=self.meter_provider, **fields)

    @property
    def spans(self) -> list[ReadableSpan]:
        """Every finished span, in the order they ended."""
        return list(self.exporter.get_finished_spans())

    @property
    def calls(self) -> list[ReadableSpan]:
        """The call spans (``chat <model>``), in the order they ended."""
        return [s for s in self.spans if s.name.startswith("chat ")]

    def attempts(self, call: ReadableSpan) -> list[ReadableSpan]:
        """The attempt spans that are children of ``call``, in order."""
        return [s for s in self.spans if s.parent is not None
                and s.parent.span_id == call.context.span_id]

    def points(self, name: str) -> list[Any]:
        """Every data point of metric ``name`` (an empty list when it was never recorded)."""
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def total(self, name: str) -> float:
        """The sum of a counter (or of a histogram's recorded values) over all labels."""
        return sum(getattr(p, "value", None) if hasattr(p, "value") else p.sum
                   for p in self.points(name))

    def shutdown(self) -> None:
        """Release the providers."""
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def text_in_spans(spans: list[ReadableSpan], text: str) -> list[str]:
    """The ``span.attribute`` names whose value contains ``text`` (events included)."""
    hits = [f"{s.name}.{k}" for s in spans for k, v in (s.attributes or {}).items()
            if text in str(v)]
    hits += [f"{s.name}.event.{e.name}" for s in spans for e in s.events
             if text in str(dict(e.attributes or {}))]
    return hits


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


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A :class:`Receiver` serving in a thread for the duration of the block."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def exported_metrics(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    """Every metric data point the receiver got, decoded: name -> points, each a dict of
    its ``attributes`` and ``count``/``sum`` (histograms) or ``value`` (sums, gauges)."""
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    found: dict[str, list[dict[str, Any]]] = {}
    for body in receiver.bodies.get("/v1/metrics", []):
        for resource in ExportMetricsServiceRequest.FromString(body).resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    kind = metric.WhichOneof("data")
                    for point in getattr(metric, kind).data_points:
                        attrs = {a.key: getattr(a.value, a.value.WhichOneof("value"))
                                 for a in point.attributes}
                        if kind == "histogram":
                            item = {"count": point.count, "sum": point.sum}
                        else:
                            item = {"value": getattr(point, point.WhichOneof("value"))}
                        found.setdefault(metric.name, []).append({"attributes": attrs, **item})
    return found
