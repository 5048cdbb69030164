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
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ._configload import dump, load, redact_url
from ._errors import ConfigError
from ._sections import (
    CacheConfig,
    MetricsConfig,
    RetryConfig,
    TelemetryConfig,
    ValidationConfig,
    check_field,
    is_http_url,
)
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
        check_field(isinstance(self.model, str) and bool(self.model.strip()), "model", self.model,
               "a non-empty model id")
        check_field(self.timeout_seconds > 0 and self.timeout_seconds <= 3600, "timeout_seconds",
               self.timeout_seconds, "a number of seconds in (0, 3600]")
        if self.temperature is not None:
            check_field(0.0 <= self.temperature <= 2.0, "temperature", self.temperature,
                   "a number from 0 to 2 or null")
        if self.max_tokens is not None:
            check_field(self.max_tokens > 0, "max_tokens", self.max_tokens, "an integer > 0")
        check_field(self.bedrock_api in ("converse", "invoke"), "bedrock_api", self.bedrock_api,
               "'converse' or 'invoke'")
        for name in ("gateway_uri", "bedrock_endpoint_url", "api_base"):
            value = getattr(self, name)
            if value is not None:
                check_field(is_http_url(value), name, redact_url(str(value)),
                       "an http:// or https:// URL with a host (and a port from 1 to 65535)")
        if self.aws_region:
            check_field(valid_region(self.aws_region), "aws_region", self.aws_region, REGION_ALLOWED)
        if self.capabilities_override is not None:
            object.__setattr__(self, "capabilities_override",
                               tuple(self.capabilities_override))
        object.__setattr__(self, "fallbacks", tuple(self.fallbacks))
        for item in self.fallbacks:
            check_field(isinstance(item, UnifiedConfig), "fallbacks", item, "UnifiedConfig values")

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
