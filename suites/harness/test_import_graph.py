"""The harness's rooms import each other without cycles, lazy imports included (so none
at module level either)."""

from __future__ import annotations

from pathlib import Path

from suites.import_graph import cycles, package_graph

PACKAGE = Path(__file__).resolve().parents[2] / "harness"


def test_the_harness_has_no_import_cycle() -> None:
    assert cycles(package_graph(PACKAGE)) == []


def test_the_graph_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def late():\n    from .a import x\n")
    assert cycles(package_graph(package)) == [["pkg.a", "pkg.b"]]
