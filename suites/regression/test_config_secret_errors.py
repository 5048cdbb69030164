"""Regression: config errors never echo a secret, and a redacted dict is not a config.

On main a wrongly typed secret field printed its value (``gateway_api_key: got
123456789012345678``, ``aws_secret_access_key: got {'k': '…'}``), a YAML syntax error on
a key's line printed the line, and ``from_dict(to_dict(redact=True))`` took ``'***'``
as the real key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unified import ConfigError, UnifiedConfig
from unified._errors import is_secret_name

SECRET_NUMBER = 123456789012345678
SECRET_TEXT = "sk-live-abcdef0123456789"


@pytest.mark.parametrize("name", ["gateway_api_key", "api_key", "aws_secret_access_key",
                                  "aws_session_token", "aws_access_key_id"])
@pytest.mark.parametrize("value", [SECRET_NUMBER, {"k": SECRET_TEXT}, [SECRET_TEXT]])
def test_a_wrongly_typed_secret_field_never_shows_its_value(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_dict({name: value})
    error = caught.value
    assert "123456789012345678" not in str(error) and SECRET_TEXT not in str(error)
    assert SECRET_TEXT not in repr(error.value) and str(SECRET_NUMBER) not in repr(error.value)
    assert str(error).startswith(name) and "hidden" in str(error)


def test_a_secret_named_unknown_key_never_shows_its_value() -> None:
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_dict({"gateway_apikey": SECRET_TEXT})
    assert SECRET_TEXT not in str(caught.value)


def test_a_secret_field_of_a_fallback_never_shows_its_value() -> None:
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_dict({"fallbacks": [{"backend": "mock", "api_key": SECRET_NUMBER}]})
    assert str(SECRET_NUMBER) not in str(caught.value)
    assert str(caught.value).startswith("fallbacks[0].api_key")


def test_secret_names_are_recognised_by_their_words() -> None:
    assert is_secret_name("retry.gateway_api_key") and is_secret_name("UNIFIED_API_KEY")
    assert not is_secret_name("validation.required_keywords")


def test_a_yaml_syntax_error_on_a_key_line_does_not_print_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"backend: gateway\ngateway_api_key: \"{SECRET_TEXT}\n  oops: [\n")
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_file(path)
    assert SECRET_TEXT not in str(caught.value) and "line" in str(caught.value)
    assert caught.value.file == str(path)


def test_a_redacted_dict_is_refused_rather_than_taken_as_the_key() -> None:
    config = UnifiedConfig(backend="gateway", gateway_uri="http://127.0.0.1:5000",
                           gateway_api_key=SECRET_TEXT)
    with pytest.raises(ConfigError, match="redact") as caught:
        UnifiedConfig.from_dict(config.to_dict(redact=True))
    assert caught.value.field == "gateway_api_key"


def test_a_redacted_url_is_refused_rather_than_taken_as_the_password() -> None:
    config = UnifiedConfig(backend="gateway", gateway_uri="http://u:pw@127.0.0.1:5000")
    with pytest.raises(ConfigError, match="redact"):
        UnifiedConfig.from_dict(config.to_dict(redact=True))


def test_the_unredacted_dict_still_round_trips() -> None:
    config = UnifiedConfig(backend="gateway", gateway_uri="http://u:pw@127.0.0.1:5000",
                           gateway_api_key=SECRET_TEXT)
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_the_value_of_any_unknown_key_is_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_dict({"fallbacks": [{"backend": "mock", "api_kee": SECRET_TEXT}]})
    assert SECRET_TEXT not in str(caught.value)
    assert str(caught.value).startswith("fallbacks[0].api_kee: got <hidden str>")
