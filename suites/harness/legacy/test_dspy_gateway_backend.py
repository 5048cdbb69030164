"""The legacy gateway backend and its DSPy LM (spec section 2), over httpx.MockTransport."""

from __future__ import annotations

import json
import warnings

import dspy
import httpx
import pytest

from harness.legacy.dspy_gateway_backend import (
    FALLBACK_CONTENT,
    DSPyGatewayConfig,
    DSPyGatewayLM,
    TidyLLMGatewayBackend,
    configure_dspy_with_gateway,
    extract_content,
)

OK = httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": "hello"}}]})


@pytest.fixture
def make_backend(sleeps, clock):
    def make(gateway, **config):
        return TidyLLMGatewayBackend(DSPyGatewayConfig(**config), http_client=gateway.client(),
                                     sleep=sleeps, now=clock.now)
    return make


def test_the_default_config_matches_the_legacy_defaults():
    assert DSPyGatewayConfig() == DSPyGatewayConfig(
        gateway_uri="http://localhost:5000", route="claude-3-sonnet", temperature=0.1,
        max_tokens=1000, timeout=30.0, max_retries=3, api_key=None)


def test_query_posts_the_exact_url_headers_and_body(make_backend, fake_gateway):
    gateway = fake_gateway(OK)
    backend = make_backend(gateway, gateway_uri="http://gw.test:5000/", api_key="sk-1")
    messages = [{"role": "user", "content": "hi"}]
    assert backend.query("claude-3-haiku", messages) == OK.json()
    (request,) = gateway.requests
    assert request.method == "POST"
    assert str(request.url) == "http://gw.test:5000/gateway/claude-3-haiku/invocations"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "TidyLLM-Gateway/1.0"
    assert request.headers["authorization"] == "Bearer sk-1"
    assert json.loads(request.content) == {"messages": messages, "temperature": 0.1, "max_tokens": 1000}


def test_no_authorization_header_is_sent_without_an_api_key(make_backend, fake_gateway):
    gateway = fake_gateway(OK)
    make_backend(gateway).query("r", [])
    assert "authorization" not in gateway.requests[0].headers


def test_query_params_are_merged_into_the_body_over_the_config(make_backend, fake_gateway):
    gateway = fake_gateway(OK)
    make_backend(gateway).query("r", [], temperature=0.9, top_p=0.5)
    assert gateway.bodies() == [{"messages": [], "temperature": 0.9, "max_tokens": 1000, "top_p": 0.5}]


def test_server_errors_are_tried_max_retries_times_in_all_sleeping_1_then_2_seconds(
        make_backend, fake_gateway, sleeps):
    gateway = fake_gateway(default=httpx.Response(503, text="down"))
    answer = make_backend(gateway).query("r", [])
    assert len(gateway.requests) == 3 and sleeps.delays == [1, 2]
    assert answer["fallback"] is True and "503" in answer["error"]


def test_connection_errors_are_retried_until_a_try_succeeds(make_backend, fake_gateway, sleeps):
    gateway = fake_gateway(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), OK)
    assert extract_content(make_backend(gateway).query("r", [])) == "hello"
    assert sleeps.delays == [1, 2]


def test_a_client_error_is_not_retried(make_backend, fake_gateway, sleeps):
    gateway = fake_gateway(default=httpx.Response(401, text="no"))
    answer = make_backend(gateway).query("r", [])
    assert len(gateway.requests) == 1 and sleeps.delays == [] and answer["fallback"] is True


def test_the_fallback_dict_has_the_documented_shape(make_backend, fake_gateway, clock):
    answer = make_backend(fake_gateway(default=httpx.ConnectError("refused"))).query("route-x", [])
    assert answer == {"error": "ConnectError: refused", "endpoint": "route-x",
                      "timestamp": clock.now().isoformat(), "fallback": True,
                      "content": FALLBACK_CONTENT}
    assert FALLBACK_CONTENT == "I apologize, but I'm temporarily unavailable..."


def test_an_identical_request_is_answered_from_the_memory_cache(make_backend, fake_gateway):
    gateway = fake_gateway(OK, OK)
    backend = make_backend(gateway)
    first = backend.query("r", [{"role": "user", "content": "x"}])
    second = backend.query("r", [{"role": "user", "content": "x"}])
    backend.query("other", [{"role": "user", "content": "x"}])
    assert first == second and len(gateway.requests) == 2


def test_get_metrics_counts_requests_failures_and_routes(make_backend, fake_gateway):
    backend = make_backend(fake_gateway(OK, httpx.Response(404)), max_retries=1)
    backend.query("b-route", [])
    backend.query("a-route", [])
    assert backend.get_metrics() == {"total_requests": 2, "failed_requests": 1,
                                     "endpoints_used": ["a-route", "b-route"]}


def test_the_response_text_is_content_first_then_the_first_choice():
    assert extract_content({"content": "direct", "choices": [{"message": {"content": "no"}}]}) == "direct"
    assert extract_content({"choices": [{"message": {"content": "chosen"}}]}) == "chosen"
    with pytest.raises(ValueError):
        extract_content({"unexpected": 1})


def test_the_lm_flattens_the_chat_into_one_user_message(fake_gateway):
    gateway = fake_gateway(OK)
    lm = DSPyGatewayLM("claude-3-sonnet", "http://gw.test", http_client=gateway.client())
    lm.forward(messages=[{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "Hi"},
                         {"role": "assistant", "content": "Hello"},
                         {"role": "user", "content": [{"type": "text", "text": "Again"}]}])
    assert gateway.bodies()[0]["messages"] == [{"role": "user", "content":
                                                "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: Again"}]


def test_calling_the_lm_returns_the_content_in_a_list(fake_gateway):
    lm = DSPyGatewayLM(http_client=fake_gateway(OK).client())
    assert lm("hi") == ["hello"]
    assert lm.model == "gateway/claude-3-sonnet"


def test_the_lm_raises_runtime_error_instead_of_returning_the_fallback(fake_gateway, sleeps):
    lm = DSPyGatewayLM(http_client=fake_gateway(default=httpx.Response(500)).client(), sleep=sleeps)
    with pytest.raises(RuntimeError, match="unavailable"):
        lm("hi")


def test_a_dspy_program_runs_through_the_gateway_lm(fake_gateway, gateway_dspy_reply):
    gateway = fake_gateway(default=gateway_dspy_reply)
    lm = DSPyGatewayLM("r", http_client=gateway.client())
    with dspy.context(lm=lm):
        prediction = dspy.Predict("question -> answer")(question="What?")
    assert prediction.answer == "answer value"
    (message,) = gateway.bodies()[0]["messages"]
    assert message["role"] == "user" and message["content"].startswith("System: Your input fields")


def test_the_lm_emits_no_forward_deprecation_warning(fake_gateway):
    lm = DSPyGatewayLM(http_client=fake_gateway(OK).client())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm("hi")
    assert not [w for w in caught if "BaseLM.forward()" in str(w.message)]


def test_configure_dspy_with_gateway_sets_and_returns_the_global_lm():
    previous = dspy.settings.lm
    try:
        lm = configure_dspy_with_gateway("claude-3-haiku", "http://gw.test")
        assert dspy.settings.lm is lm
        assert lm.backend.url_for(lm.route) == "http://gw.test/gateway/claude-3-haiku/invocations"
    finally:
        dspy.configure(lm=previous)
