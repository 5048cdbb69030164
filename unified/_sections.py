"""The sections of :class:`unified.UnifiedConfig`: the retry policy, the cache, the
validation rules, metrics and telemetry — frozen dataclasses, each validated on
construction (a bad value raises :class:`~unified._errors.ConfigError` naming the field,
the value and what is allowed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from ._configload import dump, redact_url
from ._errors import ConfigError, TransientError, UnifiedError

__all__ = ["CODE_ONLY", "CacheConfig", "MetricsConfig", "RetryConfig", "TelemetryConfig",
           "ValidationConfig", "check_field", "is_http_url"]


def check_field(ok: bool, name: str, value: Any, allowed: str) -> None:
    """Raise :class:`ConfigError` for field ``name`` (its ``value``, what is ``allowed``)
    unless ``ok``."""
    if not ok:
        raise ConfigError.for_field(name, value, allowed)


def _non_negative(name: str, value: float) -> None:
    check_field(value >= 0 and value == value and value != float("inf"), name, value,
           "a finite number >= 0")


class _AsDict:
    """Gives a config section ``to_dict()`` (the same form ``from_dict`` reads)."""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of this section (JSON/YAML-ready but for unregistered validators)."""
        return dump(self, redact=False)


@dataclass(frozen=True)
class RetryConfig(_AsDict):
    """The retry policy: an immutable value (urllib3 ``Retry`` style).

    - ``max_retries``: retries after the first attempt (attempts = max_retries + 1).
    - ``base_delay``, ``backoff_factor``, ``max_delay``: delay before retry k is
      ``min(base_delay * backoff_factor ** (k - 1), max_delay)``.
    - ``jitter``: up to this many seconds of random delay added to each wait.
    - ``retry_on``: error classes that are retried (subclasses of ``UnifiedError``).
    - ``respect_retry_after``: honour a ``RateLimitError.retry_after`` hint, capped at
      ``max_retry_after`` seconds.
    """

    max_retries: int = 3
    base_delay: float = 1.0
    backoff_factor: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.0
    retry_on: tuple[type[UnifiedError], ...] = field(default=(TransientError,),
                                                     metadata={"codec": "error_names"})
    respect_retry_after: bool = True
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        check_field(self.max_retries >= 0 and self.max_retries <= 100, "max_retries",
               self.max_retries, "an integer from 0 to 100")
        for name in ("base_delay", "max_delay", "jitter", "max_retry_after"):
            _non_negative(name, getattr(self, name))
        check_field(self.backoff_factor >= 1.0 and self.backoff_factor <= 100, "backoff_factor",
               self.backoff_factor, "a number from 1 to 100")
        object.__setattr__(self, "retry_on", tuple(self.retry_on))
        for cls in self.retry_on:
            check_field(isinstance(cls, type) and issubclass(cls, UnifiedError), "retry_on", cls,
                   "error classes from unified._errors")

    @property
    def attempts(self) -> int:
        """Total attempts: the first plus ``max_retries``."""
        return self.max_retries + 1

    def backoff(self, retry_number: int) -> float:
        """The delay (without jitter) before retry ``retry_number`` (1-based)."""
        return min(self.base_delay * self.backoff_factor ** (retry_number - 1), self.max_delay)

    def delays(self) -> list[float]:
        """The delay sequence of a call that fails every attempt (no Retry-After)."""
        return [self.backoff(k) for k in range(1, self.max_retries + 1)]


@dataclass(frozen=True)
class CacheConfig(_AsDict):
    """The response cache: memory LRU in front of an optional disk store.

    ``directory=None`` keeps the cache in memory only. ``ttl_seconds`` bounds the age of
    an entry, ``max_size_mb`` the disk store, ``memory_entries`` the LRU.
    """

    enabled: bool = True
    ttl_seconds: int = 3600
    max_size_mb: float = 100
    directory: str | None = None
    memory_entries: int = 1024

    def __post_init__(self) -> None:
        check_field(self.ttl_seconds > 0, "ttl_seconds", self.ttl_seconds, "an integer > 0")
        check_field(self.max_size_mb > 0 and self.max_size_mb < 1e7, "max_size_mb",
               self.max_size_mb, "a number > 0")
        check_field(self.memory_entries >= 0, "memory_entries", self.memory_entries,
               "an integer >= 0")
        if self.directory is not None:
            check_field(bool(self.directory.strip()) and "\x00" not in self.directory,
                   "directory", self.directory, "a non-empty path")


@dataclass(frozen=True)
class ValidationConfig(_AsDict):
    """Rules applied to each response text; the first failing rule gives the reason.

    Order: ``too_short``, ``too_long``, ``missing_required_keywords``,
    ``contains_forbidden_keywords``, ``pattern_mismatch``, ``custom_validator_failed``.
    Keywords match as case-insensitive substrings; ``pattern`` is a regular expression
    searched in the text; ``validators`` are callables ``text -> bool`` (or names of
    validators registered with :func:`register_validator`).
    """

    min_length: int | None = None
    max_length: int | None = None
    required_keywords: tuple[str, ...] | None = None
    forbidden_keywords: tuple[str, ...] | None = None
    pattern: str | None = None
    validators: tuple[Callable[[str], bool], ...] = field(default=(),
                                                          metadata={"codec": "validators"})

    def __post_init__(self) -> None:
        for name in ("min_length", "max_length"):
            value = getattr(self, name)
            check_field(value is None or value >= 0, name, value, "an integer >= 0 or null")
        if self.min_length is not None and self.max_length is not None:
            check_field(self.min_length <= self.max_length, "max_length", self.max_length,
                   f"a value >= min_length ({self.min_length})")
        for name in ("required_keywords", "forbidden_keywords"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ConfigError.for_field("pattern", self.pattern,
                                            f"a valid regular expression ({exc})") from None
        object.__setattr__(self, "validators", tuple(self.validators))
        for func in self.validators:
            check_field(callable(func), "validators", func, "callables text -> bool")

    def cache_fingerprint(self) -> str:
        """What the cache keys these rules on: every rule, custom validators by a
        fingerprint that changes when they do (see :mod:`unified._validators`)."""
        from ._validators import rules_fingerprint

        return rules_fingerprint(self)

    @property
    def is_empty(self) -> bool:
        """True when no rule is configured."""
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))


@dataclass(frozen=True)
class MetricsConfig(_AsDict):
    """Metrics collection; ``enabled=False`` turns every counter into a no-op."""

    enabled: bool = True


#: Field metadata of values that only code can give (objects, not text): the environment
#: and files do not set them, and ``to_dict()`` keeps them as the objects themselves.
CODE_ONLY = {"code_only": True}


@dataclass(frozen=True)
class TelemetryConfig(_AsDict):
    """OpenTelemetry spans and metrics of every call (off by default).

    - ``enabled``: emit one GenAI-convention span per call (a child span per backend
      attempt) and the ``gen_ai.client.*`` metrics; ``opentelemetry-api`` is imported
      only then.
    - ``record_content``: also record the prompt and the completion on the span, after
      the same secret redaction errors and logs get (off: no prompt or completion text
      in any span).
    - ``metrics``: also record the OTel metrics (duration and token histograms, cache
      and retry counters).
    - ``otlp_endpoint``: export to this OTLP/HTTP collector (``http://host:4318``) through
      providers of the wrapper's own (needs ``opentelemetry-sdk`` and
      ``opentelemetry-exporter-otlp-proto-http``); unset, the application's providers
      are used (the global ones unless ``tracer_provider``/``meter_provider`` are given).
    - ``set_global``: install those own providers as the global ones (never otherwise).
    - ``service_name``: the ``service.name`` resource of the wrapper's own providers.
    - ``tracer_provider``, ``meter_provider``: the application's providers, given in
      code (not read from the environment or files).
    """

    enabled: bool = False
    record_content: bool = False
    metrics: bool = True
    otlp_endpoint: str | None = None
    set_global: bool = False
    service_name: str = "unified-dspy"
    tracer_provider: Any = field(default=None, compare=False, metadata=CODE_ONLY)
    meter_provider: Any = field(default=None, compare=False, metadata=CODE_ONLY)

    def __post_init__(self) -> None:
        if self.otlp_endpoint is not None:
            check_field(is_http_url(self.otlp_endpoint), "otlp_endpoint",
                   redact_url(str(self.otlp_endpoint)), "an http:// or https:// URL with a host")
        check_field(isinstance(self.service_name, str) and bool(self.service_name.strip()),
               "service_name", self.service_name, "a non-empty string")
        check_field(not (self.set_global and self.otlp_endpoint is None), "set_global",
               self.set_global, "true only together with otlp_endpoint")
        for name in ("tracer_provider", "meter_provider"):
            value = getattr(self, name)
            check_field(value is None or not isinstance(value, (str, bytes, int, float, bool)),
                   name, value, "an OpenTelemetry provider object, given in code")



def is_http_url(value: object) -> bool:
    """An http(s) URL that httpx, botocore and litellm can all parse: a host, a valid
    port, no whitespace or control characters."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return False
    if not value.isprintable() or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number or too big
        return False
