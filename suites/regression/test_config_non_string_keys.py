"""Regression: a config key that is not a string is a ConfigError naming it, not a KeyError.

YAML turns keys such as ``1``, ``on``, ``yes`` or ``null`` into an int, a bool or None;
``from_dict``/``from_file`` looked the offending key up by its ``str()`` and crashed with
``KeyError`` instead of reporting the unknown field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unified import ConfigError, UnifiedConfig


@pytest.mark.parametrize(("data", "field"), [
    ({1: "x"}, "1"), ({None: 1}, "None"), ({True: 1, "model": "m"}, "True"),
    ({"retry": {7: 1}}, "retry.7")])
def test_a_non_string_key_is_a_config_error_naming_it(data, field) -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedConfig.from_dict(data)
    assert info.value.field == field and str(info.value).startswith(field)


def test_a_yaml_file_with_a_boolean_key_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("model: m\non: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="True: got <hidden int>; expected one of the known"):
        UnifiedConfig.from_file(path)
