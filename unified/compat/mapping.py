"""Legacy configuration forms <-> :class:`~unified._config.UnifiedConfig`, in one place.

Each legacy form is accepted as its dataclass (:mod:`unified.compat.configs`) or as a
plain dict of the same keys. Every field is checked against the ranges below first, so
an invalid legacy config raises :class:`~unified._errors.ConfigError` whose ``field`` is
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

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from .._backends.bedrock_models import resolve_model_id
from .._config import BackendType, GatewayRoute, UnifiedConfig
from .._config import CacheConfig as UCacheConfig
from .._config import RetryConfig as URetryConfig
from .._config import ValidationConfig as UValidationConfig
from .._errors import ConnectionError, ServerError, TimeoutError
from ._deprecation import quiet
from ._fields import (
    bool_field,
    callables_field,
    fail,
    int_field,
    legacy_names,
    legacy_values,
    number_field,
    optional,
    secret_field,
    strings_field,
    text_field,
    url_field,
)
from .configs import (
    BedrockConfig,
    CacheConfig,
    DSPyConfig,
    DSPyGatewayConfig,
    RetryConfig,
    ValidationConfig,
)

__all__ = ["retry_from_legacy", "cache_from_legacy", "validation_from_legacy",
           "enhanced_to_unified", "gateway_to_unified", "bedrock_to_unified",
           "dspy_config_to_unified", "gateway_retry", "resolve_bedrock_model",
           "retry_to_legacy", "cache_to_legacy", "validation_to_legacy",
           "unified_to_enhanced", "unified_to_gateway", "unified_to_bedrock",
           "unified_to_dspy_config", "TO_UNIFIED", "GATEWAY_CACHE_ENTRIES", "legacy_view",
           "unified_counterpart"]

#: The legacy gateway backend kept this many answers in memory.
GATEWAY_CACHE_ENTRIES = 256
_GATEWAY_RETRY_ON = (ServerError, TimeoutError, ConnectionError)


# -- legacy -> unified ---------------------------------------------------------------------
def _origin(legacy: Any, cls: type, unified: type) -> Any:
    """``legacy`` itself when it is already the ``unified`` config; the unified config
    a legacy view was made from (:func:`legacy_view`), while the view's fields are
    still the ones it was made with; else ``None``."""
    if isinstance(legacy, unified):
        return legacy
    kept = getattr(legacy, "_unified_origin", None)
    if kept is None or not isinstance(legacy, cls):
        return None
    unified, snapshot = kept
    return unified if legacy_values(legacy, cls) == snapshot else None


def retry_from_legacy(legacy: RetryConfig | Mapping[str, Any]) -> URetryConfig:
    """Enhanced ``RetryConfig`` -> ``unified.RetryConfig`` (same attempts and delays)."""
    origin = _origin(legacy, RetryConfig, URetryConfig)
    if origin is not None:
        return origin  # type: ignore[no-any-return]
    v = legacy_values(legacy, RetryConfig)
    return URetryConfig(max_retries=int_field(v, "max_retries", 0, 100),
                        base_delay=number_field(v, "base_delay", 0.0),
                        backoff_factor=number_field(v, "backoff_factor", 1.0, 100.0),
                        max_delay=number_field(v, "max_delay", 0.0), jitter=0.0,
                        respect_retry_after=False)


def cache_from_legacy(legacy: CacheConfig | Mapping[str, Any]) -> UCacheConfig:
    """Enhanced ``CacheConfig`` -> ``unified.CacheConfig`` (``ttl`` -> ``ttl_seconds``)."""
    origin = _origin(legacy, CacheConfig, UCacheConfig)
    if origin is not None:
        return origin  # type: ignore[no-any-return]
    v = legacy_values(legacy, CacheConfig)
    with legacy_names({"ttl_seconds": "ttl", "directory": "cache_dir"}):
        return UCacheConfig(enabled=bool_field(v, "enabled"), ttl_seconds=int_field(v, "ttl", 1),
                            directory=optional(text_field, v, "cache_dir"))


def validation_from_legacy(legacy: ValidationConfig | Mapping[str, Any]) -> UValidationConfig:
    """Enhanced ``ValidationConfig`` -> ``unified.ValidationConfig``."""
    origin = _origin(legacy, ValidationConfig, UValidationConfig)
    if origin is not None:
        return origin  # type: ignore[no-any-return]
    v = legacy_values(legacy, ValidationConfig)
    with legacy_names({"validators": "custom_validators"}):
        return UValidationConfig(
            min_length=optional(int_field, v, "min_length", 0),
            max_length=optional(int_field, v, "max_length", 0),
            required_keywords=optional(strings_field, v, "required_keywords"),
            forbidden_keywords=optional(strings_field, v, "forbidden_keywords"),
            validators=callables_field(v, "custom_validators"))


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
    name = text_field(v, route_field) if route is None else route
    return {"backend": BackendType.GATEWAY, "model": name, "gateway_endpoint": name,
            "gateway_route": GatewayRoute.LEGACY, "gateway_uri": url_field(v, "gateway_uri"),
            "temperature": number_field(v, "temperature", 0.0, 2.0),
            "max_tokens": int_field(v, "max_tokens", 1),
            "retry": gateway_retry(int_field(v, tries_field, 0, 100))}


def gateway_to_unified(legacy: DSPyGatewayConfig | Mapping[str, Any], *,
                       route: str | None = None, cache_entries: int = GATEWAY_CACHE_ENTRIES,
                       base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``DSPyGatewayConfig`` -> gateway backend on the legacy route (``route`` overrides
    the config's, as ``query(route, …)`` did; ``cache_entries`` bounds the memory
    cache, 0 = no cache)."""
    v = legacy_values(legacy, DSPyGatewayConfig)
    if route is not None:
        text_field({"route": route}, "route")
    fields = _gateway_fields(v, "route", route, "max_retries")
    fields.update(timeout_seconds=number_field(v, "timeout", 0.0, 3600.0, low_open=True),
                  gateway_api_key=secret_field(v, "api_key"),
                  cache=UCacheConfig(enabled=cache_entries > 0,
                                     memory_entries=max(cache_entries, 0)))
    return dataclasses.replace(base or UnifiedConfig(), **fields)


def resolve_bedrock_model(name: str, model_mapping: Mapping[str, str] | None = None) -> str:
    """A friendly name's Bedrock model id (``model_mapping`` first, then the built-in
    table of :mod:`unified._backends.bedrock_models`); other names pass through."""
    if model_mapping and name in model_mapping:
        return model_mapping[name]
    return resolve_model_id(name)


def bedrock_to_unified(legacy: BedrockConfig | Mapping[str, Any] | None, *,
                       model_mapping: Mapping[str, str] | None = None,
                       base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``BedrockConfig`` (or dict, or ``None``) -> Bedrock backend, ``invoke_model`` API."""
    v = legacy_values(legacy if legacy is not None else {}, BedrockConfig)
    return dataclasses.replace(
        base or UnifiedConfig(), backend=BackendType.BEDROCK, bedrock_api="invoke",
        model=resolve_bedrock_model(text_field(v, "default_model"), model_mapping),
        aws_region=text_field(v, "region"), aws_profile=secret_field(v, "profile"),
        aws_access_key_id=secret_field(v, "access_key_id"),
        aws_secret_access_key=secret_field(v, "secret_access_key"),
        aws_session_token=secret_field(v, "session_token"))


def dspy_config_to_unified(legacy: DSPyConfig | Mapping[str, Any] | None, *,
                           base: UnifiedConfig | None = None) -> UnifiedConfig:
    """``DSPyConfig`` -> gateway backend on route ``model`` with a memory cache."""
    v = legacy_values(legacy if legacy is not None else {}, DSPyConfig)
    fields = _gateway_fields(v, "model", None, "max_retries")
    fields["cache"] = UCacheConfig(enabled=bool_field(v, "cache_enabled"),
                                   memory_entries=int_field(v, "cache_size", 0))
    int_field(v, "circuit_failure_threshold", 1)
    number_field(v, "circuit_reset_seconds", 0.0)
    optional(number_field, v, "budget_usd", 0.0)
    return dataclasses.replace(base or UnifiedConfig(), **fields)


#: Legacy class name -> its mapping (used by the dataclasses' ``to_unified()``).
TO_UNIFIED: dict[str, Callable[[Any], Any]] = {
    "RetryConfig": retry_from_legacy, "CacheConfig": cache_from_legacy,
    "ValidationConfig": validation_from_legacy, "DSPyGatewayConfig": gateway_to_unified,
    "BedrockConfig": bedrock_to_unified, "DSPyConfig": dspy_config_to_unified,
}


# -- unified -> legacy ---------------------------------------------------------------------
def _inexpressible(field: str, value: Any, legacy: str) -> NoReturn:
    fail(field, value, f"a value the legacy {legacy} can express")


def _retry_fields(retry: URetryConfig) -> RetryConfig:
    with quiet():
        return RetryConfig(max_retries=retry.max_retries, base_delay=retry.base_delay,
                           backoff_factor=retry.backoff_factor, max_delay=retry.max_delay)


def _as_list(words: tuple[str, ...] | None) -> list[str] | None:
    return None if words is None else list(words)


def _validation_fields(validation: UValidationConfig) -> ValidationConfig:
    with quiet():
        return ValidationConfig(min_length=validation.min_length,
                                max_length=validation.max_length,
                                required_keywords=_as_list(validation.required_keywords),
                                forbidden_keywords=_as_list(validation.forbidden_keywords),
                                custom_validators=tuple(validation.validators))


def retry_to_legacy(retry: URetryConfig) -> RetryConfig:
    """``unified.RetryConfig`` -> enhanced ``RetryConfig`` (only without jitter)."""
    if retry.jitter:
        _inexpressible("retry.jitter", retry.jitter, "RetryConfig (no jitter)")
    return _retry_fields(retry)


def cache_to_legacy(cache: UCacheConfig) -> CacheConfig:
    """``unified.CacheConfig`` -> enhanced ``CacheConfig`` (``ttl_seconds`` -> ``ttl``)."""
    with quiet():
        return CacheConfig(enabled=cache.enabled, ttl=cache.ttl_seconds,
                           cache_dir=cache.directory)


def validation_to_legacy(validation: UValidationConfig) -> ValidationConfig:
    """``unified.ValidationConfig`` -> enhanced ``ValidationConfig`` (no ``pattern``)."""
    if validation.pattern is not None:
        _inexpressible("validation.pattern", validation.pattern, "ValidationConfig")
    return _validation_fields(validation)


#: Legacy config class -> (its unified counterpart, the legacy fields of one).
_VIEWS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    "RetryConfig": (URetryConfig, _retry_fields),
    "CacheConfig": (UCacheConfig, cache_to_legacy),
    "ValidationConfig": (UValidationConfig, _validation_fields),
}


def unified_counterpart(legacy: str) -> str:
    """``"a unified.RetryConfig, "`` for a legacy class that accepts its unified
    counterpart (:func:`legacy_view`), else ``""`` (used in error messages)."""
    return f"a unified.{_VIEWS[legacy][0].__name__}, " if legacy in _VIEWS else ""


def legacy_view(legacy: str, value: Any) -> Any:
    """The legacy ``legacy`` config (class name) standing for the unified config
    ``value``, or ``None`` when ``value`` is not its unified counterpart.

    The view shows the legacy fields; mapped back (``*_from_legacy``) it gives ``value``
    itself, so settings the legacy form cannot express (``jitter``, ``pattern``,
    ``memory_entries``, …) still apply -- unless the view's fields were changed since.
    """
    unified, fields_of = _VIEWS.get(legacy, (None, None))
    if unified is None or fields_of is None or not isinstance(value, unified):
        return None
    view = fields_of(value)
    view._unified_origin = (value, legacy_values(view, type(view)))
    return view


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
