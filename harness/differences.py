"""Reads ``unified/compat/DIFFERENCES.md``: the deliberate differences the comparator allows.

Format (documented at the top of that file): one section per difference::

    ## D001: short title
    - patterns: gateway, simple        (or: all)
    - affects: outputs, exception      (observation fields, see harness.parity.FIELDS)

followed by free prose (legacy behavior, unified behavior, why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Difference", "DifferencesError", "load_differences", "DIFFERENCES_PATH"]

DIFFERENCES_PATH = Path(__file__).resolve().parent.parent / "unified" / "compat" / "DIFFERENCES.md"
_HEADING = re.compile(r"^##\s+(D\d{3,})\s*[:—-]\s*(.+?)\s*$")
_ITEM = re.compile(r"^\s*[-*]\s*\**(patterns?|affects)\**\s*:\s*(.+?)\s*$", re.IGNORECASE)


class DifferencesError(ValueError):
    """DIFFERENCES.md is malformed (the message names the line)."""


@dataclass(frozen=True)
class Difference:
    """One documented, deliberate difference between a legacy pattern and unified."""

    id: str
    title: str
    patterns: frozenset[str]
    affects: frozenset[str]

    def covers(self, pattern: str, field: str) -> bool:
        """Whether this difference explains a difference in ``field`` for ``pattern``."""
        return field in self.affects and ("all" in self.patterns or pattern in self.patterns)


def _split(text: str) -> frozenset[str]:
    return frozenset(p.strip().strip("`").lower() for p in text.split(",") if p.strip())


def load_differences(path: Path = DIFFERENCES_PATH) -> dict[str, Difference]:
    """Parse the file; raises :class:`DifferencesError` on duplicates or missing items."""
    found: dict[str, Difference] = {}
    current: dict[str, object] | None = None

    def finish(line_no: int) -> None:
        if current is None:
            return
        if not current["affects"] or not current["patterns"]:
            raise DifferencesError(f"{path}:{current['line']}: {current['id']} needs "
                                   "'- patterns:' and '- affects:' lines")
        found[str(current["id"])] = Difference(str(current["id"]), str(current["title"]),
                                               current["patterns"], current["affects"])  # type: ignore[arg-type]

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        heading = _HEADING.match(line)
        if heading:
            finish(number)
            if heading.group(1) in found or (current and current["id"] == heading.group(1)):
                raise DifferencesError(f"{path}:{number}: duplicate id {heading.group(1)}")
            current = {"id": heading.group(1), "title": heading.group(2), "line": number,
                       "patterns": frozenset(), "affects": frozenset()}
            continue
        item = _ITEM.match(line)
        if item and current is not None:
            key = "patterns" if item.group(1).lower().startswith("pattern") else "affects"
            current[key] = _split(item.group(2))
    finish(0)
    return found
