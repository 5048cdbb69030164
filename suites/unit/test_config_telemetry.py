"""``TelemetryConfig``: the telemetry section of ``UnifiedConfig``, from code, dicts, env."""

from __future__ import annotations

import pytest

from unified import ConfigError, TelemetryConfig, UnifiedConfig


def test_telemetry_is_off_by_default_and_always_present() -> None:
    config = UnifiedConfig()
    assert config.telemetry == TelemetryConfig()
    assert config.telemetry.enabled is False
    assert config.telemetry.record_content is False


def test_telemetry_round_trips_through_to_dict() -> None:
    config = UnifiedConfig(telemetry=TelemetryConfig(enabled=True, record_content=True,
                                                     otlp_endpoint="http://127.0.0.1:4318"))
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_telemetry_true_and_false_in_a_dict_set_enabled() -> None:
    assert UnifiedConfig.from_dict({"telemetry": True}).telemetry.enabled is True
    assert UnifiedConfig.from_dict({"telemetry": False}).telemetry.enabled is False


def test_telemetry_null_in_a_dict_is_an_error() -> None:
    with pytest.raises(ConfigError, match="telemetry"):
        UnifiedConfig.from_dict({"telemetry": None})


def test_any_telemetry_variable_turns_telemetry_on() -> None:
    config = UnifiedConfig.from_env({"UNIFIED_TELEMETRY_RECORD_CONTENT": "1"})
    assert config.telemetry == TelemetryConfig(enabled=True, record_content=True)


def test_unified_telemetry_flag_turns_it_on_and_off() -> None:
    assert UnifiedConfig.from_env({"UNIFIED_TELEMETRY": "on"}).telemetry.enabled is True
    assert UnifiedConfig.from_env({"UNIFIED_TELEMETRY": "0"}).telemetry.enabled is False


def test_telemetry_enabled_zero_with_other_variables_stays_off() -> None:
    config = UnifiedConfig.from_env({"UNIFIED_TELEMETRY_ENABLED": "0",
                                     "UNIFIED_TELEMETRY_SERVICE_NAME": "svc"})
    assert config.telemetry == TelemetryConfig(enabled=False, service_name="svc")


def test_a_provider_cannot_come_from_the_environment() -> None:
    with pytest.raises(ConfigError, match="UNIFIED_TELEMETRY_TRACER_PROVIDER"):
        UnifiedConfig.from_env({"UNIFIED_TELEMETRY_TRACER_PROVIDER": "x"})


def test_a_provider_given_as_text_is_refused() -> None:
    with pytest.raises(ConfigError, match="tracer_provider"):
        UnifiedConfig.from_dict({"telemetry": {"tracer_provider": "sdk"}})


def test_a_provider_object_is_kept_and_not_compared() -> None:
    provider = object()
    config = TelemetryConfig(enabled=True, tracer_provider=provider)
    assert config.tracer_provider is provider
    assert config == TelemetryConfig(enabled=True)


def test_otlp_endpoint_must_be_an_http_url() -> None:
    with pytest.raises(ConfigError, match="otlp_endpoint"):
        TelemetryConfig(otlp_endpoint="collector:4318")


def test_set_global_needs_an_endpoint_of_its_own() -> None:
    with pytest.raises(ConfigError, match="set_global"):
        TelemetryConfig(enabled=True, set_global=True)
