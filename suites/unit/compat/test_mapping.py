"""Config mapping details the property tests do not draw: dict forms, names, reverses."""

from __future__ import annotations

import pytest

from unified import BackendType, ConfigError, GatewayRoute, RetryConfig, UnifiedConfig
from unified.compat import configs, mapping

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_dict_form_maps_like_the_dataclass() -> None:
    assert mapping.retry_from_legacy({"max_retries": 2}) == \
        mapping.retry_from_legacy(configs.RetryConfig(max_retries=2))


def test_an_unknown_dict_key_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        mapping.cache_from_legacy({"ttl_seconds": 5})
    assert caught.value.field == "ttl_seconds"


def test_a_non_config_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        mapping.gateway_to_unified(42)  # type: ignore[arg-type]


def test_errors_name_the_legacy_field_not_the_unified_one() -> None:
    with pytest.raises(ConfigError) as caught:
        configs.CacheConfig(ttl=-5)
    assert caught.value.field == "ttl"


def test_positional_arguments_beyond_the_fields_are_a_config_error() -> None:
    with pytest.raises(ConfigError):
        configs.RetryConfig(1, 1.0, 2.0, 60.0, 9)


def test_a_field_given_twice_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        configs.RetryConfig(1, max_retries=2)
    assert caught.value.field == "max_retries"


def test_the_gateway_config_targets_the_legacy_route() -> None:
    config = mapping.gateway_to_unified({"route": "claude-3-haiku", "api_key": "k"})
    assert (config.backend, config.gateway_route, config.gateway_endpoint,
            config.gateway_api_key) == (BackendType.GATEWAY, GatewayRoute.LEGACY,
                                        "claude-3-haiku", "k")


def test_enhanced_configs_overlay_a_base_config() -> None:
    base = UnifiedConfig(backend="mock", model="m", timeout_seconds=5)
    config = mapping.enhanced_to_unified(configs.RetryConfig(max_retries=1), base=base)
    assert (config.model, config.timeout_seconds, config.retry.max_retries) == ("m", 5, 1)
    assert config.cache.directory == ".tidydspy_cache" and config.validation.is_empty


def test_the_reverse_of_a_jittered_retry_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        mapping.retry_to_legacy(RetryConfig(jitter=0.5))
    assert caught.value.field == "retry.jitter"


def test_a_pattern_cannot_be_expressed_by_the_legacy_validation() -> None:
    from unified import ValidationConfig

    with pytest.raises(ConfigError) as caught:
        mapping.validation_to_legacy(ValidationConfig(pattern="x"))
    assert caught.value.field == "validation.pattern"


def test_a_non_gateway_config_has_no_gateway_form() -> None:
    with pytest.raises(ConfigError) as caught:
        mapping.unified_to_gateway(UnifiedConfig(backend="mock"))
    assert caught.value.field == "backend"


def test_the_reverse_mappings_build_configs_silently() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapping.unified_to_enhanced(mapping.enhanced_to_unified())
        mapping.unified_to_bedrock(mapping.bedrock_to_unified(None))


def test_legacy_validate_gives_the_reason_codes() -> None:
    rules = configs.ValidationConfig(required_keywords=["risk"], forbidden_keywords=["eval("])
    assert rules.validate("low RISK") == (True, "all_validations_passed")
    assert rules.validate("no keyword") == (False, "missing_required_keywords")
