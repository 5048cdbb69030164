"""The legacy dynamic module and its signature registry (spec section 5)."""

from __future__ import annotations

import dspy
import pytest

from harness.legacy.base_module import (
    DynamicDSPyModule,
    RiskQuerySignature,
    get_signature_class,
    get_signature_names,
)


def test_the_registry_lists_the_four_display_names():
    assert get_signature_names() == ["Risk Query", "Regulatory Risk", "Forecasting", "Audit Summary"]


@pytest.mark.parametrize(("name", "inputs", "outputs"), [
    ("Risk Query", ["risk_query"], ["insights"]),
    ("Regulatory Risk", ["regulation"], ["summary"]),
    ("Forecasting", ["signal"], ["projection"]),
    ("Audit Summary", ["audit_log"], ["summary"]),
])
def test_each_registered_signature_has_its_documented_fields(name, inputs, outputs):
    signature = get_signature_class(name)
    assert list(signature.input_fields) == inputs and list(signature.output_fields) == outputs


def test_an_unknown_name_falls_back_to_risk_query():
    assert get_signature_class("No Such Thing") is RiskQuerySignature


def test_the_module_is_a_dspy_module_holding_its_signature_and_predictor():
    module = DynamicDSPyModule(RiskQuerySignature)
    assert isinstance(module, dspy.Module) and module.signature_cls is RiskQuerySignature
    assert isinstance(module.predictor, dspy.Predict)
    assert list(module.predictor.signature.output_fields) == ["insights"]


def test_forward_returns_the_predictors_prediction(scripted_lm):
    module = DynamicDSPyModule(get_signature_class("Forecasting"))
    with dspy.context(lm=scripted_lm({"projection": "up"})):
        assert module(signal="rates rising").projection == "up"


def test_errors_propagate_without_retry(scripted_lm):
    lm = scripted_lm(TimeoutError("slow"))
    with dspy.context(lm=lm), pytest.raises(TimeoutError):
        DynamicDSPyModule(RiskQuerySignature)(risk_query="q")
    assert lm.calls == 1
