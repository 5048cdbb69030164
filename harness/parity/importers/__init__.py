"""``python -m harness import``: captured production traffic -> scenarios and cassettes.

:func:`import_captures` reads captures (:mod:`.formats`), scrubs every request and
response (:mod:`.scrub`) before anything else happens, turns each DSPy call into a
scenario and its stamped cassette (:mod:`.build`), drops calls already seen (same
canonical request, in this run or in an earlier one) and writes only what is new, so
importing the same capture twice changes nothing. A malformed record is reported with
its file and line and the rest is imported; as a last guard, a file the cassette
lint's secret scan would flag is never written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import yaml

from .build import Built, Refused, build
from .formats import FORMATS, Capture, Malformed, read_captures
from .scrub import ScrubRules, load_rules, scrub

__all__ = ["ImportReport", "import_captures", "FORMATS", "ScrubRules", "load_rules"]


@dataclass
class ImportReport:
    """What an import did: scenario ids written, unchanged or duplicated, and the
    records it could not read or use."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Every malformed or refused record as ``file:line: why``."""
        return [str(p) for p in [*self.malformed, *self.refused]]


def _dump(data: dict) -> str:  # type: ignore[type-arg]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _write(built: Built, scenario_dir: Path, cassette_dir: Path) -> None:
    from ..replay.integrity import stamp_cassette

    cassette = cassette_dir / built.scenario["backend"] / f"{built.id}.yaml"
    cassette.parent.mkdir(parents=True, exist_ok=True)
    cassette.write_text(_dump(built.cassette), encoding="utf-8")
    stamp_cassette(cassette, SimpleNamespace(upstream=tuple(built.scenario["upstream"])))
    scenario_dir.mkdir(parents=True, exist_ok=True)
    (scenario_dir / f"{built.id}.yaml").write_text(_dump(built.scenario), encoding="utf-8")


def _leaks(built: Built) -> list[str]:
    from ..replay.lint import scan_for_secrets

    return scan_for_secrets(_dump(built.scenario) + _dump(built.cassette))


def import_captures(paths: Iterable[Path | str], fmt: str, *, scenario_dir: Path,
                    cassette_dir: Path, rules: ScrubRules | None = None) -> ImportReport:
    """Import every capture of ``paths`` (format ``fmt``) into the two directories."""
    rules = rules or ScrubRules()
    report = ImportReport()
    seen: set[str] = set()
    for item in read_captures([Path(p) for p in paths], fmt):
        if isinstance(item, Malformed):
            report.malformed.append(item)
            continue
        clean = scrub({"request": item.request, "response": item.response}, rules)
        capture = Capture(item.source, item.line, clean["request"], clean["response"],
                          item.route)
        built = build(capture, fmt)
        if isinstance(built, Refused):
            report.refused.append(built)
            continue
        leaks = _leaks(built)
        if leaks:
            report.refused.append(Refused(item.source, item.line, "still looks like it "
                                          f"holds a secret after scrubbing ({', '.join(leaks)})"))
            continue
        if built.id in seen:
            report.duplicates.append(built.id)
            continue
        seen.add(built.id)
        if (scenario_dir / f"{built.id}.yaml").exists():
            report.unchanged.append(built.id)
            continue
        _write(built, scenario_dir, cassette_dir)
        report.written.append(built.id)
    return report
