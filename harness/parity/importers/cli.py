"""The ``import`` subcommand of ``python -m harness``.

``python -m harness import PATH... --format openai-jsonl|mlflow-traces|cassette
[--rules RULES.yaml] [--scenarios DIR] [--cassettes DIR]`` prints one line per written
scenario and one ``file:line: why`` line per record it could not import; exit 0 when
every record was imported (or was already there), 1 when some were not, 2 on an
error of the input as a whole (an unreadable file, bad rules).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register", "cmd_import"]


def cmd_import(args: argparse.Namespace) -> int:
    """Run the import and print what it did."""
    from ..replay.http import CASSETTE_DIR
    from ..scenarios import SCENARIO_DIR
    from . import import_captures, load_rules

    for path in args.paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such capture file")
    report = import_captures(args.paths, args.format, rules=load_rules(args.rules),
                             scenario_dir=Path(args.scenarios or SCENARIO_DIR),
                             cassette_dir=Path(args.cassettes or CASSETTE_DIR))
    for scenario in report.written:
        print(f"imported {scenario}")
    for problem in report.problems:
        print(problem)
    print(f"{len(report.written)} imported, {len(report.unchanged)} already present, "
          f"{len(report.duplicates)} duplicate(s), {len(report.malformed)} malformed, "
          f"{len(report.refused)} not importable")
    return 1 if report.problems else 0


def register(sub: Any) -> None:
    """Add ``import`` to the harness CLI."""
    from .formats import FORMATS

    parser = sub.add_parser("import", help="turn captured traffic into scenarios + cassettes")
    parser.add_argument("paths", nargs="+", help="capture files")
    parser.add_argument("--format", required=True, choices=FORMATS, help="capture format")
    parser.add_argument("--rules", default=None, help="YAML scrub rules (added to defaults)")
    parser.add_argument("--scenarios", default=None, help="scenario directory to write")
    parser.add_argument("--cassettes", default=None, help="cassette directory to write")
    parser.set_defaults(func=cmd_import)
