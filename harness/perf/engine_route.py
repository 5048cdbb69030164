"""Legacy references moved onto DSPy's ``engine=`` route, to compare like with like.

The legacy gateway, Bedrock and simple patterns answer through ``forward()``-based
``dspy.BaseLM`` subclasses; their shims are ``dspy.LM(engine=…)`` LMs. DSPy's engine
route alone costs about 1.2 × its ``forward()`` route for the same answer (it builds an
``lm15.Request`` and parses an ``lm15.Response``), so a shim measured against a
``forward()`` reference would be charged for DSPy's route, not for itself.

:class:`ForwardEngine` runs a legacy LM's own ``forward()`` behind an engine:
``complete(lm15.Request)`` hands it the request's messages and the legacy-forwarded
params (``temperature``, ``max_tokens``) and returns the completion as an
``lm15.Response``. :func:`on_engine_route` wraps a legacy LM so, and
:func:`apply_engine_route` swaps the legacy classes the patterns build their LMs from
(in the measuring child only; :mod:`harness.legacy` itself is not changed).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["ForwardEngine", "on_engine_route", "apply_engine_route", "ENGINE_ROUTE_PATTERNS"]

#: The patterns whose legacy reference answers through ``forward()``.
ENGINE_ROUTE_PATTERNS = ("gateway", "bedrock", "simple")


class ForwardEngine:
    """A DSPy engine whose answer comes from ``legacy_lm.forward(messages=…)``."""

    def __init__(self, legacy_lm: Any) -> None:
        self.legacy_lm = legacy_lm

    def complete(self, request: Any) -> Any:
        """``lm15.Request -> lm15.Response`` through the legacy LM's ``forward``."""
        from dspy.lm15 import Message, Response, TextPart, Usage

        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": m.role, "content": m.text} for m in request.messages]
        config = request.config
        params = {k: v for k, v in (("temperature", config.temperature),
                                    ("max_tokens", config.max_tokens)) if v is not None}
        completion = self.legacy_lm.forward(messages=messages, **params)
        choice = completion["choices"][0]
        usage = completion.get("usage") or {}
        return Response(id=None, model=completion.get("model") or request.model,
                        finish_reason="stop",
                        message=Message.assistant([TextPart(choice["message"]["content"])]),
                        usage=Usage(input_tokens=usage.get("prompt_tokens", 0),
                                    output_tokens=usage.get("completion_tokens", 0),
                                    total_tokens=usage.get("total_tokens", 0)))


def on_engine_route(legacy_lm: Any) -> Any:
    """A ``dspy.LM`` on :class:`ForwardEngine` over ``legacy_lm`` (DSPy's cache off);
    the legacy LM's attributes (``exchanges``, ``backend`` …) stay reachable."""
    import dspy

    class EngineRouteLM(dspy.LM):
        def __getattr__(self, name: str) -> Any:
            return getattr(legacy_lm, name)

    return EngineRouteLM(f"engine-route/{getattr(legacy_lm, 'model', 'legacy')}",
                         engine=ForwardEngine(legacy_lm), cache=False, num_retries=0)


def _factory(cls: type) -> Callable[..., Any]:
    @functools.wraps(cls)
    def build(*args: Any, **kwargs: Any) -> Any:
        return on_engine_route(cls(*args, **kwargs))

    return build


#: pattern -> (the class whose module builds the LM, the LM class name there)
_LM_SITES = {"gateway": ("DSPyGatewayLM", "DSPyGatewayLM"),
             "simple": ("DSPyWrapper", "DSPyGatewayLM"),
             "bedrock": ("DSPyBedrockEnhancedWrapper", "BedrockLM")}


def apply_engine_route(ns: ModuleType, pattern: str) -> None:
    """From now on (in this measuring process), the legacy namespace ``ns`` builds its
    ``pattern`` LMs on the engine route; patterns not in :data:`ENGINE_ROUTE_PATTERNS`
    already run on it and are left alone."""
    if pattern not in _LM_SITES:
        return
    anchor, lm_name = _LM_SITES[pattern]
    module = sys.modules[getattr(ns, anchor).__module__]
    for owner in {id(module): module, id(ns): ns}.values():
        original = getattr(owner, lm_name, None)
        if isinstance(original, type):
            setattr(owner, lm_name, _factory(original))
