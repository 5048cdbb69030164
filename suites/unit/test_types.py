"""Canonical request/response values."""

from __future__ import annotations

import dataclasses

from unified import LMRequest, LMResponse, Message, Usage
from unified._request_config import DEFAULT_OPTIONS


def test_request_drops_none_params_and_canonicalises() -> None:
    a = LMRequest("m", [Message("user", "hi")], params={"temperature": None, "max_tokens": 5})
    b = LMRequest("m", (Message("user", "hi"),), params={"max_tokens": 5})
    assert a.canonical() == b.canonical()
    assert a.params == {"max_tokens": 5}


def test_chat_messages_put_the_system_prompt_first() -> None:
    request = LMRequest("m", [Message("user", "q")], system="be brief")
    assert request.chat_messages() == [{"role": "system", "content": "be brief"},
                                       {"role": "user", "content": "q"}]


def test_last_user_text_skips_assistant_turns() -> None:
    request = LMRequest("m", [Message("user", "first"), Message("assistant", "x")])
    assert request.last_user_text == "first"
    assert LMRequest("m", []).last_user_text == ""


def test_response_round_trips_through_its_dict() -> None:
    response = LMResponse("t", "length", Usage(3, 4), backend="mock", endpoint="e", model="m")
    assert LMResponse.from_dict(response.to_dict()) == response
    assert response.usage.total_tokens == 7


def test_a_text_response_built_by_of_text_equals_the_constructed_one() -> None:
    fast = LMResponse.of_text("hi", "length", Usage(3, 1), backend="mock", model="m")
    built = LMResponse(text="hi", finish_reason="length", usage=Usage(3, 1), backend="mock",
                       model="m")
    assert (fast, repr(fast), hash(fast.usage)) == (built, repr(built), hash(built.usage))


def test_counted_usage_equals_the_constructed_one() -> None:
    assert (Usage.counted(3, 4), Usage.counted(3, 4).total_tokens) == (Usage(3, 4), 7)


def test_a_rewritten_request_no_longer_carries_its_source() -> None:
    translated = LMRequest.of_fields(model="m", messages=(Message("user", "q"),), system=None,
                                     params={}, tools=(), tool_choice=None, reasoning=None,
                                     prompt_cache=None, options=DEFAULT_OPTIONS, source="dspy")
    rewritten = dataclasses.replace(translated, params={"temperature": 0.5})
    assert (translated.source, rewritten.source) == ("dspy", None)
