"""Legacy ``base_module``: the dynamic DSPy module and its signature registry (spec section 5).

Recovered from source [doc]: :class:`DynamicDSPyModule` stores the signature class,
builds ``dspy.Predict`` from it and returns that prediction from ``forward`` -- no
retry, cache or error handling. The registry maps display names to signature classes
and :func:`get_signature_class` falls back to "Risk Query". Section 5 tags nothing
[chosen].

Decided here (the spec is silent): the instruction docstrings of the four signature
classes and their class names; ``get_signature_names`` returns the names in
registration order; the registry is the module-level dict ``SIGNATURE_REGISTRY``.
"""

from __future__ import annotations

from typing import Any

import dspy

__all__ = ["DEFAULT_SIGNATURE_NAME", "SIGNATURE_REGISTRY", "AuditSummarySignature",
           "DynamicDSPyModule", "ForecastingSignature", "RegulatoryRiskSignature",
           "RiskQuerySignature", "get_signature_class", "get_signature_names"]


class RiskQuerySignature(dspy.Signature):
    """Answer a risk question with concise insights."""

    risk_query: str = dspy.InputField()
    insights: str = dspy.OutputField()


class RegulatoryRiskSignature(dspy.Signature):
    """Summarise the risk a regulation poses."""

    regulation: str = dspy.InputField()
    summary: str = dspy.OutputField()


class ForecastingSignature(dspy.Signature):
    """Project where a signal is heading."""

    signal: str = dspy.InputField()
    projection: str = dspy.OutputField()


class AuditSummarySignature(dspy.Signature):
    """Summarise an audit log."""

    audit_log: str = dspy.InputField()
    summary: str = dspy.OutputField()


DEFAULT_SIGNATURE_NAME = "Risk Query"
SIGNATURE_REGISTRY: dict[str, type[dspy.Signature]] = {
    "Risk Query": RiskQuerySignature,
    "Regulatory Risk": RegulatoryRiskSignature,
    "Forecasting": ForecastingSignature,
    "Audit Summary": AuditSummarySignature,
}


def get_signature_names() -> list[str]:
    """The display names of the registered signatures."""
    return list(SIGNATURE_REGISTRY)


def get_signature_class(name: str) -> type[dspy.Signature]:
    """The signature class registered as ``name``; unknown names get Risk Query."""
    return SIGNATURE_REGISTRY.get(name, SIGNATURE_REGISTRY[DEFAULT_SIGNATURE_NAME])


class DynamicDSPyModule(dspy.Module):
    """A ``dspy.Module`` running one ``dspy.Predict`` of a signature class, unguarded."""

    def __init__(self, signature_cls: type[dspy.Signature]) -> None:
        super().__init__()
        self.signature_cls = signature_cls
        self.predictor = dspy.Predict(signature_cls)

    def forward(self, **kwargs: Any) -> dspy.Prediction:
        """Return the predictor's prediction for ``kwargs``."""
        return self.predictor(**kwargs)
