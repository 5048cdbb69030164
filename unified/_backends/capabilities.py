"""What a backend's wire carries: one frozen :class:`Capabilities` value per backend.

A backend declares it with ``capabilities()``; the pipeline refuses, before any
network call, a request using a feature the backend does not declare
(:func:`check_request` → :class:`~unified._errors.UnsupportedFeatureError`), and the
DSPy engine turns it into DSPy's capability hints (``supports_function_calling``,
``supports_reasoning``, ``supports_response_schema``, ``supported_params``) so DSPy
uses native tool calls and structured output exactly where they exist.

Feature names are those of :meth:`unified._types.LMRequest.features`: part kinds
(``image``, ``audio``, ``video``, ``document``, ``binary``, ``tool_call``,
``tool_result``, ``thinking``, ``citation``, ``refusal``, ``data``,
``system_parts``, ``continuation``), ``tools``, ``tool_choice``, ``reasoning``,
``prompt_cache`` and ``param:<name>`` for each flat parameter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .._types import BackendIdentity, LMRequest

__all__ = ["Capabilities", "TEXT_PARAMS", "ALL_FEATURES", "check_request"]

#: The flat sampling parameters every backend maps today.
TEXT_PARAMS = frozenset({"param:max_tokens", "param:temperature", "param:top_p",
                         "param:stop"})
#: Every feature the canonical request can carry (params aside).
ALL_FEATURES = frozenset({"image", "audio", "video", "document", "binary", "tool_call",
                          "tool_result", "thinking", "citation", "refusal", "data",
                          "system_parts", "continuation", "tools", "tool_choice",
                          "reasoning", "prompt_cache"})


@dataclass(frozen=True)
class Capabilities:
    """The features a backend carries; ``any_param`` accepts every flat parameter
    (a passthrough wire such as litellm's), else only those in ``features``. DSPy is
    told of ``response_format`` only when ``features`` names it (a passthrough would
    hand lm15's shape to the wire unmapped)."""

    features: frozenset[str] = TEXT_PARAMS
    any_param: bool = False
    #: Feature -> what would carry it, named in the refusal (a backend fills it in).
    carriers: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @functools.cached_property
    def carries_all(self) -> bool:
        """True when every feature and parameter is carried (nothing to check)."""
        return self.any_param and ALL_FEATURES <= self.features

    @functools.cached_property
    def param_names(self) -> frozenset[str]:
        """The bare names of the flat parameters listed in ``features``."""
        return frozenset(f[6:] for f in self.features if f.startswith("param:"))

    @classmethod
    def everything(cls) -> Capabilities:
        """Every part, setting and parameter (the mock's default)."""
        return cls(ALL_FEATURES | TEXT_PARAMS | {"param:response_format"}, any_param=True)

    @classmethod
    def of(cls, features: Iterable[str], *, params: Iterable[str] = (),
           any_param: bool = False) -> Capabilities:
        """``features`` plus ``params`` (bare names such as ``"seed"``)."""
        return cls(frozenset(features) | {f"param:{p}" for p in params} | TEXT_PARAMS,
                   any_param=any_param)

    def carries(self, feature: str) -> bool:
        """True when ``feature`` is carried."""
        return feature in self.features or (self.any_param and feature.startswith("param:"))

    def missing(self, used: Iterable[str]) -> list[str]:
        """The features of ``used`` not carried, sorted."""
        return sorted(f for f in used if not self.carries(f))

    @property
    def function_calling(self) -> bool:
        """DSPy's ``supports_function_calling``: tools out, tool calls back."""
        return {"tools", "tool_call", "tool_result"} <= self.features

    @property
    def reasoning(self) -> bool:
        """DSPy's ``supports_reasoning``."""
        return "reasoning" in self.features

    @property
    def response_schema(self) -> bool:
        """DSPy's ``supports_response_schema``: ``response_format`` is mapped, not
        merely passed through (``any_param`` alone does not say so)."""
        return "param:response_format" in self.features

    def dspy_params(self) -> frozenset[str]:
        """DSPy's ``supported_params`` (OpenAI-style names)."""
        names = {f[6:] for f in self.features if f.startswith("param:")}
        if self.any_param:       # passed through verbatim: only OpenAI-shaped names
            names |= {"stop", "seed", "frequency_penalty", "presence_penalty"}
        if self.function_calling:
            names |= {"tools", "tool_choice"}
        if self.reasoning:
            names.add("reasoning_effort")
        return frozenset(names)


def check_request(request: LMRequest, capabilities: Capabilities,
                  identity: BackendIdentity) -> None:
    """Raise :class:`UnsupportedFeatureError` for the first feature of ``request``
    that ``capabilities`` does not carry; cheap for plain text requests."""
    if capabilities.carries_all or (
            (capabilities.any_param or request.params.keys() <= capabilities.param_names)
            and request.is_text_only):
        return
    missing = capabilities.missing(request.features())
    if missing:
        from .._errors import UnsupportedFeatureError

        raise UnsupportedFeatureError.for_feature(
            missing[0], backend=identity.kind, model=identity.model,
            endpoint=identity.endpoint,
            carrier=capabilities.carriers.get(missing[0])
            or "a backend whose capabilities() declare it (see README, what each "
               "backend carries)")
