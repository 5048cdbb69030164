"""The wrapper's modules import each other without cycles, lazy imports included."""

from __future__ import annotations

from pathlib import Path

from suites.import_graph import cycles, package_graph

PACKAGE = Path(__file__).resolve().parents[2] / "unified"


def test_the_core_has_no_import_cycle() -> None:
    assert cycles(package_graph(PACKAGE, skip=("compat", "migrate"))) == []


def test_the_cycle_finder_finds_a_lazy_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
