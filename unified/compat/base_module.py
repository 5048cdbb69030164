"""Shim of the legacy ``base_module`` (spec section 5): the dynamic module and its registry.

``DynamicDSPyModule(signature_cls)`` is still a ``dspy.Module`` whose ``forward(**kwargs)``
returns the prediction, but the prediction comes from ``wrapper.create_module(Sig)`` of
a :class:`~unified.UnifiedDSPyWrapper` -- the migration target -- so the call gets the
unified pipeline (retry/cache/validation only as configured; errors as unified error
classes). The legacy module ran ``dspy.Predict`` on the globally configured LM, unguarded
(DIFFERENCES.md D021). The wrapper is ``wrapper=`` when given, else one built from
``config`` with the optional ``backend``/``clock`` test seams; given none of those, a
call made while a DSPy LM is configured (``dspy.configure`` / ``dspy.context``) goes to
that LM, as the legacy module's did (through
:class:`~unified.compat.lm_backend.DSPyLMBackend`), and otherwise to a wrapper built from
``UnifiedConfig.from_env()``. Wrappers are built on first use, so constructing the
module never fails.

The registry maps display names to signature classes: "Risk Query"
(``risk_query -> insights``), "Regulatory Risk" (``regulation -> summary``),
"Forecasting" (``signal -> projection``), "Audit Summary" (``audit_log -> summary``);
:func:`get_signature_class` falls back to Risk Query. Looking names up does not warn.
"""

from __future__ import annotations

import threading
from typing import Any

import dspy

from .._config import UnifiedConfig
from .._pipeline import Clock
from .._wrapper import UnifiedDSPyModule, UnifiedDSPyWrapper
from ._deprecation import legacy_entry

__all__ = ["DEFAULT_SIGNATURE_NAME", "SIGNATURE_REGISTRY", "AuditSummarySignature",
           "DynamicDSPyModule", "ForecastingSignature", "RegulatoryRiskSignature",
           "RiskQuerySignature", "get_signature_class", "get_signature_names"]


DEFAULT_SIGNATURE_NAME = "Risk Query"
# display name, class name, input field, output field, instructions
_REGISTERED = (
    ("Risk Query", "RiskQuerySignature", "risk_query", "insights",
     "Answer a risk question with concise insights."),
    ("Regulatory Risk", "RegulatoryRiskSignature", "regulation", "summary",
     "Summarise the risk a regulation poses."),
    ("Forecasting", "ForecastingSignature", "signal", "projection",
     "Project where a signal is heading."),
    ("Audit Summary", "AuditSummarySignature", "audit_log", "summary",
     "Summarise an audit log."),
)

#: Display name -> signature class (``<input> -> <output>``, string fields), in order.
SIGNATURE_REGISTRY: dict[str, type[dspy.Signature]] = {
    display: dspy.make_signature({source: (str, dspy.InputField()),
                                  target: (str, dspy.OutputField())},
                                 instructions, signature_name=class_name)
    for display, class_name, source, target, instructions in _REGISTERED}
RiskQuerySignature = SIGNATURE_REGISTRY["Risk Query"]
RegulatoryRiskSignature = SIGNATURE_REGISTRY["Regulatory Risk"]
ForecastingSignature = SIGNATURE_REGISTRY["Forecasting"]
AuditSummarySignature = SIGNATURE_REGISTRY["Audit Summary"]


def get_signature_names() -> list[str]:
    """The display names of the registered signatures, in registration order."""
    return [display for display, *_ in _REGISTERED]


def get_signature_class(name: str) -> type[dspy.Signature]:
    """The signature class registered as ``name``; unknown names get Risk Query."""
    found = SIGNATURE_REGISTRY.get(name)
    return found if found is not None else SIGNATURE_REGISTRY[DEFAULT_SIGNATURE_NAME]


class DynamicDSPyModule(dspy.Module):
    """Deprecated: use ``UnifiedDSPyWrapper().create_module(signature_cls)``."""

    def __init__(self, signature_cls: type[dspy.Signature], *,
                 wrapper: UnifiedDSPyWrapper | None = None, config: UnifiedConfig | None = None,
                 backend: Any = None, clock: Clock | None = None) -> None:
        with legacy_entry("DynamicDSPyModule",
                          "unified.UnifiedDSPyWrapper().create_module(signature_cls)"):
            super().__init__()
            self.signature_cls = signature_cls
            self.predictor = dspy.Predict(signature_cls)
            self._wrapper = wrapper
            self._settings = (config, backend, clock)
            self._unified: UnifiedDSPyModule | None = None
            self._by_lm: dict[int, tuple[Any, UnifiedDSPyModule]] = {}
            self._lock = threading.Lock()

    @property
    def unified(self) -> UnifiedDSPyModule:
        """The unified module running :attr:`predictor` (built on first use)."""
        with self._lock:
            if self._unified is None:
                if self._wrapper is None:
                    config, backend, clock = self._settings
                    self._wrapper = UnifiedDSPyWrapper(config or UnifiedConfig.from_env(),
                                                       backend=backend, clock=clock)
                self._unified = self._wrapper.wrap_module(self.predictor)
            return self._unified

    def _module_for(self, active_lm: Any) -> UnifiedDSPyModule:
        """The unified module serving a call made while ``active_lm`` is configured."""
        if active_lm is None or self._wrapper is not None or any(self._settings):
            return self.unified
        with self._lock:
            found = self._by_lm.get(id(active_lm))
            if found is None or found[0] is not active_lm:
                from .lm_backend import DSPyLMBackend  # per new LM, not per call

                backend = DSPyLMBackend(active_lm)
                wrapper = UnifiedDSPyWrapper(UnifiedConfig(model=backend.model), backend=backend)
                found = (active_lm, wrapper.wrap_module(self.predictor))
                self._by_lm[id(active_lm)] = found
            return found[1]

    def forward(self, **kwargs: Any) -> dspy.Prediction:
        """Return the prediction for ``kwargs`` (through the unified pipeline)."""
        return self._module_for(dspy.settings.lm).predict(**kwargs)
