"""Canonical request and response: what every backend takes and gives.

Plain frozen dataclasses, independent of DSPy's internals, carrying everything DSPy
3.4's ``dspy.lm15`` request/response carry (the bridge in :mod:`unified._dspy_bridge`
translates both ways, losslessly).

Request side::

    LMRequest(model, messages, system=None, params={}, tools=(), tool_choice=None,
              reasoning=None, prompt_cache=None, options=CallOptions())

- ``messages``: :class:`Message` ``(role, content)`` where ``content`` is a string
  (text-only callers: ``Message("user", "hi")``) or a sequence of parts
  (:mod:`unified._parts`: ``TextPart``, ``MediaPart`` for image/audio/video/document,
  ``ToolCallPart``, ``ToolResultPart``, ``ThinkingPart``, ``CitationPart``,
  ``RefusalPart``, ``DataPart``); ``message.parts`` is always the tuple of parts.
  ``message.content`` is the text of a text-only message and raises
  :class:`~unified._errors.UnsupportedFeatureError` for any other (never a silent
  narrowing); ``message.text`` joins the text parts.
- ``system``: a string, or a tuple of parts; ``system_text`` is its text.
- ``params``: flat sampling settings with ``None`` dropped: ``max_tokens``,
  ``temperature``, ``top_p``, ``top_k``, ``stop`` (list), ``seed``,
  ``frequency_penalty``, ``presence_penalty``, ``response_format`` (lm15 shape:
  ``{"type": "json_schema", "schema": …}``), ``logprobs``, ``probabilities``,
  ``service_tier``, ``user_id``, ``store`` and any provider ``extensions`` keys.
- ``tools`` (:class:`ToolSpec` with JSON schema), ``tool_choice``
  (:class:`ToolChoice`), ``reasoning`` (:class:`Reasoning`, DSPy's
  ``reasoning_effort`` is ``reasoning.effort``), ``prompt_cache``.
- ``options``: :class:`CallOptions` (``rollout_id``, ``candidate``/``n``, ``cache``):
  per-call options that pick an answer; part of the cache key.
- ``features()``: the set of feature names a request uses (``"image"``, ``"tools"``,
  ``"param:logprobs"``, …), checked against a backend's ``capabilities()``.

Response side::

    LMResponse(text, finish_reason="stop", usage=Usage(), parts=(), logprobs=None, …)

``parts`` is the whole assistant message (text, tool calls, thinking, citations,
refusal, data) when it is more than text; ``tool_calls``/``thinking``/``citations``/
``refusal`` read it. ``finish_reason`` is one of stop, length, tool_call,
content_filter, error. :class:`Usage` has input, output, cached (read), cache-write,
reasoning and audio tokens. ``to_dict``/``from_dict`` is the lossless JSON form the
cache stores.

For backends: ``capabilities()`` returns a
:class:`~unified._backends.capabilities.Capabilities` naming the features its wire
carries (``Capabilities.of({"image", "tools", "tool_call", "tool_result"},
params=["seed"])``); the pipeline refuses anything else before the call with
``UnsupportedFeatureError.for_feature(feature, backend=, model=, carrier=)`` (a
backend may raise the same itself for finer, model-level refusals). Media bytes:
``MediaPart.bytes``. A backend that speaks lm15 can use
:func:`unified._dspy_bridge.to_lm15_request` / ``from_dspy_response``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ._logprobs import TokenLogprob, TopLogprob
from ._parts import (
    CitationPart,
    Continuation,
    DataPart,
    MediaPart,
    Part,
    RefusalPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
    part_to_dict,
    parts_text,
)
from ._request_config import (
    DEFAULT_OPTIONS,
    CallOptions,
    PromptCache,
    Reasoning,
    ToolChoice,
    ToolSpec,
)
from ._response import LMResponse, Usage

__all__ = ["Message", "LMRequest", "Usage", "LMResponse", "BackendIdentity", "canonical_json",
           "TextPart", "MediaPart", "ToolCallPart", "ToolResultPart", "ThinkingPart",
           "RefusalPart", "CitationPart", "DataPart", "Continuation", "Part", "ToolSpec",
           "ToolChoice", "Reasoning", "PromptCache", "CallOptions", "TokenLogprob",
           "TopLogprob"]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the one canonical text of a value."""
    return _CANONICAL.encode(value)


#: ``json.dumps(…, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
#: default=str)``, built once (``dumps`` builds an encoder per call for these options).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


@dataclass(frozen=True, init=False)
class Message:
    """One chat message: ``role`` (user, assistant, system, tool, developer) and parts.

    ``Message(role, content)`` takes a string, a part, or a sequence of parts and
    strings (each string a text part).
    """

    role: str
    parts: tuple[Part, ...]
    continuation: tuple[Continuation, ...]

    def __init__(self, role: str, content: str | Sequence[Part] | Part = "", *,
                 continuation: tuple[Continuation, ...] = ()) -> None:
        object.__setattr__(self, "role", role)
        if type(content) is str:
            parts: tuple[Part, ...] = (TextPart(content),)
        elif isinstance(content, Sequence):
            parts = tuple(TextPart(p) if isinstance(p, str) else p for p in content)
        else:
            parts = (content,)
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "continuation", tuple(continuation))

    @classmethod
    def of_parts(cls, role: str, parts: tuple[Part, ...],
                 continuation: tuple[Continuation, ...] = ()) -> Message:
        """A message of ready-made ``parts`` (no normalisation: the bridge's fast path)."""
        message = object.__new__(cls)
        object.__setattr__(message, "__dict__", {"role": role, "parts": parts,
                                                 "continuation": continuation})
        return message

    @property
    def is_text_only(self) -> bool:
        """True when every part is plain text (and the message carries no state)."""
        return not self.continuation and all(type(p) is TextPart and not p.continuation
                                             for p in self.parts)

    @property
    def text(self) -> str:
        """The text parts joined by newlines (other parts are not text)."""
        return parts_text(self.parts)

    @property
    def content(self) -> str:
        """The text of a text-only message; raises for any other (see module doc)."""
        parts = self.parts
        if len(parts) == 1 and type(parts[0]) is TextPart and not parts[0].continuation \
                and not self.continuation:
            return parts[0].text
        if self.is_text_only:
            return parts_text(parts)
        from ._errors import UnsupportedFeatureError

        kinds = sorted({p.type for p in parts if type(p) is not TextPart} or {"continuation"})
        raise UnsupportedFeatureError.for_feature(
            kinds[0], carrier="a backend that maps message parts (read message.parts)")

    def to_dict(self) -> dict[str, Any]:
        """``{"role", "content"}``: content is a string for text-only messages, else
        the list of part dicts (plus ``continuation`` when present)."""
        if self.is_text_only:
            return {"role": self.role, "content": parts_text(self.parts)}
        out: dict[str, Any] = {"role": self.role,
                               "content": [part_to_dict(p) for p in self.parts]}
        if self.continuation:
            out["continuation"] = [c.to_dict() for c in self.continuation]
        return out


@dataclass(frozen=True)
class LMRequest:
    """A canonical completion request (see the module docstring for every field)."""

    model: str
    messages: tuple[Message, ...]
    system: str | tuple[Part, ...] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice | None = None
    reasoning: Reasoning | None = None
    prompt_cache: PromptCache | None = None
    options: CallOptions = DEFAULT_OPTIONS
    #: The object this request was translated from (e.g. DSPy's ``lm15.Request``), for
    #: a backend that can pass it straight on; never compared, hashed or serialised.
    #: Only a translation sets it (:meth:`of_fields`): a request rewritten with
    #: ``dataclasses.replace`` has none, so a set ``source`` says the same as the request.
    source: Any = field(default=None, init=False, compare=False, repr=False)

    @classmethod
    def of_fields(cls, **values: Any) -> LMRequest:
        """A request of ready-made fields, every one given (``messages`` and ``tools``
        tuples, ``params`` a fresh dict with no None value): no normalisation and no
        per-field frozen ``__setattr__`` (the bridge's fast path)."""
        request = object.__new__(cls)
        object.__setattr__(request, "__dict__", values)
        return request

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(self.messages))
        object.__setattr__(self, "params",
                           {k: v for k, v in dict(self.params).items() if v is not None})
        if self.tools:
            object.__setattr__(self, "tools", tuple(self.tools))

    @property
    def system_text(self) -> str | None:
        """The system prompt as text (text parts joined), or None."""
        if self.system is None or isinstance(self.system, str):
            return self.system
        return parts_text(self.system)

    @property
    def last_user_text(self) -> str:
        """The text of the last user message ('' when there is none)."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    @property
    def is_text_only(self) -> bool:
        """True when the request is plain chat text plus flat params (the fast path)."""
        if (self.tools or self.tool_choice is not None or self.reasoning is not None
                or self.prompt_cache is not None
                or not (self.system is None or isinstance(self.system, str))):
            return False
        for message in self.messages:       # loops, not generators: a check on every call
            if message.continuation:
                return False
            for part in message.parts:
                if type(part) is not TextPart or part.continuation:
                    return False
        return True

    def features(self) -> frozenset[str]:
        """Names of what this request uses beyond text: part kinds (``image``,
        ``tool_call``, …, ``system_parts``, ``continuation``), ``tools``,
        ``tool_choice``, ``reasoning``, ``prompt_cache`` and ``param:<name>`` for
        every param."""
        found = {f"param:{name}" for name in self.params}
        for message in self.messages:
            if message.continuation:
                found.add("continuation")
            for part in message.parts:
                found.add(part.type)
                if part.continuation:
                    found.add("continuation")
        if self.system is not None and not isinstance(self.system, str):
            found.add("system_parts")
            found.update(p.type for p in self.system)
        for name in ("tools", "tool_choice", "reasoning", "prompt_cache"):
            if getattr(self, name):
                found.add(name)
        found.discard("text")
        return frozenset(found)

    def chat_messages(self) -> list[dict[str, Any]]:
        """OpenAI-style text messages with the system prompt first, when there is one
        (for text-only requests; a non-text message raises, see :class:`Message`)."""
        system = self.system_text
        head = [{"role": "system", "content": system}] if system else []
        return head + [{"role": m.role, "content": m.content} for m in self.messages]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole request (media inline, as given)."""
        system = self.system if self.system is None or isinstance(self.system, str) \
            else [part_to_dict(p) for p in self.system]
        out: dict[str, Any] = {"model": self.model, "system": system,
                               "messages": [m.to_dict() for m in self.messages],
                               "params": dict(self.params)}
        if self.tools:
            out["tools"] = [t.to_dict() for t in self.tools]
        for name in ("tool_choice", "reasoning", "prompt_cache"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.to_dict()
        if self.options is not DEFAULT_OPTIONS and self.options != DEFAULT_OPTIONS:
            out["options"] = {f.name: getattr(self.options, f.name)
                              for f in fields(self.options)}
        return out

    def canonical(self) -> str:
        """Canonical JSON of the whole request (stable across runs and processes)."""
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class BackendIdentity:
    """What distinguishes one backend endpoint from another: used in cache keys.

    Never holds credentials.
    """

    kind: str
    endpoint: str
    model: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "endpoint": self.endpoint, "model": self.model}
