"""Numbers in ``README.md`` that are generated, not typed.

A generated number sits between markers: ``<!-- gen:scenarios -->38<!-- /gen -->``.
:func:`update_readme` (run by ``python -m harness publish``) rewrites every marked
value from the checkout; ``suites/harness/test_readme_numbers.py`` fails when one is
stale. Known names: see :data:`GENERATORS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

__all__ = ["GENERATORS", "generated_values", "render_readme", "update_readme", "MARKER"]

MARKER = re.compile(r"<!-- gen:(?P<name>[a-z_-]+) -->(?P<value>.*?)<!-- /gen -->", re.S)


def _scenario_count() -> str:
    from .scenarios import load_scenarios

    return str(len(load_scenarios()))


def _mutant_count() -> str:
    from .mutants import CATALOGUE

    return str(len(CATALOGUE))


def _difference_count() -> str:
    from .differences import load_differences

    return str(len(load_differences()))


#: Marker name -> how its value is computed.
GENERATORS: dict[str, Callable[[], str]] = {
    "scenarios": _scenario_count,
    "mutants": _mutant_count,
    "differences": _difference_count,
}


def generated_values(text: str) -> dict[str, str]:
    """The current value of every marker in ``text`` (unknown names raise KeyError)."""
    names = {m.group("name") for m in MARKER.finditer(text)}
    unknown = sorted(names - set(GENERATORS))
    if unknown:
        raise KeyError(f"unknown README marker(s) {unknown}; known: {sorted(GENERATORS)}")
    return {name: GENERATORS[name]() for name in names}


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
