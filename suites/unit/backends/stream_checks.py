"""Shared check of the backend streaming tests: a stream assembles to the answer the
same backend gives without streaming."""

from __future__ import annotations

from typing import Any

from unified._stream import StreamAssembler
from unified._types import LMRequest


def assert_stream_matches_complete(backend: Any, request: LMRequest) -> None:
    """Text, finish reason and usage of the assembled stream equal ``complete``'s."""
    assembler = StreamAssembler()
    for delta in backend.stream(request):
        assembler.push(delta)
    streamed, whole = assembler.response(), backend.complete(request)
    assert (streamed.text, streamed.finish_reason, streamed.usage) == \
        (whole.text, whole.finish_reason, whole.usage)
