"""What every shim shares: unified wrappers built per config, shared metrics, call records.

A legacy object may need several unified wrappers (one per module config, per gateway
route, per Bedrock model); :class:`ShimRuntime` builds them on demand from
``UnifiedConfig`` values, all with the same backend injection, clock and extra layers
(``guards``, see :func:`unified._stack.build_stack`), and all of them count their calls
in one :class:`~unified._features.metrics.Metrics` (each wrapper's metered layer is
given it: a call is counted once). :meth:`ShimRuntime.collect`
gives the call records of the calls made inside a ``with`` block (cost, cache hits).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from .._config import UnifiedConfig
from .._features.base import CallRecord
from .._features.metrics import Metrics
from .._pipeline import Clock
from .._wrapper import UnifiedDSPyWrapper

__all__ = ["ShimRuntime", "clock_from", "LEGACY_METRIC_KEYS", "legacy_metrics",
           "BackendFactory"]

BackendFactory = Callable[[UnifiedConfig], Any]

#: The exact keys of the legacy enhanced wrapper's ``get_metrics()`` (spec section 1).
LEGACY_METRIC_KEYS = ("enabled", "total_requests", "successful_requests", "failed_requests",
                      "cache_hits", "cache_misses", "cache_hit_rate", "total_response_time",
                      "average_response_time", "retry_count", "validation_failures",
                      "success_rate", "last_updated", "config")
_RECORDS: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar(
    "unified_compat_records", default=None)


def clock_from(clock: Clock | Callable[[], float] | None = None, *,
               sleep: Callable[[float], None] | None = None,
               timer: Callable[[], float] | None = None,
               now: Callable[[], datetime] | None = None) -> Clock:
    """A :class:`Clock` from the legacy test seams.

    ``clock`` is a ``Clock`` or (as in the legacy simple wrapper) a monotonic callable;
    ``sleep``, ``timer`` (monotonic) and ``now`` (a ``datetime`` factory, for cache ages)
    replace the matching part.
    """
    base = clock if isinstance(clock, Clock) else Clock()
    if callable(clock) and not isinstance(clock, Clock):
        base = Clock(monotonic=clock, wall=base.wall, sleep=base.sleep)
    return Clock(monotonic=timer or base.monotonic,
                 wall=(lambda: now().timestamp()) if now is not None else base.wall,
                 sleep=sleep or base.sleep)


def legacy_metrics(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The unified metrics snapshot cut to the legacy keys, ``average_response_time`` as
    the legacy formula ``total_response_time / successful_requests``."""
    out = {key: snapshot[key] for key in LEGACY_METRIC_KEYS}
    ok = out["successful_requests"]
    out["average_response_time"] = out["total_response_time"] / ok if ok else 0.0
    return out


def _collect(record: CallRecord) -> None:
    records = _RECORDS.get()
    if records is not None:
        records.append(record)


class ShimRuntime:
    """Unified wrappers of one shim object (see module docstring).

    ``backend`` injects one backend for every wrapper (tests: a ``MockBackend``);
    otherwise ``backend_factory(config)`` builds it, else the wrapper selects it from the
    config as usual.
    """

    def __init__(self, *, backend: Any = None, backend_factory: BackendFactory | None = None,
                 clock: Clock | None = None, guards: Sequence[Any] = ()) -> None:
        self.backend = backend
        self.guards = tuple(guards)
        self.backend_factory = backend_factory
        self.clock = clock or Clock()
        self.metrics = Metrics()
        self._wrappers: dict[Any, UnifiedDSPyWrapper] = {}
        self._lock = threading.Lock()

    def wrapper(self, config: UnifiedConfig, backend: Any = None) -> UnifiedDSPyWrapper:
        """The unified wrapper for ``config`` (one per distinct config and ``backend``,
        built once); ``backend`` overrides the runtime's for this wrapper."""
        key = _key(config, backend)
        with self._lock:
            found = self._wrappers.get(key) if key is not None else None
            if found is not None:
                return found
            backend = backend if backend is not None else self.backend
            if backend is None and self.backend_factory is not None:
                backend = self.backend_factory(config)
            wrapper = UnifiedDSPyWrapper(config, backend=backend, clock=self.clock,
                                         guards=self.guards, metrics=self.metrics)
            wrapper.pipeline.listeners.append(_collect)
            self._wrappers[key if key is not None else id(wrapper)] = wrapper
            return wrapper

    @property
    def wrappers(self) -> list[UnifiedDSPyWrapper]:
        """Every wrapper built so far."""
        with self._lock:
            return list(self._wrappers.values())

    @staticmethod
    @contextlib.contextmanager
    def collect() -> Iterator[list[CallRecord]]:
        """Within the block, the records of finished calls are appended to the list."""
        records: list[CallRecord] = []
        token = _RECORDS.set(records)
        try:
            yield records
        finally:
            _RECORDS.reset(token)

    def clear_caches(self) -> int:
        """Empty every wrapper's cache; the number of disk entries removed (a disk store
        shared by several wrappers is counted once)."""
        removed, seen = 0, set()
        for wrapper in self.wrappers:
            cache = wrapper.pipeline.cache
            if cache is None:
                continue
            directory = cache.config.directory
            count = cache.clear()
            if directory is None or directory not in seen:
                removed += count
                seen.add(directory)
        return removed

    def close(self) -> None:
        """Close every wrapper (caches and backend connections)."""
        for wrapper in self.wrappers:
            wrapper.close()


def _key(config: UnifiedConfig, backend: Any) -> Any:
    try:
        hash(config)
    except TypeError:  # an unhashable custom validator: no sharing
        return None
    return config if backend is None else (config, id(backend))
