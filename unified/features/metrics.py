"""The metrics layer: thread-safe counters over every call that passes through.

``snapshot()`` returns the legacy enhanced wrapper's keys (spec §1: ``enabled``,
``total_requests``, ``successful_requests``, ``failed_requests``, ``cache_hits``,
``cache_misses``, ``cache_hit_rate``, ``total_response_time``,
``average_response_time``, ``retry_count``, ``validation_failures``, ``success_rate``,
``last_updated``, ``config``) plus latency percentiles (``latency_p50``/``p95``/``p99``
over the last ``window`` calls), ``attempts``, ``retry_sleep_total``, ``tokens_in``,
``tokens_out``, ``tokens_cached`` (input tokens the provider read from its prompt
cache), ``tokens_reasoning`` (the thinking share of the output),
``estimated_cost_usd``, ``errors_by_class`` and ``per_backend``.
Percentiles and means are computed with :mod:`unified.tlm` (the project's own numeric
ops), not numpy. As in the legacy wrapper, failures are counted but not timed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..errors import ValidationError
from ..types import LMRequest, LMResponse
from .base import CallRecord, Handler
from .pricing import estimate_cost

__all__ = ["MetricsLayer", "Metrics"]


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


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

    def record(self, record: CallRecord) -> None:
        """Fold one finished call into the counters."""
        if not self.enabled:
            return
        response, error = record.response, record.error
        with self._lock:
            c = self._counts
            c["total"] += 1
            c["attempts"] += len(record.attempts)
            c["retries"] += record.retries
            c["sleep"] += record.retry_sleep
            c["hits"] += record.cache == "hit"
            c["misses"] += record.cache == "miss"
            for attempt in record.attempts:
                if attempt.error:
                    self._errors[attempt.error] = self._errors.get(attempt.error, 0) + 1
            if error is not None:
                c["failed"] += 1
                c["validation_failures"] += isinstance(error, ValidationError)
                name = type(error).__name__
                if not record.attempts or record.attempts[-1].error != name:
                    self._errors[name] = self._errors.get(name, 0) + 1
            elif response is not None:
                c["ok"] += 1
                c["time"] += record.latency
                self._latencies.append(record.latency)
                c["tokens_in"] += response.usage.input_tokens
                c["tokens_out"] += response.usage.output_tokens
                c["tokens_cached"] += response.usage.cached_tokens or 0
                c["tokens_reasoning"] += response.usage.reasoning_tokens or 0
                c["cost"] += estimate_cost(response.model or record.request.model,
                                           response.usage.input_tokens,
                                           response.usage.output_tokens)
            kind = record.answered_by.kind if record.answered_by else (
                "cache" if record.cache == "hit" else "none")
            per = self._per_backend.setdefault(kind, {"requests": 0, "successes": 0,
                                                      "failures": 0})
            per["requests"] += 1
            per["successes" if error is None else "failures"] += 1
            self._last_updated = time.time()

    def snapshot(self) -> dict[str, Any]:
        """The metrics dict (see module docstring)."""
        from .. import tlm

        with self._lock:
            c = dict(self._counts)
            latencies = list(self._latencies)
            errors = dict(self._errors)
            per_backend = {k: dict(v) for k, v in self._per_backend.items()}
            last = self._last_updated
        p50, p95, p99 = (tlm.percentile(latencies, [50, 95, 99]) if latencies
                         else [0.0, 0.0, 0.0])
        return {
            "enabled": self.enabled,
            "total_requests": int(c["total"]),
            "successful_requests": int(c["ok"]),
            "failed_requests": int(c["failed"]),
            "cache_hits": int(c["hits"]),
            "cache_misses": int(c["misses"]),
            "cache_hit_rate": _ratio(c["hits"], c["hits"] + c["misses"]),
            "total_response_time": c["time"],
            "average_response_time": float(tlm.mean(latencies)) if latencies else 0.0,
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
        }


class MetricsLayer:
    """Times each call with the injected clock and folds its record into :class:`Metrics`."""

    def __init__(self, metrics: Metrics, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.metrics = metrics
        self._clock = clock

    def wrap(self, handler: Handler) -> Handler:
        """Return ``handler`` with every call measured."""

        def measured(request: LMRequest, record: CallRecord) -> LMResponse:
            start = self._clock()
            try:
                response = handler(request, record)
            except Exception as exc:
                record.error = exc
                raise
            else:
                record.response = response
                return response
            finally:
                record.latency = self._clock() - start
                self.metrics.record(record)

        return measured
