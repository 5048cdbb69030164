"""Legacy configuration forms <-> :class:`~unified.config.UnifiedConfig`, in one place.

Each legacy form is accepted as its dataclass (:mod:`unified.compat.configs`) or as a
plain dict of the same keys. Every field is checked against the ranges below first, so
an invalid legacy config raises :class:`~unified.errors.ConfigError` whose ``field`` is
the *legacy* field name (``ttl``, not ``ttl_seconds``) -- never another exception.

Valid ranges (documented here once; the property tests draw from them):

================================  ==========================================================
legacy field                      valid values
================================  ==========================================================
``max_retries``                   integer 0..100
``base_delay``, ``max_delay``     finite number >= 0
``backoff_factor``                number 1..100
``enabled``, ``cache_enabled``    bool
``ttl``                           integer >= 1 (seconds)
``cache_dir``                     non-empty path string, or None (memory only)
``min_length``, ``max_length``    integer >= 0 or None, and ``min_length <= max_length``
``required_keywords``,            None or a list/tuple of strings
``forbidden_keywords``
``custom_validators``             a list/tuple of callables ``text -> bool``
``gateway_uri``                   an ``http://`` or ``https://`` URL
``route``, ``model``,             non-empty string
``default_model``, ``region``
``temperature``                   number 0..2
``max_tokens``                    integer >= 1
``timeout``                       number in (0, 3600]
``api_key``, ``profile``, keys    None or a string
``cache_size``                    integer >= 0
``circuit_failure_threshold``     integer >= 1
``circuit_reset_seconds``         finite number >= 0
``budget_usd``                    None or finite number >= 0
================================  ==========================================================

What each mapping means:

- enhanced ``RetryConfig`` -> ``unified.RetryConfig`` with the same four numbers,
  ``jitter=0`` and ``respect_retry_after=False`` (the legacy loop ignored Retry-After):
  the same attempt count and delay sequence.
- ``CacheConfig(enabled, ttl, cache_dir)`` -> ``unified.CacheConfig(enabled,
  ttl_seconds=ttl, directory=cache_dir)``.
- ``ValidationConfig`` -> ``unified.ValidationConfig`` (``custom_validators`` ->
  ``validators``): the same verdict and reason code on every text (see DIFFERENCES.md
  D010 for a validator that raises).
- ``DSPyGatewayConfig`` -> gateway backend on the legacy route
  (``/gateway/<route>/invocations``); ``max_retries`` is *tries in all* (at least one)
  with ``2 ** attempt`` s sleeps, retrying 5xx, timeouts and connection errors only; an
  in-memory cache of 256 answers.
- ``BedrockConfig`` -> Bedrock backend with ``invoke_model`` (the legacy Anthropic body),
  the default model resolved through the friendly-name table (plus an optional
  ``model_mapping`` from a settings file), region and credentials.
- ``DSPyConfig`` -> gateway backend on the legacy route ``model``; ``max_retries`` means
  tries in all as in the gateway backend it used; an in-memory cache of ``cache_size``
  answers. ``circuit_*`` and ``budget_usd`` have no unified field: the
  :class:`~unified.compat.dspy_wrapper.DSPyWrapper` shim applies them.

The reverse functions (``*_to_legacy`` / ``unified_to_*``) return the legacy form when it
can express the unified config, and raise :class:`ConfigError` naming the unified field
that it cannot express otherwise.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from ..backends.bedrock_models import resolve_model_id
from ..config import BackendType, GatewayRoute, UnifiedConfig
from ..config import CacheConfig as UCacheConfig
from ..config import RetryConfig as URetryConfig
from ..config import ValidationConfig as UValidationConfig
from ..errors import ConfigError, ConnectionError, ServerError, TimeoutError
from ._deprecation import quiet
from .configs import (
    BedrockConfig,
    CacheConfig,
    DSPyConfig,
    DSPyGatewayConfig,
    RetryConfig,
    ValidationConfig,
    field_defaults,
)

__all__ = ["retry_from_legacy", "cache_from_legacy", "validation_from_legacy",
           "enhanced_to_unified", "gateway_to_unified", "bedrock_to_unified",
           "dspy_config_to_unified", "gateway_retry", "resolve_bedrock_model",
           "retry_to_legacy", "cache_to_legacy", "validation_to_legacy",
           "unified_to_enhanced", "unified_to_gateway", "unified_to_bedrock",
           "unified_to_dspy_config", "TO_UNIFIED", "GATEWAY_CACHE_ENTRIES"]

#: The legacy gateway backend kept this many answers in memory.
GATEWAY_CACHE_ENTRIES = 256
_GATEWAY_RETRY_ON = (ServerError, TimeoutError, ConnectionError)


# -- field checks ------------------------------------------------------------------------
def _fail(field: str, value: Any, allowed: str) -> NoReturn:
    raise ConfigError.for_field(field, value, allowed)


def _int(values: Mapping[str, Any], name: str, low: int, high: int | None = None) -> int:
    value = values[name]
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if not ok or (high is not None and value > high):
        _fail(name, value, f"an integer from {low} to {high}" if high is not None
              else f"an integer >= {low}")
    return int(value)


def _number(values: Mapping[str, Any], name: str, low: float, high: float | None = None,
            *, low_open: bool = False) -> float:
    value = values[name]
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else float("nan")
    ok = number == number and number not in (float("inf"), float("-inf"))
    ok = ok and (number > low if low_open else number >= low)
    if not ok or (high is not None and number > high):
        if high is None:
            _fail(name, value, f"a finite number >= {low:g}")
        _fail(name, value, f"a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return number


def _optional(check: Callable[..., Any], values: Mapping[str, Any], name: str,
              *args: Any) -> Any:
    return None if values[name] is None else check(values, name, *args)


def _bool(values: Mapping[str, Any], name: str) -> bool:
    if not isinstance(values[name], bool):
        _fail(name, values[name], "true or false")
    return bool(values[name])


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values[name]
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        _fail(name, value, "a non-empty string")
    return str(value)


def _secret(values: Mapping[str, Any], name: str) -> str | None:
    value = values[name]
    if value is not None and not isinstance(value, str):
        _fail(name, "<not a string>", "a string or None")
    return value


def _url(values: Mapping[str, Any], name: str) -> str:
    value = values[name]
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        _fail(name, value, "an http:// or https:// URL")
    return str(value)


def _strings(values: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = values[name]
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(isinstance(item, str) for item in value):
        _fail(name, value, "a list of strings or None")
    return tuple(value)


def _callables(values: Mapping[str, Any], name: str) -> tuple[Callable[[str], bool], ...]:
    value = values[name]
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(callable(item) for item in value):
        _fail(name, value, "a list of callables text -> bool")
    return tuple(value)


def _values(legacy: Any, cls: type) -> dict[str, Any]:
    """The field values of a legacy config given as its dataclass or as a dict."""
    if isinstance(legacy, cls):
        return {f.name: getattr(legacy, f.name) for f in dataclasses.fields(cls)}
    if isinstance(legacy, Mapping):
        values = field_defaults(cls)
        for key in legacy:
            if key not in values:
                _fail(str(key), legacy[key], "one of the fields " + ", ".join(values))
        values.update(legacy)
        return values
    _fail(cls.__name__, legacy, f"a {cls.__name__} or a dict of its fields")


@contextlib.contextmanager
def _legacy_names(renames: Mapping[str, str]) -> Iterator[None]:
    """Report a unified field's ConfigError under the legacy field name."""
    try:
        yield
    except ConfigError as exc:
        name = renames.get(exc.field or "", exc.field or "config")
        raise ConfigError.for_field(name, exc.value, exc.allowed or str(exc)) from None


# -- legacy -> unified ---------------------------------------------------------------------
def retry_from_legacy(legacy: RetryConfig | Mapping[str, Any]) -> URetryConfig:
    """Enhanced ``RetryConfig`` -> ``unified.RetryConfig`` (same attempts and delays)."""
    v = _values(legacy, RetryConfig)
    return URetryConfig(max_retries=_int(v, "max_retries", 0, 100),
                        base_delay=_number(v, "base_delay", 0.0),
                        backoff_factor=_number(v, "backoff_factor", 1.0, 100.0),
                        max_delay=_number(v, "max_delay", 0.0), jitter=0.0,
                        respect_retry_after=False)


def cache_from_legacy(legacy: CacheConfig | Mapping[str, Any]) -> UCacheConfig:
    """Enhanced ``CacheConfig`` -> ``unified.CacheConfig`` (``ttl`` -> ``ttl_seconds``)."""
    v = _values(legacy, CacheConfig)
    with _legacy_names({"ttl_seconds": "ttl", "directory": "cache_dir"}):
        return UCacheConfig(enabled=_bool(v, "enabled"), ttl_seconds=_int(v, "ttl", 1),
                            directory=_optional(_text, v, "cache_dir"))


def validation_from_legacy(legacy: ValidationConfig | Mapping[str, Any]) -> UValidationConfig:
    """Enhanced ``ValidationConfig`` -> ``unified.ValidationConfig``."""
    v = _values(legacy, ValidationConfig)
    with _legacy_names({"validators": "custom_validators"}):
        return UValidationConfig(
            min_length=_optional(_int, v, "min_length", 0),
            max_length=_optional(_int, v, "max_length", 0),
            required_keywords=_optional(_strings, v, "required_keywords"),
            forbidden_keywords=_optional(_strings, v, "forbidden_keywords"),
            validators=_callables(v, "custom_validators"))


def enhanced_to_unified(retry: RetryConfig | Mapping[str, Any] | None = None,
                        cache: CacheConfig | Mapping[str, Any] | None = None,
                        validation: ValidationConfig | Mapping[str, Any] | None = None, *,
                        base: UnifiedConfig | None = None) -> UnifiedConfig:
    """The enhanced wrapper's three configs over ``base`` (default ``UnifiedConfig()``).

    ``None`` means the legacy default (``RetryConfig()``, ``CacheConfig()``,
    ``ValidationConfig()``), as in the legacy constructor.
    """
    return (base or UnifiedConfig()).with_overrides(
        retry=retry_from_legacy(retry if retry is not None else {}),
        cache=cache_from_legacy(cache if cache is not None else {}),
        validation=validation_from_legacy(validation if validation is not None else {}))


def gateway_retry(tries: int) -> URetryConfig:
    """The legacy gateway loop: ``tries`` in all (>= 1), ``2 ** attempt`` s between them,
    retrying 5xx, timeouts and connection errors (not 429, not other 4xx)."""
    tries = max(1, tries)
    return URetryConfig(max_retries=tries - 1, base_delay=1.0, backoff_factor=2.0,
                        max_delay=float(2 ** max(tries - 2, 0)), jitter=0.0,
                        retry_on=_GATEWAY_RETRY_ON, respect_retry_after=False)


def _gateway_fields(v: Mapping[str, Any], route_field: str, route: str | None,
                    tries_field: str) -> dict[str, Any]:
    name = _text(v, route_field) if route is None else route
    return {"backend": BackendType.GATEWAY, "model": name, "gateway_endpoint": name,
            "gateway_route": GatewayRoute.LEGACY, "gateway_uri": _url(v, "gateway_uri"),
            "temperature": _number(v, "temperature", 0.0, 2.0),
            "max_tokens": _int(v, "max_tokens", 1),
            "retry": gateway_retry(_int(v, tries_field, 0, 100))}


def gateway_to_unified(legacy: DSPyGatewayConfig | Mapping[str, Any], *,
                       route: str | None = None,
                       base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``DSPyGatewayConfig`` -> gateway backend on the legacy route (``route`` overrides
    the config's, as ``query(route, …)`` did)."""
    v = _values(legacy, DSPyGatewayConfig)
    if route is not None:
        _text({"route": route}, "route")
    fields = _gateway_fields(v, "route", route, "max_retries")
    fields.update(timeout_seconds=_number(v, "timeout", 0.0, 3600.0, low_open=True),
                  gateway_api_key=_secret(v, "api_key"),
                  cache=UCacheConfig(memory_entries=GATEWAY_CACHE_ENTRIES))
    return dataclasses.replace(base or UnifiedConfig(), **fields)


def resolve_bedrock_model(name: str, model_mapping: Mapping[str, str] | None = None) -> str:
    """A friendly name's Bedrock model id (``model_mapping`` first, then the built-in
    table of :mod:`unified.backends.bedrock_models`); other names pass through."""
    if model_mapping and name in model_mapping:
        return model_mapping[name]
    return resolve_model_id(name)


def bedrock_to_unified(legacy: BedrockConfig | Mapping[str, Any] | None, *,
                       model_mapping: Mapping[str, str] | None = None,
                       base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``BedrockConfig`` (or dict, or ``None``) -> Bedrock backend, ``invoke_model`` API."""
    v = _values(legacy if legacy is not None else {}, BedrockConfig)
    return dataclasses.replace(
        base or UnifiedConfig(), backend=BackendType.BEDROCK, bedrock_api="invoke",
        model=resolve_bedrock_model(_text(v, "default_model"), model_mapping),
        aws_region=_text(v, "region"), aws_profile=_secret(v, "profile"),
        aws_access_key_id=_secret(v, "access_key_id"),
        aws_secret_access_key=_secret(v, "secret_access_key"),
        aws_session_token=_secret(v, "session_token"))


def dspy_config_to_unified(legacy: DSPyConfig | Mapping[str, Any] | None, *,
                           base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``DSPyConfig`` -> gateway backend on route ``model`` with a memory cache."""
    v = _values(legacy if legacy is not None else {}, DSPyConfig)
    fields = _gateway_fields(v, "model", None, "max_retries")
    fields["cache"] = UCacheConfig(enabled=_bool(v, "cache_enabled"),
                                   memory_entries=_int(v, "cache_size", 0))
    _int(v, "circuit_failure_threshold", 1)
    _number(v, "circuit_reset_seconds", 0.0)
    _optional(_number, v, "budget_usd", 0.0)
    return dataclasses.replace(base or UnifiedConfig(), **fields)


#: Legacy class name -> its mapping (used by the dataclasses' ``to_unified()``).
TO_UNIFIED: dict[str, Callable[[Any], Any]] = {
    "RetryConfig": retry_from_legacy, "CacheConfig": cache_from_legacy,
    "ValidationConfig": validation_from_legacy, "DSPyGatewayConfig": gateway_to_unified,
    "BedrockConfig": bedrock_to_unified, "DSPyConfig": dspy_config_to_unified,
}


# -- unified -> legacy ---------------------------------------------------------------------
def _inexpressible(field: str, value: Any, legacy: str) -> NoReturn:
    _fail(field, value, f"a value the legacy {legacy} can express")


def retry_to_legacy(retry: URetryConfig) -> RetryConfig:
    """``unified.RetryConfig`` -> enhanced ``RetryConfig`` (only without jitter)."""
    if retry.jitter:
        _inexpressible("retry.jitter", retry.jitter, "RetryConfig (no jitter)")
    with quiet():
        return RetryConfig(max_retries=retry.max_retries, base_delay=retry.base_delay,
                           backoff_factor=retry.backoff_factor, max_delay=retry.max_delay)


def cache_to_legacy(cache: UCacheConfig) -> CacheConfig:
    """``unified.CacheConfig`` -> enhanced ``CacheConfig`` (``ttl_seconds`` -> ``ttl``)."""
    with quiet():
        return CacheConfig(enabled=cache.enabled, ttl=cache.ttl_seconds,
                           cache_dir=cache.directory)


def _as_list(words: tuple[str, ...] | None) -> list[str] | None:
    return None if words is None else list(words)


def validation_to_legacy(validation: UValidationConfig) -> ValidationConfig:
    """``unified.ValidationConfig`` -> enhanced ``ValidationConfig`` (no ``pattern``)."""
    if validation.pattern is not None:
        _inexpressible("validation.pattern", validation.pattern, "ValidationConfig")
    with quiet():
        return ValidationConfig(min_length=validation.min_length,
                                max_length=validation.max_length,
                                required_keywords=_as_list(validation.required_keywords),
                                forbidden_keywords=_as_list(validation.forbidden_keywords),
                                custom_validators=tuple(validation.validators))


def unified_to_enhanced(config: UnifiedConfig) -> tuple[RetryConfig | None, CacheConfig | None,
                                                        ValidationConfig | None]:
    """The enhanced wrapper's ``(retry, cache, validation)`` configs of ``config``."""
    return (None if config.retry is None else retry_to_legacy(config.retry),
            None if config.cache is None else cache_to_legacy(config.cache),
            None if config.validation is None else validation_to_legacy(config.validation))


def _gateway_tries(config: UnifiedConfig, legacy: str) -> int:
    retry = config.retry or URetryConfig(max_retries=0)
    if retry != gateway_retry(retry.max_retries + 1):
        _inexpressible("retry", retry.to_dict(), f"{legacy} (2 ** attempt s between tries)")
    return retry.max_retries + 1


def _gateway_route(config: UnifiedConfig, legacy: str) -> tuple[str, str]:
    """(route, gateway URI) of a gateway config on the legacy route."""
    if config.backend is not BackendType.GATEWAY:
        _inexpressible("backend", config.backend.value, legacy)
    if config.gateway_route is not GatewayRoute.LEGACY:
        _inexpressible("gateway_route", config.gateway_route.value, legacy)
    if config.gateway_uri is None:
        _inexpressible("gateway_uri", None, legacy)
    return config.gateway_endpoint or config.model, config.gateway_uri


def unified_to_gateway(config: UnifiedConfig) -> DSPyGatewayConfig:
    """A gateway ``UnifiedConfig`` on the legacy route -> ``DSPyGatewayConfig``."""
    route, uri = _gateway_route(config, "DSPyGatewayConfig")
    with quiet():
        return DSPyGatewayConfig(
            gateway_uri=uri, route=route,
            temperature=0.1 if config.temperature is None else config.temperature,
            max_tokens=config.max_tokens or 1000, timeout=config.timeout_seconds,
            max_retries=_gateway_tries(config, "DSPyGatewayConfig"),
            api_key=config.gateway_api_key)


def unified_to_dspy_config(config: UnifiedConfig) -> DSPyConfig:
    """A gateway ``UnifiedConfig`` on the legacy route -> ``DSPyConfig`` (circuit and
    budget settings at their defaults)."""
    route, uri = _gateway_route(config, "DSPyConfig")
    cache = config.cache or UCacheConfig(enabled=False)
    with quiet():
        return DSPyConfig(model=route, gateway_uri=uri,
                          temperature=0.7 if config.temperature is None else config.temperature,
                          max_tokens=config.max_tokens or 1000, cache_enabled=cache.enabled,
                          cache_size=cache.memory_entries,
                          max_retries=_gateway_tries(config, "DSPyConfig"))


def unified_to_bedrock(config: UnifiedConfig) -> BedrockConfig:
    """A Bedrock ``UnifiedConfig`` -> ``BedrockConfig`` (the model as its resolved id)."""
    if config.backend is not BackendType.BEDROCK:
        _inexpressible("backend", config.backend.value, "BedrockConfig")
    with quiet():
        return BedrockConfig(region=config.aws_region or "us-east-1",
                             profile=config.aws_profile,
                             access_key_id=config.aws_access_key_id,
                             secret_access_key=config.aws_secret_access_key,
                             session_token=config.aws_session_token,
                             default_model=resolve_model_id(config.model))
