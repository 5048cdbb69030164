"""Regression: the provider factories' "100% LLM failure" bug (spec section 9).

Two misuses made every call fail while looking like it worked:
``claude(prompt, model="claude-3-haiku")`` and ``chat(message, provider)`` (which
returned the inner function, printed by callers as the answer). Both must raise a
``TypeError`` that shows the correct call; correct use must return real text.
"""

from __future__ import annotations

import inspect

import pytest

from unified import MockBackend, ServerError
from unified.compat.providers import (
    ChatFunction,
    LLMMessage,
    Provider,
    bedrock,
    chat,
    claude,
    gateway,
    openai,
)

PROMPT = "Explain the difference between a list and a tuple in Python"


def test_a_prompt_where_the_model_belongs_raises_type_error_showing_the_right_call() -> None:
    with pytest.raises(TypeError) as caught:
        claude(PROMPT, model="claude-3-haiku")
    message = str(caught.value)
    assert "chat(claude(model='claude-3-haiku'))(" in message and "Explain the" in message


def test_a_message_where_the_provider_belongs_raises_type_error_showing_the_right_call() -> None:
    provider = claude(model="claude-3-haiku")
    with pytest.raises(TypeError) as caught:
        chat(PROMPT, provider)  # type: ignore[arg-type]
    assert "chat(claude(model='claude-3-haiku'))('Explain the" in str(caught.value)


@pytest.mark.parametrize("factory", [claude, openai, bedrock, gateway])
def test_every_factory_refuses_a_prompt_like_first_argument(factory) -> None:
    with pytest.raises(TypeError, match=r"chat\("):
        factory("What is\nthe capital of France?")


def test_an_llm_message_as_the_model_is_refused() -> None:
    with pytest.raises(TypeError, match="not a prompt"):
        claude(LLMMessage("hi"))  # type: ignore[arg-type]


def test_an_llm_message_where_the_provider_belongs_is_refused() -> None:
    with pytest.raises(TypeError, match="provider first"):
        chat(LLMMessage("hi"))  # type: ignore[arg-type]


def test_correct_use_end_to_end_returns_the_answer_text() -> None:
    ask = chat(claude(model="claude-3-haiku", backend=MockBackend(["A tuple is immutable."])))
    answer = ask(PROMPT)
    assert isinstance(answer, str) and answer and not answer.startswith("Chat error:")
    assert answer == "A tuple is immutable."


def test_an_llm_message_is_sent_with_its_role_and_params() -> None:
    backend = MockBackend(["ok"])
    ask = chat(gateway("chat", backend=backend), temperature=0.2)
    assert ask(LLMMessage(PROMPT)) == "ok"
    request = backend.requests[0]
    assert (request.messages[0].role, request.messages[0].content) == ("user", PROMPT)
    assert request.params == {"temperature": 0.2}


def test_a_backend_failure_comes_back_as_a_chat_error_string() -> None:
    ask = chat(bedrock("claude-3-haiku", backend=MockBackend(errors=[ServerError("throttled")])))
    assert ask(PROMPT) == "Chat error: ServerError: throttled"


def test_streaming_yields_the_answer_in_chunks() -> None:
    chunks = chat(openai(backend=MockBackend(["streamed"])), stream=True)("hi")
    assert "".join(chunks) == "streamed"


def test_the_factories_call_nothing_and_describe_the_provider() -> None:
    provider = bedrock("claude-3-haiku")
    assert isinstance(provider, Provider) and repr(provider) == "bedrock(model='claude-3-haiku')"
    assert provider.config.model == "anthropic.claude-3-haiku-20240307-v1:0"


def test_a_chat_function_does_not_print_like_an_answer() -> None:
    ask = chat(claude())
    assert isinstance(ask, ChatFunction) and "call it with a message" in repr(ask)


def test_the_documented_signatures_are_kept() -> None:
    model = inspect.signature(claude).parameters["model"]
    assert model.default == "claude-3-5-sonnet"
    assert list(inspect.signature(chat).parameters) == ["provider", "stream", "params"]
