"""Response bodies cut by the peer: recorded up to the cut, replayed with the same error.

vcrpy's httpx stub reads a whole response body before handing the response over; when
the peer cuts the body (a stream dropped after some SSE events, the MLflow gateway
ending a streaming 200 before its first event) the read error escapes the stub, nothing
is recorded and the client sees the error before any byte. :func:`install` replaces
the stub's handlers so that such a body is recorded as what arrived plus a ``cut``
mark on the interaction's response::

    response: {status: ..., headers: ..., body: {string: <bytes received>},
               cut: {error: RemoteProtocolError, message: "peer closed ..."}}

and both recording and replay hand the client a stream that yields the bytes received
and then raises the recorded ``httpx`` error (same class, same message), as the live
cut did. Responses read whole are recorded and replayed exactly as vcrpy does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import Any

import httpx

__all__ = ["CutStream", "cut_error", "install"]

_installed = False


def cut_error(mark: dict[str, Any]) -> Exception:
    """The ``httpx`` transport error a recorded ``cut`` mark names (``ReadError`` when the
    recorded class is not one of httpx's)."""
    kind = getattr(httpx, str(mark.get("error")), None)
    if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
        kind = httpx.ReadError
    return kind(str(mark.get("message", "")))


class CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream (sync and async): ``body``, then the recorded error."""

    def __init__(self, body: bytes, mark: dict[str, Any]) -> None:
        self.body, self.mark = body, mark

    def __iter__(self) -> Iterator[bytes]:
        if self.body:
            yield self.body
        raise cut_error(self.mark)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.body:
            yield self.body
        raise cut_error(self.mark)

    def close(self) -> None:
        """Nothing to release (the real stream was closed when it was read)."""

    async def aclose(self) -> None:
        """Nothing to release (the real stream was closed when it was read)."""


def _stream_of(body: bytes, mark: dict[str, Any] | None, httpx: Any) -> Any:
    return httpx.ByteStream(body) if mark is None else CutStream(body, mark)


def _mark(exc: BaseException) -> dict[str, Any]:
    return {"error": type(exc).__name__, "message": str(exc)}


def _recorded(stubs: Any, cassette: Any, vcr_request: Any, real_response: Any,
              content: bytes, cut: BaseException | None, httpx: Any) -> Any:
    recorded = stubs._serialize_response(real_response, content)
    mark = None if cut is None else _mark(cut)
    if mark is not None:
        recorded["cut"] = mark
    real_response.stream = _stream_of(content, mark, httpx)
    cassette.append(vcr_request, recorded)
    return real_response


def install() -> None:
    """Make vcrpy's httpx stub record and replay cut bodies (idempotent)."""
    global _installed
    if _installed:
        return
    from vcr.stubs import httpx_stubs as stubs

    deserialize = stubs._deserialize_response

    def deserialize_response(vcr_response: dict[str, Any], httpx: Any) -> Any:
        response = deserialize(vcr_response, httpx)
        mark = vcr_response.get("cut")
        if mark is not None:
            body = vcr_response["body"]["string"]
            response.stream = _stream_of(body.encode() if isinstance(body, str) else body,
                                         mark, httpx)
        return response

    def handle(cassette: Any, real_handle: Any, self: Any, real_request: Any, httpx: Any) -> Any:
        body = b"".join(real_request.stream)
        real_request.stream = httpx.ByteStream(body)
        vcr_request, played = stubs._vcr_request(cassette, real_request, body, httpx)
        if played:
            return played
        real_response = real_handle(self, real_request)
        content, cut = bytearray(), None
        try:
            for part in real_response.stream:
                content += part
        except httpx.TransportError as exc:   # the peer cut the body: record what came
            cut = exc
        finally:
            with suppress(Exception):
                real_response.stream.close()
        return _recorded(stubs, cassette, vcr_request, real_response, bytes(content), cut, httpx)

    async def ahandle(cassette: Any, real_handle: Any, self: Any, real_request: Any,
                      httpx: Any) -> Any:
        body = b"".join([part async for part in real_request.stream])
        real_request.stream = httpx.ByteStream(body)
        vcr_request, played = stubs._vcr_request(cassette, real_request, body, httpx)
        if played:
            return played
        real_response = await real_handle(self, real_request)
        content, cut = bytearray(), None
        try:
            async for part in real_response.stream:
                content += part
        except httpx.TransportError as exc:   # the peer cut the body: record what came
            cut = exc
        finally:
            with suppress(Exception):
                await real_response.stream.aclose()
        return _recorded(stubs, cassette, vcr_request, real_response, bytes(content), cut, httpx)

    stubs._deserialize_response = deserialize_response
    stubs._vcr_handle_request = handle
    stubs._vcr_handle_async_request = ahandle
    _installed = True
