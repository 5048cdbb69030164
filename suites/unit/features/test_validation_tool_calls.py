"""Validation reads the text answer; tool-call-only responses meet only rules that say so."""

from __future__ import annotations

import pytest

from suites.unit.features.conftest import FnBackend
from unified import LMRequest, LMResponse, Message, ValidationConfig, ValidationError
from unified._features.base import CallTrace
from unified._features.validation import TOOL_CALLS_SKIPPED, Validated, tool_call_rule
from unified._types import TextPart, ThinkingPart, ToolCallPart

REQ = LMRequest("m", [Message("user", "q")])
CALL_ONLY = LMResponse(parts=(ToolCallPart("c1", "search", {"q": "x"}),), finish_reason="tool_call")


def _run(config: ValidationConfig, response: LMResponse) -> CallTrace:
    return Validated(FnBackend(lambda request: response), config).complete(REQ).trace


def test_a_tool_call_only_response_is_not_failed_by_text_rules() -> None:
    trace = _run(ValidationConfig(min_length=5, required_keywords=["answer"]), CALL_ONLY)
    assert trace.validation == TOOL_CALLS_SKIPPED


def test_a_rule_marked_for_tool_calls_sees_the_calls_as_json() -> None:
    seen: list[str] = []
    rule = tool_call_rule(lambda calls: seen.append(calls) or "search" in calls)
    _run(ValidationConfig(min_length=5, validators=[rule]), CALL_ONLY)
    assert seen == ['[{"input":{"q":"x"},"name":"search"}]']


def test_a_rule_marked_for_tool_calls_can_fail_them() -> None:
    with pytest.raises(ValidationError) as err:
        _run(ValidationConfig(validators=[tool_call_rule(lambda calls: "delete" in calls)]),
             CALL_ONLY)
    assert err.value.reason == "custom_validator_failed"


def test_the_text_answer_is_validated_without_the_thinking() -> None:
    response = LMResponse(parts=(ThinkingPart("secret plan"), TextPart("fine answer")))
    with pytest.raises(ValidationError):
        _run(ValidationConfig(required_keywords=["secret"]), response)


def test_text_next_to_tool_calls_is_still_validated() -> None:
    response = LMResponse(parts=(TextPart("hi"), ToolCallPart("c1", "search", {})))
    with pytest.raises(ValidationError):
        _run(ValidationConfig(min_length=5), response)
