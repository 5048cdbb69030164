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
    return [write_json(run, directory / "parity.json", extra),
            write_markdown(run, directory / "parity.md", extra),
            write_junit(run, directory / "parity-junit.xml")]
