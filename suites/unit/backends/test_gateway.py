"""GatewayBackend: wire format, the real MLflow gateway end to end, errors, retries, secrets.

Three servers play the gateway's part: the real MLflow gateway process (``gateway``
fixture) for end-to-end behaviour; ``httpx.MockTransport`` to pin the exact request the
backend sends; and the scripted upstream itself (it serves ``/v1/chat/completions``, the
``OPENAI`` route) for what the real gateway hides: it drops ``Retry-After`` and turns
broken upstream bodies into its own 500/502 answers.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time

import httpx
import pytest

from harness.stack.upstream import Fault, Reply, ScriptedUpstream, closed_port
from unified import (
    AuthError,
    BadRequestError,
    ConfigError,
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
from unified._backends.common import parse_retry_after
from unified._backends.gateway import GatewayBackend, endpoint_for_model
from unified._backends.mock import format_fields
from unified._classify import error_for_status

SECRET = "gw-secret-7f3a9c"
REQUEST = LMRequest("m", [Message("user", "What is 2+2?")], system="You are terse.",
                    params={"temperature": 0.0, "max_tokens": 64})


def config(uri: str, **changes) -> UnifiedConfig:
    """A gateway config for endpoint ``chat`` at ``uri``."""
    return UnifiedConfig(**{"backend": "gateway", "gateway_uri": uri, "gateway_endpoint": "chat",
                            **changes})


def wrapper_for(uri: str, fake_clock, **changes) -> UnifiedDSPyWrapper:
    """A wrapper whose pipeline never really sleeps (``fake_clock.sleeps`` records waits)."""
    return UnifiedDSPyWrapper(config(uri, **changes), clock=fake_clock.as_clock())


def completion(text: str = "4", finish: str = "stop", usage=(9, 1)) -> dict:
    """An OpenAI chat completion body."""
    return {"choices": [{"message": {"role": "assistant", "content": text},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]}}


def captured(route: str, **changes) -> tuple[GatewayBackend, list[httpx.Request]]:
    """A backend on a MockTransport that answers ``completion()`` and records requests."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=completion())

    backend = GatewayBackend(config("http://gw.test", gateway_route=route, **changes),
                             transport=httpx.MockTransport(handle))
    return backend, seen


# -- the exact wire request ----------------------------------------------------------------
def test_the_endpoints_route_posts_messages_and_params_to_the_invocations_path() -> None:
    backend, seen = captured("endpoints")
    backend.complete(REQUEST)
    assert seen[0].method == "POST"
    assert str(seen[0].url) == "http://gw.test/endpoints/chat/invocations"
    assert json.loads(seen[0].content) == {
        "messages": [{"role": "system", "content": "You are terse."},
                     {"role": "user", "content": "What is 2+2?"}],
        "temperature": 0.0, "max_tokens": 64}


def test_the_openai_route_names_the_endpoint_as_the_model() -> None:
    backend, seen = captured("openai")
    backend.complete(REQUEST)
    assert seen[0].url.path == "/v1/chat/completions"
    body = json.loads(seen[0].content)
    assert body["model"] == "chat" and body["messages"][0]["role"] == "system"


def test_the_legacy_route_posts_to_the_gateway_route_path() -> None:
    backend, seen = captured("legacy")
    backend.complete(REQUEST)
    assert seen[0].url.path == "/gateway/chat/invocations"
    assert "model" not in json.loads(seen[0].content)


def test_configured_temperature_and_max_tokens_fill_in_what_the_request_lacks() -> None:
    backend, seen = captured("endpoints", temperature=0.3, max_tokens=10)
    backend.complete(LMRequest("m", [Message("user", "hi")], params={"max_tokens": 5}))
    body = json.loads(seen[0].content)
    assert (body["temperature"], body["max_tokens"]) == (0.3, 5)


def test_the_api_key_is_sent_as_a_bearer_token() -> None:
    backend, seen = captured("endpoints", gateway_api_key=SECRET)
    backend.complete(REQUEST)
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"


def test_no_authorization_header_is_sent_without_a_key() -> None:
    backend, seen = captured("endpoints")
    backend.complete(REQUEST)
    assert "authorization" not in seen[0].headers


# -- configuration -------------------------------------------------------------------------
def test_the_endpoint_name_is_the_last_path_part_of_the_model() -> None:
    assert endpoint_for_model("gateway/chat") == "chat"


def test_a_bedrock_model_id_maps_to_its_friendly_legacy_route_name() -> None:
    assert endpoint_for_model("anthropic.claude-3-sonnet-20240229-v1:0") == "claude-3-sonnet"


def test_the_gateway_uri_comes_from_mlflow_gateway_uri_when_not_configured() -> None:
    backend = GatewayBackend(UnifiedConfig(backend="gateway", model="gateway/chat"),
                             environ={"MLFLOW_GATEWAY_URI": "http://127.0.0.1:9/"})
    assert backend.identity().endpoint == "http://127.0.0.1:9/endpoints/chat/invocations"


def test_a_missing_gateway_uri_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="MLFLOW_GATEWAY_URI"):
        GatewayBackend(UnifiedConfig(backend="gateway"), environ={})


# -- the real MLflow gateway ---------------------------------------------------------------
def test_a_chain_of_thought_program_runs_end_to_end_through_the_real_gateway(
        gateway, fake_clock) -> None:
    gateway.upstream.script(Reply(format_fields({"reasoning": "2 and 2 make 4.", "answer": "4"})))
    with wrapper_for(gateway.gateway_url, fake_clock) as wrapper:
        prediction = wrapper.create_module("question -> answer", "chain_of_thought").predict(
            question="What is 2+2?")
    assert (prediction.answer, prediction.reasoning) == ("4", "2 and 2 make 4.")
    sent = gateway.upstream.chat_requests[0].json["messages"]
    assert sent[0]["role"] == "system" and "What is 2+2?" in sent[-1]["content"]


@pytest.mark.parametrize("route", ["endpoints", "openai", "legacy"])
def test_every_route_is_answered_by_the_real_gateway(gateway, route) -> None:
    backend = GatewayBackend(config(gateway.gateway_url, gateway_route=route))
    with backend:
        assert backend.complete(REQUEST).text == "echo: What is 2+2?"


def test_usage_numbers_come_from_the_gateway_answer(gateway) -> None:
    gateway.upstream.script(Reply("four", usage={"prompt_tokens": 11, "completion_tokens": 7}))
    with GatewayBackend(config(gateway.gateway_url)) as backend:
        usage = backend.complete(REQUEST).usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (11, 7, 18)


def test_async_calls_use_their_own_pool_and_answer_the_same(gateway) -> None:
    async def call(backend: GatewayBackend) -> str:
        try:
            return (await backend.acomplete(REQUEST)).text
        finally:
            await backend.aclose()

    assert asyncio.run(call(GatewayBackend(config(gateway.gateway_url)))) == "echo: What is 2+2?"


@pytest.mark.parametrize(("fault", "error"), [
    (Fault(429), RateLimitError), (Fault(500), ServerError), (Fault(503), ServerError),
    (Fault(400), BadRequestError), (Fault(401), AuthError), (Fault(403), AuthError),
    (Fault(kind="html", status=503), ServerError), (Fault(kind="broken_json"), ServerError),
    (Fault(kind="no_choices"), ServerError), (Fault(kind="reset"), ServerError),
], ids=["429", "500", "503", "400", "401", "403", "html", "broken_json", "no_choices", "reset"])
def test_upstream_failures_seen_through_the_real_gateway_map_to_the_taxonomy(
        gateway, fault, error) -> None:
    gateway.upstream.script(fault)
    with GatewayBackend(config(gateway.gateway_url)) as backend, pytest.raises(error) as info:
        backend.complete(REQUEST)
    assert info.value.backend == "gateway" and info.value.status is not None


def test_an_unknown_endpoint_of_the_real_gateway_is_not_found(gateway) -> None:
    backend = GatewayBackend(config(gateway.gateway_url, gateway_endpoint="nope"))
    with backend, pytest.raises(NotFoundError) as info:
        backend.complete(REQUEST)
    assert info.value.status == 404 and "/endpoints/nope/invocations" in info.value.endpoint


def test_transient_failures_are_retried_by_the_pipeline_with_its_backoff(
        gateway, fake_clock) -> None:
    gateway.upstream.script(Fault(503), Fault(500), Reply("four"))
    retry = RetryConfig(max_retries=2, base_delay=1.0, backoff_factor=2.0)
    with wrapper_for(gateway.gateway_url, fake_clock, retry=retry) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "four"
    assert fake_clock.sleeps == [1.0, 2.0]
    assert len(gateway.upstream.chat_requests) == 3


def test_permanent_failures_are_not_retried(gateway, fake_clock) -> None:
    gateway.upstream.script(Fault(400), Reply("never"))
    with wrapper_for(gateway.gateway_url, fake_clock, retry=RetryConfig()) as wrapper, \
            pytest.raises(BadRequestError):
        wrapper.pipeline.complete(REQUEST)
    assert fake_clock.sleeps == [] and len(gateway.upstream.chat_requests) == 1


def test_neither_the_backend_nor_the_gateway_retries_behind_the_pipeline(
        gateway, fake_clock) -> None:
    gateway.upstream.script(*[Fault(503)] * 3)
    records = []
    with wrapper_for(gateway.gateway_url, fake_clock, retry=RetryConfig(max_retries=2)) as wrapper:
        wrapper.pipeline.listeners.append(records.append)
        with pytest.raises(ServerError):
            wrapper.pipeline.complete(REQUEST)
    assert len(gateway.upstream.chat_requests) == len(records[0].attempts) == 3


def test_health_reports_a_running_gateway_as_ok(gateway) -> None:
    with GatewayBackend(config(gateway.gateway_url)) as backend:
        assert backend.health()["ok"] is True


# -- what the real gateway hides: served by the scripted upstream on the OPENAI route ------
def openai_route(upstream: ScriptedUpstream, **changes) -> GatewayBackend:
    """A backend calling the scripted upstream as if it were the gateway's OPENAI API."""
    return GatewayBackend(config(upstream.url, gateway_route="openai", **changes))


def test_retry_after_seconds_set_the_pipelines_wait(upstream, fake_clock) -> None:
    upstream.script(Fault(429, retry_after="7"), Reply("four"))
    with wrapper_for(upstream.url, fake_clock, gateway_route="openai",
                     retry=RetryConfig(max_retries=1, base_delay=1.0)) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "four"
    assert fake_clock.sleeps == [7.0]


def test_retry_after_as_an_http_date_becomes_seconds_from_now(upstream) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    upstream.script(Fault(429, retry_after=when))
    with openai_route(upstream) as backend, pytest.raises(RateLimitError) as info:
        backend.complete(REQUEST)
    assert 25 <= info.value.retry_after <= 31


def test_retry_after_parsing_handles_seconds_dates_and_garbage() -> None:
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2026 07:28:00 GMT").timestamp()
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:10 GMT", now=lambda: now) == 10.0
    assert [parse_retry_after(v) for v in ("2.5", "-3", "soon", None)] == [2.5, 0.0, None, None]


@pytest.mark.parametrize(("status", "error"), [
    (429, RateLimitError), (408, TimeoutError), (504, TimeoutError), (502, ServerError),
    (401, AuthError), (403, AuthError), (404, NotFoundError), (422, BadRequestError),
    (302, ServerError)])
def test_the_one_status_table_maps_each_status_to_its_class(status, error) -> None:
    mapped = error_for_status(status, "x", backend="gateway", endpoint="http://gw.test/e")
    assert type(mapped) is error and mapped.status == status


@pytest.mark.parametrize("kind", ["broken_json", "no_choices"])
def test_a_malformed_200_body_is_a_transient_server_error(upstream, kind) -> None:
    upstream.script(Fault(kind=kind))
    with openai_route(upstream) as backend, pytest.raises(ServerError, match="malformed"):
        backend.complete(REQUEST)


def test_an_html_page_is_a_server_error_naming_its_content_type(upstream) -> None:
    upstream.script(Fault(kind="html", status=200))
    with openai_route(upstream) as backend, pytest.raises(ServerError, match="text/html"):
        backend.complete(REQUEST)


def test_a_connection_cut_mid_body_is_a_connection_error(upstream) -> None:
    upstream.script(Fault(kind="reset"))
    with openai_route(upstream) as backend, pytest.raises(ConnectionError):
        backend.complete(REQUEST)


def test_a_refused_connection_is_a_connection_error() -> None:
    with GatewayBackend(config(f"http://127.0.0.1:{closed_port()}")) as backend, \
            pytest.raises(ConnectionError, match="connection to"):
        backend.complete(REQUEST)


def test_health_reports_an_unreachable_gateway_without_raising() -> None:
    with GatewayBackend(config(f"http://127.0.0.1:{closed_port()}")) as backend:
        assert backend.health()["ok"] is False


def test_a_reply_slower_than_the_timeout_is_a_timeout_error(upstream) -> None:
    upstream.script(Fault(kind="timeout", delay=1.0))
    started = time.perf_counter()
    with openai_route(upstream, timeout_seconds=0.2) as backend, pytest.raises(TimeoutError):
        backend.complete(REQUEST)
    assert time.perf_counter() - started < 0.9 and len(upstream.chat_requests) == 1


def test_empty_content_passes_through_for_validation_to_judge(upstream) -> None:
    upstream.script(Fault(kind="empty"))
    with openai_route(upstream) as backend:
        assert backend.complete(REQUEST).text == ""


def test_a_length_cut_answer_passes_through_with_its_finish_reason(upstream) -> None:
    upstream.script(Fault(kind="length", body="one two three four"))
    with openai_route(upstream) as backend:
        response = backend.complete(REQUEST)
    assert (response.text, response.finish_reason) == ("one two", "length")


def test_one_connection_pool_serves_every_call_of_a_backend(upstream) -> None:
    with openai_route(upstream) as backend:
        backend.complete(REQUEST)
        pool = backend._client
        backend.complete(REQUEST)
        assert pool is not None and backend._client is pool


# -- secrets ---------------------------------------------------------------------------------
def test_the_key_never_appears_in_info_repr_logs_or_errors(upstream, fake_clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echo = json.dumps({"error": {"message": f"key {SECRET} is not allowed"}})
    upstream.script(Fault(401, body=echo))
    with wrapper_for(upstream.url, fake_clock, gateway_route="openai",
                     gateway_api_key=SECRET) as wrapper, pytest.raises(AuthError) as info:
        shown = [repr(wrapper), repr(wrapper.backend), json.dumps(wrapper.get_info())]
        wrapper.pipeline.complete(REQUEST)
    assert upstream.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    shown += [str(info.value), repr(info.value), caplog.text]
    assert all(SECRET not in text for text in shown)
    assert "***" in str(info.value)


def test_user_info_in_the_gateway_uri_is_never_shown() -> None:
    backend = GatewayBackend(config("http://admin:pw-hunter2@127.0.0.1:9"))
    assert "hunter2" not in repr(backend) + json.dumps(backend.get_info())
