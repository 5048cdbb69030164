"""Reading cassette files: one loader, whose errors name the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["CassetteError", "read_cassette"]


class CassetteError(ValueError):
    """A cassette file cannot be read or is not a cassette (names file and line)."""


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Parsed cassettes by (path, text): a replay reads each file several times.
_PARSED: dict[tuple[str, str], dict[str, Any]] = {}


def read_cassette(path: Path) -> dict[str, Any]:
    """The parsed cassette at ``path`` (``{}`` when it does not exist yet). Parsed with
    libyaml when present and remembered while the text stays the same: callers must
    not modify the result."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise CassetteError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    key = (str(path), text)
    if key not in _PARSED:
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[key] = _parse(path, text)
    return _PARSED[key]


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        try:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            data = yaml.safe_load(text)    # the pure loader's marks name the line
    except yaml.YAMLError as exc:
        problem_mark = getattr(exc, "problem_mark", None)
        context_mark = getattr(exc, "context_mark", None)
        where = ": invalid YAML"
        if problem_mark is not None:
            line = problem_mark.line + 1
            where = f":{line}: invalid YAML at line {line}"
            if context_mark is not None and context_mark.line + 1 != line:
                where += f", in what starts at line {context_mark.line + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise CassetteError(f"{path}{where} ({problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("interactions", []), list):
        raise CassetteError(f"{path}:1: not a cassette (expected a mapping with a list of "
                            "'interactions')")
    return data
