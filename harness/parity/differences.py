"""Reads ``unified/compat/DIFFERENCES.md``: the deliberate differences the comparator allows.

The file's own header documents the format: one ``## Dnnn: title`` section per
difference with ``- pattern:`` (legacy module names), ``- legacy:``, ``- unified:``,
``- shim:`` (``legacy`` when the compat shim keeps the legacy behavior, ``unified`` when
it behaves like the native API) and ``- affects:`` (observation fields) lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Difference", "DifferencesError", "load_differences", "DIFFERENCES_PATH",
           "PATTERN_OF_MODULE"]

DIFFERENCES_PATH = Path(__file__).resolve().parents[2] / "unified" / "compat" / "DIFFERENCES.md"
#: Legacy module name (as the file names it) -> harness pattern name.
PATTERN_OF_MODULE = {"dspy_enhanced": "enhanced", "dspy_gateway_backend": "gateway",
                     "dspy_bedrock_enhanced": "bedrock", "dspy_wrapper": "simple",
                     "base_module": "dynamic", "providers": "providers", "all": "all"}
_HEADING = re.compile(r"^##\s+(D\d{3,})\s*:\s*(.+?)\s*$")
_ITEM = re.compile(r"^-\s+(pattern|shim|affects)\s*:\s*(.+?)\s*$")
_REQUIRED = ("pattern", "shim", "affects")


class DifferencesError(ValueError):
    """DIFFERENCES.md is malformed (the message names the line)."""


@dataclass(frozen=True)
class Difference:
    """One documented, deliberate difference between a legacy pattern and unified."""

    id: str
    title: str
    patterns: frozenset[str]
    affects: frozenset[str]
    shim: str = "legacy"

    def covers(self, patterns: str | frozenset[str] | set[str], field: str) -> bool:
        """Whether this difference explains a difference in ``field`` for any of
        ``patterns`` (harness pattern names)."""
        wanted = {patterns} if isinstance(patterns, str) else set(patterns)
        return field in self.affects and ("all" in self.patterns or bool(wanted & self.patterns))

    def applies_to(self, kind: str) -> bool:
        """Whether implementations of ``kind`` may show it: the native API always, a
        compat shim only when the shim follows the unified behavior."""
        return kind == "unified" or (kind == "compat" and self.shim == "unified")


def _split(text: str) -> frozenset[str]:
    return frozenset(p.strip().strip("`").lower() for p in text.split(",") if p.strip())


def load_differences(path: Path = DIFFERENCES_PATH) -> dict[str, Difference]:
    """Parse the file; raises :class:`DifferencesError` on duplicates or missing items."""
    found: dict[str, Difference] = {}
    sections: list[tuple[int, str, str, dict[str, str]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        heading = _HEADING.match(line)
        if heading:
            sections.append((number, heading.group(1), heading.group(2), {}))
        elif sections and (item := _ITEM.match(line)):
            sections[-1][3].setdefault(item.group(1), item.group(2))
    for number, ident, title, items in sections:
        if ident in found:
            raise DifferencesError(f"{path}:{number}: duplicate id {ident}")
        missing = [k for k in _REQUIRED if k not in items]
        if missing:
            raise DifferencesError(f"{path}:{number}: {ident} lacks '- {missing[0]}:'")
        modules = _split(items["pattern"])
        unknown = sorted(modules - set(PATTERN_OF_MODULE))
        if unknown:
            raise DifferencesError(f"{path}:{number}: {ident} names unknown module {unknown[0]}")
        found[ident] = Difference(ident, title, frozenset(PATTERN_OF_MODULE[m] for m in modules),
                                  _split(items["affects"]), items["shim"].strip().lower())
    return found
