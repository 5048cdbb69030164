"""The pipeline: the one place where the feature layers are put around a backend.

Order, outermost first::

    metrics( cache( validation( fallback( retry(backend_1), retry(backend_2), … ))))

- metrics see every call, hits and failures included;
- the cache sits outside validation and retry: a hit costs no attempt, and only answers
  that passed validation are ever stored (the validation rules are part of the key);
- validation failures are not retried (retry sits inside validation);
- before a backend is called, the request is checked against its ``capabilities()``:
  a part or parameter its wire cannot carry is an ``UnsupportedFeatureError`` (never
  dropped), raised before any network call and never retried;
- each backend has its own retry loop (the only one: backends switch SDK retries off);
  the fallback chain moves to the next backend only when one fails with a transient
  error after its retries, and records which backend answered so the cache stores a
  fallback's answer under the fallback's identity.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .backends.capabilities import Capabilities, check_request
from .config import UnifiedConfig
from .errors import TransientError
from .features.base import CallRecord, Handler
from .features.cache import CacheLayer
from .features.metrics import Metrics, MetricsLayer
from .features.retry import RetryLayer
from .features.telemetry import Telemetry
from .features.validation import ValidationLayer
from .types import LMRequest, LMResponse

__all__ = ["Pipeline", "Clock"]

Listener = Callable[[CallRecord], None]


@dataclass(frozen=True)
class Clock:
    """The injected time sources: ``monotonic`` for durations, ``wall`` for cache ages,
    ``sleep`` for every wait."""

    monotonic: Callable[[], float] = time.perf_counter
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Pipeline:
    """Runs canonical requests through the layers configured by a :class:`UnifiedConfig`."""

    backends: Sequence[object]
    config: UnifiedConfig
    clock: Clock = field(default_factory=Clock)
    listeners: list[Listener] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.backends:
            raise ValueError("a pipeline needs at least one backend")
        primary = self.backends[0]
        self.metrics = Metrics(enabled=self.config.metrics.enabled)
        retry_configs = [self.config.retry] + [fb.retry for fb in self.config.fallbacks]
        self.telemetry = Telemetry.for_config(self.config, primary)   # None when off
        attempted = (self.telemetry.traced_backends(self.backends) if self.telemetry
                     else self.backends)
        chain = [self._attempts(backend, retry_configs[min(i, len(retry_configs) - 1)])
                 for i, backend in enumerate(attempted)]
        handler: Handler = _fallback_chain(chain)
        validation = self.config.validation
        if validation is not None and not validation.is_empty:
            handler = ValidationLayer(validation).wrap(handler)
        self.cache: CacheLayer | None = None
        cache = self.config.cache
        if cache is not None and cache.enabled:
            rules = validation.cache_fingerprint() if validation is not None else ""
            self.cache = CacheLayer(cache, primary.identity(), rules=rules,  # type: ignore[attr-defined]
                                    clock=self.clock.wall)
            handler = self.cache.wrap(handler)
        self._handler = MetricsLayer(self.metrics, clock=self.clock.monotonic).wrap(handler)
        if self.telemetry is not None:
            self._handler = self.telemetry.wrap(self._handler)

    def _attempts(self, backend: object, retry: object) -> tuple[object, Handler]:
        def call_backend(request: LMRequest, record: CallRecord) -> LMResponse:
            return backend.complete(request)  # type: ignore[attr-defined,no-any-return]

        layer = RetryLayer(retry, backend=backend.kind,  # type: ignore[arg-type,attr-defined]
                           sleep=self.clock.sleep)
        retried = layer.wrap(call_backend)
        capabilities = _capabilities_of(backend)
        identity = backend.identity()  # type: ignore[attr-defined]

        def checked(request: LMRequest, record: CallRecord) -> LMResponse:
            check_request(request, capabilities, identity)
            return retried(request, record)

        return backend, checked

    def capabilities(self) -> Capabilities:
        """What every backend of the chain carries (the intersection)."""
        found = [_capabilities_of(b) for b in self.backends]
        named = frozenset().union(*(c.features for c in found))
        return Capabilities(frozenset(f for f in named if all(c.carries(f) for c in found)),
                            any_param=all(c.any_param for c in found))

    @property
    def backend(self) -> object:
        """The primary backend."""
        return self.backends[0]

    def complete(self, request: LMRequest) -> LMResponse:
        """Run one request through every layer; listeners see the finished record."""
        record = CallRecord(request)
        try:
            return self._handler(request, record)
        finally:
            for listener in list(self.listeners):
                listener(record)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant: the layers run in a worker thread (they may sleep)."""
        return await asyncio.to_thread(self.complete, request)

    def close(self) -> None:
        """Close the cache and every backend."""
        if self.cache is not None:
            self.cache.close()
        if self.telemetry is not None:
            self.telemetry.close()
        for backend in self.backends:
            backend.close()  # type: ignore[attr-defined]


def _capabilities_of(backend: object) -> Capabilities:
    """The backend's declared capabilities (text only when it declares none)."""
    declare = getattr(backend, "capabilities", None)
    return declare() if callable(declare) else Capabilities()


def _fallback_chain(chain: Sequence[tuple[object, Handler]]) -> Handler:
    def first_that_answers(request: LMRequest, record: CallRecord) -> LMResponse:
        for index, (backend, handler) in enumerate(chain):
            try:
                response = handler(request, record)
            except TransientError:
                if index == len(chain) - 1:
                    raise
                record.fallback_used = True
                continue
            record.answered_by = backend.identity()  # type: ignore[attr-defined]
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    return first_that_answers
