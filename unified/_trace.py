"""What one call learned on its way through the stack, as immutable values.

Each layer of the stack (:mod:`unified._stack`) returns the response of the layer it
wraps with a *new* :class:`CallTrace` (``response.trace``), or, when the call fails,
attaches one to the error (:func:`trace_of`). Nothing is written into a shared bag:
the retry layer starts the trace with its attempts and waits, the fallback layer joins
the traces of every backend it tried, the cache layer adds its outcome, validation
its reason code, and the metered layer (outermost) reads the finished value into a
:class:`CallRecord` for metrics, listeners and the parity harness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from ._types import BackendIdentity, LMRequest, LMResponse

__all__ = ["Attempt", "CallTrace", "CallRecord", "EMPTY_TRACE", "TraceStep", "trace_of",
           "with_trace", "attach_trace"]

_TRACE_ATTR = "unified_trace"


class Attempt(NamedTuple):
    """One try of a backend: which backend, what failed (None = success), the wait before
    it, and whether it retried the same backend (a fallback's first try is no retry)."""

    backend: str
    error: str | None
    delay_before: float
    retry: bool = False


class CallTrace(NamedTuple):
    """What the layers learned during one call (see module docstring); immutable (a
    named tuple: cheap to build once per layer on the hot path).

    ``cache`` is ``off``, ``hit``, ``miss`` or ``bypass``; ``validation`` the reason code
    (None when not validated); ``answered_by`` the identity of the backend that answered.
    """

    attempts: tuple[Attempt, ...] = ()
    retry_sleep: float = 0.0
    cache: str = "off"
    validation: str | None = None
    answered_by: BackendIdentity | None = None
    fallback_used: bool = False

    @property
    def retries(self) -> int:
        """Attempts that retried the backend before them (a fallback's first try is
        not one)."""
        return sum(attempt.retry for attempt in self.attempts)

    def with_cache(self, outcome: str) -> CallTrace:
        """This trace with the cache layer's ``outcome``."""
        return CallTrace(self.attempts, self.retry_sleep, outcome, self.validation,
                         self.answered_by, self.fallback_used)

    def with_validation(self, reason: str) -> CallTrace:
        """This trace with the validation layer's reason code."""
        return CallTrace(self.attempts, self.retry_sleep, self.cache, reason,
                         self.answered_by, self.fallback_used)

    def after(self, earlier: CallTrace) -> CallTrace:
        """This trace (of a fallback backend) preceded by ``earlier`` (of backends tried
        before it): attempts and waits add up, the fallback is marked used."""
        return CallTrace(earlier.attempts + self.attempts,
                         earlier.retry_sleep + self.retry_sleep, self.cache,
                         self.validation, self.answered_by, True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no payloads, no secrets)."""
        return {"attempts": [{"backend": a.backend, "error": a.error,
                              "delay_before": a.delay_before} for a in self.attempts],
                "retry_sleep": self.retry_sleep, "cache": self.cache,
                "validation": self.validation,
                "answered_by": self.answered_by.to_dict() if self.answered_by else None,
                "fallback_used": self.fallback_used}


EMPTY_TRACE = CallTrace()


class TraceStep:
    """One layer's addition to traces, remembered for the last trace it was given: most
    calls bring the same trace object (the retry layer's first-try trace), so the hot
    path builds no new trace. Thread-safe (a lost race only recomputes)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[CallTrace | None, str | None, CallTrace] = (None, None, EMPTY_TRACE)

    def apply(self, trace: CallTrace, tag: str,
              add: Callable[[CallTrace, str], CallTrace]) -> CallTrace:
        """``add(trace, tag)`` (e.g. ``CallTrace.with_cache``), remembered."""
        last = self._last
        if last[0] is trace and last[1] == tag:
            return last[2]
        done = add(trace, tag)
        self._last = (trace, tag, done)
        return done


def trace_of(outcome: LMResponse | BaseException) -> CallTrace:
    """The trace a response carries or an error was given (empty when none)."""
    if isinstance(outcome, BaseException):
        found = getattr(outcome, _TRACE_ATTR, None)
    else:
        found = outcome.trace
    return found if found is not None else EMPTY_TRACE


def with_trace(response: LMResponse, trace: CallTrace) -> LMResponse:
    """A copy of ``response`` carrying ``trace`` (the response itself is never changed)."""
    fields = response.__dict__.copy()
    fields["trace"] = trace
    copy = _new(response.__class__)
    _set(copy, "__dict__", fields)
    return copy


_new = object.__new__
_set = object.__setattr__


def attach_trace(error: BaseException, trace: CallTrace) -> BaseException:
    """Give ``error`` the trace of the call it ended; returns ``error``."""
    setattr(error, _TRACE_ATTR, trace)
    return error


class CallRecord(NamedTuple):
    """One finished call as the outermost layer saw it: the request, the trace, the
    latency and either the response or the error. Read by metrics and listeners."""

    request: LMRequest
    trace: CallTrace
    latency: float
    response: LMResponse | None = None
    error: BaseException | None = None

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        """The backend attempts of the call, in order."""
        return self.trace.attempts

    @property
    def retries(self) -> int:
        """Backend attempts after the first."""
        return self.trace.retries

    @property
    def retry_sleep(self) -> float:
        """Seconds waited between attempts."""
        return self.trace.retry_sleep

    @property
    def cache(self) -> str:
        """The cache outcome: off, hit, miss or bypass."""
        return self.trace.cache

    @property
    def validation(self) -> str | None:
        """The validation reason code (None when not validated)."""
        return self.trace.validation

    @property
    def answered_by(self) -> BackendIdentity | None:
        """The backend that answered (None on a hit or a failure)."""
        return self.trace.answered_by

    @property
    def fallback_used(self) -> bool:
        """Whether a fallback backend was tried."""
        return self.trace.fallback_used

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no raw payloads, no secrets)."""
        return {**self.trace.to_dict(), "latency": self.latency,
                "error": type(self.error).__name__ if self.error else None}
