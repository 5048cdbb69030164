"""What telemetry costs per call: instructions under cachegrind, and a timeit loop.

``python -m harness.perf.telemetry_cost`` runs, for each mode, this module's ``run`` under
``valgrind --tool=cachegrind`` with 0 and N calls and prints the difference of the
``I refs`` lines divided by N (instructions per call, the same from run to run), plus
microseconds per call from a timeit loop (noisy on a busy machine: a rough guide only).

Modes, each a pipeline around a mock backend (one user message, retry and cache off):

- ``off``: telemetry off (the default) -- the baseline;
- ``noop``: telemetry on, no OpenTelemetry SDK installed (the API's no-op providers);
- ``sdk``: telemetry on with SDK providers: a span processor exporting to memory and a
  metric reader (what an instrumented service pays before its exporter's own cost);
- ``sdk_content``: as ``sdk`` with ``record_content=True``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import timeit
from typing import Any

__all__ = ["MODES", "build", "run", "instructions_per_call", "microseconds_per_call", "main"]

MODES = ("off", "noop", "sdk", "sdk_content")


def build(mode: str) -> Any:
    """A pipeline for ``mode`` and the request it answers."""
    from unified import (
        BackendType,
        LMRequest,
        Message,
        MockBackend,
        TelemetryConfig,
        UnifiedConfig,
    )
    from unified._pipeline import Pipeline

    telemetry = TelemetryConfig(enabled=mode != "off", record_content=mode == "sdk_content")
    if mode.startswith("sdk"):
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        telemetry = TelemetryConfig(enabled=True, record_content=mode == "sdk_content",
                                    tracer_provider=tracer_provider,
                                    meter_provider=meter_provider)
    pipe = Pipeline([MockBackend(["an answer"])], UnifiedConfig(backend=BackendType.MOCK,
                                                                 telemetry=telemetry))
    request = LMRequest("m", (Message("user", "What is 2+2?"),), system="Be terse.",
                        params={"temperature": 0.0, "max_tokens": 32})
    return pipe, request


def run(mode: str, calls: int) -> None:
    """Build the pipeline of ``mode`` and make ``calls`` calls (one warm-up call first)."""
    pipe, request = build(mode)
    pipe.complete(request)
    for _ in range(calls):
        pipe.complete(request)


def instructions_per_call(mode: str, calls: int = 200) -> float:
    """Instructions per call of ``mode`` under cachegrind (two runs: 0 and ``calls``)."""
    refs = []
    for n in (0, calls):
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             sys.executable, "-m", "harness.perf.telemetry_cost", "run", mode, str(n)],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        match = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if match is None:
            raise RuntimeError(f"no I refs line in cachegrind's output: {done.stderr[-500:]}")
        refs.append(int(match.group(1).replace(",", "")))
    return (refs[1] - refs[0]) / calls


def microseconds_per_call(mode: str, calls: int = 2000) -> float:
    """Best of five timeit loops of ``calls`` calls, in microseconds per call."""
    pipe, request = build(mode)
    pipe.complete(request)
    best = min(timeit.repeat(lambda: pipe.complete(request), number=calls, repeat=5))
    return best / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    """``run MODE N`` (what cachegrind runs) or no arguments (measure every mode)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "run":
        run(args[1], int(args[2]))
        return 0
    print(f"{'mode':<12} {'instr/call':>12} {'µs/call':>9}")
    for mode in MODES:
        print(f"{mode:<12} {instructions_per_call(mode):>12,.0f} "
              f"{microseconds_per_call(mode):>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
