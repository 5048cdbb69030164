"""Reading config files (YAML or TOML) strictly.

Private helper of :mod:`unified._config`. Every error is a
:class:`~unified._errors.ConfigError` whose ``file`` is the path and whose message names
the file and line; it never quotes the offending line (it may hold a key). YAML is read
with the safe loader plus two fixes to YAML 1.1's surprises: ``1e3`` is a number (as in
YAML 1.2 and TOML), and a key given twice in one mapping is an error instead of the
last one silently winning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._errors import ConfigError

__all__ = ["read_config_file"]

#: YAML 1.2 floats that YAML 1.1 (PyYAML) reads as strings: an exponent without a dot.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a YAML or TOML config file into a dict; errors name the file (and line)."""
    file = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})",
                          field=file, file=file) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text", field=file,
                          file=file) from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        data = _read_toml(raw, file)
    elif suffix in (".yaml", ".yml"):
        data = _read_yaml(raw, file)
    else:
        raise ConfigError.for_field(file, suffix, "a .yaml, .yml or .toml file").in_file(file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of field names at the top level, "
                          f"got a {type(data).__name__}", field=file, file=file)
    return data


def _read_toml(raw: str, file: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:  # its message has line/column, never the text
        raise ConfigError(f"{file}: invalid TOML: {exc}", field=file, file=file) from None


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int) -> None:
        self.key, self.line, self.first = key, line, first


def _read_yaml(raw: str, file: str) -> Any:
    import yaml

    try:
        return yaml.load(raw, Loader=_strict_loader())  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as dup:
        raise ConfigError(f"{file}: line {dup.line}: key {str(dup.key)!r} given twice "
                          f"(first at line {dup.first})", field=file,
                          file=file) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: invalid YAML{_where(exc)}: {_problem(exc)}", field=file,
                          file=file) from None


def _where(exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _problem(exc: Any) -> str:
    """What went wrong, without the snippet of the line PyYAML puts in ``str(exc)``."""
    parts = [p for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p]
    return "; ".join(parts) or type(exc).__name__


_LOADER: Any = None


def _strict_loader() -> Any:
    global _LOADER
    if _LOADER is None:
        import yaml

        class StrictLoader(yaml.SafeLoader):
            """SafeLoader + YAML 1.2 exponent floats + duplicate keys refused."""

            def construct_mapping(self, node: Any, deep: bool = False) -> Any:
                if isinstance(node, yaml.MappingNode):
                    _check_duplicates(self, node)
                return super().construct_mapping(node, deep=deep)

        StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT,
                                           list("-+0123456789"))
        _LOADER = StrictLoader
    return _LOADER


def _check_duplicates(loader: Any, node: Any) -> None:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # the base loader reports unhashable keys itself
        line = key_node.start_mark.line + 1
        if key in first_line:
            raise _DuplicateKey(key, line, first_line[key])
        first_line[key] = line
