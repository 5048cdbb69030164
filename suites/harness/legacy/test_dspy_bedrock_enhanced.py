"""The legacy Bedrock enhanced wrapper (spec section 3), on a stubbed boto3 client."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY

from harness.legacy.dspy_bedrock_enhanced import (
    MODEL_MAPPING,
    BedrockConfig,
    BedrockLM,
    DSPyBedrockEnhanced,
    DSPyBedrockEnhancedWrapper,
    estimate_cost,
    load_prices,
    resolve_model_id,
)
from harness.legacy.dspy_enhanced import DEFAULT_MODEL, CacheConfig, DSPyEnhancedWrapper

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def invoke_params(model_id: str, body: object = ANY) -> dict:
    return {"modelId": model_id, "contentType": "application/json",
            "accept": "application/json", "body": body}


@pytest.fixture
def make_wrapper(tmp_path, bedrock_client, sleeps):
    def make(**kwargs):
        return DSPyBedrockEnhancedWrapper(
            client=bedrock_client, sleep=sleeps,
            cache_config=CacheConfig(cache_dir=str(tmp_path / "cache")), **kwargs)
    return make


def test_the_wrapper_is_an_enhanced_wrapper_with_the_legacy_alias():
    assert issubclass(DSPyBedrockEnhancedWrapper, DSPyEnhancedWrapper)
    assert DSPyBedrockEnhanced is DSPyBedrockEnhancedWrapper


def test_a_plain_dict_config_is_accepted(make_wrapper):
    wrapper = make_wrapper(bedrock_config={"region": "eu-west-1", "default_model": "claude-3-haiku"})
    assert wrapper.bedrock_config == BedrockConfig(region="eu-west-1", default_model="claude-3-haiku")
    assert BedrockConfig().default_model == DEFAULT_MODEL


def test_an_unknown_config_key_is_rejected():
    with pytest.raises(TypeError, match="regoin"):
        BedrockConfig.from_value({"regoin": "us-east-1"})


@pytest.mark.parametrize(("name", "model_id"), [*MODEL_MAPPING.items(), ("custom.model-v1", "custom.model-v1")])
def test_friendly_names_resolve_and_unknown_names_pass_through(name, model_id):
    assert resolve_model_id(name) == model_id


def test_the_six_documented_friendly_names_are_mapped():
    assert MODEL_MAPPING == {
        "claude-3-haiku": HAIKU,
        "claude-3-sonnet": "anthropic.claude-3-sonnet-20240229-v1:0",
        "claude-3-5-sonnet": "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "claude-3-opus": "anthropic.claude-3-opus-20240229-v1:0",
        "titan-text-express": "amazon.titan-text-express-v1",
        "titan-text-lite": "amazon.titan-text-lite-v1",
    }


def test_the_settings_yaml_model_mapping_adds_friendly_names(make_wrapper, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text("aws:\n  bedrock:\n    model_mapping:\n      fast: " + HAIKU + "\n")
    wrapper = make_wrapper(settings_path=settings)
    assert wrapper.resolve_model("fast") == HAIKU
    assert wrapper.resolve_model("claude-3-opus") == MODEL_MAPPING["claude-3-opus"]


def test_a_missing_settings_file_leaves_the_built_in_mapping(make_wrapper, tmp_path):
    assert make_wrapper(settings_path=tmp_path / "absent.yaml").model_mapping == MODEL_MAPPING


def test_the_lm_invokes_the_model_with_the_exact_anthropic_body(bedrock_client, bedrock_stub, bedrock_reply):
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1000, "temperature": 0.7,
            "messages": [{"role": "user", "content": "Hi there"}], "system": "Be brief."}
    bedrock_stub.add_response("invoke_model", bedrock_reply("Hello"), invoke_params(HAIKU, json.dumps(body)))
    lm = BedrockLM(HAIKU, client=bedrock_client)
    response = lm.forward(messages=[{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": "Hi there"}])
    assert response["choices"][0]["message"]["content"] == "Hello"
    assert response["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def test_the_body_has_no_system_key_without_a_system_message(bedrock_client):
    body = BedrockLM(HAIKU, client=bedrock_client).build_body([{"role": "user", "content": "Hi"}])
    assert list(body) == ["anthropic_version", "max_tokens", "temperature", "messages"]


def test_a_bedrock_module_answers_a_dspy_signature(make_wrapper, bedrock_client, bedrock_stub,
                                                   bedrock_reply, answer):
    sent: list[dict] = []
    bedrock_client.meta.events.register(
        "before-parameter-build.bedrock-runtime.InvokeModel",
        lambda params, **_: sent.append(json.loads(params["body"])))
    bedrock_stub.add_response("invoke_model", bedrock_reply(answer({"answer": "Paris"})),
                              invoke_params(HAIKU))
    module = make_wrapper().create_bedrock_module("geo", "question -> answer", model_id="claude-3-haiku")
    assert module.predict(question="Capital of France?").answer == "Paris"
    assert module.model_id() == HAIKU
    assert sent[0]["system"].startswith("Your input fields are:")
    assert "Capital of France?" in sent[0]["messages"][0]["content"]


def test_a_bedrock_module_defaults_to_the_configs_default_model(make_wrapper, bedrock_stub,
                                                                bedrock_reply, answer):
    bedrock_stub.add_response("invoke_model", bedrock_reply(answer({"answer": "ok"})),
                              invoke_params(DEFAULT_MODEL))
    make_wrapper().create_bedrock_module("qa", "question -> answer").predict(question="q")


def test_throttling_is_retried_by_the_inherited_retry_loop(make_wrapper, bedrock_stub, bedrock_reply,
                                                           answer, sleeps):
    for _ in range(2):
        bedrock_stub.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    bedrock_stub.add_response("invoke_model", bedrock_reply(answer({"answer": "late"})))
    module = make_wrapper().create_bedrock_module("qa", "question -> answer")
    assert module.predict(question="q").answer == "late" and sleeps.delays == [1.0, 2.0]


def test_a_validation_exception_is_not_retried(make_wrapper, bedrock_stub, sleeps):
    bedrock_stub.add_client_error("invoke_model", "ValidationException", http_status_code=400)
    with pytest.raises(Exception, match="ValidationException"):
        make_wrapper().create_bedrock_module("qa", "question -> answer").predict(question="q")
    assert sleeps.delays == []


def test_the_lazy_client_is_bedrock_runtime_for_the_region_with_sdk_retries_off():
    wrapper = DSPyBedrockEnhancedWrapper({"region": "eu-west-1", "access_key_id": "testing",
                                          "secret_access_key": "testing"})
    client = wrapper.bedrock_client
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert wrapper.bedrock_client is client


def test_estimate_cost_prices_tokens_per_thousand_from_the_table():
    assert estimate_cost(HAIKU, 1000, 2000) == {"input_cost": 0.00025, "output_cost": 0.0025,
                                                "total_cost": 0.00275}


def test_estimate_cost_resolves_friendly_names_and_prices_unknown_models_as_the_default():
    assert estimate_cost("claude-3-opus", 2000, 1000)["total_cost"] == pytest.approx(0.105)
    assert estimate_cost("unknown-model", 1000, 1000) == estimate_cost(DEFAULT_MODEL, 1000, 1000)


def test_the_price_table_covers_every_friendly_name():
    assert set(load_prices()["models"]) == set(MODEL_MAPPING.values())
