"""What each wire carries, in the vocabulary of :mod:`unified._backends.capabilities`.

A wire (``openai-chat``, ``mlflow-chat``, ``bedrock-converse``, ``anthropic-messages``)
carries a set of features: input part kinds (``image``, ``audio``, ``document``,
``tool_call``, ``tool_result``, ``thinking``, …), ``tools``, ``tool_choice``,
``reasoning`` and ``param:<name>`` for flat parameters. A backend declares
``capabilities()`` from its wire narrowed by its model (or a config override); the
pipeline refuses what is not declared before any network call. The finer limits a
feature set cannot say (an audio format, a provider-native tool, a thinking budget on
a wire without one) are refused here by :func:`refuse_details`, also before sending.

:func:`unsupported` builds the error: the part or parameter, the backend and model,
and the backends whose wire would carry it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from .._errors import UnsupportedFeatureError
from .._types import LMResponse, Usage
from .capabilities import ALL_FEATURES, TEXT_PARAMS, Capabilities

__all__ = ["WIRES", "AUDIO_FORMATS", "wire_capabilities", "unsupported", "refuse_details",
           "iter_parts", "audio_format", "carriers_of", "declared_capabilities", "with_answer",
           "needs_mapping", "state_value"]

_PARAMS = ("max_tokens", "temperature", "top_p", "stop")
_OPENAI_PARAMS = _PARAMS + ("seed", "response_format", "logprobs", "frequency_penalty",
                            "presence_penalty", "service_tier", "user_id", "store", "n")
_MEDIA_TEXT = ("image", "audio", "document", "data", "tool_call", "tool_result", "refusal")

#: Wire -> (features, any_param): ``any_param`` passes every other flat parameter on.
WIRES: dict[str, tuple[frozenset[str], bool]] = {
    "openai-chat": (frozenset(_MEDIA_TEXT) | {"tools", "tool_choice", "reasoning",
                                              "system_parts", "prompt_cache"}
                    | {f"param:{p}" for p in _OPENAI_PARAMS}, True),
    # litellm in front of an Anthropic-family provider also takes thinking blocks in
    # history and a thinking budget (its ``thinking`` parameter).
    "litellm-thinking": (frozenset(_MEDIA_TEXT) | {"tools", "tool_choice", "reasoning",
                                                   "thinking", "continuation", "system_parts",
                                                   "prompt_cache"}
                         | {f"param:{p}" for p in _OPENAI_PARAMS}, True),
    # MLflow's chat schema (both of its routes validate with it): image_url and
    # input_audio parts, tools, tool calls; top-level extras pass through to the upstream.
    "mlflow-chat": (frozenset({"image", "audio", "data", "tool_call", "tool_result",
                               "refusal", "tools", "tool_choice", "system_parts"})
                    | {f"param:{p}" for p in _PARAMS + ("response_format", "top_k")}, True),
    "bedrock-converse": (frozenset({"image", "document", "data", "tool_call", "tool_result",
                                    "thinking", "continuation", "tools", "tool_choice",
                                    "reasoning", "system_parts"})
                         | {f"param:{p}" for p in _PARAMS + ("top_k",)}, False),
    "anthropic-messages": (frozenset({"image", "document", "data", "tool_call",
                                      "tool_result", "thinking", "continuation", "tools",
                                      "tool_choice", "reasoning", "system_parts"})
                           | {f"param:{p}" for p in _PARAMS + ("top_k", "user_id")}, False),
}
#: Audio formats each wire takes (an audio part in another format is refused).
AUDIO_FORMATS = {"openai-chat": frozenset({"wav", "mp3"}),
                 "mlflow-chat": frozenset({"wav", "mp3"})}
_WHO = {"litellm-thinking": "direct (litellm) with an Anthropic-family provider",
        "openai-chat": "direct (litellm), or a gateway that passes OpenAI's parts through "
                       "(capabilities_override)",
        "mlflow-chat": "the gateway (MLflow)",
        "bedrock-converse": "bedrock (api=converse)",
        "anthropic-messages": "bedrock (api=invoke, Anthropic models)"}


def wire_capabilities(wire: str, *, without: Iterable[str] = ()) -> Capabilities:
    """The :class:`Capabilities` of ``wire`` minus the features in ``without`` (with
    who carries each feature it lacks, for the refusal message)."""
    features, any_param = WIRES[wire]
    return Capabilities(features - frozenset(without), any_param=any_param,
                        carriers=_carriers(wire))


@functools.cache
def _carriers(besides: str) -> Mapping[str, str]:
    known = ALL_FEATURES.union(*(features for features, _ in WIRES.values()))
    return MappingProxyType({name: carriers_of(name, besides=besides) for name in known})


def carriers_of(feature: str, *, besides: str = "") -> str:
    """Who carries ``feature`` (other wires than ``besides``), as a phrase."""
    who = [_WHO[w] for w, (f, any_param) in WIRES.items() if w != besides and (
        feature in f or (any_param and feature.startswith("param:")))]
    return ", ".join(dict.fromkeys(who)) or "no backend of unified-dspy"


def unsupported(feature: str, *, backend: str, model: str, wire: str,
                detail: str = "") -> UnsupportedFeatureError:
    """The error for ``feature`` on ``backend``/``model`` (``detail`` says why)."""
    carrier = carriers_of(feature, besides=wire)
    message = (f"{backend}: the {wire} wire (model {model!r}) cannot carry {feature!r}"
               f"{' (' + detail + ')' if detail else ''}; carried by {carrier}. "
               "Nothing was sent.")
    return UnsupportedFeatureError(message, feature=feature, model=model, carrier=carrier,
                                   backend=backend)


def iter_parts(request: Any) -> Iterator[Any]:
    """Every part of the request: system parts, then each message's parts (tool
    results' own content included)."""
    system = request.system
    if system is not None and not isinstance(system, str):
        yield from system
    for message in request.messages:
        for part in message.parts:
            yield part
            if part.type == "tool_result":
                yield from part.content


def state_value(part: Any, key: str) -> str | None:
    """``key`` of a part's provider state (a thinking signature, a redacted blob)."""
    for state in part.continuation:
        if state.data.get(key) is not None:
            return str(state.data[key])
    return None


def audio_format(part: Any) -> str:
    """``wav``/``mp3``/… from an audio part's media type (``audio/mpeg`` -> ``mp3``)."""
    sub = part.media_type.split("/", 1)[-1].lower()
    return {"mpeg": "mp3", "x-wav": "wav", "wave": "wav"}.get(sub, sub)


#: Wires whose reasoning setting is an effort word only (no token budget).
_EFFORT_ONLY = frozenset({"openai-chat", "mlflow-chat"})
#: Params whose wire spelling differs from the canonical one (mapped, never passed as is).
MAPPED_PARAMS = frozenset({"response_format", "logprobs", "user_id", "top_k"})


def needs_mapping(request: Any) -> bool:
    """False on the fast path: plain text and only pass-through params."""
    return not request.is_text_only or not MAPPED_PARAMS.isdisjoint(request.params)


#: What MLflow's chat schema keeps of a tool parameter's JSON schema (``title`` is only
#: a label); anything else it drops on the way to the upstream.
_MLFLOW_PROPERTY_KEYS = frozenset({"type", "description", "enum", "items", "title"})
_MLFLOW_PARAMETERS_KEYS = frozenset({"type", "properties", "required",
                                     "additionalProperties", "title"})


def _schema_loss(schema: Any, allowed: frozenset[str], path: str) -> str | None:
    if not isinstance(schema, dict):
        return None
    lost = sorted(set(schema) - allowed)
    if lost:
        return f"{path or 'parameters'} uses {', '.join(map(repr, lost))}"
    for name, prop in (schema.get("properties") or {}).items():
        found = _schema_loss(prop, _MLFLOW_PROPERTY_KEYS, f"{path}{name}")
        if found:
            return found
    if "items" in schema:
        return _schema_loss(schema["items"], _MLFLOW_PROPERTY_KEYS, f"{path}[]")
    return None


def _refuse_mlflow_losses(request: Any, *, backend: str, model: str) -> None:
    """Refuse what MLflow's gateway would drop: logprobs (its answer schema has none),
    tool schemas beyond its ParamProperty, several allowed tools or a parallel flag."""
    wire = "mlflow-chat"
    if request.params.get("logprobs") is not None:
        raise unsupported("param:logprobs", backend=backend, model=model, wire=wire,
                          detail="MLflow's answer schema drops logprobs")
    choice = request.tool_choice
    if choice is not None and (len(choice.allowed) > 1 or choice.parallel is not None):
        raise unsupported("tool_choice", backend=backend, model=model, wire=wire,
                          detail="MLflow's schema takes one named tool and no parallel flag")
    for tool in request.tools:
        loss = _schema_loss(dict(tool.parameters), _MLFLOW_PARAMETERS_KEYS, "")
        if loss:
            raise unsupported("tools", backend=backend, model=model, wire=wire,
                              detail=f"tool {tool.name!r}: {loss}, which MLflow's chat "
                                     "schema drops")


def _refuse_stray_state(request: Any, *, backend: str, model: str, wire: str) -> None:
    """Provider state rides only on thinking parts here (their signature): any other
    continuation has no slot on the wire."""
    stray = any(m.continuation for m in request.messages) or any(
        p.continuation and p.type != "thinking" for p in iter_parts(request))
    if stray:
        raise unsupported("continuation", backend=backend, model=model, wire=wire,
                          detail="provider state on a part other than thinking")


def refuse_details(request: Any, wire: str, *, backend: str, model: str) -> None:
    """Refuse what the feature set cannot say: provider-native tools, an audio format
    or a thinking budget / summary the wire has no slot for (before any network call)."""
    if wire == "mlflow-chat":
        _refuse_mlflow_losses(request, backend=backend, model=model)
    if WIRES[wire][0] >= {"continuation"}:
        _refuse_stray_state(request, backend=backend, model=model, wire=wire)
    for tool in request.tools:
        if tool.builtin:
            raise unsupported("tools", backend=backend, model=model, wire=wire,
                              detail=f"provider-native tool {tool.name!r}")
    cache = request.prompt_cache
    if cache is not None and cache.resource is not None:
        raise unsupported("prompt_cache", backend=backend, model=model, wire=wire,
                          detail="a stored cache resource: the wire caches automatically")
    reasoning = request.reasoning
    if reasoning is not None:
        if reasoning.thinking_budget is not None and wire in _EFFORT_ONLY:
            raise unsupported("reasoning", backend=backend, model=model, wire=wire,
                              detail="thinking_budget: the wire has reasoning_effort only")
        if reasoning.summary is not None:
            raise unsupported("reasoning", backend=backend, model=model, wire=wire,
                              detail="summary: the wire has no reasoning summary setting")
    formats = AUDIO_FORMATS.get(wire)
    if formats is not None:
        for part in iter_parts(request):
            if part.type == "audio" and audio_format(part) not in formats:
                raise unsupported("audio", backend=backend, model=model, wire=wire,
                                  detail=f"format {audio_format(part)!r}; the wire takes "
                                         + ", ".join(sorted(formats)))


def declared_capabilities(config: Any, wire: str, *,
                          without: Iterable[str] = ()) -> Capabilities:
    """``config.capabilities_override`` when set (``"param:*"`` = every parameter), else
    the wire's capabilities minus ``without`` (a model's limits)."""
    override = getattr(config, "capabilities_override", None)
    if override is None:
        return wire_capabilities(wire, without=without)
    names = frozenset(override)
    return Capabilities((names - {"param:*"}) | TEXT_PARAMS, any_param="param:*" in names,
                        carriers=_carriers(""))


def _adds_nothing(usage: Usage | None, base: Usage) -> bool:
    if usage is None:
        return True
    extras = (usage.cached_tokens, usage.cache_write_tokens, usage.reasoning_tokens,
              usage.input_audio_tokens, usage.output_audio_tokens)
    return (all(x is None for x in extras) and (usage.input_tokens, usage.output_tokens)
            == (base.input_tokens, base.output_tokens)
            and usage.reported_total in (None, base.total_tokens))


def with_answer(response: LMResponse, *, parts: tuple[Any, ...] = (), usage: Usage | None = None,
                logprobs: Any = None) -> LMResponse:
    """``response`` with the answer's parts, full usage and logprobs (unchanged when
    there is nothing beyond text and the counts it has: no new object on the fast path)."""
    if not parts and logprobs is None and _adds_nothing(usage, response.usage):
        return response
    changes: dict[str, Any] = {"parts": parts, "logprobs": logprobs}
    if usage is not None:
        changes["usage"] = usage
    return replace(response, **changes)
