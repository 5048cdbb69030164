"""``python -m harness publish`` (``make publish``): make the latest run the team's record.

Runs write under ``reports/latest/`` (ignored by git). Publishing is the one explicit
step that changes the committed reports:

1. copies the latest reports (``parity.*``, ``perf.json``/``perf.md``, ``mutants.json``,
   ``reliability.json``, whichever exist) to ``reports/``; a *filtered* parity run
   (``--scenario``/``--impl``) is refused, it is not the whole picture;
2. appends the run's new lines of ``perf-history.jsonl`` and ``bench/history.jsonl`` to
   the committed histories (lines already there are not repeated);
3. redraws ``reports/dashboard/index.html`` from the committed reports;
4. regenerates the numbers between ``<!-- gen:NAME -->`` markers in ``README.md``
   (:mod:`harness.report.readme_numbers`).
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .locations import COMMITTED, LATEST, ROOT, display_path

__all__ = ["PublishError", "Published", "publish", "merge_history", "register",
           "COPIED", "HISTORIES"]

#: Report files copied as they are.
COPIED = ("parity.json", "parity.md", "parity-junit.xml", "perf.json", "perf.md",
          "mutants.json", "reliability.json")
#: History files whose new lines are appended.
HISTORIES = ("perf-history.jsonl", "bench/history.jsonl")


class PublishError(RuntimeError):
    """The latest run cannot be published (the message says why and what to run)."""


@dataclass(frozen=True)
class Published:
    """What one publish changed: files copied, history lines appended, README numbers."""

    copied: tuple[str, ...]
    appended: dict[str, int]
    dashboard: Path
    readme_changed: bool


def merge_history(source: Path, target: Path) -> int:
    """Append the lines of ``source`` that ``target`` lacks (compared as JSON); return
    how many were appended."""
    if not source.is_file():
        return 0
    have = set()
    if target.is_file():
        for raw in target.read_text(encoding="utf-8").splitlines():
            have.add(_canonical(raw))
    new = [raw for raw in source.read_text(encoding="utf-8").splitlines()
           if raw.strip() and _canonical(raw) not in have]
    if new:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in new))
    return len(new)


def _canonical(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), sort_keys=True)
    except ValueError:
        return raw.strip()


def _refuse_filtered(latest: Path) -> None:
    path = latest / "parity.json"
    if not path.is_file():
        return
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    selection = data.get("selection") or {}
    if selection.get("filtered"):
        raise PublishError(
            f"the latest parity run was filtered ({selection.get('description')}); run "
            "`make parity` without --scenario/--impl before publishing")


def publish(latest: Path = LATEST, committed: Path = COMMITTED,
            readme: Path = ROOT / "README.md") -> Published:
    """Publish ``latest`` into ``committed`` (see the module docstring)."""
    from .dashboard import write_dashboard
    from .readme_numbers import update_readme

    if not latest.is_dir():
        raise PublishError(f"nothing to publish: {latest.name}/ does not exist; run "
                           "`make parity` (and `make bench`) first")
    _refuse_filtered(latest)
    copied = []
    for name in COPIED:
        if (latest / name).is_file():
            shutil.copyfile(latest / name, committed / name)
            copied.append(name)
    appended = {name: merge_history(latest / name, committed / name) for name in HISTORIES}
    dashboard = write_dashboard(committed)
    changed = update_readme(readme) if readme.is_file() else False
    return Published(tuple(copied), appended, dashboard, changed)


def cmd_publish(args: argparse.Namespace) -> int:
    """``python -m harness publish``."""
    result = publish(Path(args.latest), Path(args.to))
    print(f"published: {', '.join(result.copied) or 'no report files'}")
    for name, count in result.appended.items():
        print(f"  {name}: {count} new line(s)")
    print(f"  dashboard: {display_path(result.dashboard)}")
    print(f"  README numbers {'updated' if result.readme_changed else 'unchanged'}")
    return 0


def register(sub: Any) -> None:
    """Add the ``publish`` subcommand to the harness CLI."""
    parser = sub.add_parser("publish", help="copy the latest run into the committed reports")
    parser.add_argument("--latest", default=str(LATEST), help="the run's report directory")
    parser.add_argument("--to", default=str(COMMITTED), help="the committed report directory")
    parser.set_defaults(func=cmd_publish)
