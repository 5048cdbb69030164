"""Recorded Server-Sent Event streams: scrubbed event by event, boundaries kept.

A streamed answer is stored verbatim as one body whose ``data:`` events are the chunk
boundaries; vcrpy replays the body as recorded, so the events come back in order, one
delta each. :func:`scrub_sse` normalises the volatile fields (``id``, ``created``,
``system_fingerprint``) inside every JSON event, as the non-streaming scrubber does for
a whole body, and leaves every line break (so every boundary) where it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["is_sse", "scrub_sse"]


def is_sse(headers: Mapping[str, Any]) -> bool:
    """Whether recorded response ``headers`` say the body is an event stream."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            text = " ".join(value) if isinstance(value, list) else str(value)
            return "text/event-stream" in text
    return False


def scrub_sse(raw: bytes | str, volatile: Mapping[str, Any]) -> bytes:
    """``raw`` with ``volatile`` fields of each JSON ``data:`` event replaced."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    lines = []
    for line in text.split("\n"):
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            try:
                event = json.loads(line[5:])
            except ValueError:
                event = None
            if isinstance(event, dict):
                event.update({k: v for k, v in volatile.items() if k in event})
                line = "data: " + json.dumps(event, sort_keys=True)
        lines.append(line)
    return "\n".join(lines).encode("utf-8")
