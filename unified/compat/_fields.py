"""Checks of legacy config fields: types and ranges, errors naming the *legacy* field.

Used by :mod:`unified.compat.mapping`; every check raises
:class:`~unified._errors.ConfigError` built with ``ConfigError.for_field`` (field, rejected
value, what is allowed) and returns the value normalised.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from .._errors import ConfigError

__all__ = ["fail", "int_field", "number_field", "optional", "bool_field", "text_field",
           "secret_field", "url_field", "strings_field", "callables_field", "legacy_values",
           "legacy_names", "field_defaults", "rejected"]


def field_defaults(cls: type) -> dict[str, Any]:
    """The default value of every field of the dataclass ``cls``, by name."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def rejected(value: Any, cls: type) -> Any:
    """``value`` as an error message shows it: an object of another class with the
    same name as ``cls`` is named by its module, so the message does not read as
    "got X; expected an X"."""
    kind = type(value)
    if kind.__name__ == cls.__name__ and kind is not cls:
        return f"<{kind.__module__}.{kind.__qualname__} object>"
    return value


def fail(field: str, value: Any, allowed: str) -> NoReturn:
    """Raise the ConfigError of ``field``."""
    raise ConfigError.for_field(field, value, allowed)


def int_field(values: Mapping[str, Any], name: str, low: int, high: int | None = None) -> int:
    """``values[name]`` as an integer (not a bool) from ``low`` to ``high``."""
    value = values[name]
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if not ok or (high is not None and value > high):
        fail(name, value, f"an integer from {low} to {high}" if high is not None
             else f"an integer >= {low}")
    return int(value)


def number_field(values: Mapping[str, Any], name: str, low: float, high: float | None = None,
                 *, low_open: bool = False) -> float:
    """``values[name]`` as a finite number >= ``low`` (> with ``low_open``), <= ``high``."""
    value = values[name]
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else float("nan")
    ok = number == number and number not in (float("inf"), float("-inf"))
    ok = ok and (number > low if low_open else number >= low)
    if not ok or (high is not None and number > high):
        if high is None:
            fail(name, value, f"a finite number >= {low:g}")
        fail(name, value, f"a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return number


def optional(check: Callable[..., Any], values: Mapping[str, Any], name: str,
             *args: Any) -> Any:
    """None when ``values[name]`` is None, else ``check(values, name, *args)``."""
    return None if values[name] is None else check(values, name, *args)


def bool_field(values: Mapping[str, Any], name: str) -> bool:
    """``values[name]`` as a bool (nothing else is accepted)."""
    if not isinstance(values[name], bool):
        fail(name, values[name], "true or false")
    return bool(values[name])


def text_field(values: Mapping[str, Any], name: str) -> str:
    """``values[name]`` as a non-blank string."""
    value = values[name]
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        fail(name, value, "a non-empty string")
    return str(value)


def secret_field(values: Mapping[str, Any], name: str) -> str | None:
    """``values[name]`` as a string or None; a rejected value is never shown."""
    value = values[name]
    if value is not None and not isinstance(value, str):
        fail(name, "<not a string>", "a string or None")
    return value


def url_field(values: Mapping[str, Any], name: str) -> str:
    """``values[name]`` as an http(s) URL."""
    value = values[name]
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        fail(name, value, "an http:// or https:// URL")
    return str(value)


def strings_field(values: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """``values[name]`` (a list or tuple of strings) as a tuple."""
    value = values[name]
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(isinstance(item, str) for item in value):
        fail(name, value, "a list of strings or None")
    return tuple(value)


def callables_field(values: Mapping[str, Any], name: str) -> tuple[Callable[[str], bool], ...]:
    """``values[name]`` (a list or tuple of callables) as a tuple."""
    value = values[name]
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(callable(item) for item in value):
        fail(name, value, "a list of callables text -> bool")
    return tuple(value)


def legacy_values(legacy: Any, cls: type) -> dict[str, Any]:
    """The field values of a legacy config given as its dataclass or as a dict."""
    if isinstance(legacy, cls):
        return {f.name: getattr(legacy, f.name) for f in dataclasses.fields(cls)}
    if isinstance(legacy, Mapping):
        values = field_defaults(cls)
        for key in legacy:
            if key not in values:
                fail(str(key), legacy[key], "one of the fields " + ", ".join(values))
        values.update(legacy)
        return values
    fail(cls.__name__, rejected(legacy, cls),
         f"a {cls.__module__}.{cls.__name__} or a dict of its fields")


@contextlib.contextmanager
def legacy_names(renames: Mapping[str, str]) -> Iterator[None]:
    """Report a unified field's ConfigError under the legacy field name."""
    try:
        yield
    except ConfigError as exc:
        name = renames.get(exc.field or "", exc.field or "config")
        raise ConfigError.for_field(name, exc.value, exc.allowed or str(exc)) from None
