"""Numbers in ``README.md`` that are generated, not typed.

A generated number sits between markers: ``<!-- gen:scenarios -->38<!-- /gen -->``.
:func:`update_readme` (``python -m harness readme``, and ``publish``) rewrites every marked
value from the checkout; ``suites/harness/report/test_readme_numbers.py`` fails when one is
stale. Known names: those of :data:`GENERATORS`, and ``reliability.<dotted key>`` for a
figure of the committed ``reports/reliability.json`` (e.g. ``reliability.tests.passed``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["GENERATORS", "generated_values", "render_readme", "update_readme", "MARKER"]

MARKER = re.compile(r"<!-- gen:(?P<name>[a-z_.-]+) -->(?P<value>.*?)<!-- /gen -->", re.S)
_REPORTS = ("reliability",)


def _scenario_count() -> str:
    from ..parity.scenarios import load_scenarios

    return str(len(load_scenarios()))


def _mutant_count() -> str:
    from ..parity.mutants import CATALOGUE

    return str(len(CATALOGUE))


def _difference_count() -> str:
    from ..parity.differences import load_differences

    return str(len(load_differences()))


#: Marker name -> how its value is computed.
GENERATORS: dict[str, Callable[[], str]] = {
    "scenarios": _scenario_count,
    "mutants": _mutant_count,
    "differences": _difference_count,
}


def _report_figure(name: str) -> str:
    """``reliability.a.b`` -> the value at ``["a"]["b"]`` of the committed report."""
    import json

    from .locations import COMMITTED

    report, *keys = name.split(".")
    value: Any = json.loads((COMMITTED / f"{report}.json").read_text(encoding="utf-8"))
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"README marker {name!r}: reports/{report}.json has no {key!r}")
        value = value[key]
    return f"{value:,}" if isinstance(value, int) else str(value)


def generated_values(text: str) -> dict[str, str]:
    """The current value of every marker in ``text`` (unknown names raise KeyError)."""
    names = {m.group("name") for m in MARKER.finditer(text)}
    unknown = sorted(n for n in names
                     if n not in GENERATORS and n.split(".")[0] not in _REPORTS)
    if unknown:
        raise KeyError(f"unknown README marker(s) {unknown}; known: {sorted(GENERATORS)} "
                       f"and {', '.join(r + '.<key>' for r in _REPORTS)}")
    return {name: GENERATORS[name]() if name in GENERATORS else _report_figure(name)
            for name in names}


def render_readme(text: str) -> str:
    """``text`` with every marked value regenerated."""
    values = generated_values(text)
    return MARKER.sub(lambda m: f"<!-- gen:{m.group('name')} -->{values[m.group('name')]}"
                      "<!-- /gen -->", text)


def update_readme(path: Path) -> bool:
    """Rewrite the marked numbers of ``path``; True when something changed."""
    text = path.read_text(encoding="utf-8")
    new = render_readme(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
