"""The DSPy bridge: ``dspy.lm15`` request/response <-> canonical types, both ways.

The one module that knows DSPy's lm15 vocabulary. Everything lm15 carries is carried
(``to_lm_request`` then ``to_lm15_request`` is the identity, and likewise for
responses): every part kind with its continuation state, the system prompt as a string
or parts, tools with their JSON schemas, every ``Config`` field (``tool_choice``,
``reasoning``, prompt ``cache`` as structured settings; the rest as flat params, with
``extensions`` merged in; a parameter or extension set to ``None`` counts as unset).
Plain text takes a short path (no per-field rebuilding).
Also here: the finish-reason table and the capability hints DSPy reads.
"""

from __future__ import annotations

import functools
import operator
from pathlib import Path
from typing import Any

from . import _parts as cp  # canonical parts
from ._backends.capabilities import Capabilities
from ._logprobs import TokenLogprob, TopLogprob
from ._request_config import DEFAULT_OPTIONS
from ._types import (
    CallOptions,
    LMRequest,
    LMResponse,
    Message,
    PromptCache,
    Reasoning,
    ToolChoice,
    ToolSpec,
    Usage,
)

__all__ = ["to_lm_request", "to_lm15_request", "to_dspy_response", "from_dspy_response",
           "FINISH_REASONS", "capability_hints", "to_lm15_usage"]

#: lm15 ``Config`` fields carried as flat params (``stop`` is turned into a list).
CONFIG_PARAMS = ("max_tokens", "temperature", "top_p", "top_k", "seed", "frequency_penalty",
                 "presence_penalty", "response_format", "service_tier", "user_id", "store",
                 "logprobs", "probabilities")
#: Every ``CONFIG_PARAMS`` value of an lm15 ``Config``, read in one call.
_config_values = operator.attrgetter(*CONFIG_PARAMS)
#: Provider and canonical finish reasons -> lm15's vocabulary.
FINISH_REASONS = {"stop": "stop", "end_turn": "stop", "stop_sequence": "stop",
                  "length": "length", "max_tokens": "length", "tool_use": "tool_call",
                  "tool_calls": "tool_call", "tool_call": "tool_call",
                  "function_call": "tool_call", "content_filter": "content_filter",
                  "guardrail_intervened": "content_filter", "refusal": "content_filter",
                  "error": "error"}


@functools.cache
def _lm15() -> Any:
    from dspy import lm15

    return lm15


# ── lm15 -> canonical ────────────────────────────────────────────────────────────

def _cont(states: Any) -> tuple[cp.Continuation, ...]:
    return tuple(cp.Continuation(s.provider, s.kind, s.data) for s in states) if states else ()


def _part(part: Any) -> cp.Part:
    kind = part.type
    cont = _cont(part.continuation)
    if kind == "text":
        return cp.TextPart(part.text, cont)
    if kind in cp.MEDIA_KINDS:
        return cp.MediaPart(kind, part.media_type, part.data, part.url, part.file_id,
                         None if part.path is None else str(part.path),
                         getattr(part, "detail", None), cont)
    if kind == "tool_call":
        return cp.ToolCallPart(part.id, part.name, part.input, cont)
    if kind == "tool_result":
        return cp.ToolResultPart(part.id, tuple(_part(p) for p in part.content), part.name,
                              part.is_error, cont)
    if kind == "thinking":
        return cp.ThinkingPart(part.text, cont)
    if kind == "refusal":
        return cp.RefusalPart(part.text, cont)
    if kind == "citation":
        return cp.CitationPart(part.url, part.title, part.text, cont)
    if kind == "data":
        return cp.DataPart(part.value, part.probabilities, part.method, cont)
    from ._errors import UnsupportedFeatureError

    raise UnsupportedFeatureError.for_feature(kind, carrier="a newer unified-dspy")


def _convert_parts(parts: Any) -> tuple[cp.Part, ...]:
    if len(parts) == 1 and parts[0].type == "text" and not parts[0].continuation:
        return (cp.TextPart.of(parts[0].text),)
    return tuple(_part(p) for p in parts)


def _message(message: Any) -> Message:
    states = message.continuation
    return Message.of_parts(message.role, _convert_parts(message.parts),
                            _cont(states) if states else ())


def _tool(tool: Any) -> ToolSpec:
    if tool.type == "builtin":
        return ToolSpec(tool.name, builtin=True, config=tool.config)
    return ToolSpec(tool.name, tool.description, tool.parameters)


def to_lm_request(request: Any, model: str, options: CallOptions = DEFAULT_OPTIONS) -> LMRequest:
    """Translate a ``dspy.lm15.Request`` into a canonical :class:`LMRequest`."""
    cfg = request.config
    values = _config_values(cfg)      # one C call; most requests set none of them
    params: dict[str, Any] = {} if values.count(None) == len(CONFIG_PARAMS) else {
        name: value for name, value in zip(CONFIG_PARAMS, values, strict=True)
        if value is not None}
    if cfg.stop:
        params["stop"] = list(cfg.stop)
    if cfg.extensions:
        params.update(cfg.extensions)
        params = {k: v for k, v in params.items() if v is not None}
    system = request.system
    if system is not None and not isinstance(system, str):
        system = tuple(_part(p) for p in system)
    choice, reasoning, cache = cfg.tool_choice, cfg.reasoning, cfg.cache
    return LMRequest.of_fields(
        model=model, messages=tuple(map(_message, request.messages)), system=system,
        params=params, tools=tuple(_tool(t) for t in request.tools) if request.tools else (),
        tool_choice=None if choice is None else ToolChoice(choice.mode, choice.allowed,
                                                           choice.parallel),
        reasoning=None if reasoning is None else Reasoning(reasoning.effort,
                                                           reasoning.thinking_budget,
                                                           reasoning.summary),
        prompt_cache=None if cache is None else PromptCache(
            cache.mode, cache.retention, cache.key, cache.prefix_until_index, cache.prefix,
            cache.resource),
        options=options, source=request)


# ── canonical -> lm15 ────────────────────────────────────────────────────────────

def _lm15_cont(states: tuple[cp.Continuation, ...]) -> tuple[Any, ...]:
    if not states:
        return ()
    state = _lm15().ContinuationState
    return tuple(state(c.provider, c.kind, dict(c.data)) for c in states)


def _lm15_part(part: cp.Part) -> Any:
    lm15 = _lm15()
    cont = _lm15_cont(part.continuation)
    if isinstance(part, cp.TextPart):
        return lm15.TextPart(part.text, cont)
    if isinstance(part, cp.MediaPart):
        cls = {"image": lm15.ImagePart, "audio": lm15.AudioPart, "video": lm15.VideoPart,
               "document": lm15.DocumentPart, "binary": lm15.BinaryPart}[part.kind]
        extra = {"detail": part.detail} if part.kind == "image" else {}
        return cls(media_type=part.media_type, data=part.data, url=part.url,
                   file_id=part.file_id, path=None if part.path is None else Path(part.path),
                   continuation=cont, **extra)
    if isinstance(part, cp.ToolCallPart):
        return lm15.ToolCallPart(part.id, part.name, dict(part.input), cont)
    if isinstance(part, cp.ToolResultPart):
        return lm15.ToolResultPart(part.id, tuple(_lm15_part(p) for p in part.content),
                                   part.name, part.is_error, cont)
    if isinstance(part, cp.ThinkingPart):
        return lm15.ThinkingPart(part.text, cont)
    if isinstance(part, cp.RefusalPart):
        return lm15.RefusalPart(part.text, cont)
    if isinstance(part, cp.CitationPart):
        return lm15.CitationPart(part.url, part.title, part.text, cont)
    if isinstance(part, cp.DataPart):
        return lm15.DataPart(part.value, None if part.probabilities is None
                             else {k: dict(v) for k, v in part.probabilities.items()},
                             part.method, cont)  # type: ignore[arg-type]
    raise TypeError(f"not a canonical part: {type(part).__name__}")


def to_lm15_request(request: LMRequest) -> Any:
    """Translate a canonical :class:`LMRequest` into a ``dspy.lm15.Request``."""
    lm15 = _lm15()
    params = dict(request.params)
    known = {name: params.pop(name) for name in (*CONFIG_PARAMS, "stop") if name in params}
    if "stop" in known:
        stop = known["stop"]
        known["stop"] = (stop,) if isinstance(stop, str) else tuple(stop)
    choice, reasoning, cache = request.tool_choice, request.reasoning, request.prompt_cache
    config = lm15.Config(
        **known, extensions=params or None,
        tool_choice=None if choice is None else lm15.ToolChoice(choice.mode, choice.allowed,
                                                                choice.parallel),
        reasoning=None if reasoning is None else lm15.Reasoning(
            reasoning.effort, reasoning.thinking_budget, reasoning.summary),
        cache=None if cache is None else lm15.CacheConfig(
            cache.mode, cache.retention, cache.key, cache.prefix_until_index, cache.prefix,
            cache.resource))
    tools = tuple(lm15.BuiltinTool(t.name, None if t.config is None else dict(t.config))
                  if t.builtin else lm15.FunctionTool(t.name, t.description, dict(t.parameters))
                  for t in request.tools)
    system = request.system
    if system is not None and not isinstance(system, str):
        system = tuple(_lm15_part(p) for p in system)
    messages = tuple(lm15.Message(m.role, tuple(_lm15_part(p) for p in m.parts),
                                  _lm15_cont(m.continuation)) for m in request.messages)
    return lm15.Request(model=request.model, messages=messages, system=system, tools=tools,
                        config=config)


def _lm15_logprobs(logprobs: tuple[TokenLogprob, ...] | None) -> Any:
    if logprobs is None:
        return None
    lm15 = _lm15()
    return tuple(lm15.TokenLogprob(t.token, t.logprob, t.bytes, t.token_id,
                                   tuple(lm15.TopLogprob(a.token, a.logprob, a.bytes, a.token_id)
                                         for a in t.top)) for t in logprobs)


def to_dspy_response(response: LMResponse) -> Any:
    """Translate an :class:`LMResponse` into a ``dspy.lm15.Response``."""
    lm15 = _lm15()
    if isinstance(response.raw, lm15.Response) and not response.cache_hit:
        return response.raw     # a backend that already speaks lm15 (no rebuild)
    if response.parts:
        parts: Any = tuple(_lm15_part(p) for p in response.parts)
    else:
        parts = (lm15.TextPart(response.text),)
    return lm15.Response(
        id=response.id, model=response.model or "unified",
        message=lm15.Message("assistant", parts, _lm15_cont(response.continuation)
                             if response.continuation else ()),
        finish_reason=FINISH_REASONS.get(response.finish_reason, "stop"),
        usage=to_lm15_usage(response.usage),
        logprobs=None if response.logprobs is None else _lm15_logprobs(response.logprobs))


def to_lm15_usage(usage: Usage) -> Any:
    """A canonical :class:`Usage` as ``dspy.lm15.Usage``."""
    return _lm15().Usage(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                         total_tokens=usage.total_tokens, cache_read_tokens=usage.cached_tokens,
                         cache_write_tokens=usage.cache_write_tokens,
                         reasoning_tokens=usage.reasoning_tokens,
                         input_audio_tokens=usage.input_audio_tokens,
                         output_audio_tokens=usage.output_audio_tokens)


def from_dspy_response(response: Any, *, backend: str = "", endpoint: str = "") -> LMResponse:
    """Translate a ``dspy.lm15.Response`` into an :class:`LMResponse` (``raw`` keeps it)."""
    u = response.usage
    parts = _convert_parts(response.message.parts)
    first = parts[0]
    plain = len(parts) == 1 and isinstance(first, cp.TextPart) and not first.continuation
    logprobs = None if response.logprobs is None else tuple(
        TokenLogprob(t.token, t.logprob, t.bytes, t.token_id,
                     tuple(TopLogprob(a.token, a.logprob, a.bytes, a.token_id) for a in t.top))
        for t in response.logprobs)
    computed = (u.input_tokens or 0) + (u.output_tokens or 0)
    usage = Usage(u.input_tokens or 0, u.output_tokens or 0, u.cache_read_tokens,
                  u.cache_write_tokens, u.reasoning_tokens, u.input_audio_tokens,
                  u.output_audio_tokens,
                  None if u.total_tokens in (None, computed) else u.total_tokens)
    return LMResponse(text=first.text if isinstance(first, cp.TextPart) and plain else "",
                      parts=() if plain else parts, finish_reason=response.finish_reason,
                      usage=usage, raw=response, backend=backend, endpoint=endpoint,
                      model=response.model, id=response.id, logprobs=logprobs,
                      continuation=_cont(response.message.continuation))


def capability_hints(capabilities: Capabilities) -> dict[str, Any]:
    """DSPy's capability hints (``dspy/clients/capabilities.py`` reads these names
    from a custom engine) for a backend's :class:`Capabilities`."""
    return {"supports_function_calling": capabilities.function_calling,
            "supports_reasoning": capabilities.reasoning,
            "supports_response_schema": capabilities.response_schema,
            "supported_params": capabilities.dspy_params()}
