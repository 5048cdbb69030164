"""The wrapper seam: a feature layer is a backend that wraps a backend.

A :class:`Layer` holds the backend it wraps (``inner``) and is itself a backend: the
same ``complete`` / ``acomplete`` (and, for streaming, ``stream`` / ``astream``), the
same ``identity``, ``capabilities``, ``health`` and ``close``, delegated to ``inner``
unless the layer has something to add. So layers stack in any order
(``Metered(Cached(Validated(Retrying(backend))))``) and :func:`unified._stack.build_stack`
states that order once. What a layer learns about a call travels in the returned
response's :class:`~unified._trace.CallTrace` or on the raised error, never in shared
mutable state (see :mod:`unified._trace`).
"""

from __future__ import annotations

from typing import Any

from .._backends.capabilities import Capabilities
from .._trace import (
    EMPTY_TRACE,
    Attempt,
    CallRecord,
    CallTrace,
    TraceStep,
    attach_trace,
    trace_of,
    with_trace,
)
from .._types import BackendIdentity, LMRequest, LMResponse

__all__ = ["Layer", "Attempt", "CallRecord", "CallTrace", "EMPTY_TRACE", "TraceStep",
           "attach_trace", "trace_of", "with_trace"]


class Layer:
    """Base of every feature layer: a backend delegating to the backend it wraps.

    Subclasses implement :meth:`complete` and :meth:`acomplete`; everything else is
    the wrapped backend's.
    """

    #: True for a layer that only watches calls (telemetry): a stream passes through it.
    stream_through = False

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.kind: str = inner.kind

    def complete(self, request: LMRequest) -> LMResponse:  # pragma: no cover - abstract
        """One call through this layer."""
        raise NotImplementedError

    async def acomplete(self, request: LMRequest) -> LMResponse:  # pragma: no cover
        """Async variant of :meth:`complete`."""
        raise NotImplementedError

    def identity(self) -> BackendIdentity:
        """The wrapped backend's identity (a layer never changes which answers it gets)."""
        return self.inner.identity()  # type: ignore[no-any-return]

    def capabilities(self) -> Capabilities:
        """The wrapped backend's capabilities (text only when it declares none)."""
        declare = getattr(self.inner, "capabilities", None)
        return declare() if callable(declare) else Capabilities()

    def get_info(self) -> dict[str, Any]:
        """The wrapped backend's info."""
        return self.inner.get_info()  # type: ignore[no-any-return]

    def health(self) -> dict[str, Any]:
        """The wrapped backend's health."""
        return self.inner.health()  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the wrapped backend."""
        self.inner.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"
