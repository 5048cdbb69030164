"""Where the telemetry layer's tracer and meter come from (private to it).

In order: the providers given in :class:`~unified._sections.TelemetryConfig`
(``tracer_provider``/``meter_provider``); else, with ``otlp_endpoint``, SDK providers of
the wrapper's own exporting OTLP/HTTP there (installed as the global ones only with
``set_global=True``); else the application's global providers (a no-op until the
application installs an SDK; OTel's proxy picks the SDK up when it does). The wrapper
never installs a global provider unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._config import TelemetryConfig

__all__ = ["OTel", "Instruments", "SCOPE"]

SCOPE = "unified"
#: The GenAI conventions' recommended bucket boundaries.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                    40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)


@dataclass(frozen=True)
class Instruments:
    """The metric instruments of one pipeline."""

    duration: Any
    tokens: Any
    cache_hits: Any
    cache_misses: Any
    retries: Any


class OTel:
    """A tracer and a meter, plus the providers this object owns (to shut down)."""

    def __init__(self, tracer: Any, meter: Any, owned: tuple[Any, ...] = ()) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self.tracer = tracer
        self.meter = meter
        self.owned = owned
        self.span_kind_client = SpanKind.CLIENT
        self._status, self._error = Status, StatusCode.ERROR

    @classmethod
    def for_config(cls, config: TelemetryConfig) -> OTel:
        """The tracer and meter ``config`` asks for (see module docstring)."""
        from opentelemetry import metrics, trace

        from .._version import __version__

        tracer_provider, meter_provider = config.tracer_provider, config.meter_provider
        owned: tuple[Any, ...] = ()
        if config.otlp_endpoint is not None:
            own_tp, own_mp = _otlp_providers(config)
            owned = (own_tp, own_mp)
            tracer_provider = tracer_provider or own_tp
            meter_provider = meter_provider or own_mp
            if config.set_global:
                trace.set_tracer_provider(own_tp)
                metrics.set_meter_provider(own_mp)
        tracer = trace.get_tracer(SCOPE, __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter(SCOPE, __version__, meter_provider=meter_provider)
        return cls(tracer, meter, owned)

    def set_error(self, span: Any, error: BaseException) -> None:
        """Mark ``span`` failed with the error's class (never its message: it may echo input)."""
        span.set_status(self._status(self._error, type(error).__name__))

    def instruments(self) -> Instruments:
        """The GenAI client histograms and the wrapper's counters."""
        m = self.meter
        return Instruments(
            duration=m.create_histogram(
                "gen_ai.client.operation.duration", unit="s",
                description="GenAI operation duration",
                explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS)),
            tokens=m.create_histogram(
                "gen_ai.client.token.usage", unit="{token}",
                description="Measures number of input and output tokens used",
                explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS)),
            cache_hits=m.create_counter("unified.client.cache.hits", unit="{call}",
                                        description="Calls answered from the cache"),
            cache_misses=m.create_counter("unified.client.cache.misses", unit="{call}",
                                          description="Calls the cache could not answer"),
            retries=m.create_counter("unified.client.retries", unit="{attempt}",
                                     description="Backend attempts after the first"))

    def shutdown(self) -> None:
        """Flush and shut down the providers built here (none of the application's)."""
        for provider in self.owned:
            provider.shutdown()


def _otlp_providers(config: TelemetryConfig) -> tuple[Any, Any]:
    """SDK tracer and meter providers exporting OTLP/HTTP to ``config.otlp_endpoint``."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    base = str(config.otlp_endpoint).rstrip("/")
    resource = Resource.create({"service.name": config.service_name})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(
        OTLPSpanExporter(endpoint=f"{base}/v1/traces")))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics"))
    return tracer_provider, MeterProvider(resource=resource, metric_readers=[reader])
