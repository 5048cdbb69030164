"""The call path: one function puts the feature layers around the backends.

Every layer is a backend wrapping a backend (:class:`~unified._features.base.Layer`),
so the whole path is one backend too. Outermost first::

    Traced(Metered(Cached(Validated(Fallback(
        Checked(Retrying(Attempted(b1))), Checked(Retrying(Attempted(b2))), …)))))

- telemetry (only when ``config.telemetry.enabled``; else neither layer is there):
  ``Traced`` spans and measures every call from its finished trace, ``Attempted`` puts
  each backend attempt of the retry loop in a child span;
- metrics see every call, hits and failures included;
- the cache sits outside validation and retry: a hit costs no attempt, and only answers
  that passed validation are ever stored (the validation rules are part of the key);
- validation failures are not retried (retry sits inside validation);
- ``Checked``: before a backend is called, the request is checked against its
  ``capabilities()``: a part or parameter its wire cannot carry is an
  ``UnsupportedFeatureError`` (never dropped), raised before any network call and
  never retried;
- each backend has its own retry loop (the only one: backends switch SDK retries off);
  the fallback chain moves to the next backend only when one fails with a transient
  error after its retries, and its trace names the backend that answered so the cache
  stores a fallback's answer under the fallback's identity;
- ``guards`` (layer factories, outermost first, e.g. the compat simple wrapper's
  budget and circuit breaker) go between the cache and validation: a cached answer is
  served without passing them, as in the legacy order.

Streams run through the same stack: :func:`stream_stack` composes each layer's
stream wrapper in this order (:mod:`unified._features.streaming`), :func:`astream_stack`
their async twins (:mod:`unified._features.astreaming`).

A new layer is one :class:`~unified._features.base.Layer` subclass and one line below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ._clock import Clock
from ._config import CacheConfig, UnifiedConfig
from ._features.base import Layer
from ._features.cache import Cached, ResponseCache
from ._features.checked import Checked
from ._features.fallback import Fallback
from ._features.metrics import Listener, Metered, Metrics
from ._features.retry import Retrying
from ._features.telemetry import Attempted, Telemetry, Traced
from ._features.validation import Validated

__all__ = ["build_stack", "stream_stack", "astream_stack", "layers", "Guard"]

Guard = Callable[[Any], Any]
"""A layer factory: takes the stack built so far, returns it wrapped."""


def build_stack(backends: Sequence[Any], config: UnifiedConfig, clock: Clock, *,
                metrics: Metrics, listeners: list[Listener] | None = None,
                guards: Sequence[Guard] = ()) -> Any:
    """The backends wrapped in every layer ``config`` asks for, in the order above."""
    retries = [config.retry] + [fb.retry for fb in config.fallbacks]
    telemetry = Telemetry.for_config(config, backends[0])   # None when off
    attempted = ([Attempted(b, telemetry) for b in backends] if telemetry is not None
                 else list(backends))
    chain = [Checked(Retrying(b, retries[min(i, len(retries) - 1)], clock=clock))
             for i, b in enumerate(attempted)]
    stack: Any = Fallback(*chain) if len(chain) > 1 else chain[0]
    if config.validation is not None and not config.validation.is_empty:
        stack = Validated(stack, config.validation)
    for guard in reversed(guards):
        stack = guard(stack)
    if config.cache is not None and config.cache.enabled:
        stack = Cached(stack, _store(config, config.cache, backends[0], clock))
    stack = Metered(stack, metrics, clock=clock.monotonic, listeners=listeners)
    return Traced(stack, telemetry, clock=clock.monotonic) if telemetry is not None else stack


def stream_stack(stack: Any) -> Any:
    """The stream handler of a built ``stack``: every layer's stream wrapper, same order."""
    from ._features.streaming import stream_of

    return stream_of(stack)


def astream_stack(stack: Any) -> Any:
    """The async stream handler of a built ``stack`` (the same wrappers, natively async)."""
    from ._features.astreaming import astream_of

    return astream_of(stack)



def _store(config: UnifiedConfig, cache: CacheConfig, primary: Any,
           clock: Clock) -> ResponseCache:
    """The primary's response store; the validation rules in force salt its keys."""
    rules = config.validation.cache_fingerprint() if config.validation is not None else ""
    return ResponseCache(cache, primary.identity(), rules=rules, clock=clock.wall)


def layers(stack: Any) -> Iterator[Any]:
    """Every layer of ``stack``, outermost first, down to the primary backend."""
    current = stack
    while True:
        yield current
        if not isinstance(current, Layer):
            return
        current = current.inner
