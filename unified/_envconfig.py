"""Typed coercion of raw values (dicts, env strings, files) into config fields.

Private helper of :mod:`unified.config`: keeps the dataclasses readable and puts every
"what type is this field and is this value of it" decision in one place.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import Field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _describe(tp: Any) -> str:
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    return str(tp)


def coerce_field(cls: type, f: Field[Any], value: Any, path: str) -> Any:
    """Check ``value`` against the type of field ``f`` of ``cls``; return it coerced."""
    return _coerce(_hints(cls)[f.name], value, path)


def _coerce(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(args[0], value, path)
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigError.for_field(path, value, f"a list of {_describe(item_tp)}")
        return tuple(_coerce(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise ConfigError.for_field(path, value, _describe(tp)) from None
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
            if number == number and number not in (float("inf"), float("-inf")):
                return number
    elif tp is str:
        if isinstance(value, str):
            return value
    else:  # pragma: no cover - every field type is handled above
        return value
    raise ConfigError.for_field(path, value, _describe(tp))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _from_env_text(tp: Any, text: str, name: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if text.strip().lower() in ("", "none", "null"):
            return None
        return _from_env_text(args[0], text, name)
    if origin is tuple or tp in ("retry_on", "validators", "fallbacks"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ConfigError.for_field(name, text, "one of 1/0, true/false, yes/no, on/off")
    if tp in (int, float):
        try:
            return int(text) if tp is int else float(text)
        except ValueError:
            raise ConfigError.for_field(name, text, _describe(tp)) from None
    return text


def config_dict_from_env(cls: type, environ: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """Collect ``PREFIX<FIELD>`` and ``PREFIX<SECTION>_<FIELD>`` variables into a dict."""
    from .config import SECTIONS

    out: dict[str, Any] = {}
    hints = _hints(cls)
    for f in fields(cls):
        if f.name in SECTIONS:
            section_cls = SECTIONS[f.name]
            section: dict[str, Any] = {}
            for sf in fields(section_cls):
                var = f"{prefix}{f.name}_{sf.name}".upper()
                if var in environ:
                    kind = sf.name if sf.name in ("retry_on", "validators") else \
                        _hints(section_cls)[sf.name]
                    section[sf.name] = _from_env_text(kind, environ[var], var)
            enabled_var = f"{prefix}{f.name}".upper()
            if section or _env_flag(environ.get(enabled_var)):
                out[f.name] = section
            continue
        var = f"{prefix}{f.name}".upper()
        if var in environ:
            kind = "fallbacks" if f.name == "fallbacks" else hints[f.name]
            out[f.name] = _from_env_text(kind, environ[var], var)
    if "gateway_uri" not in out and environ.get("MLFLOW_GATEWAY_URI"):
        out["gateway_uri"] = environ["MLFLOW_GATEWAY_URI"]
    return out


def _env_flag(text: str | None) -> bool:
    return text is not None and text.strip().lower() in _TRUE


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a YAML or TOML config file; errors name the file (and line when known)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})",
                          field=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text", field=str(path)) from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        import tomllib

        try:
            data: Any = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}", field=str(path)) from None
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            raise ConfigError(f"{path}: invalid YAML{line}: {exc}", field=str(path)) from None
    else:
        raise ConfigError.for_field(str(path), suffix, "a .yaml, .yml or .toml file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError.for_field(str(path), data, "a mapping at the top level")
    return data
