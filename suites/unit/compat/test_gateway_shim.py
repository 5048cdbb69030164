"""The ``dspy_gateway_backend`` shim (spec section 2): the real gateway backend on a
scripted ``httpx.MockTransport`` gateway, and the mock backend."""

from __future__ import annotations

import dspy
import httpx
import pytest

from unified import BadRequestError, Clock, MockBackend, ServerError
from unified.compat.configs import DSPyGatewayConfig
from unified.compat.dspy_gateway_backend import (
    FALLBACK_CONTENT,
    DSPyGatewayLM,
    TidyLLMGatewayBackend,
    configure_dspy_with_gateway,
    extract_content,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MESSAGES = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def make_backend(fake_clock):
    def make(script, **config):
        return TidyLLMGatewayBackend(DSPyGatewayConfig(**config), transport=script.transport,
                                     clock=fake_clock.as_clock())
    return make


def test_query_posts_the_legacy_wire_format(gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("Hi!"))
    make_backend(script, gateway_uri="http://gw:5000", api_key="k").query(
        "claude-3-haiku", MESSAGES, top_p=0.5)
    request = script.requests[0]
    assert str(request.url) == "http://gw:5000/gateway/claude-3-haiku/invocations"
    assert script.body() == {"messages": MESSAGES, "temperature": 0.1, "max_tokens": 1000,
                             "top_p": 0.5}
    assert request.headers["authorization"] == "Bearer k"
    assert request.headers["content-type"] == "application/json"


def test_query_returns_the_gateways_json(gateway, openai_reply, make_backend) -> None:
    answer = make_backend(gateway(openai_reply("Hi!"))).query("r", MESSAGES)
    assert answer["choices"][0]["message"]["content"] == "Hi!" and extract_content(answer) == "Hi!"


def test_server_errors_are_tried_max_retries_times_with_1s_2s_sleeps(
        gateway, openai_reply, make_backend, fake_clock) -> None:
    script = gateway(openai_reply("x", 503), openai_reply("x", 500), openai_reply("ok"))
    assert extract_content(make_backend(script).query("r", MESSAGES)) == "ok"
    assert len(script.requests) == 3 and fake_clock.sleeps == [1.0, 2.0]


def test_a_failure_after_every_try_returns_the_fallback_dict(
        gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("x", 502))
    answer = make_backend(script).query("r", MESSAGES)
    assert set(answer) == {"error", "endpoint", "timestamp", "fallback", "content"}
    assert (answer["fallback"], answer["endpoint"], answer["content"]) == \
        (True, "r", FALLBACK_CONTENT)
    assert len(script.requests) == 3


def test_connection_errors_are_retried_then_fall_back(gateway, make_backend) -> None:
    script = gateway(httpx.ConnectError("refused"))
    answer = make_backend(script, max_retries=2).query("r", MESSAGES)
    assert answer["fallback"] is True and len(script.requests) == 2


def test_client_errors_fall_back_without_a_retry(gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("bad", 400))
    assert make_backend(script).query("r", MESSAGES)["fallback"] is True
    assert len(script.requests) == 1


def test_rate_limits_are_not_retried_by_the_legacy_gateway(
        gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("slow down", 429))
    assert make_backend(script).query("r", MESSAGES)["fallback"] is True
    assert len(script.requests) == 1


def test_identical_queries_are_served_from_memory(gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("once"))
    backend = make_backend(script)
    first, second = backend.query("r", MESSAGES), backend.query("r", MESSAGES)
    assert extract_content(first) == extract_content(second) == "once"
    assert len(script.requests) == 1 and backend.get_metrics()["total_requests"] == 2


def test_get_metrics_counts_requests_failures_and_routes(
        gateway, openai_reply, make_backend) -> None:
    script = gateway(openai_reply("ok"), openai_reply("x", 404))
    backend = make_backend(script)
    backend.query("b", MESSAGES)
    backend.query("a", MESSAGES)
    assert backend.get_metrics() == {"total_requests": 2, "failed_requests": 1,
                                     "endpoints_used": ["a", "b"]}


def test_the_fallback_timestamp_comes_from_the_injected_clock() -> None:
    backend = TidyLLMGatewayBackend(backend=MockBackend(["x"], errors=[BadRequestError("no")]),
                                    clock=Clock(wall=lambda: 0.0))
    assert backend.query("r", MESSAGES)["timestamp"].startswith("1970-01-01T")


def test_extract_content_prefers_a_top_level_content() -> None:
    assert extract_content({"content": "a", "choices": [{"message": {"content": "b"}}]}) == "a"
    with pytest.raises(ValueError):
        extract_content({})


def test_the_gateway_lm_answers_a_dspy_program(fields) -> None:
    lm = DSPyGatewayLM("chat", backend=MockBackend([fields(answer="yes")]))
    with dspy.context(lm=lm):
        assert dspy.Predict("question -> answer")(question="q").answer == "yes"
    assert lm.model == "gateway/chat" and isinstance(lm, dspy.BaseLM)


def test_the_gateway_lm_sends_one_flattened_user_message_as_the_legacy_lm(gateway,
                                                                         fields) -> None:
    script = gateway(lambda request: httpx.Response(200, json={"choices": [{"message": {
        "role": "assistant", "content": fields(answer="ok")}}]}))
    lm = DSPyGatewayLM("chat", "http://gw", transport=script.transport)
    with dspy.context(lm=lm):
        dspy.Predict("question -> answer")(question="What?")
    (message,) = script.body()["messages"]
    assert message["role"] == "user"
    assert message["content"].startswith("System: Your input fields are:")
    assert "\n\nUser: [[ ## question ## ]]\nWhat?" in message["content"]
    assert script.body()["temperature"] == 0.1 and script.body()["max_tokens"] == 1000


def test_an_unavailable_route_raises_runtime_error_from_the_unified_error() -> None:
    lm = DSPyGatewayLM("chat", backend=MockBackend(["x"], errors=[BadRequestError("no")]))
    with pytest.raises(RuntimeError, match="unavailable") as caught, dspy.context(lm=lm):
        dspy.Predict("question -> answer")(question="q")
    assert isinstance(caught.value.__cause__, BadRequestError)


def test_server_errors_of_the_lm_are_retried_by_the_route_pipeline(fake_clock, fields) -> None:
    backend = MockBackend([fields(answer="late")], errors=[ServerError("x")] * 2)
    lm = DSPyGatewayLM("chat", backend=backend, clock=fake_clock.as_clock())
    with dspy.context(lm=lm):
        assert dspy.Predict("question -> answer")(question="q").answer == "late"
    assert fake_clock.sleeps == [1.0, 2.0]


def test_configure_dspy_with_gateway_sets_the_global_lm(fields) -> None:
    try:
        lm = configure_dspy_with_gateway("chat", backend=MockBackend([fields(answer="g")]))
        assert dspy.settings.lm is lm and dspy.Predict("question -> answer")(question="q").answer == "g"
    finally:
        dspy.configure(lm=None)


def test_a_zero_cache_size_turns_the_memory_cache_off(gateway, openai_reply, fake_clock) -> None:
    script = gateway(openai_reply("fresh"))
    backend = TidyLLMGatewayBackend(transport=script.transport, clock=fake_clock.as_clock(),
                                    cache_size=0)
    backend.query("r", MESSAGES)
    backend.query("r", MESSAGES)
    assert len(script.requests) == 2


def test_the_configured_lm_over_the_automatic_mock_answers_usable_fields() -> None:
    try:
        configure_dspy_with_gateway("chat", backend=MockBackend())
        assert dspy.Predict("question -> answer")(question="q").answer == "mock answer"
    finally:
        dspy.configure(lm=None)
