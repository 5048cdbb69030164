"""Property tests of the legacy config mapping (``unified.compat.mapping``).

Meaning is checked by behaviour, not by field names: a mapped retry config drives a
failing ``MockBackend`` through the unified pipeline with an injected clock and must
give the legacy attempt count and delay sequence (the legacy reference's formula); a
mapped cache must hit until exactly ``ttl`` seconds; a mapped validation must give the
legacy reference's verdict and reason code on generated texts; a mapped Bedrock config
must resolve to the legacy reference's model id. Mapped configs round-trip through
``UnifiedConfig.to_dict``/``from_dict`` and back to the legacy form, and every invalid
legacy config raises ``ConfigError`` naming the offending field -- nothing else.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.legacy.dspy_bedrock_enhanced import resolve_model_id as legacy_resolve
from harness.legacy.dspy_enhanced import RetryConfig as LegacyRetry
from harness.legacy.dspy_enhanced import ValidationConfig as LegacyValidation
from unified import (
    Clock,
    ConfigError,
    LMRequest,
    Message,
    MockBackend,
    ServerError,
    UnifiedConfig,
    ValidationError,
    register_validator,
)
from unified._backends.bedrock import BedrockBackend
from unified._backends.bedrock_models import FRIENDLY_MODEL_IDS
from unified._pipeline import Pipeline
from unified.compat import configs, mapping
from unified.compat.dspy_enhanced import SECURITY_FORBIDDEN_KEYWORDS as SECURITY_KEYWORDS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@register_validator("property_has_digit")
def has_digit(text: str) -> bool:
    """Passes texts containing a digit."""
    return any(ch.isdigit() for ch in text)


@register_validator("property_not_shouting")
def not_shouting(text: str) -> bool:
    """Passes texts that are not all upper case."""
    return not (text.isupper() and len(text) > 3)


# -- strategies: valid legacy configs (documented ranges in unified.compat.mapping) ------
finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
WORDS = ["risk", "Audit", "summary", "42", "eval(", "<SCRIPT>", "../", "ok", "Risk"]
words = st.lists(st.sampled_from(WORDS + list(SECURITY_KEYWORDS)), max_size=3)
names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)
secrets = st.none() | names

retry_fields = st.fixed_dictionaries({
    "max_retries": st.integers(0, 100), "base_delay": finite,
    "backoff_factor": st.floats(1, 100), "max_delay": finite})
cache_fields = st.fixed_dictionaries({
    "enabled": st.booleans(), "ttl": st.integers(1, 10**7),
    "cache_dir": st.none() | st.sampled_from([".tidydspy_cache", "/tmp/x", "c"])})


@st.composite
def validation_fields(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.none() | st.integers(0, 30))
    high = draw(st.none() | st.integers(low or 0, 60))
    return {"min_length": low, "max_length": high,
            "required_keywords": draw(st.none() | words),
            "forbidden_keywords": draw(st.none() | words),
            "custom_validators": tuple(draw(st.lists(st.sampled_from([has_digit,
                                                                       not_shouting]),
                                                      max_size=2, unique=True)))}


gateway_fields = st.fixed_dictionaries({
    "gateway_uri": st.sampled_from(["http://localhost:5000", "https://gw.example:8443/x"]),
    "route": names, "temperature": st.floats(0, 2), "max_tokens": st.integers(1, 10**6),
    "timeout": st.floats(0.001, 3600), "max_retries": st.integers(0, 100),
    "api_key": secrets})
model_names = st.sampled_from(sorted(FRIENDLY_MODEL_IDS)) | st.sampled_from(
    ["anthropic.claude-v2", "amazon.titan-embed-v1", "custom.model-v1"])
bedrock_fields = st.fixed_dictionaries({
    "region": st.sampled_from(["us-east-1", "eu-west-1", "ap-south-1"]), "profile": secrets,
    "access_key_id": secrets, "secret_access_key": secrets, "session_token": secrets,
    "default_model": model_names})
simple_fields = st.fixed_dictionaries({
    "model": names, "gateway_uri": st.just("http://localhost:5000"),
    "temperature": st.floats(0, 2), "max_tokens": st.integers(1, 10**6),
    "cache_enabled": st.booleans(), "cache_size": st.integers(0, 10**4),
    "max_retries": st.integers(0, 100), "circuit_failure_threshold": st.integers(1, 100),
    "circuit_reset_seconds": finite, "budget_usd": st.none() | finite})
texts = st.text(st.characters(exclude_characters="["), max_size=40) | words.map(" ".join)


# -- helpers --------------------------------------------------------------------------------
class Timeline:
    """Wall/monotonic time that moves only when slept or advanced."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: self.now, sleep=self.sleep)


def run(config: UnifiedConfig, backend: MockBackend, timeline: Timeline | None = None,
        prompt: str = "q") -> tuple[Any, Exception | None]:
    """One call through the unified pipeline: (its call record, the error or None)."""
    records: list[Any] = []
    pipeline = Pipeline([backend], config, clock=(timeline or Timeline()).clock(),
                        listeners=[records.append])
    error = None
    try:
        pipeline.complete(LMRequest(model="m", messages=(Message("user", prompt),)))
    except Exception as exc:  # noqa: BLE001 - the error is what the test compares
        error = exc
    return records[0], error


def failing(times: int = 1000) -> MockBackend:
    return MockBackend(["never"], errors=[ServerError("down")] * times)


def unified_retry_run(retry: Any) -> tuple[int, list[float]]:
    """Attempts and delays of an always-failing call under ``retry``."""
    record, error = run(UnifiedConfig(backend="mock", retry=retry), failing())
    assert isinstance(error, ServerError)
    return len(record.attempts), [a.delay_before for a in record.attempts[1:]]


def quietly(cls: type, fields: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return cls(**fields)


# -- meaning is preserved -------------------------------------------------------------------
@given(retry_fields)
def test_a_mapped_retry_config_makes_the_legacy_attempts_and_delays(fields) -> None:
    legacy = LegacyRetry(**fields)
    attempts, delays = unified_retry_run(mapping.retry_from_legacy(fields))
    assert attempts == legacy.max_retries + 1
    assert delays == [legacy.delay(k) for k in range(1, legacy.max_retries + 1)]


@given(gateway_fields)
def test_a_mapped_gateway_config_tries_max_retries_times_with_doubling_sleeps(fields) -> None:
    config = mapping.gateway_to_unified(fields)
    tries = max(1, fields["max_retries"])
    attempts, delays = unified_retry_run(config.retry)
    assert (attempts, delays) == (tries, [float(2 ** k) for k in range(tries - 1)])


@given(simple_fields)
def test_a_mapped_simple_wrapper_config_tries_like_its_gateway(fields) -> None:
    config = mapping.dspy_config_to_unified(fields)
    tries = max(1, fields["max_retries"])
    assert unified_retry_run(config.retry) == (tries, [float(2 ** k) for k in range(tries - 1)])
    assert config.cache.enabled == fields["cache_enabled"]
    assert config.cache.memory_entries == fields["cache_size"]


@given(cache_fields.map(lambda f: {**f, "enabled": True, "cache_dir": None}))
def test_a_mapped_cache_hits_until_exactly_ttl_seconds(fields) -> None:
    config = UnifiedConfig(backend="mock", cache=mapping.cache_from_legacy(fields))
    backend, timeline = MockBackend(["a"]), Timeline()
    pipeline = Pipeline([backend], config, clock=timeline.clock())
    request = LMRequest(model="m", messages=(Message("user", "q"),))
    pipeline.complete(request)
    timeline.now += fields["ttl"] - 0.5
    pipeline.complete(request)
    assert backend.call_count == 1
    timeline.now += 0.5
    pipeline.complete(request)
    assert backend.call_count == 2


@given(cache_fields)
def test_a_mapped_cache_keeps_switch_ttl_and_directory(fields) -> None:
    cache = mapping.cache_from_legacy(fields)
    assert (cache.enabled, cache.ttl_seconds, cache.directory) == \
        (fields["enabled"], fields["ttl"], fields["cache_dir"])


@given(validation_fields(), texts)
def test_a_mapped_validation_gives_the_legacy_verdict_and_reason(fields, text) -> None:
    expected = LegacyValidation(**fields).validate(text)
    config = UnifiedConfig(backend="mock", validation=mapping.validation_from_legacy(fields))
    record, error = run(config, MockBackend(lambda request: text))
    if expected[0]:
        assert error is None
    else:
        assert isinstance(error, ValidationError) and error.reason == expected[1]
    assert record.validation in (None, expected[1])


@given(bedrock_fields)
def test_a_mapped_bedrock_config_resolves_the_legacy_model_id(fields) -> None:
    config = mapping.bedrock_to_unified(fields)
    expected = legacy_resolve(fields["default_model"])
    backend = BedrockBackend(config, client=object(), environ={})
    assert config.model == backend.model_id == expected
    assert (config.aws_region, config.aws_profile, config.aws_session_token) == \
        (fields["region"], fields["profile"], fields["session_token"])


# -- round trips ----------------------------------------------------------------------------
@given(retry_fields, cache_fields, validation_fields())
def test_mapped_enhanced_configs_round_trip_through_dicts_and_back(retry, cache, rules) -> None:
    config = mapping.enhanced_to_unified(retry, cache, rules,
                                         base=UnifiedConfig(backend="mock"))
    assert UnifiedConfig.from_dict(config.to_dict()) == config
    back = mapping.unified_to_enhanced(config)
    assert back == (quietly(configs.RetryConfig, retry), quietly(configs.CacheConfig, cache),
                    quietly(configs.ValidationConfig, rules))


@given(gateway_fields)
def test_mapped_gateway_configs_round_trip(fields) -> None:
    config = mapping.gateway_to_unified(fields)
    assert UnifiedConfig.from_dict(config.to_dict()) == config
    expected = {**fields, "max_retries": max(1, fields["max_retries"])}
    assert mapping.unified_to_gateway(config) == quietly(configs.DSPyGatewayConfig, expected)


@given(simple_fields)
def test_mapped_simple_wrapper_configs_round_trip(fields) -> None:
    config = mapping.dspy_config_to_unified(fields)
    assert UnifiedConfig.from_dict(config.to_dict()) == config
    back = mapping.unified_to_dspy_config(config)
    kept = ("model", "gateway_uri", "temperature", "max_tokens", "cache_enabled", "cache_size")
    assert {k: getattr(back, k) for k in kept} == {k: fields[k] for k in kept}
    assert back.max_retries == max(1, fields["max_retries"])


@given(bedrock_fields)
def test_mapped_bedrock_configs_round_trip(fields) -> None:
    config = mapping.bedrock_to_unified(fields)
    assert UnifiedConfig.from_dict(config.to_dict()) == config
    expected = {**fields, "default_model": legacy_resolve(fields["default_model"])}
    assert mapping.unified_to_bedrock(config) == quietly(configs.BedrockConfig, expected)


# -- invalid configs ------------------------------------------------------------------------
not_int = st.sampled_from([1.5, "3", True, None, [1]])
not_number = st.sampled_from(["1", None, True, float("nan"), float("inf"), [0.5]])
not_text = st.sampled_from(["", "   ", 3, None, b"x"])
INVALID: dict[type, dict[str, st.SearchStrategy[Any]]] = {
    configs.RetryConfig: {
        "max_retries": st.integers(max_value=-1) | st.integers(min_value=101) | not_int,
        "base_delay": st.floats(max_value=-1e-9) | not_number,
        "backoff_factor": st.floats(min_value=0, max_value=0.999) | st.floats(min_value=100.01)
        | not_number,
        "max_delay": st.floats(max_value=-1e-9) | not_number},
    configs.CacheConfig: {
        "enabled": st.sampled_from([1, "yes", None]),
        "ttl": st.integers(max_value=0) | not_int, "cache_dir": st.sampled_from(["", " ", 5])},
    configs.ValidationConfig: {
        "min_length": st.integers(max_value=-1) | st.sampled_from([1.5, "3", True]),
        "max_length": st.integers(max_value=-1) | st.sampled_from([2.5, "9", False]),
        "required_keywords": st.sampled_from(["risk", [1], 5]),
        "forbidden_keywords": st.sampled_from(["risk", [None], 5]),
        "custom_validators": st.sampled_from([["not callable"], 5, "x"])},
    configs.DSPyGatewayConfig: {
        "gateway_uri": st.sampled_from(["localhost:5000", "", 5, "ftp://x"]),
        "route": not_text, "temperature": st.floats(min_value=2.001) | not_number,
        "max_tokens": st.integers(max_value=0) | not_int,
        "timeout": st.sampled_from([0, -1, 3600.5]) | not_number,
        "max_retries": st.integers(max_value=-1) | not_int, "api_key": st.sampled_from([5, b"k"])},
    configs.BedrockConfig: {
        "region": not_text, "default_model": not_text, "profile": st.sampled_from([5, b"p"]),
        "access_key_id": st.sampled_from([1.0, ["a"]])},
    configs.DSPyConfig: {
        "model": not_text, "cache_enabled": st.sampled_from([0, "true"]),
        "cache_size": st.integers(max_value=-1) | not_int,
        "circuit_failure_threshold": st.integers(max_value=0) | not_int,
        "circuit_reset_seconds": st.floats(max_value=-1e-9) | not_number,
        "budget_usd": st.floats(max_value=-1e-9) | st.sampled_from(["10", float("inf")])},
}
invalid_cases = st.sampled_from([(cls, name) for cls, table in INVALID.items()
                                 for name in table]).flatmap(
    lambda case: st.tuples(st.just(case[0]), st.just(case[1]), INVALID[case[0]][case[1]]))


@given(invalid_cases)
def test_an_invalid_legacy_field_is_a_config_error_naming_it(case) -> None:
    cls, name, value = case
    with pytest.raises(ConfigError) as in_dict:
        mapping.TO_UNIFIED[cls.__name__]({name: value})
    with pytest.raises(ConfigError) as in_dataclass:
        quietly(cls, {name: value})
    assert in_dict.value.field == in_dataclass.value.field == name


@given(st.sampled_from(list(INVALID)), st.from_regex(r"\A[a-z][a-z_]{0,15}\Z"))
def test_an_unknown_legacy_key_is_a_config_error_naming_it(cls, key) -> None:
    if key in {f.name for f in dataclasses.fields(cls)}:
        return
    with pytest.raises(ConfigError) as in_dict:
        mapping.TO_UNIFIED[cls.__name__]({key: 1})
    with pytest.raises(ConfigError) as in_dataclass:
        quietly(cls, {key: 1})
    assert in_dict.value.field == in_dataclass.value.field == key


@given(st.integers(1, 60), st.integers(0, 59))
def test_a_min_length_above_max_length_names_max_length(low, gap) -> None:
    with pytest.raises(ConfigError) as caught:
        mapping.validation_from_legacy({"min_length": low, "max_length": max(low - 1 - gap, 0)})
    assert caught.value.field == "max_length"
