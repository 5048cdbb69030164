"""The retry layer: the one and only retry loop between DSPy and a backend.

Attempts = ``max_retries + 1``. The delay before retry k is
``min(base_delay * backoff_factor ** (k - 1), max_delay)`` plus up to ``jitter``
seconds; a :class:`~unified.errors.RateLimitError` carrying ``retry_after`` waits that
long instead (capped at ``max_retry_after``) when ``respect_retry_after`` is on. Only
errors in ``retry_on`` (transient ones by default) are retried; after the last attempt
the last error is raised. Every attempt is recorded on the call record. Sleep, and the
random source of the jitter, are injected so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ..config import RetryConfig
from ..errors import RateLimitError
from ..types import LMRequest, LMResponse
from .base import Attempt, CallRecord, Handler

__all__ = ["RetryLayer"]


class RetryLayer:
    """Retries transient failures of the wrapped handler per a :class:`RetryConfig`."""

    def __init__(self, config: RetryConfig | None, *, backend: str = "",
                 sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self.config = config or RetryConfig(max_retries=0)
        self.backend = backend
        self._sleep = sleep
        self._rand = rand

    def delay(self, retry_number: int, error: BaseException) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``error``."""
        cfg = self.config
        if (cfg.respect_retry_after and isinstance(error, RateLimitError)
                and error.retry_after is not None):
            return min(max(error.retry_after, 0.0), cfg.max_retry_after)
        jitter = cfg.jitter * self._rand() if cfg.jitter else 0.0
        return cfg.backoff(retry_number) + jitter

    def after_failure(self, attempt: int, exc: Exception, record: CallRecord,
                      delay: float) -> float:
        """Record failed attempt ``attempt`` (waited ``delay`` before it); re-raise
        ``exc`` when it was the last or is not retried, else wait and return the delay
        before the next attempt (shared with the stream retry)."""
        record.attempts.append(Attempt(self.backend, type(exc).__name__, delay,
                                       retry=attempt > 1))
        if attempt == self.config.attempts or not isinstance(exc, self.config.retry_on):
            raise exc
        delay = self.delay(attempt, exc)
        record.retry_sleep += delay
        if delay > 0:
            self._sleep(delay)
        return delay

    def wrap(self, handler: Handler) -> Handler:
        """Return ``handler`` with retries around it."""
        cfg = self.config

        def with_retries(request: LMRequest, record: CallRecord) -> LMResponse:
            delay = 0.0
            for attempt in range(1, cfg.attempts + 1):
                try:
                    response = handler(request, record)
                except Exception as exc:
                    delay = self.after_failure(attempt, exc, record, delay)
                    continue
                record.attempts.append(Attempt(self.backend, None, delay, retry=attempt > 1))
                return response
            raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

        return with_retries
