"""The pipeline: a thin facade over the stack of layers around the backends.

The order of the layers is stated once, in :func:`unified._stack.build_stack`; the
pipeline keeps what the wrapper and the shims read: the ``metrics``, the response
``cache`` store, the ``backends`` and the ``listeners`` of finished calls. Sync and
async calls go through the same layers natively (no worker thread per call);
``stream``/``astream`` run the same stack with stream semantics (retry and fallback
only before the first chunk, validation at the end, the cache storing only completed
streams and replaying hits: :mod:`unified._features.streaming`, natively async for
``astream``: :mod:`unified._features.astreaming`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._backends.capabilities import Capabilities
from ._clock import Clock
from ._config import UnifiedConfig
from ._features.cache import Cached, ResponseCache
from ._features.metrics import Listener, Metrics
from ._features.streaming import StreamNotes
from ._features.telemetry import Telemetry, Traced
from ._stack import Guard, astream_stack, build_stack, layers, stream_stack
from ._stream import Delta
from ._types import LMRequest, LMResponse

__all__ = ["Pipeline", "Clock"]


@dataclass
class Pipeline:
    """Runs canonical requests through the stack built from a :class:`UnifiedConfig`.

    ``guards`` are extra layer factories placed inside the cache (see
    :func:`~unified._stack.build_stack`); ``shared_metrics`` counts the calls instead of
    a metrics object of the pipeline's own (the compat shims share one).
    """

    backends: Sequence[Any]
    config: UnifiedConfig
    clock: Clock = field(default_factory=Clock)
    listeners: list[Listener] = field(default_factory=list)
    guards: Sequence[Guard] = ()
    shared_metrics: Metrics | None = None

    def __post_init__(self) -> None:
        if not self.backends:
            raise ValueError("a pipeline needs at least one backend")
        self.metrics = (self.shared_metrics if self.shared_metrics is not None
                        else Metrics(enabled=self.config.metrics.enabled))
        self.stack = build_stack(self.backends, self.config, self.clock,
                                 metrics=self.metrics, listeners=self.listeners,
                                 guards=self.guards)
        self.cache: ResponseCache | None = next(
            (layer.store for layer in layers(self.stack) if isinstance(layer, Cached)), None)
        self.telemetry: Telemetry | None = (
            self.stack.telemetry if isinstance(self.stack, Traced) else None)
        self._stream = stream_stack(self.stack)
        self._astream = astream_stack(self.stack)
        # The hot path: a call is the stack's own method (no facade frame per call).
        self.complete = self.stack.complete  # type: ignore[method-assign]
        self.acomplete = self.stack.acomplete  # type: ignore[method-assign]

    def capabilities(self) -> Capabilities:
        """What every backend of the chain carries (the intersection)."""
        return self.stack.capabilities()

    @property
    def backend(self) -> Any:
        """The primary backend."""
        return self.backends[0]

    def complete(self, request: LMRequest) -> LMResponse:
        """Run one request through every layer."""
        return self.stack.complete(request)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`: every layer awaits the next one."""
        return await self.stack.acomplete(request)

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """Deltas of one request through every layer, as the backend produces them
        (stream semantics of each layer: :mod:`unified._features.streaming`)."""
        yield from self._stream(request, StreamNotes())

    def astream(self, request: LMRequest) -> AsyncIterator[Delta]:
        """Async variant: every layer's async wrapper over the backends' ``astream``
        (no thread per stream; :mod:`unified._features.astreaming`)."""
        return self._astream(request, StreamNotes())  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the cache and every backend."""
        self.stack.close()
