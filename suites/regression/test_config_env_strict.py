"""Regression: the environment is read as strictly as a config file.

On main a misspelled ``UNIFIED_RETRY_MAXRETRIES=5`` was ignored silently,
``UNIFIED_CACHE=maybe`` meant "off", and fallbacks named in ``UNIFIED_FALLBACKS`` did
not inherit the primary's settings (``UNIFIED_FALLBACKS=mock,gateway`` with
``UNIFIED_GATEWAY_URI`` failed with "gateway backend needs config.gateway_uri"; with
``MLFLOW_GATEWAY_URI`` the fallback dropped ``UNIFIED_GATEWAY_API_KEY`` and the model).
"""

from __future__ import annotations

import pytest

from unified import CacheConfig, ConfigError, UnifiedConfig, UnifiedDSPyWrapper
from unified._envconfig import NON_CONFIG_VARIABLES

GATEWAY = "http://127.0.0.1:5999"


def test_a_misspelled_variable_is_an_error_naming_it_and_the_likely_name() -> None:
    with pytest.raises(ConfigError, match="UNIFIED_RETRY_MAXRETRIES") as caught:
        UnifiedConfig.from_env({"UNIFIED_RETRY_MAXRETRIES": "5"})
    assert "UNIFIED_RETRY_MAX_RETRIES" in str(caught.value)


def test_an_unknown_variable_never_shows_its_value() -> None:
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_env({"UNIFIED_GATEWAY_APIKEY": "sk-secret-value"})
    assert "sk-secret-value" not in str(caught.value)


def test_variables_other_parts_of_the_project_read_are_accepted() -> None:
    environ = {name: "1" for name in NON_CONFIG_VARIABLES}
    assert UnifiedConfig.from_env(environ) == UnifiedConfig()


def test_an_unparsable_section_flag_is_an_error() -> None:
    with pytest.raises(ConfigError, match="UNIFIED_CACHE"):
        UnifiedConfig.from_env({"UNIFIED_CACHE": "maybe"})


@pytest.mark.parametrize(("flag", "expected"), [("1", CacheConfig()), ("on", CacheConfig()),
                                                ("0", None), ("false", None)])
def test_a_section_flag_turns_the_section_on_or_off(flag: str,
                                                    expected: CacheConfig | None) -> None:
    assert UnifiedConfig.from_env({"UNIFIED_CACHE": flag}).cache == expected


def test_a_section_switched_off_with_fields_set_is_an_error() -> None:
    with pytest.raises(ConfigError, match="UNIFIED_CACHE"):
        UnifiedConfig.from_env({"UNIFIED_CACHE": "0", "UNIFIED_CACHE_TTL_SECONDS": "5"})


def test_env_fallbacks_inherit_the_gateway_uri_of_the_primary() -> None:
    config = UnifiedConfig.from_env({"UNIFIED_BACKEND": "mock", "UNIFIED_GATEWAY_URI": GATEWAY,
                                     "UNIFIED_FALLBACKS": "mock,gateway"})
    gateway = config.fallbacks[1]
    assert (gateway.backend.value, gateway.gateway_uri) == ("gateway", GATEWAY)
    UnifiedDSPyWrapper(config).close()  # builds: no "gateway backend needs gateway_uri"


def test_env_fallbacks_keep_the_api_key_and_model_with_mlflow_gateway_uri() -> None:
    config = UnifiedConfig.from_env({"UNIFIED_BACKEND": "mock", "MLFLOW_GATEWAY_URI": GATEWAY,
                                     "UNIFIED_GATEWAY_API_KEY": "k-1", "UNIFIED_MODEL": "chat",
                                     "UNIFIED_FALLBACKS": "gateway"})
    (gateway,) = config.fallbacks
    assert (gateway.gateway_uri, gateway.gateway_api_key, gateway.model) == (GATEWAY, "k-1",
                                                                              "chat")


def test_a_fallback_given_as_a_mapping_is_taken_as_written() -> None:
    config = UnifiedConfig.from_dict({"model": "chat", "fallbacks": [{"backend": "mock"}]})
    assert config.fallbacks[0].model != "chat"
