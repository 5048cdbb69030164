"""Scrub rules: the defaults and rules from a file."""

from __future__ import annotations

import pytest

from harness.parity.importers.scrub import RulesError, load_rules, scrub


def _text(value: str, rules=None) -> str:  # type: ignore[no-untyped-def]
    return scrub({"request": {"q": value}}, *(rules and [rules] or []))["request"]["q"]


@pytest.mark.parametrize(("raw", "placeholder"), [
    ("call +44 20 7946 0958 now", "<phone>"),
    ("IBAN DE89 3704 0044 0532 0130 00 please", "<iban>"),
    ("card 5500-0000-0000-0004 used", "<card-number>"),
    ("mail a.b@example.org", "<email>"),
    ("Authorization: Bearer abcdefgh12345678", "<bearer-token>"),
])
def test_default_rules_replace_personal_data_with_a_placeholder(raw, placeholder) -> None:
    assert placeholder in _text(raw)


def test_a_number_that_fails_the_luhn_check_is_not_taken_for_a_card() -> None:
    assert _text("order 1234567890123456") == "order 1234567890123456"


def test_secret_named_fields_and_configured_paths_are_redacted(tmp_path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("regex: [{name: employee, pattern: 'EMP-\\d{4}'}]\n"
                          "fields: [request.tenant]\n")
    rules = load_rules(rules_file)
    out = scrub({"request": {"tenant": "acme", "api_key": "x", "q": "EMP-1234 asked"}}, rules)
    assert out["request"] == {"tenant": "<redacted>", "api_key": "<redacted>",
                              "q": "<employee> asked"}


def test_a_rules_file_with_a_bad_pattern_names_the_entry(tmp_path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("regex: [{name: x, pattern: '('}]\n")
    with pytest.raises(RulesError, match=r"regex\[0\]"):
        load_rules(rules_file)
