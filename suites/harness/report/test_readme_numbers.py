"""The README's counts are generated (``make publish`` rewrites them), never typed."""

from __future__ import annotations

import pytest

from harness.report.locations import ROOT
from harness.report.readme_numbers import MARKER, render_readme


def test_the_readme_marks_its_scenario_and_mutant_counts_and_they_are_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {m.group("name") for m in MARKER.finditer(text)}
    assert {"scenarios", "mutants"} <= names
    assert render_readme(text) == text, \
        "stale README numbers: run `python -m harness readme` (or `make publish`)"


def test_an_unknown_marker_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="scenarios"):
        render_readme("<!-- gen:nonsense -->1<!-- /gen -->")


def test_rendering_replaces_only_the_marked_value() -> None:
    text = "a <!-- gen:scenarios -->0<!-- /gen --> b 0"
    assert render_readme(text).endswith(" b 0") and "-->0<!--" not in render_readme(text)


def test_a_report_figure_is_read_from_the_committed_report() -> None:
    import json

    from harness.report.locations import COMMITTED

    passed = json.loads((COMMITTED / "reliability.json").read_text())["tests"]["passed"]
    text = "<!-- gen:reliability.tests.passed -->0<!-- /gen -->"
    assert render_readme(text) == f"<!-- gen:reliability.tests.passed -->{passed:,}<!-- /gen -->"
    with pytest.raises(KeyError, match="no 'nope'"):
        render_readme("<!-- gen:reliability.tests.nope -->0<!-- /gen -->")
