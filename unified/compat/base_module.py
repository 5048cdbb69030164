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

from .._config import MetricsConfig, UnifiedConfig
from .._lm import AsyncUnifiedEngine, UnifiedEngine, unified_lm_class
from .._pipeline import Clock, Pipeline
from .._wrapper import UnifiedDSPyModule, UnifiedDSPyWrapper, _reraise
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


def _stand_in(pipeline: Pipeline, model: str) -> Any:
    """A unified LM over ``pipeline`` under ``model``, the model string of the LM it
    stands in for: DSPy addresses its requests (and history) to that model, so the
    backend passes them on as they are."""
    return unified_lm_class()(model, engine=UnifiedEngine(pipeline, model),
                              async_engine=AsyncUnifiedEngine(pipeline, model), cache=False,
                              num_retries=0)


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
            self._by_lm: dict[int, tuple[Any, UnifiedDSPyModule, Any]] = {}
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

    def _module_for(self, active_lm: Any) -> tuple[Any, UnifiedDSPyModule, Any]:
        """``(active_lm, unified module, its LM)`` serving a call made while ``active_lm``
        is configured: one per LM, over that LM as backend (built on its first call).
        Its wrapper's metrics are off: nothing can read them (no ``get_metrics`` here)."""
        with self._lock:
            found = self._by_lm.get(id(active_lm))
            if found is None or found[0] is not active_lm:
                from .lm_backend import DSPyLMBackend  # per new LM, not per call

                backend = DSPyLMBackend(active_lm)
                config = UnifiedConfig(model=backend.model,
                                       metrics=MetricsConfig(enabled=False))
                wrapper = UnifiedDSPyWrapper(config, backend=backend)
                found = (active_lm, wrapper.wrap_module(self.predictor),
                         _stand_in(wrapper.pipeline, backend.model))
                self._by_lm[id(active_lm)] = found
            return found

    def forward(self, **kwargs: Any) -> dspy.Prediction:
        """Return the prediction for ``kwargs`` (through the unified pipeline).

        A call answered by the configured DSPy LM hands :attr:`predictor` that LM's
        unified LM as ``lm=`` (what ``dspy.Predict`` takes per call) rather than entering
        a second ``dspy.context``; a call giving its own ``lm=``, or a predictor with an
        LM set, runs the unified module as it is (their LM wins, as in DSPy).
        """
        # dspy.Module runs Python code on every attribute read: read the state once; and
        # settings["lm"] skips the failed attribute lookup dspy.settings.lm goes through.
        state = vars(self)
        active = dspy.settings["lm"]
        if active is None or state["_wrapper"] is not None or any(state["_settings"]):
            return self.unified.predict(**kwargs)
        found = state["_by_lm"].get(id(active))     # a dict read needs no lock
        if found is None or found[0] is not active:
            found = self._module_for(active)
        predictor = state["predictor"]
        if "lm" in kwargs or vars(predictor).get("lm") is not None:
            return found[1].predict(**kwargs)
        try:
            return predictor(lm=found[2], **kwargs)
        except Exception as exc:
            _reraise(exc)
