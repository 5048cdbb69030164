"""DirectBackend: litellm against the scripted OpenAI-compatible upstream.

Every call reaches ``harness.stack.upstream.ScriptedUpstream`` on 127.0.0.1 through litellm and
the OpenAI SDK, so request counts prove that neither of them retries behind the pipeline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from harness.stack.upstream import Fault, Reply, closed_port
from unified import (
    AuthError,
    BadRequestError,
    ConnectionError,
    LMRequest,
    Message,
    NotFoundError,
    RateLimitError,
    RetryConfig,
    ServerError,
    TimeoutError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._backends.direct import DirectBackend, provider_of
from unified._backends.mock import format_fields

SECRET = "sk-unified-test-5e1d0c"
REQUEST = LMRequest("m", [Message("user", "What is 2+2?")], system="You are terse.",
                    params={"temperature": 0.0, "max_tokens": 64})


def config(api_base: str, **changes) -> UnifiedConfig:
    """A direct config for ``openai/gpt-4o-mini`` at ``api_base``."""
    return UnifiedConfig(**{"backend": "direct", "model": "openai/gpt-4o-mini",
                            "api_base": api_base, "api_key": SECRET, **changes})


def backend_for(upstream, **changes) -> DirectBackend:
    """A direct backend calling the scripted upstream."""
    return DirectBackend(config(upstream.base_url, **changes))


def wrapper_for(upstream, fake_clock, **changes) -> UnifiedDSPyWrapper:
    """A wrapper on the scripted upstream whose pipeline never really sleeps."""
    return UnifiedDSPyWrapper(config(upstream.base_url, **changes), clock=fake_clock.as_clock())


def test_a_chain_of_thought_program_runs_end_to_end_through_litellm(upstream, fake_clock) -> None:
    upstream.script(Reply(format_fields({"reasoning": "2 and 2 make 4.", "answer": "4"})))
    with wrapper_for(upstream, fake_clock) as wrapper:
        prediction = wrapper.create_module("question -> answer", "chain_of_thought").predict(
            question="What is 2+2?")
    assert (prediction.answer, prediction.reasoning) == ("4", "2 and 2 make 4.")


def test_the_wire_request_is_the_openai_chat_body(upstream) -> None:
    backend_for(upstream).complete(REQUEST)
    sent = upstream.chat_requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.json == {"model": "gpt-4o-mini", "temperature": 0.0, "max_tokens": 64,
                         "messages": [{"role": "system", "content": "You are terse."},
                                      {"role": "user", "content": "What is 2+2?"}]}
    assert sent.headers["authorization"] == f"Bearer {SECRET}"


def test_usage_numbers_come_from_the_provider_answer(upstream) -> None:
    upstream.script(Reply("four", usage={"prompt_tokens": 21, "completion_tokens": 3}))
    usage = backend_for(upstream).complete(REQUEST).usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (21, 3, 24)


def test_async_calls_go_through_acompletion(upstream) -> None:
    response = asyncio.run(backend_for(upstream).acomplete(REQUEST))
    assert response.text == "echo: What is 2+2?"


@pytest.mark.parametrize(("fault", "error"), [
    (Fault(429), RateLimitError), (Fault(500), ServerError), (Fault(503), ServerError),
    (Fault(kind="html", status=502), ServerError), (Fault(400), BadRequestError),
    (Fault(401), AuthError), (Fault(403), AuthError), (Fault(404), NotFoundError),
    (Fault(kind="broken_json"), ServerError), (Fault(kind="no_choices"), ServerError),
    (Fault(kind="reset"), ConnectionError),
], ids=["429", "500", "503", "html-502", "400", "401", "403", "404", "broken_json",
        "no_choices", "reset"])
def test_provider_failures_map_to_the_taxonomy(upstream, fault, error) -> None:
    upstream.script(fault)
    with pytest.raises(error) as info:
        backend_for(upstream).complete(REQUEST)
    assert info.value.backend == "direct" and info.value.endpoint == upstream.base_url


def test_a_refused_connection_is_a_connection_error() -> None:
    backend = DirectBackend(config(f"http://127.0.0.1:{closed_port()}/v1"))
    with pytest.raises(ConnectionError, match="no HTTP answer"):
        backend.complete(REQUEST)


def test_retry_after_seconds_set_the_pipelines_wait(upstream, fake_clock) -> None:
    upstream.script(Fault(429, retry_after="7"), Reply("four"))
    with wrapper_for(upstream, fake_clock, retry=RetryConfig(max_retries=1)) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "four"
    assert fake_clock.sleeps == [7.0]


def test_transient_failures_are_retried_by_the_pipeline_with_its_backoff(
        upstream, fake_clock) -> None:
    upstream.script(Fault(503), Fault(500), Reply("four"))
    retry = RetryConfig(max_retries=2, base_delay=0.5, backoff_factor=3.0)
    with wrapper_for(upstream, fake_clock, retry=retry) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "four"
    assert fake_clock.sleeps == [0.5, 1.5] and len(upstream.chat_requests) == 3


def test_permanent_failures_are_not_retried(upstream, fake_clock) -> None:
    upstream.script(Fault(401), Reply("never"))
    with wrapper_for(upstream, fake_clock, retry=RetryConfig()) as wrapper, \
            pytest.raises(AuthError):
        wrapper.pipeline.complete(REQUEST)
    assert fake_clock.sleeps == [] and len(upstream.chat_requests) == 1


def test_neither_litellm_nor_the_openai_sdk_retries_behind_the_pipeline(
        upstream, fake_clock) -> None:
    upstream.script(*[Fault(500)] * 5)
    records = []
    with wrapper_for(upstream, fake_clock, retry=RetryConfig(max_retries=1)) as wrapper:
        wrapper.pipeline.listeners.append(records.append)
        with pytest.raises(ServerError):
            wrapper.pipeline.complete(REQUEST)
    assert len(upstream.chat_requests) == len(records[0].attempts) == 2


def test_a_reply_slower_than_the_timeout_is_a_timeout_error(upstream) -> None:
    upstream.script(Fault(kind="timeout", delay=1.0))
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        backend_for(upstream, timeout_seconds=0.2).complete(REQUEST)
    assert time.perf_counter() - started < 0.9 and len(upstream.chat_requests) == 1


def test_empty_content_passes_through_for_validation_to_judge(upstream) -> None:
    upstream.script(Fault(kind="empty"))
    assert backend_for(upstream).complete(REQUEST).text == ""


def test_a_length_cut_answer_passes_through_with_its_finish_reason(upstream) -> None:
    upstream.script(Fault(kind="length", body="one two three four"))
    response = backend_for(upstream).complete(REQUEST)
    assert (response.text, response.finish_reason) == ("one two", "length")


def test_the_provider_key_variable_is_used_when_no_key_is_configured(upstream) -> None:
    backend = DirectBackend(config(upstream.base_url, api_key=None),
                            environ={"OPENAI_API_KEY": "sk-from-env"})
    backend.complete(REQUEST)
    assert upstream.chat_requests[0].headers["authorization"] == "Bearer sk-from-env"
    assert backend.get_info()["api_key_source"] == "OPENAI_API_KEY"


def test_the_provider_is_the_model_prefix_or_a_known_bare_name() -> None:
    assert [provider_of(m) for m in ("anthropic/claude-3-haiku", "gpt-4o", "claude-3-opus",
                                     "llama3")] == ["anthropic", "openai", "anthropic", None]


def test_the_key_never_appears_in_info_repr_logs_or_errors(upstream, fake_clock, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="unified")
    upstream.script(Fault(401, body=json.dumps({"error": {"message": f"bad key {SECRET}"}})))
    with wrapper_for(upstream, fake_clock) as wrapper, pytest.raises(AuthError) as info:
        shown = [repr(wrapper), repr(wrapper.backend), json.dumps(wrapper.get_info())]
        wrapper.pipeline.complete(REQUEST)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("unified")]
    shown += [str(info.value), repr(info.value), *ours]
    assert not [text for text in shown if SECRET in text]
    assert "***" in str(info.value)
