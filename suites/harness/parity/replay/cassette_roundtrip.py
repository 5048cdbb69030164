"""Record a read of the scripted upstream into a cassette, stop the upstream, replay it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.parity.replay.http import make_vcr


def record_then_replay(upstream: Any, cassette: str, read: Callable[[str], Any],
                       *steps: Any) -> tuple[Any, Any]:
    """``read(url)`` recorded against ``upstream`` scripted with ``steps``, then replayed
    from ``cassette`` with the upstream stopped: (recorded result, replayed result)."""
    upstream.script(*steps)
    with make_vcr(record=True).use_cassette(cassette):
        recorded = read(upstream.url)
    url = upstream.url
    upstream.stop()
    with make_vcr(record=False).use_cassette(cassette):
        replayed = read(url)
    return recorded, replayed
