"""A unified :class:`~unified.backends.base.Backend` that calls an explicit DSPy LM.

The legacy enhanced wrapper accepted ``lm=<any dspy LM>``. The shim keeps that: the LM
becomes the backend of the unified pipeline (:class:`DSPyLMBackend`), so retry, cache,
validation and metrics are still the unified layers, run around one call of that LM.

- The request goes to the LM as OpenAI-style chat messages (system prompt first) with
  the request's sampling parameters as keyword arguments; the first completion is the
  answer (a string, or the ``"text"`` of a dict completion).
- Usage is read from ``lm.history[-1]["usage"]`` when the LM records it (OpenAI keys),
  else estimated by whitespace like every backend.
- Failures are mapped onto the unified error tree by :func:`classify_error` so that the
  retry layer decides as for any backend: HTTP statuses through the shared status table,
  Bedrock error codes through the Bedrock backend's table, timeouts and connection
  errors by type, and known transient class names (``RateLimitError``, ``Timeout``, …).
  Anything else is re-raised unchanged (and, like in the legacy loop, not retried).

An LM built by a compat shim (it has a ``unified_wrapper`` attribute) is not wrapped:
the shims use that wrapper's backend directly, so retries are never nested.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ..backends.base import BaseBackend
from ..backends.common import error_for_status
from ..errors import (
    BackendError,
    ConnectionError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnifiedError,
)
from ..types import BackendIdentity, LMRequest, LMResponse

__all__ = ["DSPyLMBackend", "classify_error"]

# Class-name fragments of transient errors raised by SDKs we do not import
# (litellm, openai, dspy's lm15 engine, botocore), checked in order.
_TRANSIENT_NAMES: tuple[tuple[str, type[BackendError]], ...] = (
    ("ratelimit", RateLimitError), ("throttl", RateLimitError), ("timeout", TimeoutError),
    ("connect", ConnectionError), ("network", ConnectionError),
    ("transport", ConnectionError),
    ("serviceunavailable", ServerError), ("badgateway", ServerError),
    ("internalserver", ServerError), ("servererror", ServerError),
)


def _status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    candidates = [getattr(exc, "status_code", None), getattr(exc, "status", None),
                  getattr(response, "status_code", None)]
    if isinstance(response, Mapping):
        candidates.append(response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 400:
            return value
    return None


def _aws_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _classify_one(exc: BaseException, context: dict[str, Any]) -> BackendError | None:
    message = f"{type(exc).__name__}: {exc}"
    code = _aws_code(exc)
    if code is not None:
        from ..backends.bedrock import BEDROCK_ERRORS

        if code in BEDROCK_ERRORS:
            return BEDROCK_ERRORS[code](message, **context)
    status = _status_of(exc)
    if status is not None:
        return error_for_status(status, message, **context)
    if isinstance(exc, builtins.TimeoutError):
        return TimeoutError(message, **context)
    if isinstance(exc, builtins.ConnectionError):
        return ConnectionError(message, **context)
    name = type(exc).__name__.lower()
    for fragment, cls in _TRANSIENT_NAMES:
        if fragment in name:
            return cls(message, **context)
    return None


def classify_error(exc: BaseException, *, backend: str = "dspy-lm",
                   endpoint: str | None = None) -> BaseException:
    """The unified error for ``exc`` (walking its cause chain), or ``exc`` itself when
    nothing identifies it (see module docstring)."""
    if isinstance(exc, UnifiedError):
        return exc
    context: dict[str, Any] = {"backend": backend, "endpoint": endpoint}
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        mapped = _classify_one(current, context)
        if mapped is not None:
            return mapped
        current = current.__cause__ or current.__context__
    return exc


class DSPyLMBackend(BaseBackend):
    """Calls ``lm`` (any DSPy LM) once per request (see module docstring)."""

    kind = "dspy-lm"

    def __init__(self, lm: Any) -> None:
        self.lm = lm
        self.model = str(getattr(lm, "model", None) or type(lm).__name__)

    def complete(self, request: LMRequest) -> LMResponse:
        """One call of the LM; failures mapped by :func:`classify_error`."""
        try:
            outputs = self.lm(messages=request.chat_messages(), **dict(request.params))
        except Exception as exc:
            mapped = classify_error(exc, backend=self.kind, endpoint=self.model)
            if mapped is exc:
                raise
            raise mapped from exc
        first = outputs[0] if outputs else ""
        text = first.get("text", "") if isinstance(first, Mapping) else str(first)
        usage = self._last_usage()
        return self.response(request, text, input_tokens=usage.get("prompt_tokens"),
                             output_tokens=usage.get("completion_tokens"))

    def _last_usage(self) -> dict[str, int]:
        history = getattr(self.lm, "history", None)
        if not history:
            return {}
        usage = history[-1].get("usage") if isinstance(history[-1], Mapping) else None
        if not isinstance(usage, Mapping):
            return {}
        return {k: int(v) for k, v in usage.items()
                if k in ("prompt_tokens", "completion_tokens") and isinstance(v, int)}

    def identity(self) -> BackendIdentity:
        """``dspy-lm`` + the LM's model string (its endpoint is the LM's business)."""
        return BackendIdentity(self.kind, self.model, self.model)

    def get_info(self) -> dict[str, Any]:
        """Identity plus the LM's class name."""
        return {**self.identity().to_dict(), "lm_class": type(self.lm).__name__}
