"""OpenAI chat-completion answer -> the parts of a canonical response.

Reads ``choices[0]`` of a JSON body (the gateway) or of litellm's ``ModelResponse``
(attribute access; :func:`as_data` turns either into plain dicts):

- ``message.reasoning_content`` (litellm, DeepSeek, vLLM, …) or ``reasoning`` ->
  a ``ThinkingPart`` first; litellm's ``thinking_blocks`` keep their signature as
  continuation state;
- ``message.content`` -> a ``TextPart`` (a list of content parts: text parts in order,
  ``reasoning`` summary parts as thinking);
- ``message.tool_calls[]`` -> ``ToolCallPart(id, name, input=json.loads(arguments))``;
- ``message.refusal`` -> a ``RefusalPart``;
- ``choices[0].logprobs.content[]`` -> ``TokenLogprob`` with ``top_logprobs``;
- ``usage``: prompt/completion tokens, ``prompt_tokens_details.cached_tokens``,
  ``completion_tokens_details.reasoning_tokens`` and the audio token counts.

A plain text answer (content only, no extras) gives no parts: the response is its text,
as before (the fast path).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._types import (
    Continuation,
    RefusalPart,
    TextPart,
    ThinkingPart,
    TokenLogprob,
    ToolCallPart,
    TopLogprob,
    Usage,
)

__all__ = ["as_data", "answer_parts", "answer_usage", "answer_logprobs"]


def as_data(value: Any) -> Any:
    """A pydantic/litellm object as plain dicts and lists (dicts left as they are)."""
    if isinstance(value, Mapping):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    return value


def _tool_input(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if not arguments:
        return {}
    value = json.loads(arguments)
    if not isinstance(value, dict):
        raise TypeError("tool call arguments are not a JSON object")
    return value


#: Message keys that may carry more than text (checked only when present and set).
_EXTRA_KEYS = frozenset({"reasoning_content", "reasoning", "thinking_blocks"})


def _thinking(message: Mapping[str, Any]) -> list[Any]:
    blocks = message.get("thinking_blocks") or []
    if blocks:
        out = []
        for block in blocks:
            state = {k: v for k, v in block.items() if k in ("signature", "data")}
            cont = (Continuation("anthropic", block.get("type") or "thinking", state),) \
                if state else ()
            out.append(ThinkingPart(str(block.get("thinking") or ""), cont))
        return out
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    return [ThinkingPart(reasoning)] if isinstance(reasoning, str) and reasoning else []


def answer_parts(message: Mapping[str, Any]) -> tuple[Any, ...]:
    """The parts of an assistant ``message``; ``()`` when it is plain text only."""
    if type(message) is not dict:
        message = as_data(message)
    content = message.get("content")
    calls = message.get("tool_calls") or []
    refusal = message.get("refusal")
    if isinstance(content, str) and not (calls or refusal or _EXTRA_KEYS & message.keys()):
        return ()                                   # plain text: the fast path
    thinking = _thinking(message)
    if not (calls or refusal or thinking or isinstance(content, list)):
        return ()
    parts: list[Any] = list(thinking)
    if isinstance(content, list):
        for item in content:
            if item.get("type") == "reasoning":
                parts += [ThinkingPart(s.get("text", "")) for s in item.get("summary") or []]
            elif item.get("text") is not None:
                parts.append(TextPart(str(item["text"])))
    elif content:
        parts.append(TextPart(str(content)))
    for call in calls:
        call = as_data(call)
        function = call.get("function") or {}
        parts.append(ToolCallPart(str(call.get("id") or f"call_{len(parts)}"),
                                  str(function["name"]),
                                  _tool_input(function.get("arguments"))))
    if refusal:
        parts.append(RefusalPart(str(refusal)))
    return tuple(parts)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _get(value: Any, key: str) -> Any:
    """``value[key]`` of a dict, ``value.key`` of an SDK object (no dump: cheap)."""
    if value is None:
        return None
    return value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)


def answer_usage(usage: Any, *, estimate: tuple[int, int]) -> Usage:
    """Canonical usage from an OpenAI ``usage`` dict or SDK object (``estimate`` fills
    missing counts)."""
    prompt = _get(usage, "prompt_tokens_details")
    completion = _get(usage, "completion_tokens_details")
    tokens_in, tokens_out = _int(_get(usage, "prompt_tokens")), \
        _int(_get(usage, "completion_tokens"))
    return Usage(estimate[0] if tokens_in is None else tokens_in,
                 estimate[1] if tokens_out is None else tokens_out,
                 cached_tokens=_int(_get(prompt, "cached_tokens")),
                 reasoning_tokens=_int(_get(completion, "reasoning_tokens")),
                 input_audio_tokens=_int(_get(prompt, "audio_tokens")),
                 output_audio_tokens=_int(_get(completion, "audio_tokens")),
                 reported_total=_int(_get(usage, "total_tokens")))


def _top(item: Mapping[str, Any]) -> TopLogprob:
    raw = item.get("bytes")
    return TopLogprob(str(item["token"]), float(item["logprob"]),
                      None if raw is None else tuple(raw))


def answer_logprobs(choice: Mapping[str, Any]) -> tuple[TokenLogprob, ...] | None:
    """``choices[0].logprobs.content`` as canonical token logprobs (None when absent)."""
    logprobs = as_data(choice.get("logprobs"))
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    if not content:
        return None
    out = []
    for item in content:
        item = as_data(item)
        top = _top(item)
        out.append(TokenLogprob(top.token, top.logprob, top.bytes,
                                top=tuple(_top(as_data(a))
                                          for a in item.get("top_logprobs") or ())))
    return tuple(out)
