"""The ``base_module`` shim (spec section 5): the dynamic module and its registry."""

from __future__ import annotations

import dspy
import pytest

from unified import ConfigError, MockBackend, ServerError
from unified.compat.base_module import DynamicDSPyModule, get_signature_class, get_signature_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_registry_lists_the_four_display_names_in_order() -> None:
    assert get_signature_names() == ["Risk Query", "Regulatory Risk", "Forecasting",
                                     "Audit Summary"]


@pytest.mark.parametrize(("name", "inputs", "outputs"), [
    ("Risk Query", ["risk_query"], ["insights"]),
    ("Regulatory Risk", ["regulation"], ["summary"]),
    ("Forecasting", ["signal"], ["projection"]),
    ("Audit Summary", ["audit_log"], ["summary"]),
])
def test_each_name_maps_to_its_signature(name, inputs, outputs) -> None:
    signature = get_signature_class(name)
    assert issubclass(signature, dspy.Signature)
    assert (list(signature.input_fields), list(signature.output_fields)) == (inputs, outputs)


def test_unknown_names_fall_back_to_risk_query() -> None:
    assert get_signature_class("No Such Thing") is get_signature_class("Risk Query")


def test_the_dynamic_module_is_a_dspy_module_returning_the_prediction(fields) -> None:
    module = DynamicDSPyModule(get_signature_class("Forecasting"),
                               backend=MockBackend([fields(projection="up")]))
    assert isinstance(module, dspy.Module) and module.signature_cls.__name__ == "ForecastingSignature"
    assert module(signal="sales").projection == "up"


def test_the_dynamic_module_runs_through_the_unified_pipeline() -> None:
    module = DynamicDSPyModule(get_signature_class("Risk Query"),
                               backend=MockBackend(errors=[ServerError("down")]))
    with pytest.raises(ServerError):
        module(risk_query="q")


def test_constructing_never_fails_and_the_first_call_names_the_missing_backend() -> None:
    module = DynamicDSPyModule(get_signature_class("Risk Query"))
    with pytest.raises(ConfigError, match="no usable backend"):
        module(risk_query="q")
