"""Server-sent event streams of :class:`harness.stack.upstream.ScriptedUpstream`: chunked,
paced (``chunk_delay`` seconds between content chunks), cut after N chunks, each event's
send time recorded (``time.perf_counter()``) for time-to-first-chunk tests."""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["SentChunk", "SSEWriter"]


@dataclass(frozen=True)
class SentChunk:
    """One SSE event written by the server: request number, event index, send time."""

    request: int
    index: int
    content: str | None
    at: float


class SSEWriter:
    """Mixin of ScriptedUpstream: writes a completion as an SSE stream."""

    _lock: threading.Lock
    _stopping: threading.Event
    _sent: list[SentChunk]

    def _stream(self, handler: Any, body: dict[str, Any], completion: dict[str, Any],
                reply: Any, *, drop_after: int | None = None,
                delay: float | None = None) -> None:
        choice = completion["choices"][0]
        head = {k: completion[k] for k in ("id", "created", "model")}
        head["object"] = "chat.completion.chunk"
        pieces = list(reply.chunks) if reply.chunks is not None else \
            re.findall(r"\S+\s*|\s+", choice["message"]["content"])
        deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
        deltas += [({"content": piece}, None) for piece in pieces]
        deltas.append(({}, choice["finish_reason"]))
        chunks = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": f}]} for d, f in deltas]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**head, "choices": [], "usage": completion["usage"]})
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]
        gap = reply.chunk_delay if delay is None else delay
        if not gap and drop_after is None:
            handler.send(200, b"".join(events), "text/event-stream")
            self._log_sent(completion, events, chunks)
            return
        self._paced(handler, completion, events, chunks, gap, drop_after)

    def _paced(self, handler: Any, completion: dict[str, Any], events: list[bytes],
               chunks: list[dict[str, Any]], gap: float, drop_after: int | None) -> None:
        """Write the events one by one, ``gap`` seconds between content chunks; cut the
        connection after ``drop_after`` content chunks."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Content-Length", str(sum(len(e) for e in events)))
        handler.end_headers()
        for index, event in enumerate(events):
            content = _content_of(chunks, index)
            if content and index > 1 and gap and self._stopping.wait(gap):
                break
            if drop_after is not None and content is not None and index > drop_after:
                break
            handler.wfile.write(event)
            handler.wfile.flush()
            self._log_sent(completion, [event], chunks, start=index)
        else:
            return
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.shutdown(socket.SHUT_RDWR)
        handler.close_connection = True

    def _log_sent(self, completion: dict[str, Any], events: list[bytes],
                  chunks: list[dict[str, Any]], start: int = 0) -> None:
        number = int(str(completion["id"]).rsplit("-", 1)[-1])
        now = time.perf_counter()
        with self._lock:
            self._sent.extend(SentChunk(number, start + i, _content_of(chunks, start + i), now)
                              for i in range(len(events)))


def _content_of(chunks: list[dict[str, Any]], index: int) -> str | None:
    """The text content of SSE chunk ``index`` (None for role/finish/usage/[DONE])."""
    if index >= len(chunks) or not chunks[index]["choices"]:
        return None
    return chunks[index]["choices"][0]["delta"].get("content") or None
