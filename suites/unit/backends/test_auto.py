"""AUTO detection (each rule, its reason, the ConfigError listing) and fallback chains
across real backends (real MLflow gateway, moto Bedrock, litellm on the scripted upstream)."""

from __future__ import annotations

import pytest

from harness.stack.moto_bedrock import BedrockReply
from harness.stack.upstream import Fault, Reply, closed_port
from unified import (
    BackendType,
    BadRequestError,
    CacheConfig,
    ConfigError,
    LMRequest,
    Message,
    RetryConfig,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._backends.auto import build_backend, detect_backend, select_backend

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
AWS_KEYS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "aws-secret-1"}
REQUEST = LMRequest("m", [Message("user", "What is 2+2?")])


def auto(**changes) -> UnifiedConfig:
    """An AUTO config (default model: a Bedrock id)."""
    return UnifiedConfig(**changes)


# -- each detection rule -----------------------------------------------------------------------
def test_mlflow_gateway_uri_selects_the_gateway_and_says_so() -> None:
    backend, reason = select_backend(auto(), {"MLFLOW_GATEWAY_URI": "http://127.0.0.1:9"})
    assert backend.kind == "gateway"
    assert reason == "auto: gateway because MLFLOW_GATEWAY_URI is set"


def test_a_configured_gateway_uri_selects_the_gateway() -> None:
    kind, reason = detect_backend(auto(gateway_uri="http://127.0.0.1:9"), {})
    assert kind is BackendType.GATEWAY and "config.gateway_uri" in reason


def test_aws_keys_a_region_and_a_bedrock_model_select_bedrock() -> None:
    backend, reason = select_backend(auto(model=HAIKU), {**AWS_KEYS, "AWS_REGION": "eu-west-1"})
    assert backend.kind == "bedrock" and backend.region == "eu-west-1"
    assert reason == ("auto: bedrock because AWS credentials from "
                      "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, region eu-west-1 from "
                      f"AWS_REGION, and model {HAIKU!r} is a Bedrock model")


def test_an_aws_profile_with_a_default_region_selects_bedrock_for_a_friendly_name() -> None:
    env = {"AWS_PROFILE": "dev", "AWS_DEFAULT_REGION": "us-west-2"}
    kind, reason = detect_backend(auto(model="claude-3-haiku"), env)
    assert kind is BackendType.BEDROCK and "AWS_PROFILE=dev" in reason
    assert "us-west-2 from AWS_DEFAULT_REGION" in reason


def test_configured_aws_credentials_and_region_select_bedrock() -> None:
    config = auto(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="aws-secret-1",
                  aws_region="ap-south-1")
    kind, reason = detect_backend(config, {})
    assert kind is BackendType.BEDROCK and "config.aws_region" in reason


def test_aws_credentials_without_a_region_do_not_select_bedrock() -> None:
    with pytest.raises(ConfigError, match="bedrock was not selected: missing a region"):
        detect_backend(auto(), AWS_KEYS)


def test_aws_credentials_with_a_non_bedrock_model_fall_through_to_direct() -> None:
    env = {**AWS_KEYS, "AWS_REGION": "us-east-1", "OPENAI_API_KEY": "sk-x"}
    kind, reason = detect_backend(auto(model="openai/gpt-4o-mini"), env)
    assert kind is BackendType.DIRECT
    assert reason == ("auto: direct because OPENAI_API_KEY is set for provider 'openai' of "
                      "model 'openai/gpt-4o-mini'")


def test_the_anthropic_key_selects_direct_for_an_anthropic_model() -> None:
    backend, reason = select_backend(auto(model="anthropic/claude-3-haiku"),
                                     {"ANTHROPIC_API_KEY": "sk-ant"})
    assert backend.kind == "direct" and "ANTHROPIC_API_KEY" in reason


def test_a_configured_api_key_selects_direct() -> None:
    kind, reason = detect_backend(auto(model="openai/gpt-4o-mini", api_key="sk-cfg"), {})
    assert kind is BackendType.DIRECT and "config.api_key" in reason


def test_another_providers_key_does_not_select_direct_and_is_reported() -> None:
    with pytest.raises(ConfigError) as info:
        detect_backend(auto(model="openai/gpt-4o-mini"), {"ANTHROPIC_API_KEY": "sk-ant"})
    assert "ANTHROPIC_API_KEY is set but model 'openai/gpt-4o-mini' needs OPENAI_API_KEY" in str(
        info.value)


def test_mock_is_selected_only_when_explicitly_allowed() -> None:
    backend, reason = select_backend(auto(), {"UNIFIED_ALLOW_MOCK": "1"})
    assert backend.kind == "mock" and reason == "auto: mock because UNIFIED_ALLOW_MOCK=1"
    with pytest.raises(ConfigError):
        select_backend(auto(), {"UNIFIED_ALLOW_MOCK": "0"})


EVERYTHING = {"MLFLOW_GATEWAY_URI": "http://127.0.0.1:9", **AWS_KEYS, "AWS_REGION": "us-east-1",
              "ANTHROPIC_API_KEY": "sk-ant", "UNIFIED_ALLOW_MOCK": "1"}


@pytest.mark.parametrize(("removed", "expected"), [
    ((), "gateway"), (("MLFLOW_GATEWAY_URI",), "bedrock"),
    (("MLFLOW_GATEWAY_URI", "AWS_REGION"), "direct"),
    (("MLFLOW_GATEWAY_URI", "AWS_REGION", "ANTHROPIC_API_KEY"), "mock"),
])
def test_the_rules_apply_in_order_gateway_bedrock_direct_mock(removed, expected) -> None:
    env = {k: v for k, v in EVERYTHING.items() if k not in removed}
    assert detect_backend(auto(model="claude-3-haiku"), env)[0].value == expected


def test_a_configured_key_needs_a_model_with_a_provider() -> None:
    with pytest.raises(ConfigError, match="config.api_key is set but model"):
        detect_backend(auto(api_key="sk-cfg"), {})


def test_nothing_usable_is_a_config_error_listing_what_selects_each_backend() -> None:
    with pytest.raises(ConfigError) as info:
        select_backend(auto(), {})
    message = str(info.value)
    for needle in ("gateway: set MLFLOW_GATEWAY_URI", "bedrock: resolve AWS credentials",
                   "direct: set the provider API key", "mock: set UNIFIED_ALLOW_MOCK=1"):
        assert needle in message
    assert info.value.field == "backend"


def test_reasons_never_contain_secret_values() -> None:
    env = {**AWS_KEYS, "AWS_SESSION_TOKEN": "tok-1", "AWS_REGION": "us-east-1"}
    reason = select_backend(auto(), env)[1]
    assert not any(secret in reason for secret in ("aws-secret-1", "AKIAEXAMPLE", "tok-1"))


def test_an_explicit_backend_type_is_built_without_detection() -> None:
    backend, reason = select_backend(UnifiedConfig(backend="gateway",
                                                   gateway_uri="http://127.0.0.1:9"), {})
    assert backend.kind == "gateway" and reason == "configured: backend=gateway"


def test_building_auto_runs_the_detection() -> None:
    assert build_backend(BackendType.AUTO, auto(), {"UNIFIED_ALLOW_MOCK": "1"}).kind == "mock"


# -- fallback chains across real backends --------------------------------------------------
def direct_on(upstream, **changes) -> UnifiedConfig:
    """A direct backend config on the scripted upstream."""
    return UnifiedConfig(**{"backend": "direct", "model": "openai/gpt-4o-mini",
                            "api_base": upstream.base_url, "api_key": "sk-x", **changes})


def test_an_unreachable_gateway_falls_back_to_direct(upstream, fake_clock) -> None:
    upstream.script(Reply("from direct"))
    config = UnifiedConfig(backend="gateway", gateway_uri=f"http://127.0.0.1:{closed_port()}",
                           gateway_endpoint="chat", retry=RetryConfig(max_retries=1),
                           fallbacks=[direct_on(upstream)])
    records = []
    with UnifiedDSPyWrapper(config, clock=fake_clock.as_clock()) as wrapper:
        wrapper.pipeline.listeners.append(records.append)
        assert wrapper.pipeline.complete(REQUEST).text == "from direct"
        fallback_identity = wrapper.pipeline.backends[1].identity()
    assert [a.backend for a in records[0].attempts] == ["gateway", "gateway", "direct"]
    assert records[0].fallback_used and records[0].answered_by == fallback_identity


def test_a_gateway_failing_after_retries_falls_back_to_bedrock(gateway, bedrock,
                                                               fake_clock) -> None:
    gateway.upstream.script(Fault(503), Fault(503))
    bedrock.script(BedrockReply("from bedrock"))
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat", retry=RetryConfig(max_retries=1),
                           fallbacks=[UnifiedConfig(backend="bedrock", model="claude-3-haiku")])
    with UnifiedDSPyWrapper(config, clock=fake_clock.as_clock()) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "from bedrock"
        assert [info["kind"] for info in wrapper.get_info()["fallbacks"]] == ["bedrock"]
    assert len(gateway.upstream.chat_requests) == 2 and len(bedrock.calls) == 1


def test_a_permanent_gateway_failure_does_not_fall_back(gateway, upstream, fake_clock) -> None:
    gateway.upstream.script(Fault(400))
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat", retry=RetryConfig(),
                           fallbacks=[direct_on(upstream)])
    with UnifiedDSPyWrapper(config, clock=fake_clock.as_clock()) as wrapper, \
            pytest.raises(BadRequestError):
        wrapper.pipeline.complete(REQUEST)
    assert upstream.chat_requests == []


def test_a_fallbacks_answer_is_cached_under_the_fallbacks_identity(upstream,
                                                                   fake_clock) -> None:
    config = UnifiedConfig(backend="gateway", gateway_uri=f"http://127.0.0.1:{closed_port()}",
                           gateway_endpoint="chat", cache=CacheConfig(),
                           fallbacks=[direct_on(upstream)])
    with UnifiedDSPyWrapper(config, clock=fake_clock.as_clock()) as wrapper:
        wrapper.pipeline.complete(REQUEST)
        cache, fallback = wrapper.pipeline.cache, wrapper.pipeline.backends[1]
        assert cache.lookup(cache.key_for(REQUEST, fallback.identity())).text == "echo: What is 2+2?"
        assert cache.lookup(cache.key_for(REQUEST)) is None
