"""``unified._errors.scrub``: the one redaction of provider text, error details and
recorded telemetry content."""

from __future__ import annotations

import pytest

from unified._backends.common import DETAIL_LIMIT, redact
from unified._errors import scrub


def test_a_configured_secret_is_replaced_wherever_it_appears() -> None:
    assert scrub("key=abc123 and abc123", ["abc123", None, ""]) == "key=*** and ***"


@pytest.mark.parametrize("shaped", ["sk-proj-ABCDEFGHIJKLMNOPQRSTUV",
                                    "AKIAABCDEFGHIJKLMNOP", "Bearer eyJhbGciOiJIUzI1NiJ9.e30"])
def test_text_shaped_like_a_key_is_replaced_even_when_not_configured(shaped: str) -> None:
    assert scrub(f"echo: {shaped} end", []) == "echo: *** end"


def test_ordinary_words_are_kept() -> None:
    text = "sk-short, AKIA, a bearer of news, task-management"
    assert scrub(text, []) == text


def test_an_error_detail_gets_the_same_redaction_and_is_cut() -> None:
    detail = redact("invalid key sk-live-ABCDEFGHIJKLMNOPQRSTUV " + "x" * 400, [])
    assert detail.startswith("invalid key *** ")
    assert len(detail) == DETAIL_LIMIT
