"""The AWS event-stream encoding the moto bedrock-runtime extension answers ``converse_stream`` in.

An event-stream message is ``total length (4 bytes, big-endian) | headers length (4) |
CRC32 of those 8 bytes (4) | headers | payload | CRC32 of everything before (4)``; each
header is ``name length (1) | name | type 7 = string (1) | value length (2) | value``.
A Converse stream is the events ``messageStart``, ``contentBlockDelta`` (one per chunk),
``contentBlockStop``, ``messageStop`` and ``metadata`` (usage), each with
``:message-type event``, ``:event-type <name>`` and ``:content-type application/json``.
A failure mid-stream is a message with ``:message-type exception`` and
``:exception-type <code>``; botocore raises it as ``EventStreamError`` (a ``ClientError``)
while the caller reads the stream. :func:`encode_message` is checked against botocore's
own decoder (suites/harness/stack/test_moto_bedrock.py).
"""

from __future__ import annotations

import binascii
import json
import re
import struct
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["encode_message", "converse_stream_body", "converse_stream_events", "paced",
           "CONTENT_TYPE"]

CONTENT_TYPE = "application/vnd.amazon.eventstream"


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (struct.pack("!B", len(raw_name)) + raw_name + b"\x07"
            + struct.pack("!H", len(raw_value)) + raw_value)


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message (see the module docstring)."""
    head = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + head + payload
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


def _event(name: str, body: dict[str, Any]) -> bytes:
    return encode_message({":event-type": name, ":content-type": "application/json",
                           ":message-type": "event"}, json.dumps(body).encode())


def converse_stream_body(text: str, chunks: tuple[str, ...] | None, stop_reason: str,
                         tokens_in: int, tokens_out: int,
                         fail_after: int | None = None,
                         fail_code: str = "modelStreamErrorException") -> bytes:
    """The whole event stream of one Converse answer (cut by an exception event after
    ``fail_after`` chunks when set)."""
    return b"".join(converse_stream_events(text, chunks, stop_reason, tokens_in, tokens_out,
                                           fail_after, fail_code))


def converse_stream_events(text: str, chunks: tuple[str, ...] | None, stop_reason: str,
                           tokens_in: int, tokens_out: int,
                           fail_after: int | None = None,
                           fail_code: str = "modelStreamErrorException") -> list[bytes]:
    """The encoded messages of one Converse answer, one per event."""
    pieces = list(chunks) if chunks is not None else re.findall(r"\S+\s*|\s+", text)
    events = [_event("messageStart", {"role": "assistant"})]
    for index, piece in enumerate(pieces):
        if fail_after is not None and index == fail_after:
            events.append(encode_message(
                {":exception-type": fail_code, ":content-type": "application/json",
                 ":message-type": "exception"},
                json.dumps({"message": "stream failed (scripted)"}).encode()))
            return events
        events.append(_event("contentBlockDelta", {"contentBlockIndex": 0,
                                                   "delta": {"text": piece}}))
    events += [_event("contentBlockStop", {"contentBlockIndex": 0}),
               _event("messageStop", {"stopReason": stop_reason}),
               _event("metadata", {"usage": {"inputTokens": tokens_in,
                                             "outputTokens": tokens_out,
                                             "totalTokens": tokens_in + tokens_out},
                                   "metrics": {"latencyMs": 0}})]
    return events


def paced(events: list[bytes], delay: float, sent: list[float]) -> Iterator[bytes]:
    """Yield ``events`` one by one, ``delay`` seconds before each content chunk after
    the first (``contentBlockDelta``), noting each chunk's send time in ``sent``
    (``time.perf_counter()``). Streams only from a moto *server* (flask sends a
    generator body as it is produced); in-process moto needs bytes."""
    first = True
    for event in events:
        content = b"contentBlockDelta" in event[:200]
        if content and not first:
            time.sleep(delay)
        yield event
        if content:
            first = False
            sent.append(time.perf_counter())
