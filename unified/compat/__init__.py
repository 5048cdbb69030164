"""Compatibility shims: the five legacy DSPy APIs and the provider factories, on the
unified wrapper.

Each shim maps its arguments onto a :class:`~unified._config.UnifiedConfig`
(:mod:`unified.compat.mapping`) and delegates to :class:`~unified.UnifiedDSPyWrapper`;
constructing one emits ``DeprecationWarning("<old> is deprecated; use <new>")`` pointing
at the caller. Deliberate differences from the legacy behaviour are listed, with stable
ids, in ``unified/compat/DIFFERENCES.md`` (:data:`DIFFERENCES_PATH`).

=============================  ==========================================
legacy module                  shim module
=============================  ==========================================
``dspy_enhanced``              :mod:`unified.compat.dspy_enhanced`
``dspy_gateway_backend``       :mod:`unified.compat.dspy_gateway_backend`
``dspy_bedrock_enhanced``      :mod:`unified.compat.dspy_bedrock_enhanced`
``dspy_wrapper``               :mod:`unified.compat.dspy_wrapper`
``base_module``                :mod:`unified.compat.base_module`
provider factories             :mod:`unified.compat.providers`
=============================  ==========================================

The names below are imported lazily (on first access), so ``import unified.compat``
stays cheap; ``import unified`` never imports this package.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

DIFFERENCES_PATH = Path(__file__).with_name("DIFFERENCES.md")

_EXPORTS: dict[str, str] = {
    "DSPyEnhancedWrapper": "dspy_enhanced", "EnhancedModule": "dspy_enhanced",
    "development": "dspy_enhanced", "production": "dspy_enhanced",
    "compliance": "dspy_enhanced", "SECURITY_FORBIDDEN_KEYWORDS": "dspy_enhanced",
    "RetryConfig": "configs", "CacheConfig": "configs", "ValidationConfig": "configs",
    "DSPyGatewayConfig": "configs", "BedrockConfig": "configs", "DSPyConfig": "configs",
    "TidyLLMGatewayBackend": "dspy_gateway_backend", "DSPyGatewayLM": "dspy_gateway_backend",
    "configure_dspy_with_gateway": "dspy_gateway_backend",
    "GatewayUnavailableError": "dspy_gateway_backend",
    "DSPyBedrockEnhancedWrapper": "dspy_bedrock_enhanced",
    "DSPyBedrockEnhanced": "dspy_bedrock_enhanced", "estimate_cost": "dspy_bedrock_enhanced",
    "DSPyWrapper": "dspy_wrapper", "DSPyResult": "dspy_wrapper",
    "CircuitBreaker": "dspy_wrapper",
    "DynamicDSPyModule": "base_module", "get_signature_names": "base_module",
    "get_signature_class": "base_module",
    "Provider": "providers", "LLMMessage": "providers", "claude": "providers",
    "openai": "providers", "bedrock": "providers", "gateway": "providers", "chat": "providers",
    "DSPyLMBackend": "lm_backend",
    "CircuitOpenError": "errors", "BudgetExceededError": "errors",
}

__all__ = sorted([*_EXPORTS, "DIFFERENCES_PATH"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
