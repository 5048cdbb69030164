"""The backend seam: one small protocol every backend implements.

A backend turns one canonical :class:`~unified._types.LMRequest` into one
:class:`~unified._types.LMResponse`, or raises an error from the
:mod:`unified._errors` tree. A backend that streams also has ``stream(request)`` (an iterator of
:mod:`unified._stream` deltas, ending with one ``StreamEnd``) and ``astream(request)``
(an async iterator of the same); :class:`BaseBackend` serves a backend that cannot
stream as one chunk. Backends know nothing about retry, cache, validation or
metrics: those are layers of the pipeline (:mod:`unified._pipeline`), so that no SDK
retries behind the pipeline's back and every backend behaves the same under them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from .._stream import Delta, response_deltas
from .._types import BackendIdentity, LMRequest, LMResponse, Usage
from .capabilities import Capabilities

__all__ = ["Backend", "BaseBackend", "Capabilities", "count_tokens", "prompt_tokens",
           "iterate_in_thread"]


@runtime_checkable
class Backend(Protocol):
    """What the pipeline needs from a backend."""

    kind: str

    def complete(self, request: LMRequest) -> LMResponse:
        """Run one completion (a single attempt; never retries by itself)."""
        ...

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        ...

    def identity(self) -> BackendIdentity:
        """Kind + endpoint + model: what makes this backend's answers distinct."""
        ...

    def get_info(self) -> dict[str, Any]:
        """A JSON-ready description, never containing secrets."""
        ...

    def capabilities(self) -> Capabilities:
        """What this backend's wire carries (parts, tools, reasoning, params)."""
        ...

    def health(self) -> dict[str, Any]:
        """``{"ok": bool, "detail": str}``: is the backend usable right now?"""
        ...

    def close(self) -> None:
        """Release connections; the backend must not be used afterwards."""
        ...


class BaseBackend:
    """Convenience base: async via a worker thread, trivial health, no-op close."""

    kind: str = "base"

    def complete(self, request: LMRequest) -> LMResponse:  # pragma: no cover - abstract
        """Subclasses implement the single-attempt call."""
        raise NotImplementedError

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Run :meth:`complete` in a worker thread."""
        return await asyncio.to_thread(self.complete, request)

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """Deltas as they arrive; by default the whole :meth:`complete` answer as one
        chunk (a backend that streams natively overrides this)."""
        yield from response_deltas(self.complete(request))

    async def astream(self, request: LMRequest) -> AsyncIterator[Delta]:
        """Async variant of :meth:`stream`: the sync stream read in a thread of its own
        (:func:`iterate_in_thread`), each delta handed on as soon as it arrives."""
        async for delta in iterate_in_thread(self.stream(request)):
            yield delta

    def identity(self) -> BackendIdentity:  # pragma: no cover - abstract
        """Subclasses say which endpoint and model they serve."""
        raise NotImplementedError

    def get_info(self) -> dict[str, Any]:
        """The identity as a dict; subclasses add their (non-secret) settings."""
        return self.identity().to_dict()

    def capabilities(self) -> Capabilities:
        """Conservative default: text messages and the basic sampling parameters."""
        return Capabilities()

    def health(self) -> dict[str, Any]:
        """Healthy unless a subclass knows better."""
        return {"ok": True, "detail": "no health probe for this backend"}

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> BaseBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def response(self, request: LMRequest, text: str, *, finish_reason: str = "stop",
                 input_tokens: int | None = None, output_tokens: int | None = None,
                 raw: Any = None) -> LMResponse:
        """Build this backend's response; missing usage is estimated by whitespace."""
        ident = self.identity()
        usage = Usage.counted(prompt_tokens(request) if input_tokens is None else input_tokens,
                              count_tokens(text) if output_tokens is None else output_tokens)
        return LMResponse.of_text(text, finish_reason, usage, raw=raw, backend=ident.kind,
                                  endpoint=ident.endpoint, model=ident.model)


def count_tokens(text: str) -> int:
    """A simple, deterministic tokenizer: whitespace-separated words."""
    return len(text.split())


def prompt_tokens(request: LMRequest) -> int:
    """Whitespace tokens of the system prompt and every message."""
    return count_tokens(request.system_text or "") + sum(count_tokens(m.text)
                                                         for m in request.messages)


async def iterate_in_thread(items: Iterable[Any]) -> AsyncIterator[Any]:
    """Iterate a blocking iterable from async code, in a thread of its own; yield each
    item as it arrives.

    One thread per iterable (not the shared executor, whose few workers would make many
    concurrent streams wait for each other's next chunk). Closing the async iterator
    early stops the thread after its current item and closes the iterable.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()
    iterator = iter(items)

    def hand(kind: str, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
        except RuntimeError:     # the consumer's loop is gone: stop producing
            stop.set()

    def produce() -> None:
        try:
            for item in iterator:
                hand("item", item)
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            hand("error", exc)
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None and stop.is_set():
                close()
        hand("end", None)

    threading.Thread(target=produce, name="unified-stream", daemon=True).start()
    try:
        while True:
            kind, value = await queue.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
