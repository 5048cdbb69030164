"""The parity verdicts and the perf gate's ratios as OpenTelemetry metrics.

``python -m harness parity --otlp-endpoint http://collector:4318`` (and ``perf``,
``parity --perf``) also sends each run to an OTLP/HTTP collector, so the team's own
dashboards follow the verdicts and ratios next to the static page:

- ``unified.parity.verdicts`` (counter, ``{verdict}``): one per implementation and
  scenario, labelled ``scenario``, ``pattern``, ``backend``, ``implementation``,
  ``status`` (REFERENCE, PASS, EXPECTED-DIFF, FAIL, SKIPPED);
- ``unified.parity.duration`` (gauge, s): the run's wall time;
- ``unified.perf.ratio`` and ``unified.perf.limit`` (gauges, ``1``): each gated pair's
  median ratio (candidate / baseline) and its limit, labelled ``pair`` and ``status``.

The harness builds a meter provider of its own for the export and shuts it down (which
flushes) before returning; no global provider is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["record_parity", "record_gate", "export"]

SCOPE = "unified.harness"


def record_parity(run: Any, meter: Any) -> None:
    """Record a :class:`~harness.parity.run.ParityRun` on ``meter``."""
    verdicts = meter.create_counter("unified.parity.verdicts", unit="{verdict}",
                                    description="Parity verdicts by implementation and status")
    for scenario in run.scenarios:
        for result in scenario.results:
            verdicts.add(1, {"scenario": scenario.scenario, "pattern": scenario.pattern,
                             "backend": scenario.backend,
                             "implementation": result.implementation,
                             "status": result.status})
    meter.create_gauge("unified.parity.duration", unit="s",
                       description="Wall time of the parity run").set(run.wall_time)


def record_gate(result: Any, meter: Any) -> None:
    """Record a :class:`~harness.perf.measure.GateResult` on ``meter`` (pairs without a ratio
    record only their limit)."""
    ratio = meter.create_gauge("unified.perf.ratio", unit="1",
                               description="A pair's candidate / baseline estimate")
    limit = meter.create_gauge("unified.perf.limit", unit="1",
                               description="The ratio a pair must stay under")
    for pair in result.pairs:
        labels = {"pair": pair.name, "status": pair.status}
        if pair.estimate is not None:
            ratio.set(pair.estimate, labels)
        limit.set(pair.limit, labels)


def export(endpoint: str, record: Callable[[Any], None], *,
           service_name: str = "unified-dspy-harness") -> None:
    """Build an OTLP/HTTP meter provider for ``endpoint``, let ``record(meter)`` record,
    and shut the provider down (exporting everything)."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    exporter = OTLPMetricExporter(endpoint=endpoint.rstrip("/") + "/v1/metrics")
    provider = MeterProvider(resource=Resource.create({"service.name": service_name}),
                             metric_readers=[PeriodicExportingMetricReader(exporter)])
    try:
        record(provider.get_meter(SCOPE))
    finally:
        provider.shutdown()
