"""MockBackend: scripted answers, errors, latency, recording, DSPy formatting."""

from __future__ import annotations

import pytest

from unified import LMRequest, Message, MockBackend, NotFoundError, ServerError
from unified._backends.mock import format_fields


def request(text: str = "hello world", system: str | None = None) -> LMRequest:
    return LMRequest("m", [Message("user", text)], system=system)


def test_list_answers_are_given_in_order_then_cycled() -> None:
    backend = MockBackend(["a", "b"])
    assert [backend.complete(request()).text for _ in range(3)] == ["a", "b", "a"]


def test_mapping_answers_match_a_substring_of_the_last_user_message() -> None:
    backend = MockBackend({"capital": "Paris", "sum": "4"})
    assert backend.complete(request("what is the sum")).text == "4"


def test_mapping_without_a_match_is_a_not_found_error() -> None:
    with pytest.raises(NotFoundError, match="no scripted answer"):
        MockBackend({"x": "y"}).complete(request("zzz"))


def test_callable_answers_see_the_request() -> None:
    backend = MockBackend(lambda r: r.last_user_text.upper())
    assert backend.complete(request("shout")).text == "SHOUT"


def test_dict_answers_are_formatted_for_dspys_chat_adapter() -> None:
    assert format_fields({"answer": "4"}) == "[[ ## answer ## ]]\n4\n\n[[ ## completed ## ]]"
    assert MockBackend([{"answer": "4"}]).complete(request()).text == format_fields(
        {"answer": "4"})


def test_scripted_errors_fail_the_first_calls_then_it_answers() -> None:
    backend = MockBackend(["ok"], errors=[ServerError("down"), ServerError, None])
    for _ in range(2):
        with pytest.raises(ServerError):
            backend.complete(request())
    assert backend.complete(request()).text == "ok"
    assert backend.call_count == 3


def test_latency_goes_through_the_injected_sleep() -> None:
    sleeps: list[float] = []
    MockBackend(["x"], latency=0.25, sleep=sleeps.append).complete(request())
    assert sleeps == [0.25]


def test_usage_counts_whitespace_tokens_of_prompt_and_answer() -> None:
    response = MockBackend(["one two three"]).complete(request("a b", system="c d e"))
    assert (response.usage.input_tokens, response.usage.output_tokens) == (5, 3)


def test_auto_answers_fill_the_output_fields_dspy_asks_for() -> None:
    system = "Your output fields are:\n1. `answer` (str):\n2. `score` (int):\nAll done"
    text = MockBackend().complete(request(system=system)).text
    assert text == format_fields({"answer": "mock answer", "score": "mock score"})


def test_auto_answer_without_a_dspy_prompt_echoes() -> None:
    assert MockBackend().complete(request("ping")).text == "mock answer to: ping"


def test_requests_are_recorded_and_identity_names_the_endpoint() -> None:
    backend = MockBackend(["x"], endpoint="mock://a", model="mm")
    backend.complete(request("hi"))
    assert backend.requests[0].last_user_text == "hi"
    assert backend.identity().to_dict() == {"kind": "mock", "endpoint": "mock://a",
                                            "model": "mm"}


def test_responses_must_be_a_list_mapping_or_callable() -> None:
    with pytest.raises(TypeError):
        MockBackend("just a string")  # type: ignore[arg-type]
