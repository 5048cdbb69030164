"""What a parity run covered: every scenario, or a filtered part of them.

A filtered run (``--scenario GLOB`` / ``--impl NAME``) writes the same reports as a full
one; the ``selection`` block in ``parity.json`` (and the first line of ``parity.md``
and the dashboard) says which part it was, so "2 of 38 scenarios" never reads as a
green light for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["selection_of", "describe"]


def describe(selection: dict[str, Any] | None, shown: int) -> str:
    """``"38 scenarios"`` or ``"2 of 38 scenarios, filter: --scenario 'x*'"``."""
    if not selection:
        return f"{shown} scenarios"
    if not selection.get("filtered"):
        return f"{selection['total']} scenarios"
    return (f"{selection['matched']} of {selection['total']} scenarios, "
            f"filter: {selection['filter']}")


def selection_of(patterns: Sequence[str], impls: Sequence[str] = (),
                 directory: Path | None = None, *, matched: int) -> dict[str, Any]:
    """The ``selection`` block of a run over ``patterns`` and implementation prefixes
    ``impls``, which select ``matched`` of the scenario files in ``directory``."""
    from ..parity.scenarios import SCENARIO_DIR

    total = len(list(Path(directory or SCENARIO_DIR).glob("*.yaml")))
    parts = [f"--scenario {p!r}" for p in patterns if p != "*"]
    parts += [f"--impl {i!r}" for i in impls]
    selection: dict[str, Any] = {"filtered": bool(parts), "patterns": list(patterns),
                                 "implementations": list(impls), "matched": matched,
                                 "total": total, "filter": " ".join(parts)}
    selection["description"] = describe(selection, matched)
    return selection
