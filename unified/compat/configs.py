"""The legacy configuration dataclasses, with their legacy field names and defaults.

=====================  =======================  ======================================
legacy class           legacy module            unified replacement
=====================  =======================  ======================================
``RetryConfig``        ``dspy_enhanced``        :class:`unified.RetryConfig`
``CacheConfig``        ``dspy_enhanced``        :class:`unified.CacheConfig` (``ttl`` ->
                                                ``ttl_seconds``, ``cache_dir`` ->
                                                ``directory``)
``ValidationConfig``   ``dspy_enhanced``        :class:`unified.ValidationConfig`
                                                (``custom_validators`` -> ``validators``)
``DSPyGatewayConfig``  ``dspy_gateway_backend`` ``UnifiedConfig(backend="gateway", …)``
``BedrockConfig``      ``dspy_bedrock_enhanced`` ``UnifiedConfig(backend="bedrock", …)``
``DSPyConfig``         ``dspy_wrapper``         ``UnifiedConfig(backend="gateway", …)``
=====================  =======================  ======================================

They stay mutable dataclasses, as in the legacy code, but are strict: an unknown field,
a wrong type or an out-of-range value raises :class:`~unified._errors.ConfigError`
naming the field (the valid ranges are listed in :mod:`unified.compat.mapping`, which
does the checking). Constructing one emits a ``DeprecationWarning`` pointing at the
caller. ``to_unified()`` gives the unified equivalent; :mod:`unified.compat.mapping`
has the functions in both directions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .._config import DEFAULT_MODEL
from .._configload import REDACTED
from .._errors import ConfigError
from ._deprecation import legacy_entry
from ._fields import rejected

__all__ = ["RetryConfig", "CacheConfig", "ValidationConfig", "DSPyGatewayConfig",
           "BedrockConfig", "DSPyConfig"]

T = TypeVar("T")
Validator = Callable[[str], bool]


def _legacy_config(new: str) -> Callable[[type[T]], type[T]]:
    """Make the dataclass ``cls`` a strict, warning legacy config (see module docstring)."""

    def decorate(cls: type[T]) -> type[T]:
        generated = cls.__init__
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]

        @functools.wraps(generated)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            with legacy_entry(cls.__name__, new):
                if len(args) > len(names):
                    raise ConfigError(f"{cls.__name__} takes at most {len(names)} "
                                      f"positional arguments, got {len(args)}",
                                      field=cls.__name__, value=args)
                for name in kwargs:
                    if name not in names:
                        raise ConfigError.for_field(name, kwargs[name],
                                                    "one of the fields " + ", ".join(names))
                    if name in kwargs and names.index(name) < len(args):
                        raise ConfigError.for_field(name, kwargs[name],
                                                    "one value (given twice)")
                generated(self, *args, **kwargs)
                self.check()

        cls.__init__ = __init__  # type: ignore[assignment]
        return cls

    return decorate


#: Legacy fields holding credentials: ``repr()`` shows ``'***'`` for them.
_SECRET_FIELDS = frozenset({"api_key", "access_key_id", "secret_access_key", "session_token"})


class _Checked:
    """``check()``, ``to_unified()`` and ``from_value()`` through :mod:`.mapping`; a
    ``repr()`` that never shows a credential."""

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={REDACTED!r}" if f.name in _SECRET_FIELDS and getattr(self, f.name)
            is not None else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({shown})"

    def check(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid field (types and ranges)."""
        self.to_unified()

    def to_unified(self) -> Any:
        """The unified equivalent (a config section or a whole ``UnifiedConfig``)."""
        from . import mapping

        return mapping.TO_UNIFIED[type(self).__name__](self)

    @classmethod
    def from_value(cls: type[T], value: Any) -> T:
        """Accept an instance, a plain dict with the same keys, ``None`` (defaults) or
        the unified counterpart (``unified.RetryConfig`` for ``RetryConfig``, …: a
        legacy view of it, whose unified form is that very object, so nothing the
        unified one sets is lost)."""
        from . import mapping

        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            return cls(**{str(k): v for k, v in value.items()})
        view = mapping.legacy_view(cls.__name__, value)
        if view is not None:
            return view  # type: ignore[no-any-return]
        raise ConfigError.for_field(
            cls.__name__, rejected(value, cls),
            f"a unified.compat.{cls.__name__}, {mapping.unified_counterpart(cls.__name__)}"
            "a dict of its fields or None")


@_legacy_config("unified.RetryConfig")
@dataclass(repr=False)
class RetryConfig(_Checked):
    """Retry policy: ``max_retries + 1`` attempts; the delay before retry k is
    ``min(base_delay * backoff_factor ** (k - 1), max_delay)``, no jitter."""

    max_retries: int = 3
    base_delay: float = 1.0
    backoff_factor: float = 2.0
    max_delay: float = 60.0

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1, 2, …)."""
        return float(self.to_unified().backoff(retry_number))


@_legacy_config("unified.CacheConfig(ttl_seconds=..., directory=...)")
@dataclass(repr=False)
class CacheConfig(_Checked):
    """Response cache settings; the legacy field is ``ttl`` (seconds). ``cache_dir=None``
    (not possible in the legacy code) keeps the cache in memory only."""

    enabled: bool = True
    ttl: int = 3600
    cache_dir: str | None = ".tidydspy_cache"


@_legacy_config("unified.ValidationConfig(validators=...)")
@dataclass(repr=False)
class ValidationConfig(_Checked):
    """Output validation rules; ``validate(text)`` returns ``(ok, reason_code)``."""

    min_length: int | None = None
    max_length: int | None = None
    required_keywords: list[str] | None = None
    forbidden_keywords: list[str] | None = None
    custom_validators: Sequence[Validator] = ()

    def validate(self, text: str) -> tuple[bool, str]:
        """Apply the rules to ``text`` (the unified rules; codes of spec section 1)."""
        from .._features.validation import validate_text

        return validate_text(text, self.to_unified())


@_legacy_config("UnifiedConfig(backend='gateway', model=route, gateway_uri=...)")
@dataclass(repr=False)
class DSPyGatewayConfig(_Checked):
    """Where and how the legacy gateway backend called the gateway."""

    gateway_uri: str = "http://localhost:5000"
    route: str = "claude-3-sonnet"
    temperature: float = 0.1
    max_tokens: int = 1000
    timeout: float = 30.0
    max_retries: int = 3
    api_key: str | None = None


@_legacy_config("UnifiedConfig(backend='bedrock', model=default_model, aws_region=region)")
@dataclass(repr=False)
class BedrockConfig(_Checked):
    """Region, credentials and default model of the legacy Bedrock wrapper."""

    region: str = "us-east-1"
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    default_model: str = DEFAULT_MODEL


@_legacy_config("UnifiedConfig(backend='gateway', model=model, gateway_uri=...)")
@dataclass(repr=False)
class DSPyConfig(_Checked):
    """Settings of the legacy simple wrapper."""

    model: str = "claude-3-sonnet"
    gateway_uri: str = "http://localhost:5000"
    temperature: float = 0.7
    max_tokens: int = 1000
    cache_enabled: bool = True
    cache_size: int = 128
    max_retries: int = 1
    circuit_failure_threshold: int = 5
    circuit_reset_seconds: float = 60.0
    budget_usd: float | None = None
