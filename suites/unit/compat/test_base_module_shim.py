"""The ``base_module`` shim (spec section 5): the dynamic module and its registry."""

from __future__ import annotations

import dspy
import pytest

from unified import ConfigError, MockBackend, RateLimitError, ServerError
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


class _Engine:
    """A DSPy engine answering ``insights``, or raising ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.models: list[str] = []

    def complete(self, request):
        from dspy import lm15

        self.models.append(request.model)
        if self.error is not None:
            raise self.error
        return lm15.Response(id=None, model="m", finish_reason="stop",
                             message=lm15.Message.assistant([lm15.TextPart(
                                 _answer(insights="calm"))]),
                             usage=lm15.Usage(input_tokens=1, output_tokens=1))


def _answer(**values: str) -> str:
    from unified._backends.mock import format_fields

    return format_fields(values)


class RateLimitedError(Exception):
    status_code = 429


def test_a_call_under_a_configured_lm_is_answered_by_that_lm_s_engine() -> None:
    engine = _Engine()
    with dspy.context(lm=dspy.LM("custom/risk", engine=engine, cache=False)):
        prediction = DynamicDSPyModule(get_signature_class("Risk Query"))(risk_query="q")
    assert prediction.insights == "calm" and engine.models == ["custom/risk"]


def test_a_configured_lm_s_failure_surfaces_as_a_unified_error() -> None:
    lm = dspy.LM("custom/risk", engine=_Engine(RateLimitedError("busy")), cache=False,
                 num_retries=0)
    with dspy.context(lm=lm), pytest.raises(RateLimitError):
        DynamicDSPyModule(get_signature_class("Risk Query"))(risk_query="q")


def test_an_lm_set_on_the_predictor_answers_instead_of_the_configured_one() -> None:
    own, configured = _Engine(), _Engine()
    module = DynamicDSPyModule(get_signature_class("Risk Query"))
    module.predictor.lm = dspy.LM("custom/own", engine=own, cache=False)
    with dspy.context(lm=dspy.LM("custom/configured", engine=configured, cache=False)):
        module(risk_query="q")
    assert (own.models, configured.models) == (["custom/own"], [])
