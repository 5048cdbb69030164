"""``unified/compat/DIFFERENCES.md`` follows its documented, parseable format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unified.compat import DIFFERENCES_PATH

HEADING = re.compile(r"^## (D\d{3}): (\S.*)$")
BULLET = re.compile(r"^- (\w+): (\S.*)$")
KEYS = ["pattern", "legacy", "unified", "shim", "affects"]
PATTERNS = {"dspy_enhanced", "dspy_gateway_backend", "dspy_bedrock_enhanced", "dspy_wrapper",
            "base_module", "providers"}
FIELDS = {"outputs", "requests", "attempts", "cache", "validation", "exception", "metrics"}


def parse(text: str) -> list[dict[str, str]]:
    """The differences: ``{"id", "title", <the five keys>}`` per ``## Dnnn`` section."""
    entries: list[dict[str, str]] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            entries.append({"id": heading.group(1), "title": heading.group(2)})
            continue
        bullet = BULLET.match(line)
        if entries and bullet and bullet.group(1) in KEYS and bullet.group(1) not in entries[-1]:
            entries[-1][bullet.group(1)] = bullet.group(2)
    return entries


ENTRIES = parse(DIFFERENCES_PATH.read_text(encoding="utf-8"))


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",")]


def test_the_file_has_differences_with_unique_ids() -> None:
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) >= 20 and len(ids) == len(set(ids))


def test_every_level_two_heading_after_the_format_section_is_a_difference() -> None:
    headings = re.findall(r"^## (.*)$", DIFFERENCES_PATH.read_text(encoding="utf-8"), re.M)
    assert headings[0] == "Format" and len(headings[1:]) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_each_difference_has_the_five_keys_with_known_values(entry) -> None:
    assert all(entry.get(key) for key in KEYS), entry
    assert set(_split(entry["pattern"])) <= PATTERNS
    assert set(_split(entry["affects"])) <= FIELDS
    assert entry["shim"] in ("legacy", "unified")


def test_every_difference_cited_in_the_compat_code_exists() -> None:
    package = Path(DIFFERENCES_PATH).parent
    cited = set()
    for path in package.glob("*.py"):
        cited |= set(re.findall(r"\bD\d{3}\b", path.read_text(encoding="utf-8")))
    assert cited and cited <= {entry["id"] for entry in ENTRIES}
