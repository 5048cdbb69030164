"""The DSPy engine: DSPy's canonical ``Request`` in, the pipeline, ``Response`` out.

dspy 3.4 supports custom LMs as engines: ``dspy.LM(model, engine=obj,
async_engine=aobj, cache=False)`` where ``obj.complete(dspy.lm15.Request) ->
dspy.lm15.Response``. :func:`build_dspy_lm` builds that LM around a
:class:`~unified.pipeline.Pipeline`, with DSPy's own cache and retries off (the
pipeline owns both). Subclassing ``dspy.BaseLM`` with ``forward()`` is deprecated in
dspy 3.4 and is not used.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .types import LMRequest, LMResponse, Message

if TYPE_CHECKING:  # pragma: no cover
    import dspy

    from .pipeline import Pipeline

__all__ = ["UnifiedEngine", "AsyncUnifiedEngine", "build_dspy_lm", "to_lm_request",
           "to_dspy_response", "LM_PREFIX"]

LM_PREFIX = "unified/"
_PARAMS = ("max_tokens", "temperature", "top_p", "top_k", "seed", "frequency_penalty",
           "presence_penalty", "response_format")
_FINISH = {"stop": "stop", "end_turn": "stop", "stop_sequence": "stop", "length": "length",
           "max_tokens": "length", "tool_use": "tool_call", "tool_calls": "tool_call",
           "tool_call": "tool_call", "content_filter": "content_filter",
           "guardrail_intervened": "content_filter"}


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(getattr(part, "text", "") or "" for part in content)


def to_lm_request(request: Any, model: str) -> LMRequest:
    """Translate a ``dspy.lm15.Request`` into a canonical :class:`LMRequest`."""
    cfg = request.config
    params: dict[str, Any] = {name: getattr(cfg, name, None) for name in _PARAMS}
    if cfg.stop:
        params["stop"] = list(cfg.stop)
    if cfg.extensions:
        params.update(dict(cfg.extensions))
    messages = tuple(Message(m.role, m.text or "") for m in request.messages)
    system = _text_of(request.system) or None
    return LMRequest(model=model, messages=messages, system=system, params=params,
                     source=request)


@functools.cache
def _lm15() -> Any:
    from dspy import lm15

    return lm15


def to_dspy_response(response: LMResponse) -> Any:
    """Translate an :class:`LMResponse` into a ``dspy.lm15.Response``."""
    lm15 = _lm15()
    if isinstance(response.raw, lm15.Response) and not response.cache_hit:
        return response.raw     # a backend that already speaks lm15 (no rebuild)
    DMessage, Response, TextPart, Usage = lm15.Message, lm15.Response, lm15.TextPart, lm15.Usage  # noqa: N806
    usage = response.usage
    return Response(id=None, model=response.model or "unified",
                    message=DMessage.assistant([TextPart(response.text)]),
                    finish_reason=_FINISH.get(response.finish_reason, "stop"),  # type: ignore[arg-type]
                    usage=Usage(input_tokens=usage.input_tokens,
                                output_tokens=usage.output_tokens,
                                total_tokens=usage.total_tokens))


class UnifiedEngine:
    """Sync engine: one DSPy request through the pipeline."""

    def __init__(self, pipeline: Pipeline, model: str) -> None:
        self.pipeline = pipeline
        self.model = model

    def complete(self, request: Any) -> Any:
        """``dspy.lm15.Request -> dspy.lm15.Response`` through the pipeline."""
        return to_dspy_response(self.pipeline.complete(to_lm_request(request, self.model)))

    def stream(self, request: Any) -> Any:
        """Streaming is served as one complete response turned into events."""
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        """The wrapper owns the pipeline; nothing to close here."""


class AsyncUnifiedEngine:
    """Async engine: awaits the pipeline's async path."""

    def __init__(self, pipeline: Pipeline, model: str) -> None:
        self.pipeline = pipeline
        self.model = model

    async def complete(self, request: Any) -> Any:
        """Async ``dspy.lm15.Request -> dspy.lm15.Response``."""
        response = await self.pipeline.acomplete(to_lm_request(request, self.model))
        return to_dspy_response(response)

    async def aclose(self) -> None:
        """The wrapper owns the pipeline; nothing to close here."""


def build_dspy_lm(pipeline: Pipeline, model: str, *, temperature: float | None = None,
                  max_tokens: int | None = None) -> dspy.LM:
    """A ``dspy.LM`` whose every call goes through ``pipeline``."""
    import dspy

    kwargs: dict[str, Any] = {}
    if temperature is not None:
        kwargs["temperature"] = temperature
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    return dspy.LM(LM_PREFIX + model, engine=UnifiedEngine(pipeline, model),
                   async_engine=AsyncUnifiedEngine(pipeline, model), cache=False,
                   num_retries=0, **kwargs)
