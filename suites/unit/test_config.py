"""UnifiedConfig and its sections: defaults, round trips, env/file loading, errors."""

from __future__ import annotations

import pytest

from unified import (
    DEFAULT_MODEL,
    BackendType,
    CacheConfig,
    ConfigError,
    RateLimitError,
    RetryConfig,
    UnifiedConfig,
    ValidationConfig,
    register_validator,
)


def test_defaults_match_the_seed_api() -> None:
    config = UnifiedConfig()
    assert config.backend is BackendType.AUTO
    assert config.model == DEFAULT_MODEL
    assert (config.retry, config.cache, config.validation) == (None, None, None)
    assert config.timeout_seconds == 30.0


def test_retry_defaults_match_the_issue() -> None:
    retry = RetryConfig()
    assert (retry.max_retries, retry.base_delay, retry.backoff_factor, retry.max_delay,
            retry.jitter, retry.respect_retry_after, retry.max_retry_after) == (
        3, 1.0, 2.0, 30.0, 0.0, True, 60.0)


def test_retry_delays_follow_capped_exponential_backoff() -> None:
    assert RetryConfig(max_retries=6, base_delay=1, backoff_factor=3, max_delay=20).delays() \
        == [1, 3, 9, 20, 20, 20]


def test_configs_are_frozen() -> None:
    with pytest.raises(AttributeError):
        UnifiedConfig().model = "x"  # type: ignore[misc]


def test_to_dict_and_from_dict_round_trip_exactly() -> None:
    config = UnifiedConfig(
        backend="gateway", gateway_uri="http://127.0.0.1:5000", temperature=0.2,
        retry=RetryConfig(max_retries=2, retry_on=(RateLimitError,)),
        cache=CacheConfig(directory="/tmp/x", ttl_seconds=5),
        validation=ValidationConfig(required_keywords=("a", "b"), pattern=r"\d"),
        fallbacks=(UnifiedConfig(backend="mock"),))
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_registered_validators_round_trip_by_name() -> None:
    @register_validator("non_empty_for_test")
    def non_empty(text: str) -> bool:
        return bool(text)

    config = UnifiedConfig(validation=ValidationConfig(validators=(non_empty,)))
    assert config.to_dict()["validation"]["validators"] == ["non_empty_for_test"]
    assert UnifiedConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(("data", "field"), [
    ({"retry": {"max_retries": -1}}, "retry.max_retries"),
    ({"retry": {"max_retrys": 1}}, "retry.max_retrys"),
    ({"cache": {"ttl_seconds": "soon"}}, "cache.ttl_seconds"),
    ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"backend": "openai"}, "backend"),
    ({"temperature": 3}, "temperature"),
    ({"gateway_uri": "localhost:5000"}, "gateway_uri"),
    ({"validation": {"pattern": "("}}, "validation.pattern"),
    ({"validation": {"validators": ["os:system"]}}, "validation.validators"),
    ({"retry": {"retry_on": ["KeyboardInterrupt"]}}, "retry.retry_on"),
    ({"fallbacks": [{"model": ""}]}, "fallbacks[0].model"),
    ({"nonsense": 1}, "nonsense"),
    ({"max_tokens": True}, "max_tokens"),
])
def test_bad_values_raise_config_error_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedConfig.from_dict(data)
    assert info.value.field == field
    assert field in str(info.value)


def test_config_error_says_what_is_allowed() -> None:
    with pytest.raises(ConfigError, match="expected an integer from 0 to 100"):
        UnifiedConfig.from_dict({"retry": {"max_retries": 500}})


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        UnifiedConfig.from_dict(["backend", "mock"])  # type: ignore[arg-type]


def test_from_env_reads_top_level_and_section_variables() -> None:
    config = UnifiedConfig.from_env({
        "UNIFIED_BACKEND": "mock", "UNIFIED_TEMPERATURE": "0.5",
        "UNIFIED_RETRY_MAX_RETRIES": "2", "UNIFIED_CACHE_DIRECTORY": "/tmp/c",
        "UNIFIED_VALIDATION_REQUIRED_KEYWORDS": "alpha, beta"})
    assert config.backend is BackendType.MOCK
    assert config.temperature == 0.5
    assert config.retry == RetryConfig(max_retries=2)
    assert config.cache == CacheConfig(directory="/tmp/c")
    assert config.validation == ValidationConfig(required_keywords=("alpha", "beta"))


def test_from_env_turns_a_section_on_with_its_flag() -> None:
    assert UnifiedConfig.from_env({"UNIFIED_CACHE": "1"}).cache == CacheConfig()


def test_from_env_takes_the_gateway_uri_from_mlflow_variable() -> None:
    config = UnifiedConfig.from_env({"MLFLOW_GATEWAY_URI": "http://127.0.0.1:5000"})
    assert config.gateway_uri == "http://127.0.0.1:5000"


def test_from_env_names_the_variable_of_a_bad_value() -> None:
    with pytest.raises(ConfigError, match="UNIFIED_RETRY_MAX_RETRIES"):
        UnifiedConfig.from_env({"UNIFIED_RETRY_MAX_RETRIES": "many"})


def test_from_file_reads_yaml(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("backend: mock\nretry:\n  max_retries: 1\n")
    assert UnifiedConfig.from_file(path) == UnifiedConfig(backend="mock",
                                                          retry=RetryConfig(max_retries=1))


def test_from_file_reads_toml(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('backend = "mock"\n[cache]\nttl_seconds = 9\n')
    assert UnifiedConfig.from_file(path).cache == CacheConfig(ttl_seconds=9)


def test_from_file_reports_the_line_of_broken_yaml(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("backend: mock\nretry: [\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: invalid YAML at line \d"):
        UnifiedConfig.from_file(path)


def test_from_file_rejects_unknown_suffixes(tmp_path) -> None:
    path = tmp_path / "c.ini"
    path.write_text("x")
    with pytest.raises(ConfigError, match="yaml"):
        UnifiedConfig.from_file(path)


def test_from_file_names_a_missing_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="missing.yaml"):
        UnifiedConfig.from_file(tmp_path / "missing.yaml")


SECRETS = {"api_key": "sk-live-123456", "gateway_api_key": "gw-secret-987",
           "aws_secret_access_key": "aws/secret/key", "aws_session_token": "session-tok-1"}


def test_repr_masks_every_secret() -> None:
    text = repr(UnifiedConfig(**SECRETS))
    assert not any(secret in text for secret in SECRETS.values())
    assert "***" in text


def test_redacted_dict_masks_every_secret_and_plain_dict_keeps_them() -> None:
    config = UnifiedConfig(**SECRETS)
    assert all(config.to_dict(redact=True)[k] == "***" for k in SECRETS)
    assert config.to_dict()["api_key"] == SECRETS["api_key"]


def test_with_overrides_validates_the_change() -> None:
    with pytest.raises(ConfigError):
        UnifiedConfig().with_overrides(timeout_seconds=-1)


def test_validation_is_empty_only_without_rules() -> None:
    assert ValidationConfig().is_empty
    assert not ValidationConfig(min_length=1).is_empty
