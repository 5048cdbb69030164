"""Configuration: frozen dataclasses with strict loading from dicts, env and files.

Every config object is immutable and validated on construction. Loading from a dict,
the environment or a YAML/TOML file goes through one typed coercion step, so an unknown
key, a wrong type or an out-of-range value raises :class:`~unified._errors.ConfigError`
naming the dotted field path, the rejected value and what is allowed.

Precedence (documented once, in the README too): explicit argument > config object >
environment > default.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._configload import dump, load, redact_url
from ._errors import ConfigError, TransientError, UnifiedError
from ._validators import register_validator, registered_validators

__all__ = [
    "DEFAULT_MODEL",
    "BackendType",
    "GatewayRoute",
    "RetryConfig",
    "CacheConfig",
    "ValidationConfig",
    "MetricsConfig",
    "TelemetryConfig",
    "UnifiedConfig",
    "register_validator",
    "registered_validators",
]

DEFAULT_MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"
#: Field metadata the loaders (:mod:`unified._configload`, :mod:`unified._envconfig`)
#: read, so that none of them switches on a field's name: ``codec`` names how a value
#: that is not plain typed data is read and written (``error_names``: classes of
#: :mod:`unified._errors` by name; ``validators``: registered validators by name;
#: ``fallbacks``: configs of the same class); ``section`` is a section's class
#: (``always``: never None, ``true``/``false`` set its ``enabled``); ``secret`` and
#: ``url`` mark what ``to_dict(redact=True)`` hides (a URL's user info and query).
SECRET = {"secret": True}
URL = {"url": True}


class BackendType(str, enum.Enum):
    """Which backend serves the calls; ``AUTO`` detects one and says why."""

    AUTO = "auto"
    GATEWAY = "gateway"
    BEDROCK = "bedrock"
    DIRECT = "direct"
    MOCK = "mock"


class GatewayRoute(str, enum.Enum):
    """Which of the MLflow gateway's three HTTP APIs the gateway backend calls."""

    ENDPOINTS = "endpoints"   # POST {uri}/endpoints/{endpoint}/invocations
    OPENAI = "openai"         # POST {uri}/v1/chat/completions, model=<endpoint>
    LEGACY = "legacy"         # POST {uri}/gateway/{route}/invocations


def _check(ok: bool, name: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError.for_field(name, value, allowed)


def _non_negative(name: str, value: float) -> None:
    _check(value >= 0 and value == value and value != float("inf"), name, value,
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
        _check(self.max_retries >= 0 and self.max_retries <= 100, "max_retries",
               self.max_retries, "an integer from 0 to 100")
        for name in ("base_delay", "max_delay", "jitter", "max_retry_after"):
            _non_negative(name, getattr(self, name))
        _check(self.backoff_factor >= 1.0 and self.backoff_factor <= 100, "backoff_factor",
               self.backoff_factor, "a number from 1 to 100")
        object.__setattr__(self, "retry_on", tuple(self.retry_on))
        for cls in self.retry_on:
            _check(isinstance(cls, type) and issubclass(cls, UnifiedError), "retry_on", cls,
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
        _check(self.ttl_seconds > 0, "ttl_seconds", self.ttl_seconds, "an integer > 0")
        _check(self.max_size_mb > 0 and self.max_size_mb < 1e7, "max_size_mb",
               self.max_size_mb, "a number > 0")
        _check(self.memory_entries >= 0, "memory_entries", self.memory_entries,
               "an integer >= 0")
        if self.directory is not None:
            _check(bool(self.directory.strip()) and "\x00" not in self.directory,
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
            _check(value is None or value >= 0, name, value, "an integer >= 0 or null")
        if self.min_length is not None and self.max_length is not None:
            _check(self.min_length <= self.max_length, "max_length", self.max_length,
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
            _check(callable(func), "validators", func, "callables text -> bool")

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
            _check(_is_http_url(self.otlp_endpoint), "otlp_endpoint",
                   redact_url(str(self.otlp_endpoint)), "an http:// or https:// URL with a host")
        _check(isinstance(self.service_name, str) and bool(self.service_name.strip()),
               "service_name", self.service_name, "a non-empty string")
        _check(not (self.set_global and self.otlp_endpoint is None), "set_global",
               self.set_global, "true only together with otlp_endpoint")
        for name in ("tracer_provider", "meter_provider"):
            value = getattr(self, name)
            _check(value is None or not isinstance(value, (str, bytes, int, float, bool)),
                   name, value, "an OpenTelemetry provider object, given in code")


@dataclass(frozen=True)
class UnifiedConfig:
    """Everything :class:`~unified.UnifiedDSPyWrapper` needs, in one immutable value.

    ``retry``/``cache``/``validation`` set to ``None`` turn that layer off.
    ``fallbacks`` are configs of backends tried in order when the primary fails with a
    transient error after its retries.
    """

    backend: BackendType = BackendType.AUTO
    model: str = DEFAULT_MODEL
    retry: RetryConfig | None = field(default=None, metadata={"section": RetryConfig})
    cache: CacheConfig | None = field(default=None, metadata={"section": CacheConfig})
    validation: ValidationConfig | None = field(default=None,
                                                metadata={"section": ValidationConfig})
    metrics: MetricsConfig = field(default_factory=MetricsConfig,
                                   metadata={"section": MetricsConfig, "always": True})
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig,
                                       metadata={"section": TelemetryConfig, "always": True})
    timeout_seconds: float = 30.0
    temperature: float | None = None
    max_tokens: int | None = None
    gateway_uri: str | None = field(default=None, metadata=URL)
    gateway_endpoint: str | None = None
    gateway_api_key: str | None = field(default=None, metadata=SECRET)
    gateway_route: GatewayRoute = GatewayRoute.ENDPOINTS
    aws_region: str | None = None
    aws_profile: str | None = None
    aws_access_key_id: str | None = field(default=None, metadata=SECRET)
    aws_secret_access_key: str | None = field(default=None, metadata=SECRET)
    aws_session_token: str | None = field(default=None, metadata=SECRET)
    bedrock_endpoint_url: str | None = field(default=None, metadata=URL)
    bedrock_api: str = "converse"
    api_base: str | None = field(default=None, metadata=URL)
    api_key: str | None = field(default=None, metadata=SECRET)
    #: Feature names the backend declares it carries, replacing what it would derive
    #: (``["image", "tools", "param:seed", …]``; see README, what each backend carries):
    #: for gateway endpoints whose upstream the wrapper cannot know.
    capabilities_override: tuple[str, ...] | None = None
    fallbacks: tuple[UnifiedConfig, ...] = field(default=(), metadata={"codec": "fallbacks"})

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "backend", BackendType(self.backend))
        except ValueError:
            raise ConfigError.for_field("backend", self.backend,
                                        _enum_allowed(BackendType)) from None
        try:
            object.__setattr__(self, "gateway_route", GatewayRoute(self.gateway_route))
        except ValueError:
            raise ConfigError.for_field("gateway_route", self.gateway_route,
                                        _enum_allowed(GatewayRoute)) from None
        _check(isinstance(self.model, str) and bool(self.model.strip()), "model", self.model,
               "a non-empty model id")
        _check(self.timeout_seconds > 0 and self.timeout_seconds <= 3600, "timeout_seconds",
               self.timeout_seconds, "a number of seconds in (0, 3600]")
        if self.temperature is not None:
            _check(0.0 <= self.temperature <= 2.0, "temperature", self.temperature,
                   "a number from 0 to 2 or null")
        if self.max_tokens is not None:
            _check(self.max_tokens > 0, "max_tokens", self.max_tokens, "an integer > 0")
        _check(self.bedrock_api in ("converse", "invoke"), "bedrock_api", self.bedrock_api,
               "'converse' or 'invoke'")
        for name in ("gateway_uri", "bedrock_endpoint_url", "api_base"):
            value = getattr(self, name)
            if value is not None:
                _check(_is_http_url(value), name, redact_url(str(value)),
                       "an http:// or https:// URL with a host (and a port from 1 to 65535)")
        if self.aws_region:
            _check(valid_region(self.aws_region), "aws_region", self.aws_region, REGION_ALLOWED)
        if self.capabilities_override is not None:
            object.__setattr__(self, "capabilities_override",
                               tuple(self.capabilities_override))
        object.__setattr__(self, "fallbacks", tuple(self.fallbacks))
        for item in self.fallbacks:
            _check(isinstance(item, UnifiedConfig), "fallbacks", item, "UnifiedConfig values")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.to_dict(redact=True).items())
        return f"UnifiedConfig({shown})"

    # -- serialisation -------------------------------------------------------------
    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """A plain dict; ``from_dict(to_dict())`` gives an equal config.

        JSON/YAML-ready except for unregistered custom validators, which stay the
        callables themselves (register them to write a config to a file). With
        ``redact=True`` every secret is replaced by ``"***"`` (and such a dict is refused
        by ``from_dict``: it is for showing only).
        """
        return dump(self, redact=redact)

    def redacted(self) -> dict[str, Any]:
        """Shorthand for ``to_dict(redact=True)``: safe to log and show."""
        return self.to_dict(redact=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnifiedConfig:
        """Build a config from a plain dict, strictly (unknown keys are errors).

        A section may be ``true`` (its defaults) or ``false``/``null`` (off).
        """
        return load(cls, data, "")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 prefix: str = "UNIFIED_") -> UnifiedConfig:
        """Build a config from ``UNIFIED_*`` environment variables.

        Top-level fields are ``UNIFIED_<FIELD>`` (``UNIFIED_MODEL``); section fields
        are ``UNIFIED_<SECTION>_<FIELD>`` (``UNIFIED_RETRY_MAX_RETRIES``); setting any
        variable of a section turns that section on, as ``UNIFIED_<SECTION>=1`` does.
        Lists are comma-separated; a fallback named by its backend alone
        (``UNIFIED_FALLBACKS=mock,gateway``) inherits the primary's settings.
        ``MLFLOW_GATEWAY_URI`` fills ``gateway_uri`` when ``UNIFIED_GATEWAY_URI`` is
        unset. An unknown ``UNIFIED_*`` variable or an unparsable value is a
        ``ConfigError``.
        """
        from ._envconfig import config_dict_from_env
        from ._environment import process_environ

        env = process_environ() if environ is None else environ
        return cls.from_dict(config_dict_from_env(cls, env, prefix))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> UnifiedConfig:
        """Build a config from a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file.

        Every error names the file (``ConfigError.file``).
        """
        from ._configfile import read_config_file

        try:
            return cls.from_dict(read_config_file(Path(path)))
        except ConfigError as exc:
            raise exc.in_file(str(path)) from None

    def with_overrides(self, **changes: Any) -> UnifiedConfig:
        """A copy with ``changes`` applied (validated like any construction)."""
        return replace(self, **changes)


#: The sections of :class:`UnifiedConfig` by field name (from the fields' metadata).
SECTIONS: dict[str, type] = {f.name: f.metadata["section"] for f in fields(UnifiedConfig)
                             if "section" in f.metadata}
#: Sections that are always present (never None): ``true``/``false`` set their
#: ``enabled`` field.
ALWAYS_PRESENT = frozenset(f.name for f in fields(UnifiedConfig) if f.metadata.get("always"))
#: Fields of :class:`UnifiedConfig` holding a secret (hidden by ``to_dict(redact=True)``).
SECRET_FIELDS = frozenset(f.name for f in fields(UnifiedConfig) if f.metadata.get("secret"))
#: URL fields whose user info and query (credentials often ride there) are redacted too.
URL_FIELDS = frozenset(f.name for f in fields(UnifiedConfig) if f.metadata.get("url"))


def _enum_allowed(enum_cls: type[enum.Enum]) -> str:
    return "one of " + ", ".join(repr(m.value) for m in enum_cls)  # type: ignore[attr-defined]


REGION_ALLOWED = "an AWS region name such as 'us-east-1' (letters, digits and '-')"
_REGION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def valid_region(region: str) -> bool:
    """Whether botocore accepts ``region`` as a region name (its own pattern)."""
    return isinstance(region, str) and _REGION.fullmatch(region) is not None


def _is_http_url(value: object) -> bool:
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
