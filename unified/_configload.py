"""Loading config dataclasses from plain dicts, and dumping them back.

Private helper of :mod:`unified._config`. One strict path serves ``from_dict``,
``from_env`` and ``from_file``: unknown keys, wrong types, out-of-range values and
redacted placeholders (``"***"``) are :class:`~unified._errors.ConfigError`\\ s naming
the dotted field path.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import Field, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._errors import ConfigError, UnifiedError, error_class_by_name
from ._validators import lookup_validator, registered_validators, validator_name

__all__ = ["REDACTED", "dump", "load", "redact_url"]


REDACTED = "***"


def dump(obj: Any, *, redact: bool) -> dict[str, Any]:
    """``obj`` (a config dataclass) as the plain dict :func:`load` reads back."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        codec = f.metadata.get("codec")
        if redact and f.metadata.get("secret") and value is not None:
            value = REDACTED
        elif redact and f.metadata.get("url") and value is not None:
            value = redact_url(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        elif dataclasses.is_dataclass(value):
            value = dump(value, redact=redact)
        elif codec is not None:
            value = _DUMP[codec](value, redact)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def redact_url(url: str) -> str:
    """``url`` with any user info, query and fragment replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: show nothing of it
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, netloc, parts.path, REDACTED if parts.query else "",
                       REDACTED if parts.fragment else ""))



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

    where = path or "config"
    if not isinstance(data, Mapping):
        raise ConfigError.for_field(where, data, "a mapping of field names to values")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted((k for k in data if k not in known), key=str)  # YAML keys may be 1, true
    if unknown:
        name = f"{path}.{unknown[0]}" if path else str(unknown[0])
        raise ConfigError.for_field(name, data[unknown[0]],  # a misspelt key may be secret
                                    "one of the known fields: " + ", ".join(known), hide=True)
    _refuse_redacted(data, known, path)
    kwargs = {}
    codecs = {key: known[key].metadata.get("codec") for key in data}
    for key, value in sorted(data.items(), key=lambda kv: codecs[kv[0]] == "fallbacks"):
        dotted = f"{path}.{key}" if path else str(key)
        meta, codec = known[key].metadata, codecs[key]
        if "section" in meta:
            kwargs[key] = _load_section(meta["section"], bool(meta.get("always")), value,
                                        dotted)
        elif codec == "fallbacks":
            primary = {k: v for k, v in data.items()
                       if k != "backend" and codecs[k] != "fallbacks"}
            kwargs[key] = tuple(_load_fallback(cls, item, f"{dotted}[{i}]", primary)
                                for i, item in enumerate(_as_list(value, dotted)))
        elif codec is not None:
            kwargs[key] = tuple(_LOAD[codec](item, dotted)
                                for item in _as_list(value, dotted))
        else:
            kwargs[key] = coerce_field(cls, known[key], value, dotted)
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise (exc.with_prefix(path) if path else exc) from None


def _load_section(section_cls: type, always: bool, value: Any, path: str) -> Any:
    """A section from a mapping; ``true`` means its defaults and ``false``/``null`` off
    (for a section that is ``always`` present, such as ``metrics`` and ``telemetry``,
    ``true``/``false`` set ``enabled``)."""
    if isinstance(value, section_cls):
        return value
    if always and isinstance(value, bool):
        value = {"enabled": value}
    elif value is True:
        value = {}
    elif always and value is None:
        raise ConfigError.for_field(path, value, "true, false or a mapping of its fields")
    elif value is False or value is None:
        return None
    return load(section_cls, value, path)


def _refuse_redacted(data: Mapping[Any, Any], known: Mapping[str, Field[Any]],
                     path: str) -> None:
    """A dict from ``to_dict(redact=True)`` holds ``"***"`` for secrets: never load it
    as if it were the secret."""
    for key, value in data.items():
        dotted = f"{path}.{key}" if path else str(key)
        meta = known[key].metadata
        redacted = value == REDACTED if meta.get("secret") else (
            bool(meta.get("url")) and isinstance(value, str)
            and _url_is_redacted(value, REDACTED))
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


def _load_fallback(cls: type, item: Any, path: str, primary: Mapping[str, Any]) -> Any:
    """A fallback config (a ``cls``, the primary's own class). A bare backend name
    inherits every setting of the primary (model, URIs, keys, region, retry, …) except
    ``backend``; a mapping is taken as written."""
    if isinstance(item, cls):
        return item
    if isinstance(item, str):
        item = {**primary, "backend": item}
    return load(cls, item, path)


def _error_class(name: Any, path: str) -> type[UnifiedError]:
    if isinstance(name, type) and issubclass(name, UnifiedError):
        return name
    try:
        return error_class_by_name(str(name))
    except KeyError:
        raise ConfigError.for_field(path, name, "names of classes in unified._errors") from None


def _validator(item: Any, path: str) -> Callable[[str], bool]:
    if callable(item):
        return item  # type: ignore[no-any-return]
    found = lookup_validator(item) if isinstance(item, str) else None
    if found is not None:
        return found
    allowed = ", ".join(sorted(registered_validators())) or "none registered"
    raise ConfigError.for_field(path, item, f"a registered validator name ({allowed})")


#: How each ``codec`` of the field metadata (see :mod:`unified._config`) is written and,
#: item by item, read (``fallbacks`` are read by :func:`load` itself).
_DUMP: dict[str, Callable[[Any, bool], Any]] = {
    "error_names": lambda value, redact: [cls.__name__ for cls in value],
    "validators": lambda value, redact: [_dump_validator(func, redact) for func in value],
    "fallbacks": lambda value, redact: [dump(item, redact=redact) for item in value],
}
_LOAD: dict[str, Callable[[Any, str], Any]] = {
    "error_names": _error_class,
    "validators": _validator,
}
