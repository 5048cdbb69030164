"""Start-up work done once in the parent before a parallel parity run forks its workers.

``python -m harness parity --jobs N`` runs scenarios in a process pool; on Linux the
workers are forked, so whatever the parent has imported they share instead of each
importing it again. litellm alone costs ~4–5 s of CPU to import (the direct backend
and the legacy LMs use it), which every worker otherwise paid before its first
scenario; vcrpy and the adapters are imported here too.
"""

from __future__ import annotations

import importlib

__all__ = ["PRELOADED", "preload"]

#: Modules the replay of every HTTP scenario needs.
PRELOADED = ("litellm", "vcr", "harness.parity.adapters", "harness.parity.replay.http",
             "unified._backends.direct", "unified._backends.gateway")


def preload() -> list[str]:
    """Import :data:`PRELOADED`; return the names that could not be imported (a missing
    optional dependency then fails where it is used, with its own message)."""
    missing = []
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing
