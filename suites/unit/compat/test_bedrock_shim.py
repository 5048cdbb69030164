"""The ``dspy_bedrock_enhanced`` shim (spec section 3): mock backend and a stubbed client."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY

from unified import ConfigError, MockBackend
from unified._backends.bedrock_models import FRIENDLY_MODEL_IDS
from unified.compat.configs import BedrockConfig, CacheConfig
from unified.compat.dspy_bedrock_enhanced import (
    DSPyBedrockEnhanced,
    DSPyBedrockEnhancedWrapper,
    estimate_cost,
)
from unified.compat.dspy_enhanced import DSPyEnhancedWrapper

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def test_the_wrapper_is_an_enhanced_wrapper_with_the_legacy_alias() -> None:
    assert issubclass(DSPyBedrockEnhancedWrapper, DSPyEnhancedWrapper)
    assert DSPyBedrockEnhanced is DSPyBedrockEnhancedWrapper


def test_a_plain_dict_config_is_accepted() -> None:
    wrapper = DSPyBedrockEnhancedWrapper({"region": "eu-west-1", "default_model": "claude-3-haiku"},
                                         backend=MockBackend())
    assert wrapper.bedrock_config == BedrockConfig(region="eu-west-1",
                                                   default_model="claude-3-haiku")
    assert (wrapper.unified.config.aws_region, wrapper.unified.config.model) == \
        ("eu-west-1", HAIKU)


def test_an_unknown_config_key_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        DSPyBedrockEnhancedWrapper({"regoin": "us-east-1"}, backend=MockBackend())
    assert caught.value.field == "regoin"


def test_the_wrapper_calls_bedrock_through_invoke_model() -> None:
    config = DSPyBedrockEnhancedWrapper(backend=MockBackend()).unified.config
    assert (config.backend.value, config.bedrock_api) == ("bedrock", "invoke")


def test_bedrock_modules_resolve_friendly_model_names(fields) -> None:
    backend = MockBackend([fields(answer="ok")])
    wrapper = DSPyBedrockEnhancedWrapper(backend=backend)
    wrapper.create_bedrock_module("m", "question -> answer", model_id="claude-3-haiku").predict(
        question="q")
    assert backend.requests[-1].model == HAIKU


def test_the_settings_file_mapping_overrides_the_built_in_names(tmp_path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("aws:\n  bedrock:\n    model_mapping:\n      fast: my.custom-model-v1\n"
                        "      claude-3-haiku: override.haiku-v9\n")
    wrapper = DSPyBedrockEnhancedWrapper(settings_path=settings, backend=MockBackend())
    assert wrapper.resolve_model("fast") == "my.custom-model-v1"
    assert wrapper.resolve_model("claude-3-haiku") == "override.haiku-v9"
    assert wrapper.resolve_model("claude-3-opus") == FRIENDLY_MODEL_IDS["claude-3-opus"]


def test_an_unreadable_settings_file_keeps_the_built_in_names(tmp_path) -> None:
    wrapper = DSPyBedrockEnhancedWrapper(settings_path=tmp_path / "missing.yaml",
                                         backend=MockBackend())
    assert wrapper.resolve_model("claude-3-haiku") == HAIKU


def test_the_invoke_model_body_is_the_legacy_anthropic_body(
        stubbed_bedrock, bedrock_reply, fields) -> None:
    client, stubber = stubbed_bedrock
    sent = []
    client.meta.events.register("before-parameter-build.bedrock-runtime.InvokeModel",
                                lambda params, **_: sent.append(json.loads(params["body"])))
    stubber.add_response("invoke_model", bedrock_reply(fields(answer="Paris")),
                         {"modelId": HAIKU, "contentType": "application/json",
                          "accept": "application/json", "body": ANY})
    wrapper = DSPyBedrockEnhancedWrapper(client=client, cache_config=CacheConfig(enabled=False))
    module = wrapper.create_bedrock_module("geo", "question -> answer", model_id="claude-3-haiku")
    assert module.predict(question="Capital of France?").answer == "Paris"
    body = sent[0]
    assert (body["anthropic_version"], body["max_tokens"], body["temperature"]) == \
        ("bedrock-2023-05-31", 1000, 0.7)
    assert [m["role"] for m in body["messages"]] == ["user"] and "Capital" in body["messages"][0]["content"]
    assert "question" in body["system"]


def test_bedrock_client_is_the_injected_client(stubbed_bedrock) -> None:
    client, _ = stubbed_bedrock
    assert DSPyBedrockEnhancedWrapper(client=client).bedrock_client is client


def test_bedrock_client_is_made_for_the_region() -> None:
    wrapper = DSPyBedrockEnhancedWrapper({"region": "eu-west-1", "access_key_id": "a",
                                          "secret_access_key": "b"}, backend=MockBackend())
    assert wrapper.bedrock_client.meta.region_name == "eu-west-1"


def test_estimate_cost_prices_per_thousand_tokens() -> None:
    assert estimate_cost("claude-3-haiku", 1000, 2000) == {
        "input_cost": 0.00025, "output_cost": 0.0025, "total_cost": 0.00275}


def test_unknown_models_are_priced_as_the_default_model() -> None:
    assert estimate_cost("someone.else-v1", 1000, 0) == estimate_cost("claude-3-sonnet", 1000, 0)


def test_retries_wait_through_the_injected_sleep(fields) -> None:
    from unified import ServerError
    from unified.compat.configs import RetryConfig

    waits: list[float] = []
    wrapper = DSPyBedrockEnhancedWrapper(
        backend=MockBackend([fields(answer="ok")], errors=[ServerError("x")] * 2),
        retry_config=RetryConfig(max_retries=2), sleep=waits.append)
    assert wrapper.create_bedrock_module("m", "question -> answer").predict(question="q").answer == "ok"
    assert waits == [1.0, 2.0]
