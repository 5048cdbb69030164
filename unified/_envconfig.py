"""Typed coercion of raw values (dicts, env strings, files) into config fields.

Private helper of :mod:`unified._config`: keeps the dataclasses readable and puts every
"what type is this field and is this value of it" decision in one place.
"""

from __future__ import annotations

import difflib
import enum
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import Field, fields
from typing import Any

from ._configfile import read_config_file
from ._environment import Environment
from ._errors import ConfigError

__all__ = ["coerce_field", "config_dict_from_env", "read_config_file", "NON_CONFIG_VARIABLES"]


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
    if origin is tuple or isinstance(tp, str):   # a list, or a codec's names (see config)
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


#: ``UNIFIED_*`` variables that are not configuration fields: read by other parts of the
#: project (backend auto-detection, the DataTable engine, the harness and its tests), so
#: :meth:`UnifiedConfig.from_env` accepts them. Any other ``UNIFIED_*`` variable that
#: names no field is a :class:`ConfigError` (a misspelling must not be ignored).
NON_CONFIG_VARIABLES = frozenset({
    "UNIFIED_ALLOW_MOCK",          # unified._backends.auto: allow the mock backend
    "UNIFIED_DATATABLE_ENGINE",    # datatable: pure / polars engine
    "UNIFIED_BENCH",               # suites/bench: run the benchmarks
    "UNIFIED_LOAD_THREADS",        # suites/reliability/test_load.py
    "UNIFIED_LOAD_CALLS",          # suites/reliability/test_load.py
    "UNIFIED_RECORD_LIVE",         # harness.parity.recording: record against real endpoints
    "UNIFIED_RECORD_API_BASE",     # harness.parity.recording: the live upstream to record
    "UNIFIED_PERF_INSTRUMENT",     # harness.perf.count: force the perf instrument
    "UNIFIED_PERF_INJECT",         # harness.perf.server: a slowdown injected by the self-test
    "UNIFIED_PERF_UPSTREAM",       # harness.perf.wire: the gate's upstream for counted HTTP subjects
})


def config_dict_from_env(cls: type, environ: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """Collect ``PREFIX<FIELD>`` and ``PREFIX<SECTION>_<FIELD>`` variables into a dict.

    ``PREFIX<SECTION>`` (``UNIFIED_CACHE=1``) turns a section on with its defaults, ``0``
    turns it off (then no ``PREFIX<SECTION>_*`` variable may be set). Unknown variables
    under the prefix (other than :data:`NON_CONFIG_VARIABLES`) are errors.
    """
    out: dict[str, Any] = {}
    known: set[str] = set()
    hints = _hints(cls)
    for f in fields(cls):
        section_cls = f.metadata.get("section")
        if section_cls is not None:
            section: dict[str, Any] = {}
            for sf in fields(section_cls):
                if sf.metadata.get("code_only"):
                    continue
                var = f"{prefix}{f.name}_{sf.name}".upper()
                known.add(var)
                if var in environ:
                    kind = sf.metadata.get("codec") or _hints(section_cls)[sf.name]
                    section[sf.name] = _from_env_text(kind, environ[var], var)
            enabled_var = f"{prefix}{f.name}".upper()
            known.add(enabled_var)
            flag = (_from_env_text(bool, environ[enabled_var], enabled_var)
                    if enabled_var in environ else None)
            if flag is False and section:
                raise ConfigError(f"{enabled_var}=0 turns the {f.name} section off, but "
                                  f"{', '.join(sorted(section))} of it are set too "
                                  f"({prefix}{f.name.upper()}_*)", field=enabled_var)
            if flag is False:
                out[f.name] = False
            elif section or flag:
                if "enabled" in {sf.name for sf in fields(section_cls)}:
                    section.setdefault("enabled", True)   # a variable set turns it on
                out[f.name] = section
            continue
        var = f"{prefix}{f.name}".upper()
        known.add(var)
        if var in environ:
            kind = f.metadata.get("codec") or hints[f.name]
            out[f.name] = _from_env_text(kind, environ[var], var)
    _refuse_unknown(environ, prefix, known)
    gateway_uri = Environment.read(environ).gateway_uri
    if "gateway_uri" not in out and gateway_uri:
        out["gateway_uri"] = gateway_uri
    return out


def _refuse_unknown(environ: Mapping[str, str], prefix: str, known: set[str]) -> None:
    allowed = {prefix + name.removeprefix("UNIFIED_") for name in NON_CONFIG_VARIABLES}
    unknown = sorted(v for v in environ
                     if v.startswith(prefix) and v not in known and v not in allowed)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(f"{unknown[0]}: unknown configuration variable (it names no "
                          f"field of UnifiedConfig){hint}", field=unknown[0],
                          allowed="a variable listed in the README's configuration table")

