"""``parity.json``: the machine-readable parity result (schema version in the file)."""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["parity_to_dict", "write_json", "git_commit"]


def git_commit() -> str:
    """The current commit hash, or ``unknown`` outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def parity_to_dict(run: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole run as a JSON-ready dict (``schema_version`` first)."""
    from ..parity.run import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "wall_time_s": round(run.wall_time, 3),
        "summary": run.counts(),
        "failed": run.failed,
        "scenarios": [asdict(s) for s in run.scenarios],
        **(extra or {}),
    }


def write_json(run: Any, path: Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``parity.json``."""
    path.write_text(json.dumps(parity_to_dict(run, extra), indent=2, default=str) + "\n",
                    encoding="utf-8")
    return path
