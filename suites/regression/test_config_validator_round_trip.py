"""Regression: ``from_dict(to_dict())`` is exact with custom validators, as the README says.

On main ``to_dict()`` wrote an unregistered validator as the string ``"<unregistered
<lambda>>"``, which ``from_dict`` then refused.
"""

from __future__ import annotations

import pytest

from unified import ConfigError, UnifiedConfig, ValidationConfig, register_validator


def shouting(text: str) -> bool:
    return text.isupper()


def test_unregistered_validators_round_trip_through_to_dict() -> None:
    config = UnifiedConfig(validation=ValidationConfig(validators=(shouting, lambda t: True)))
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_registered_validators_are_written_by_name() -> None:
    named = register_validator("round_trip_named", version="1")(lambda t: bool(t))
    config = UnifiedConfig(validation=ValidationConfig(validators=(named,)))
    assert config.to_dict()["validation"]["validators"] == ["round_trip_named"]
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_the_shown_form_describes_an_unregistered_validator_and_is_not_loadable() -> None:
    config = UnifiedConfig(validation=ValidationConfig(validators=(shouting,)))
    shown = config.to_dict(redact=True)["validation"]["validators"]
    assert shown == ["<unregistered shouting>"] and "shouting" in repr(config)
    with pytest.raises(ConfigError, match="registered validator name"):
        UnifiedConfig.from_dict(config.to_dict(redact=True))
