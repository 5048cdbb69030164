"""Streaming for the direct backend: ``litellm.completion(stream=True)``.

Mixed into :class:`~unified._backends.direct.DirectBackend`. The call is the
non-streaming one plus ``stream=True`` and ``stream_options={"include_usage": True}``;
each litellm chunk is read as an OpenAI chunk (:mod:`unified._backends.openai_stream`)
and its deltas handed on as soon as litellm yields it. litellm's errors, raised when
the stream is opened or while it is read, map as for ``complete``; a stream that
stops before its finish reason is a ``ConnectionError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from .._errors import ConnectionError
from .._stream import Delta, StreamEnd
from .._types import LMRequest, Usage
from .base import count_tokens, prompt_tokens
from .litellm_info import load_litellm
from .openai_stream import OpenAIStreamParser

__all__ = ["DirectStreaming"]


def _chunk_dict(chunk: Any) -> Mapping[str, Any]:
    if isinstance(chunk, Mapping):
        return chunk
    dump = getattr(chunk, "model_dump", None)
    return dump() if callable(dump) else dict(chunk)


class DirectStreaming:
    """``stream``/``astream`` of the direct backend (see module docstring)."""

    kind: str
    completion_kwargs: Any
    _errors_mapped: Any
    _endpoint: Any

    def stream_kwargs(self, request: LMRequest) -> dict[str, Any]:
        """The keyword arguments of the streaming ``litellm.completion`` call."""
        return {**self.completion_kwargs(request), "stream": True,
                "stream_options": {"include_usage": True}}

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """Deltas as litellm yields its chunks."""
        parser = OpenAIStreamParser()
        with self._errors_mapped():
            for chunk in load_litellm().completion(**self.stream_kwargs(request)):
                yield from parser.feed_chunk(_chunk_dict(chunk))
        yield self._end(request, parser)

    async def astream(self, request: LMRequest) -> AsyncIterator[Delta]:
        """Async variant: ``litellm.acompletion(stream=True)``."""
        parser = OpenAIStreamParser()
        with self._errors_mapped():
            chunks = await load_litellm().acompletion(**self.stream_kwargs(request))
            async for chunk in chunks:
                for delta in parser.feed_chunk(_chunk_dict(chunk)):
                    yield delta
        yield self._end(request, parser)

    def _end(self, request: LMRequest, parser: OpenAIStreamParser) -> StreamEnd:
        if not parser.complete:
            raise ConnectionError(f"direct: stream from {self._endpoint()} ended before its "
                                  "finish reason", backend=self.kind, endpoint=self._endpoint())
        return parser.end(Usage(prompt_tokens(request),
                                count_tokens("".join(parser.text_parts))))
