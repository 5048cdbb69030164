"""Parity reports: ``parity.json`` (versioned schema), ``parity.md`` (matrix + diffs) and
JUnit XML for CI systems. Tables are built with the project's DataTable."""

from .json_report import parity_to_dict, write_json
from .junit import write_junit
from .markdown import matrix_rows, write_markdown

__all__ = ["parity_to_dict", "write_json", "write_junit", "write_markdown", "matrix_rows",
           "write_reports"]


def write_reports(run, directory, extra: dict | None = None) -> list:  # type: ignore[no-untyped-def]
    """Write the three parity reports into ``directory``; return their paths."""
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    extra = _with_mutants(dict(extra or {}), directory / "mutants.json")
    return [write_json(run, directory / "parity.json", extra),
            write_markdown(run, directory / "parity.md", extra),
            write_junit(run, directory / "parity-junit.xml", extra.get("selection"))]


def _with_mutants(extra: dict, path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Quote the harness self-test (``mutants.json``, written by
    suites/harness/parity/test_mutants.py) in the reports, when it has run here."""
    import json

    if not path.exists():
        return extra
    data = json.loads(path.read_text(encoding="utf-8"))
    missed = [m["name"] for m in data["mutants"] if not m["detected"]]
    line = (f"{data['detected']}/{data['total']} deliberate deviations detected "
            f"(detection rate {data['detection_rate']:.0%}) by the last self-test run"
            + (f"; missed: {', '.join(missed)}" if missed else ""))
    extra["mutants"] = {k: data[k] for k in ("detected", "total", "detection_rate")}
    extra.setdefault("markdown_sections", {})["Harness self-test (mutants)"] = line
    return extra
