"""Streaming for the gateway backend: ``"stream": true`` answered as Server-Sent Events.

Mixed into :class:`~unified._backends.gateway.GatewayBackend`. The body is the
non-streaming one plus ``"stream": true`` (and, on the OpenAI-compatible route,
``"stream_options": {"include_usage": true}``, which the MLflow gateway injects by
itself on its other routes). Each SSE event is parsed
(:mod:`unified._backends.openai_stream`) and its deltas handed on as soon as it
arrives. Errors as for ``complete``: a non-2xx status maps through the status table
before any chunk; a connection cut mid-stream (the gateway cuts the chunked body when
its upstream fails) is a ``ConnectionError``, and so is a stream that ends without a
finish reason or ``[DONE]``; a ``data:`` line that is not a JSON chunk is a
``ServerError``.

A route that answers a stream request with plain JSON instead of SSE is served as one
chunk, and the reason is logged (``unified._backends.gateway``, INFO).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .._config import GatewayRoute
from .._errors import ConnectionError, ServerError
from .._stream import Delta, StreamEnd, response_deltas
from .._types import LMRequest, Usage
from .base import count_tokens, prompt_tokens
from .common import safe_url
from .openai_stream import MalformedChunk, OpenAIStreamParser

__all__ = ["GatewayStreaming"]

log = logging.getLogger("unified._backends.gateway")


class GatewayStreaming:
    """``stream``/``astream`` of the gateway backend (see module docstring)."""

    kind: str
    route: GatewayRoute
    _sync_client: Any
    _async_client: Any
    _parse: Any
    _transport_error: Any
    payload: Any

    @property
    def url(self) -> str:  # pragma: no cover - provided by GatewayBackend
        """The invocation URL."""
        raise NotImplementedError

    def stream_payload(self, request: LMRequest) -> dict[str, Any]:
        """The JSON body of a streaming call."""
        body: dict[str, Any] = {**self.payload(request), "stream": True}
        if self.route is GatewayRoute.OPENAI:
            body["stream_options"] = {"include_usage": True}
        return body

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """Deltas as the gateway sends its SSE events."""
        parser = OpenAIStreamParser()
        try:
            with self._sync_client().stream("POST", self.url,
                                            json=self.stream_payload(request)) as response:
                if not _is_sse(response):
                    if not _dropped_after(response):
                        response.read()
                    yield from self._one_chunk(request, response)
                    return
                for line in response.iter_lines():
                    yield from self._feed(parser, line)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        yield self._end(request, parser)

    async def astream(self, request: LMRequest) -> AsyncIterator[Delta]:
        """Async variant of :meth:`stream` (the async connection pool)."""
        parser = OpenAIStreamParser()
        try:
            async with self._async_client().stream(
                    "POST", self.url, json=self.stream_payload(request)) as response:
                if not _is_sse(response):
                    if not _dropped_after(response):
                        await response.aread()
                    for delta in self._one_chunk(request, response):
                        yield delta
                    return
                async for line in response.aiter_lines():
                    for delta in self._feed(parser, line):
                        yield delta
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        yield self._end(request, parser)

    def _one_chunk(self, request: LMRequest, response: httpx.Response) -> list[Delta]:
        """A JSON answer (or an error status) to a stream request: one chunk, or the
        mapped error."""
        answer = self._parse(request, response)    # raises for a non-2xx status
        log.info("gateway route %s answered a stream request with %s, not SSE: served as "
                 "one chunk", self.route.value, response.headers.get("content-type", "?"))
        return response_deltas(answer)

    def _feed(self, parser: OpenAIStreamParser, line: str) -> list[Delta]:
        try:
            return parser.feed_line(line)
        except MalformedChunk as exc:
            raise ServerError(f"gateway: malformed stream from {safe_url(self.url)}: {exc}",
                              backend=self.kind, endpoint=safe_url(self.url)) from None

    def _end(self, request: LMRequest, parser: OpenAIStreamParser) -> StreamEnd:
        if not parser.complete:
            raise ConnectionError(f"gateway: stream from {safe_url(self.url)} ended before "
                                  "its finish reason", backend=self.kind,
                                  endpoint=safe_url(self.url))
        estimate = Usage(prompt_tokens(request), count_tokens("".join(parser.text_parts)))
        return parser.end(estimate)


def _is_sse(response: httpx.Response) -> bool:
    return 200 <= response.status_code < 300 and \
        "text/event-stream" in response.headers.get("content-type", "")


def _dropped_after(response: httpx.Response) -> bool:
    """Whether the server drops the connection after this answer: a 5xx that is not JSON.

    The MLflow gateway answers an unhandled error with a text/plain 500 and then closes
    the connection without ``Connection: close`` (see harness/stack/gateway.py). Such a body is
    left unread, so httpx closes the connection instead of pooling it: a call that reused
    it would fail with a spurious reset. A non-JSON body is only summarised (content type
    and length), never shown, so nothing is lost.
    """
    return response.status_code >= 500 and "json" not in response.headers.get("content-type", "")
