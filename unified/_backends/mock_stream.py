"""Scripted streams for the mock backend: chunks, delays between them, faults mid-stream.

``MockStream(chunks, delay=0.05, fail_after=5)`` answers a streaming call with the
given chunks (a string is a text chunk; any :mod:`unified._stream` delta is passed
on), waiting ``delay`` seconds (through the mock's injected sleep) before each chunk,
and raises ``error`` after ``fail_after`` chunks instead of ending. A non-streaming
call gets the assembled answer, or the error when the stream is scripted to fail.
A plain mock answer streams as one chunk per word (with its trailing space).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .._errors import ConnectionError
from .._stream import Delta, StreamAssembler, StreamEnd, TextDelta, is_content, word_chunks
from .._types import LMResponse, Usage

__all__ = ["MockStream", "word_chunks", "chunks_of"]

@dataclass(frozen=True)
class MockStream:
    """A scripted stream (see the module docstring)."""

    chunks: Sequence[str | Delta]
    delay: float = 0.0
    fail_after: int | None = None
    error: BaseException | type[BaseException] = ConnectionError
    finish_reason: str = "stop"
    usage: Usage | None = None

    def deltas(self) -> list[Delta]:
        """The content deltas, then the end."""
        out: list[Delta] = [TextDelta(c) if isinstance(c, str) else c for c in self.chunks]
        content = [d for d in out if is_content(d)]
        return [*content, StreamEnd(self.finish_reason, self.usage)]

    def raise_error(self) -> None:
        """Raise the scripted mid-stream error."""
        error = self.error
        raise error(f"mock: stream cut after {self.fail_after} chunks") \
            if isinstance(error, type) else error

    def assembled(self) -> LMResponse:
        """What a non-streaming call of this script returns (raises when it fails)."""
        if self.fail_after is not None:
            self.raise_error()
        assembler = StreamAssembler()
        for delta in self.deltas():
            assembler.push(delta)
        return assembler.response()


def chunks_of(response: LMResponse, delay: float) -> MockStream:
    """A plain answer as a stream: one chunk per word when it is text only."""
    if response.parts:
        from .._stream import response_deltas

        return MockStream(response_deltas(response)[:-1], delay, None,
                          finish_reason=response.finish_reason, usage=response.usage)
    return MockStream(word_chunks(response.text), delay, None,
                      finish_reason=response.finish_reason, usage=response.usage)
