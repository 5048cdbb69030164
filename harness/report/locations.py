"""Where reports go: every run writes under ``reports/latest/`` (ignored by git); the
committed files directly under ``reports/`` — the team's example reports, the dashboard
and the histories — change only through ``python -m harness publish`` (``make publish``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ROOT", "COMMITTED", "LATEST", "display_path"]

ROOT = Path(__file__).resolve().parent.parent.parent
#: The committed reports and histories (written by ``publish`` only).
COMMITTED = ROOT / "reports"
#: What every run writes (``make test``, ``parity``, ``bench``, ``dashboard``); ignored.
LATEST = COMMITTED / "latest"


def display_path(path: Path) -> str:
    """``path`` relative to the checkout when inside it, else its last two parts: a
    report never shows the machine's directory layout."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(ROOT).as_posix() or "."
    except ValueError:
        return "/".join(resolved.parts[-2:])
