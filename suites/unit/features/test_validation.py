"""Validation rules and their reason codes, in the documented order."""

from __future__ import annotations

import pytest

from unified import ValidationConfig
from unified._features.validation import PASSED, output_text, validate_text
from unified.compat.dspy_enhanced import SECURITY_FORBIDDEN_KEYWORDS as SECURITY_KEYWORDS


@pytest.mark.parametrize(("config", "text", "reason"), [
    (ValidationConfig(min_length=5), "abc", "too_short"),
    (ValidationConfig(max_length=2), "abc", "too_long"),
    (ValidationConfig(required_keywords=("Paris",)), "it is lyon", "missing_required_keywords"),
    (ValidationConfig(forbidden_keywords=SECURITY_KEYWORDS), "x <SCRIPT> y",
     "contains_forbidden_keywords"),
    (ValidationConfig(pattern=r"^\d+$"), "abc", "pattern_mismatch"),
    (ValidationConfig(validators=(lambda t: t.startswith("ok"),)), "nope",
     "custom_validator_failed"),
    (ValidationConfig(min_length=1, required_keywords=("paris",)), "PARIS!", PASSED),
])
def test_each_rule_gives_its_reason_code(config, text, reason) -> None:
    assert validate_text(text, config) == (reason == PASSED, reason)


def test_the_first_failing_rule_wins() -> None:
    config = ValidationConfig(min_length=10, forbidden_keywords=("x",))
    assert validate_text("x", config) == (False, "too_short")


def test_a_crashing_custom_validator_is_a_failed_validation() -> None:
    config = ValidationConfig(validators=(lambda t: 1 / 0,))
    assert validate_text("x", config) == (False, "custom_validator_failed")


def test_output_text_joins_chat_adapter_fields_without_markers() -> None:
    text = "[[ ## reasoning ## ]]\nthink\n\n[[ ## answer ## ]]\n42\n\n[[ ## completed ## ]]"
    assert output_text(text) == "think\n42"


def test_output_text_of_plain_text_is_the_text() -> None:
    assert output_text("plain") == "plain"
