"""The retry layer: the one and only retry loop between DSPy and a backend.

Attempts = ``max_retries + 1``. The delay before retry k is
``min(base_delay * backoff_factor ** (k - 1), max_delay)`` plus up to ``jitter``
seconds; a :class:`~unified._errors.RateLimitError` carrying ``retry_after`` waits that
long instead (capped at ``max_retry_after``) when ``respect_retry_after`` is on. Only
errors in ``retry_on`` (transient ones by default) are retried; after the last attempt
the last error is raised. The attempts and waits start the call's
:class:`~unified._trace.CallTrace` (on the response, or on the error raised), with the
identity of the backend that answered. The async path awaits its waits. Sleep, and the
random source of the jitter, are injected so tests never wait.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .._clock import Clock
from .._config import RetryConfig
from .._errors import RateLimitError
from .._types import LMRequest, LMResponse
from .base import Attempt, CallTrace, Layer, attach_trace, with_trace

__all__ = ["Retrying"]


class Retrying(Layer):
    """Retries transient failures of the wrapped backend per a :class:`RetryConfig`."""

    def __init__(self, inner: Any, config: RetryConfig | None = None, *,
                 clock: Clock | None = None,
                 rand: Callable[[], float] = random.random) -> None:
        super().__init__(inner)
        self.config = config or RetryConfig(max_retries=0)
        self.clock = clock or Clock()
        self._rand = rand
        self._answered_by = inner.identity()
        #: The trace of a call answered at the first attempt (the common case), built once.
        self._first_try = CallTrace((Attempt(self.kind, None, 0.0, False),), 0.0,
                                    answered_by=self._answered_by)

    def delay(self, retry_number: int, error: BaseException) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``error``."""
        cfg = self.config
        if (cfg.respect_retry_after and isinstance(error, RateLimitError)
                and error.retry_after is not None):
            return min(max(error.retry_after, 0.0), cfg.max_retry_after)
        jitter = cfg.jitter * self._rand() if cfg.jitter else 0.0
        return cfg.backoff(retry_number) + jitter

    def complete(self, request: LMRequest) -> LMResponse:
        """Call the wrapped backend until it answers or the policy gives up."""
        try:
            return with_trace(self.inner.complete(request), self._first_try)
        except Exception as exc:
            tries = _Tries(self, exc)
        while True:
            wait = tries.wait
            if wait > 0:
                self.clock.sleep(wait)
            try:
                response = self.inner.complete(request)
            except Exception as exc:
                tries.failed(exc)
                continue
            return tries.answered(response)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`: the waits are awaited."""
        try:
            return with_trace(await self.inner.acomplete(request), self._first_try)
        except Exception as exc:
            tries = _Tries(self, exc)
        while True:
            wait = tries.wait
            if wait > 0:
                await self.clock.asleep(wait)
            try:
                response = await self.inner.acomplete(request)
            except Exception as exc:
                tries.failed(exc)
                continue
            return tries.answered(response)


class _Tries:
    """The attempts of one call after its first failure (local to the call)."""

    __slots__ = ("layer", "attempts", "slept", "wait")

    def __init__(self, layer: Retrying, first: Exception) -> None:
        self.layer = layer
        self.attempts: list[Attempt] = []
        self.slept = 0.0
        self.wait = 0.0
        self.failed(first)

    def failed(self, exc: Exception) -> None:
        """Note a failed attempt; re-raise ``exc`` (with the trace) when it is not to be
        retried, else set ``wait``, the wait before the next attempt."""
        layer = self.layer
        self.attempts.append(Attempt(layer.kind, type(exc).__name__, self.wait,
                                     bool(self.attempts)))
        if len(self.attempts) >= layer.config.attempts or not isinstance(
                exc, layer.config.retry_on):
            raise attach_trace(exc, CallTrace(tuple(self.attempts), self.slept))
        self.wait = layer.delay(len(self.attempts), exc)
        self.slept += self.wait

    def answered(self, response: LMResponse) -> LMResponse:
        """The response carrying the trace of this call's attempts."""
        self.attempts.append(Attempt(self.layer.kind, None, self.wait, True))
        return with_trace(response, CallTrace(tuple(self.attempts), self.slept,
                                              answered_by=self.layer._answered_by))
