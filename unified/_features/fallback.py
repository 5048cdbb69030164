"""The fallback layer: the first backend of a chain that answers.

The chain moves to the next backend only when one fails with a transient error after
its own retries; any other error is raised at once. The answer carries the joined
trace of every backend tried (attempts and waits add up, ``fallback_used`` is set,
``answered_by`` names the backend that answered, so the cache stores a fallback's
answer under the fallback's identity). When every backend fails, a
:class:`~unified._errors.FallbackExceptionGroup` holds each backend's failure.
"""

from __future__ import annotations

from typing import Any

from .._backends.capabilities import Capabilities
from .._errors import FallbackExceptionGroup, TransientError
from .._types import LMRequest, LMResponse
from .base import EMPTY_TRACE, CallTrace, Layer, attach_trace, trace_of, with_trace

__all__ = ["Fallback"]


class Fallback(Layer):
    """Tries ``backends`` in order (see module docstring); the first one is the primary."""

    def __init__(self, *backends: Any) -> None:
        if len(backends) < 2:
            raise ValueError("a fallback chain needs at least two backends")
        super().__init__(backends[0])
        self.backends = backends

    def complete(self, request: LMRequest) -> LMResponse:
        """The first answer of the chain."""
        run = _Run()
        for backend in self.backends:
            try:
                response = backend.complete(request)
            except Exception as exc:
                run.failed(exc)
                continue
            return run.answered(response)
        raise run.exhausted()

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        run = _Run()
        for backend in self.backends:
            try:
                response = await backend.acomplete(request)
            except Exception as exc:
                run.failed(exc)
                continue
            return run.answered(response)
        raise run.exhausted()

    def capabilities(self) -> Capabilities:
        """What every backend of the chain carries (the intersection)."""
        found = [Layer(b).capabilities() for b in self.backends]
        named = frozenset().union(*(c.features for c in found))
        return Capabilities(frozenset(f for f in named if all(c.carries(f) for c in found)),
                            any_param=all(c.any_param for c in found))

    def close(self) -> None:
        """Close every backend of the chain."""
        for backend in self.backends:
            backend.close()


class _Run:
    """The failures of one call's walk down the chain (local to the call)."""

    __slots__ = ("failures", "trace")

    def __init__(self) -> None:
        self.failures: list[Exception] = []
        self.trace: CallTrace | None = None

    def _joined(self, trace: CallTrace) -> CallTrace:
        return trace if self.trace is None else trace.after(self.trace)

    def failed(self, exc: Exception) -> None:
        """Note a transient failure; re-raise any other error with the joined trace."""
        trace = self._joined(trace_of(exc))
        if not isinstance(exc, TransientError):
            raise attach_trace(exc, trace)
        self.failures.append(exc)
        self.trace = trace

    def answered(self, response: LMResponse) -> LMResponse:
        """The response, carrying the joined trace when a fallback answered."""
        if self.trace is None:
            return response
        return with_trace(response, self._joined(trace_of(response)))

    def exhausted(self) -> FallbackExceptionGroup:
        """The group of every backend's failure, with the joined trace."""
        group = FallbackExceptionGroup.of(self.failures)
        attach_trace(group, self.trace or EMPTY_TRACE)
        return group
