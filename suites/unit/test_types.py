"""Canonical request/response values."""

from __future__ import annotations

from unified import LMRequest, LMResponse, Message, Usage


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
