"""A unified :class:`~unified._backends.base.Backend` that calls an explicit DSPy LM.

The legacy enhanced wrapper accepted ``lm=<any dspy LM>``. The shim keeps that: the LM
becomes the backend of the unified pipeline (:class:`DSPyLMBackend`), so retry, cache,
validation and metrics are still the unified layers, run around one call of that LM.

- An LM built on a custom engine object is served by calling that engine with the
  ``lm15.Request`` (no second pass through DSPy's LM layer: no hidden cache or retries).
- Any other LM gets the request exactly as DSPy's adapters send it: ``lm(messages=[…],
  **params)`` with the system prompt as the first message. That is what the legacy
  wrapper's ``dspy.Predict`` did, so the wire request is byte-for-byte the legacy one
  (the ``lm(lm15.Request)`` route makes some engines add fields such as ``n``, which the
  parity harness caught). It works for engine-based LMs and ``forward()`` subclasses.
- Usage is the LM's own record of the call (its history entry) when it reports one,
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

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, NoReturn

from .._backends.base import BaseBackend, count_tokens, prompt_tokens
from .._classify import classify_error
from .._types import BackendIdentity, LMRequest, LMResponse, Usage

__all__ = ["DSPyLMBackend", "classify_error", "to_dspy_request"]

_FINISH = {"stop": "stop", "length": "length", "tool_call": "tool_calls",
           "content_filter": "content_filter"}


def to_dspy_request(request: LMRequest, model: str) -> Any:
    """The ``dspy.lm15.Request`` of ``request`` for an LM whose model string is ``model``
    (system-role messages join the system prompt; unknown parameters go to
    ``config.extensions``)."""
    from dspy import lm15

    system = [request.system_text] if request.system_text else []
    messages = []
    for message in request.messages:
        if message.role == "system":
            system.append(message.content)
        elif message.role == "assistant":
            messages.append(lm15.Message.assistant([lm15.TextPart(message.content)]))
        else:
            messages.append(lm15.Message.user(message.content))
    known = {f.name for f in dataclasses.fields(lm15.Config)} - {"extensions"}
    params = dict(request.params)
    if isinstance(params.get("stop"), (list, str)):
        params["stop"] = tuple([params["stop"]] if isinstance(params["stop"], str)
                               else params["stop"])
    extra = {k: v for k, v in params.items() if k not in known}
    config = lm15.Config(**{k: v for k, v in params.items() if k in known},
                         extensions=extra or None)
    return lm15.Request(model=model, messages=tuple(messages),
                        system="\n\n".join(system) or None, config=config)


def _as_adapter_call(lm: Any, messages: list[dict[str, str]]) -> Any:
    """DSPy 3.4's marker for "this messages= call is an adapter's" (it silences the
    per-call deprecation warning that calls from outside an adapter get). Private to
    dspy 3.4, which the project pins; without it the call still works, with a warning."""
    try:
        from dspy.clients._deprecation import adapter_message_call
    except ImportError:  # pragma: no cover - another dspy version
        import contextlib

        return contextlib.nullcontext()
    return adapter_message_call(lm, messages)


@functools.cache
def _lm15_request() -> type:
    from dspy import lm15

    return lm15.Request


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _addressed_to(request: Any, model: str) -> Any:
    """``request`` (an ``lm15.Request``, validated when it was built) sent to ``model``:
    the same field values with only the model changed, copied without validating the
    unchanged fields a second time."""
    if request.model == model:
        return request
    cls = request.__class__
    copy = object.__new__(cls)
    for name in _field_names(cls):
        object.__setattr__(copy, name, getattr(request, name))
    object.__setattr__(copy, "model", model)
    return copy


def _plain_text(answer: Any) -> str | None:
    """The text of an ``lm15.Response`` that is one plain text part with nothing else
    to carry (no logprobs), else None."""
    parts = answer.message.parts
    if len(parts) != 1 or answer.logprobs is not None:
        return None
    part = parts[0]
    return part.text if part.type == "text" and not part.continuation else None


def _usage(u: Any, input_tokens: int, output_tokens: int) -> Usage:
    """The canonical :class:`Usage` of ``lm15`` usage ``u`` with the given token counts
    (the provider's total kept only when it is not their sum, as the bridge does)."""
    computed = (u.input_tokens or 0) + (u.output_tokens or 0)
    usage = object.__new__(Usage)
    object.__setattr__(usage, "__dict__", {
        "input_tokens": input_tokens, "output_tokens": output_tokens,
        "cached_tokens": u.cache_read_tokens, "cache_write_tokens": u.cache_write_tokens,
        "reasoning_tokens": u.reasoning_tokens, "input_audio_tokens": u.input_audio_tokens,
        "output_audio_tokens": u.output_audio_tokens,
        "reported_total": None if u.total_tokens in (None, computed) else u.total_tokens})
    return usage


class DSPyLMBackend(BaseBackend):
    """Calls ``lm`` (any DSPy LM) once per request (see module docstring)."""

    kind = "dspy-lm"

    def __init__(self, lm: Any) -> None:
        self.lm = lm
        self.model = str(getattr(lm, "model", None) or type(lm).__name__)

    def complete(self, request: LMRequest) -> LMResponse:
        """One call of the LM; failures mapped by :func:`classify_error`."""
        engine = getattr(self.lm, "engine", None)
        if engine is not None and not isinstance(engine, str) and hasattr(engine, "complete"):
            return self._complete_on_engine(engine, request)
        messages = request.chat_messages()
        try:
            with _as_adapter_call(self.lm, messages):
                outputs = self.lm(messages=messages, **request.params)
        except Exception as exc:
            self._raise_unified(exc)
        first = outputs[0] if outputs else ""
        text = first if isinstance(first, str) else str(first.get("text") or "")
        usage = self._usage_of(messages)
        return self.response(request, text,
                             input_tokens=usage.get("prompt_tokens"),
                             output_tokens=usage.get("completion_tokens"))

    def _raise_unified(self, exc: Exception) -> NoReturn:
        """Re-raise ``exc`` (being handled) as the unified error :func:`classify_error`
        finds, or unchanged."""
        mapped = classify_error(exc, backend=self.kind, endpoint=self.model)
        if mapped is exc:
            raise
        raise mapped from exc

    def _complete_on_engine(self, engine: Any, request: LMRequest) -> LMResponse:
        """A ``dspy.LM`` built on a custom engine: call the engine itself.

        Going through ``lm(...)`` again would run DSPy's LM layer a second time (its
        cache, retries and history, behind the pipeline's back) for no wire difference:
        a custom engine receives an ``lm15.Request`` either way. The LM's own settings
        (``temperature=`` … given at construction) still apply under the call's. A
        request still carrying the ``lm15.Request`` it was translated from (no layer
        rewrote it, see :attr:`LMRequest.source`) sends that object, addressed to this
        LM's model; any other is translated afresh.
        """
        defaults = {k: v for k, v in (getattr(self.lm, "kwargs", None) or {}).items()
                    if v is not None}
        source = request.source
        if not defaults and isinstance(source, _lm15_request()):
            outgoing = _addressed_to(source, self.model)   # DSPy's own request, passed on
        else:
            outgoing = to_dspy_request(LMRequest(
                model=request.model, messages=request.messages, system=request.system,
                params={**defaults, **request.params}), self.model)
        try:
            answer = engine.complete(outgoing)
        except Exception as exc:
            self._raise_unified(exc)
        usage = answer.usage
        text = _plain_text(answer) if usage is not None else None
        if text is None:
            return self._rich_response(request, answer)
        return LMResponse.of_text(
            text, _FINISH.get(answer.finish_reason, "stop"),
            _usage(usage, prompt_tokens(request) if usage.input_tokens is None
                   else usage.input_tokens,
                   count_tokens(text) if usage.output_tokens is None else usage.output_tokens),
            raw=answer, backend=self.kind, endpoint=self.model, model=self.model)

    def _rich_response(self, request: LMRequest, answer: Any) -> LMResponse:
        """The response of an answer with more than one plain text part (tool calls,
        thinking, logprobs, usage as the bridge reads them)."""
        from .._dspy_bridge import from_dspy_response

        rich = from_dspy_response(answer)
        usage = answer.usage
        base = self.response(request, rich.text,
                             finish_reason=_FINISH.get(answer.finish_reason, "stop"),
                             input_tokens=usage.input_tokens if usage else None,
                             output_tokens=usage.output_tokens if usage else None,
                             raw=answer)
        return dataclasses.replace(base, parts=rich.parts, logprobs=rich.logprobs,
                                   usage=dataclasses.replace(
                                       rich.usage, input_tokens=base.usage.input_tokens,
                                       output_tokens=base.usage.output_tokens))

    def _usage_of(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The usage the LM recorded for the call that sent ``messages`` (or {})."""
        for entry in reversed(list(getattr(self.lm, "history", None) or [])[-16:]):
            if entry.get("messages") is messages or entry.get("messages") == messages:
                usage = entry.get("usage") or {}
                return dict(usage) if isinstance(usage, Mapping) else {}
        return {}

    def identity(self) -> BackendIdentity:
        """``dspy-lm`` + the LM's model string (its endpoint is the LM's business)."""
        return BackendIdentity(self.kind, self.model, self.model)

    def get_info(self) -> dict[str, Any]:
        """Identity plus the LM's class name."""
        return {**self.identity().to_dict(), "lm_class": type(self.lm).__name__}
