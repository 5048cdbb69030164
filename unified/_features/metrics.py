"""The metrics layer: thread-safe counters over every call that passes through.

``snapshot()`` returns the legacy enhanced wrapper's keys (spec §1: ``enabled``,
``total_requests``, ``successful_requests``, ``failed_requests``, ``cache_hits``,
``cache_misses``, ``cache_hit_rate``, ``total_response_time``,
``average_response_time``, ``retry_count``, ``validation_failures``, ``success_rate``,
``last_updated``, ``config``) plus latency percentiles (``latency_p50``/``p95``/``p99``
over the last ``window`` calls), ``attempts``, ``retry_sleep_total``, ``tokens_in``,
``tokens_out``, ``tokens_cached`` (input tokens the provider read from its prompt
cache), ``tokens_reasoning`` (the thinking share of the output),
``estimated_cost_usd``, ``errors_by_class``, ``per_backend`` and, for streamed calls,
``streams``, ``chunks_per_call`` and ``time_to_first_chunk_p50``/``p95``/``p99``.
Percentiles (linear interpolation, as numpy's default) and means come from the
standard library's :mod:`statistics`. As in the legacy wrapper, failures are counted but not timed.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .._errors import ValidationError
from .._types import LMRequest, LMResponse
from .base import EMPTY_TRACE, CallRecord, Layer, trace_of
from .pricing import estimate_cost

__all__ = ["Metered", "Metrics", "Listener", "StreamStats"]

Listener = Callable[[CallRecord], None]


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 of ``values`` (zeros when empty)."""
    if len(values) < 2:
        only = values[0] if values else 0.0
        return only, only, only
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


class StreamStats:
    """Time to first chunk (p50/p95/p99 over the last ``window`` streams) and chunks
    per call, thread-safe."""

    def __init__(self, window: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._first: deque[float] = deque(maxlen=window)
        self._streams = 0
        self._chunks = 0

    def record(self, time_to_first: float | None, chunks: int) -> None:
        """Fold one stream in (``time_to_first`` None: no chunk arrived)."""
        with self._lock:
            self._streams += 1
            self._chunks += chunks
            if time_to_first is not None:
                self._first.append(time_to_first)

    def snapshot(self) -> dict[str, Any]:
        """``streams``, ``chunks_per_call`` and ``time_to_first_chunk_p50/p95/p99``."""
        with self._lock:
            first, streams, chunks = list(self._first), self._streams, self._chunks
        p50, p95, p99 = _percentiles(first)
        return {"streams": streams, "chunks_per_call": chunks / streams if streams else 0.0,
                "time_to_first_chunk_p50": float(p50), "time_to_first_chunk_p95": float(p95),
                "time_to_first_chunk_p99": float(p99)}


class Metrics:
    """The counters themselves, independent of how calls reach them."""

    def __init__(self, *, enabled: bool = True, window: int = 10_000) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._window = window
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._counts: dict[str, float] = dict.fromkeys(
                ("total", "ok", "failed", "hits", "misses", "time", "retries", "attempts",
                 "validation_failures", "sleep", "tokens_in", "tokens_out", "tokens_cached",
                 "tokens_reasoning", "cost"), 0)
            self._latencies: deque[float] = deque(maxlen=self._window)
            self._errors: dict[str, int] = {}
            self._per_backend: dict[str, dict[str, int]] = {}
            self._last_updated = time.time()
        self.streams = StreamStats(self._window)

    def record(self, record: CallRecord) -> None:
        """Fold one finished call into the counters."""
        if not self.enabled:
            return
        response, error, trace = record.response, record.error, record.trace
        attempts, cache = trace.attempts, trace.cache
        with self._lock:
            c = self._counts
            c["total"] += 1
            c["attempts"] += len(attempts)
            retries = 0         # trace.retries, summed in the same pass as the errors
            for attempt in attempts:
                retries += attempt.retry
                if attempt.error:
                    self._errors[attempt.error] = self._errors.get(attempt.error, 0) + 1
            if retries:     # int counters skip adding zero (float ones keep their type)
                c["retries"] += retries
            c["sleep"] += trace.retry_sleep
            if cache == "hit":
                c["hits"] += 1
            elif cache == "miss":
                c["misses"] += 1
            if error is not None:
                c["failed"] += 1
                c["validation_failures"] += isinstance(error, ValidationError)
                name = type(error).__name__
                if not attempts or attempts[-1].error != name:
                    self._errors[name] = self._errors.get(name, 0) + 1
            elif response is not None:
                usage, latency = response.usage, record.latency
                c["ok"] += 1
                c["time"] += latency
                self._latencies.append(latency)
                c["tokens_in"] += usage.input_tokens
                c["tokens_out"] += usage.output_tokens
                if usage.cached_tokens:
                    c["tokens_cached"] += usage.cached_tokens
                if usage.reasoning_tokens:
                    c["tokens_reasoning"] += usage.reasoning_tokens
                c["cost"] += estimate_cost(response.model or record.request.model,
                                           usage.input_tokens, usage.output_tokens)
            answered_by = trace.answered_by
            kind = answered_by.kind if answered_by else (
                "cache" if cache == "hit" else "none")
            per = self._per_backend.get(kind)
            if per is None:     # the first call of this backend (no dict built per call)
                per = self._per_backend[kind] = {"requests": 0, "successes": 0, "failures": 0}
            per["requests"] += 1
            per["successes" if error is None else "failures"] += 1
            self._last_updated = time.time()

    def snapshot(self) -> dict[str, Any]:
        """The metrics dict (see module docstring)."""
        with self._lock:
            c = dict(self._counts)
            latencies = list(self._latencies)
            errors = dict(self._errors)
            per_backend = {k: dict(v) for k, v in self._per_backend.items()}
            last = self._last_updated
        p50, p95, p99 = _percentiles(latencies)
        return {
            "enabled": self.enabled,
            "total_requests": int(c["total"]),
            "successful_requests": int(c["ok"]),
            "failed_requests": int(c["failed"]),
            "cache_hits": int(c["hits"]),
            "cache_misses": int(c["misses"]),
            "cache_hit_rate": _ratio(c["hits"], c["hits"] + c["misses"]),
            "total_response_time": c["time"],
            "average_response_time": statistics.fmean(latencies) if latencies else 0.0,
            "retry_count": int(c["retries"]),
            "validation_failures": int(c["validation_failures"]),
            "success_rate": _ratio(c["ok"], c["total"]),
            "last_updated": datetime.fromtimestamp(last).isoformat(),
            "config": {"track_response_times": True, "track_cache_metrics": True,
                       "track_error_rates": True},
            "latency_p50": float(p50), "latency_p95": float(p95), "latency_p99": float(p99),
            "attempts": int(c["attempts"]),
            "retry_sleep_total": c["sleep"],
            "tokens_in": int(c["tokens_in"]),
            "tokens_out": int(c["tokens_out"]),
            "tokens_cached": int(c["tokens_cached"]),
            "tokens_reasoning": int(c["tokens_reasoning"]),
            "estimated_cost_usd": c["cost"],
            "errors_by_class": errors,
            "per_backend": per_backend,
            **self.streams.snapshot(),
        }


class Metered(Layer):
    """The outermost layer: times each call with the injected clock, folds the finished
    :class:`CallRecord` (built once from the call's trace) into :class:`Metrics`, then
    hands it to each listener (the compat shims, the parity harness's tests)."""

    def __init__(self, inner: Any, metrics: Metrics, *,
                 clock: Callable[[], float] = time.perf_counter,
                 listeners: list[Listener] | None = None) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self.listeners: list[Listener] = listeners if listeners is not None else []
        #: The telemetry layer's hook (``Traced``): the same record, before the listeners.
        self.on_record: Listener | None = None
        self._clock = clock

    @property
    def _watched(self) -> bool:
        """Whether anything reads a call's record (the metrics, a listener, telemetry)."""
        return self.metrics.enabled or bool(self.listeners) or self.on_record is not None

    def finish(self, request: LMRequest, start: float, response: LMResponse | None,
               error: BaseException | None) -> None:
        """Record one call that started at ``start`` (this layer's clock) and ended with
        ``response`` or ``error``: metrics, the telemetry hook, then the listeners."""
        trace = (response.trace or EMPTY_TRACE if response is not None
                 else trace_of(error) if error is not None else EMPTY_TRACE)
        record = CallRecord(request, trace, self._clock() - start, response, error)
        self.metrics.record(record)
        if self.on_record is not None:
            self.on_record(record)
        if self.listeners:
            for listener in tuple(self.listeners):
                listener(record)

    def complete(self, request: LMRequest) -> LMResponse:
        """One measured call (a plain pass when nothing would read its record)."""
        if not self._watched:
            return self.inner.complete(request)  # type: ignore[no-any-return]
        start = self._clock()
        try:
            response = self.inner.complete(request)
        except Exception as exc:
            self.finish(request, start, None, exc)
            raise
        self.finish(request, start, response, None)
        return response  # type: ignore[no-any-return]

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        if not self._watched:
            return await self.inner.acomplete(request)  # type: ignore[no-any-return]
        start = self._clock()
        try:
            response = await self.inner.acomplete(request)
        except Exception as exc:
            self.finish(request, start, None, exc)
            raise
        self.finish(request, start, response, None)
        return response  # type: ignore[no-any-return]
