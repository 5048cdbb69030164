"""State of the legacy enhanced wrapper (spec section 1): its file cache and its metrics.

Split out of :mod:`harness.legacy.dspy_enhanced` only to keep files small; that module
re-exports :class:`ResponseCache`, :class:`MetricsConfig` and :func:`canonical_json`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger("harness.legacy.dspy_enhanced")

_COUNTERS = ("total_requests", "successful_requests", "failed_requests", "cache_hits",
             "cache_misses", "retry_count", "validation_failures")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces (non-JSON values are stringified)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class ResponseCache:
    """The legacy file cache: one ``tidydspy_<16 hex>.json`` file per entry, holding
    ``{"response", "timestamp" (naive local ISO), "ttl_seconds"}``."""

    def __init__(self, cache_dir: str | Path, ttl: int, *,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.directory = Path(cache_dir)
        self.ttl = int(ttl)
        self._now = now

    @staticmethod
    def make_key(signature: str, inputs: Mapping[str, Any], model: str) -> str:
        """The cache key of one call: canonical JSON of signature, inputs and model."""
        return canonical_json({"signature": signature, "inputs": dict(inputs), "model": model})

    def path_for(self, key: str) -> Path:
        """The entry file of ``key``: only the hash reaches the file system."""
        return self.directory / f"tidydspy_{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored outputs of ``key`` while ``now - timestamp < ttl_seconds``;
        ``None`` when absent, stale, unreadable or corrupt."""
        try:
            entry = json.loads(self.path_for(key).read_text(encoding="utf-8"))
            age = (self._now() - datetime.fromisoformat(entry["timestamp"])).total_seconds()
            if age < entry["ttl_seconds"] and isinstance(entry["response"], dict):
                return entry["response"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def set(self, key: str, response: Mapping[str, Any]) -> None:
        """Store ``response`` for ``key``, overwriting any previous or corrupt file; a
        write that fails (read-only dir, unserialisable value) is logged and skipped."""
        entry = {"response": dict(response), "timestamp": self._now().isoformat(),
                 "ttl_seconds": self.ttl}
        try:
            text = json.dumps(entry)
            self.directory.mkdir(parents=True, exist_ok=True)
            self.path_for(key).write_text(text, encoding="utf-8")
        except (OSError, TypeError, ValueError) as exc:
            logger.warning("tidydspy cache write failed: %s", exc)

    def clear(self) -> int:
        """Remove every entry file; return how many were removed."""
        removed = 0
        for path in self.directory.glob("tidydspy_*.json"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


@dataclass
class MetricsConfig:
    """Which metrics the wrapper records (reported under ``get_metrics()["config"]``)."""

    enabled: bool = True
    track_response_times: bool = True
    track_cache_metrics: bool = True
    track_error_rates: bool = True


class MetricsRecorder:
    """Thread-safe counters behind ``DSPyEnhancedWrapper.get_metrics()``."""

    def __init__(self, config: MetricsConfig, now: Callable[[], datetime]) -> None:
        self.config = config
        self._now = now
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.counts = dict.fromkeys(_COUNTERS, 0)
            self.total_response_time = 0.0
            self.last_updated = self._now()

    def add(self, name: str, *, elapsed: float | None = None) -> None:
        """Count one ``name`` event (and add ``elapsed`` to the response time), unless
        metrics or that counter's ``track_*`` flag are off."""
        tracked = {"cache_hits": self.config.track_cache_metrics,
                   "cache_misses": self.config.track_cache_metrics,
                   "failed_requests": self.config.track_error_rates,
                   "validation_failures": self.config.track_error_rates}.get(name, True)
        if not (self.config.enabled and tracked):
            return
        with self._lock:
            self.counts[name] += 1
            if elapsed is not None and self.config.track_response_times:
                self.total_response_time += elapsed
            self.last_updated = self._now()

    def snapshot(self) -> dict[str, Any]:
        """The metrics dict: exactly the keys and formulas of spec section 1."""
        with self._lock:
            c = dict(self.counts)
            total_time = self.total_response_time
            last = self.last_updated
        lookups = c["cache_hits"] + c["cache_misses"]
        return {
            "enabled": self.config.enabled,
            **{k: c[k] for k in ("total_requests", "successful_requests", "failed_requests",
                                 "cache_hits", "cache_misses")},
            "cache_hit_rate": c["cache_hits"] / lookups if lookups else 0.0,
            "total_response_time": total_time,
            "average_response_time": (total_time / c["successful_requests"]
                                      if c["successful_requests"] else 0.0),
            "retry_count": c["retry_count"],
            "validation_failures": c["validation_failures"],
            "success_rate": (c["successful_requests"] / c["total_requests"]
                             if c["total_requests"] else 0.0),
            "last_updated": last.isoformat(),
            "config": {"track_response_times": self.config.track_response_times,
                       "track_cache_metrics": self.config.track_cache_metrics,
                       "track_error_rates": self.config.track_error_rates},
        }
