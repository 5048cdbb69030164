"""Regression: config files load like dicts and the environment do, and errors name the file.

On main ``cache: true`` in a file was refused though ``UNIFIED_CACHE=1`` works, YAML
``1e3`` arrived as a string, a key given twice silently took the last value, and a
field error from ``from_file`` did not say which file it came from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unified import CacheConfig, ConfigError, MetricsConfig, RetryConfig, UnifiedConfig


def _write(tmp_path: Path, body: str, name: str = "service.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_cache_true_in_a_file_means_the_cache_with_its_defaults(tmp_path: Path) -> None:
    config = UnifiedConfig.from_file(_write(tmp_path, "cache: true\nretry: false\n"))
    assert (config.cache, config.retry) == (CacheConfig(), None)


def test_a_section_given_as_true_matches_the_environment_flag() -> None:
    assert UnifiedConfig.from_dict({"cache": True}) == UnifiedConfig.from_env(
        {"UNIFIED_CACHE": "1"})


def test_metrics_false_turns_metrics_off() -> None:
    assert UnifiedConfig.from_dict({"metrics": False}).metrics == MetricsConfig(enabled=False)


@pytest.mark.parametrize("text", ["1e3", "1E3", "1.0e+3", "+1e3"])
def test_yaml_exponent_numbers_are_numbers(tmp_path: Path, text: str) -> None:
    config = UnifiedConfig.from_file(_write(tmp_path, f"timeout_seconds: 1\n"
                                                      f"retry:\n  max_delay: {text}\n"))
    assert config.retry == RetryConfig(max_delay=1000.0)


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "model: a\nretry:\n  max_retries: 1\n  max_retries: 5\n")
    with pytest.raises(ConfigError, match=r"line 4: key 'max_retries' given twice "
                                          r"\(first at line 3\)") as caught:
        UnifiedConfig.from_file(path)
    assert caught.value.file == str(path) and str(caught.value).startswith(str(path))


def test_a_yaml_merge_key_overridden_is_not_a_duplicate(tmp_path: Path) -> None:
    path = _write(tmp_path, "retry: &r\n  max_retries: 1\n  max_delay: 7\n"
                            "fallbacks:\n  - backend: mock\n    retry:\n"
                            "      <<: *r\n      max_retries: 2\n")
    assert UnifiedConfig.from_file(path).fallbacks[0].retry == RetryConfig(max_retries=2,
                                                                            max_delay=7)


@pytest.mark.parametrize("name", ["service.yaml", "service.toml"])
def test_a_field_error_from_a_file_names_the_file(tmp_path: Path, name: str) -> None:
    body = "[retry]\nmax_retries = -1\n" if name.endswith(".toml") else \
        "retry:\n  max_retries: -1\n"
    path = _write(tmp_path, body, name)
    with pytest.raises(ConfigError) as caught:
        UnifiedConfig.from_file(path)
    error = caught.value
    assert error.file == str(path) and error.field == "retry.max_retries"
    assert str(error).startswith(f"{path}: retry.max_retries: got -1")
