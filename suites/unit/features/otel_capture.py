"""An OpenTelemetry SDK set-up of the test's own: in-memory span exporter and metric reader.

Never installed as the global providers: the telemetry layer receives them through
``TelemetryConfig(tracer_provider=..., meter_provider=...)``, as an application that
keeps its own providers would give them.
"""

from __future__ import annotations

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
