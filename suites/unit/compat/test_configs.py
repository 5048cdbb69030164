"""The legacy config dataclasses: credentials never shown, unified counterparts taken."""

from __future__ import annotations

import pytest

import unified
from unified import ConfigError, MockBackend
from unified.compat.configs import (
    BedrockConfig,
    CacheConfig,
    DSPyGatewayConfig,
    RetryConfig,
    ValidationConfig,
)
from unified.compat.dspy_enhanced import DSPyEnhancedWrapper

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_repr_of_a_gateway_config_hides_its_api_key() -> None:
    shown = repr(DSPyGatewayConfig(api_key="sk-live-0123456789"))
    assert "sk-live-0123456789" not in shown and "api_key='***'" in shown


def test_the_repr_of_a_bedrock_config_hides_its_credentials() -> None:
    shown = repr(BedrockConfig(access_key_id="AKIAEXAMPLE123", secret_access_key="s3cr3t/key",
                               session_token="FwoGZXIvYXdzEtoken", profile="dev"))
    for secret in ("AKIAEXAMPLE123", "s3cr3t/key", "FwoGZXIvYXdzEtoken"):
        assert secret not in shown
    assert "profile='dev'" in shown and "session_token='***'" in shown


def test_an_unset_credential_still_shows_as_none() -> None:
    assert "api_key=None" in repr(DSPyGatewayConfig())


@pytest.mark.parametrize("legacy, value", [
    (RetryConfig, unified.RetryConfig(max_retries=2, jitter=0.5)),
    (CacheConfig, unified.CacheConfig(ttl_seconds=5, memory_entries=7)),
    (ValidationConfig, unified.ValidationConfig(min_length=1, pattern="ok")),
])
def test_a_legacy_config_accepts_its_unified_counterpart_unchanged(legacy, value) -> None:
    assert legacy.from_value(value).to_unified() is value


def test_the_view_of_a_unified_config_shows_the_legacy_fields() -> None:
    view = CacheConfig.from_value(unified.CacheConfig(ttl_seconds=5, directory="d"))
    assert (view.enabled, view.ttl, view.cache_dir) == (True, 5, "d")


def test_a_changed_view_maps_its_own_fields() -> None:
    view = RetryConfig.from_value(unified.RetryConfig(max_retries=2))
    view.max_retries = 4
    assert view.to_unified().max_retries == 4


def test_the_enhanced_wrapper_runs_with_a_unified_validation_config() -> None:
    wrapper = DSPyEnhancedWrapper(validation_config=unified.ValidationConfig(min_length=1),
                                  backend=MockBackend([{"answer": "Paris"}]))
    try:
        assert wrapper.unified.config.validation == unified.ValidationConfig(min_length=1)
        module = wrapper.create_module("qa", "question -> answer")
        assert module.predict(question="Capital?").answer == "Paris"
    finally:
        wrapper.close()


def test_per_module_unified_configs_are_taken_too() -> None:
    wrapper = DSPyEnhancedWrapper(backend=MockBackend())
    try:
        module = wrapper.create_module("qa", "question -> answer",
                                       retry_config=unified.RetryConfig(max_retries=0))
        assert module.unified.wrapper.config.retry == unified.RetryConfig(max_retries=0)
    finally:
        wrapper.close()


def test_a_same_named_foreign_class_is_named_by_its_module_in_the_error() -> None:
    class ValidationConfig:  # e.g. the original tidyllm class
        min_length = 1

    with pytest.raises(ConfigError) as caught:
        DSPyEnhancedWrapper(validation_config=ValidationConfig())
    message = str(caught.value)
    assert "got '<" + __name__ + "." in message
    assert "expected a unified.compat.ValidationConfig, a unified.ValidationConfig" in message
