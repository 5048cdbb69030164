"""Loading config dataclasses from plain dicts, and dumping them back.

Private helper of :mod:`unified.config`. One strict path serves ``from_dict``,
``from_env`` and ``from_file``: unknown keys, wrong types, out-of-range values and
redacted placeholders (``"***"``) are :class:`~unified.errors.ConfigError`\\ s naming
the dotted field path.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit

from ._validators import lookup_validator, registered_validators, validator_name
from .errors import ConfigError, UnifiedError, error_class_by_name

__all__ = ["dump", "load"]


def dump(obj: Any, *, redact: bool) -> dict[str, Any]:
    """``obj`` (a config dataclass) as the plain dict :func:`load` reads back."""
    from .config import REDACTED, SECRET_FIELDS, URL_FIELDS, redact_url

    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if redact and f.name in SECRET_FIELDS and value is not None:
            value = REDACTED
        elif redact and f.name in URL_FIELDS and value is not None:
            value = redact_url(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        elif dataclasses.is_dataclass(value):
            value = dump(value, redact=redact)
        elif f.name == "retry_on":
            value = [cls.__name__ for cls in value]
        elif f.name == "validators":
            value = [_dump_validator(func, redact) for func in value]
        elif f.name == "fallbacks":
            value = [dump(item, redact=redact) for item in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _dump_validator(func: Callable[[str], bool], redact: bool) -> Any:
    """A registered validator by name; an unregistered one as itself (exact round trip
    in this process), or as a description when the dict is for showing."""
    name = validator_name(func)
    if name is not None:
        return name
    if redact:
        return f"<unregistered {getattr(func, '__qualname__', type(func).__name__)}>"
    return func


def load(cls: type, data: Any, path: str) -> Any:
    """Build ``cls`` from ``data`` strictly; errors name ``path`` (dotted)."""
    from ._envconfig import coerce_field
    from .config import SECTIONS, UnifiedConfig

    where = path or "config"
    if not isinstance(data, Mapping):
        raise ConfigError.for_field(where, data, "a mapping of field names to values")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted((k for k in data if k not in known), key=str)  # YAML keys may be 1, true
    if unknown:
        name = f"{path}.{unknown[0]}" if path else str(unknown[0])
        raise ConfigError.for_field(name, data[unknown[0]],  # a misspelt key may be secret
                                    "one of the known fields: " + ", ".join(known), hide=True)
    _refuse_redacted(data, path)
    kwargs = {}
    for key, value in sorted(data.items(), key=lambda kv: kv[0] == "fallbacks"):
        dotted = f"{path}.{key}" if path else str(key)
        if key in SECTIONS and cls is UnifiedConfig:
            kwargs[key] = _load_section(SECTIONS[key], key, value, dotted)
        elif key == "fallbacks":
            primary = {k: v for k, v in data.items() if k not in ("backend", "fallbacks")}
            kwargs[key] = tuple(_load_fallback(item, f"{dotted}[{i}]", primary)
                                for i, item in enumerate(_as_list(value, dotted)))
        elif key == "retry_on":
            kwargs[key] = tuple(_error_class(name, dotted) for name in _as_list(value, dotted))
        elif key == "validators":
            kwargs[key] = tuple(_validator(item, dotted) for item in _as_list(value, dotted))
        else:
            kwargs[key] = coerce_field(cls, known[key], value, dotted)
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise (exc.with_prefix(path) if path else exc) from None


def _load_section(section_cls: type, key: str, value: Any, path: str) -> Any:
    """A section from a mapping; ``true`` means its defaults and ``false``/``null`` off
    (for ``metrics`` and ``telemetry``, which are always present, ``true``/``false``
    set ``enabled``)."""
    from .config import ALWAYS_PRESENT

    if isinstance(value, section_cls):
        return value
    if key in ALWAYS_PRESENT and isinstance(value, bool):
        value = {"enabled": value}
    elif value is True:
        value = {}
    elif key in ALWAYS_PRESENT and value is None:
        raise ConfigError.for_field(path, value, "true, false or a mapping of its fields")
    elif value is False or value is None:
        return None
    return load(section_cls, value, path)


def _refuse_redacted(data: Mapping[Any, Any], path: str) -> None:
    """A dict from ``to_dict(redact=True)`` holds ``"***"`` for secrets: never load it
    as if it were the secret."""
    from .config import REDACTED, SECRET_FIELDS, URL_FIELDS

    for key, value in data.items():
        dotted = f"{path}.{key}" if path else str(key)
        redacted = value == REDACTED if key in SECRET_FIELDS else (
            key in URL_FIELDS and isinstance(value, str) and _url_is_redacted(value, REDACTED))
        if redacted:
            raise ConfigError(
                f"{dotted}: holds the redaction placeholder {REDACTED!r}, not a secret; a "
                "dict from to_dict(redact=True) is for showing only: load the unredacted "
                "to_dict() or set the real value", field=dotted, value=REDACTED,
                allowed="the real value")


def _url_is_redacted(url: str, mark: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.netloc.startswith(mark + "@") or parts.query == mark


def _as_list(value: Any, path: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError.for_field(path, value, "a list")


def _load_fallback(item: Any, path: str, primary: Mapping[str, Any]) -> Any:
    """A fallback config. A bare backend name inherits every setting of the primary
    (model, URIs, keys, region, retry, …) except ``backend``; a mapping is taken as
    written."""
    from .config import UnifiedConfig

    if isinstance(item, UnifiedConfig):
        return item
    if isinstance(item, str):
        item = {**primary, "backend": item}
    return load(UnifiedConfig, item, path)


def _error_class(name: Any, path: str) -> type[UnifiedError]:
    if isinstance(name, type) and issubclass(name, UnifiedError):
        return name
    try:
        return error_class_by_name(str(name))
    except KeyError:
        raise ConfigError.for_field(path, name, "names of classes in unified.errors") from None


def _validator(item: Any, path: str) -> Callable[[str], bool]:
    if callable(item):
        return item  # type: ignore[no-any-return]
    found = lookup_validator(item) if isinstance(item, str) else None
    if found is not None:
        return found
    allowed = ", ".join(sorted(registered_validators())) or "none registered"
    raise ConfigError.for_field(path, item, f"a registered validator name ({allowed})")
