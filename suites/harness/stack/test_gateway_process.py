"""The real MLflow gateway in front of the scripted upstream: routes, forwarding, error mapping,
and a process lifecycle that leaves nothing running. Pins the facts in harness/stack/gateway.py."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.pytest_plugin import GatewayStack
from harness.stack.gateway import ERROR_MAPPING, GatewayError, GatewayProcess
from harness.stack.upstream import Fault, Reply, ScriptedUpstream, closed_port

pytestmark = pytest.mark.gateway  # every test here runs the real gateway process

ENDPOINT, LEGACY, V1 = "/endpoints/chat/invocations", "/gateway/chat/invocations", "/v1/chat/completions"
ROUTES = [ENDPOINT, LEGACY, V1]
MESSAGES = [{"role": "user", "content": "ping pong"}]

FAULTS: dict[str, Fault] = {
    "status_400": Fault(400), "status_429": Fault(429, retry_after="7"), "status_500": Fault(500),
    "status_503": Fault(503, retry_after="1"), "html": Fault(200, kind="html"),
    "broken_json": Fault(kind="broken_json"), "no_choices": Fault(kind="no_choices"),
    "reset": Fault(kind="reset"),
}


def invoke(base_url: str, route: str = ENDPOINT, timeout: float = 20, **fields: Any) -> httpx.Response:
    """POST a chat request on ``route`` over a fresh connection (``model`` added on /v1)."""
    body: dict[str, Any] = {"messages": MESSAGES, **fields}
    if route == V1:
        body.setdefault("model", "chat")
    return httpx.post(base_url + route, json=body, timeout=timeout)


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains ``text``."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


@pytest.mark.parametrize("route", ROUTES)
def test_each_route_reaches_the_upstream_and_returns_its_answer(gateway: GatewayStack, route: str) -> None:
    gateway.upstream.script(Reply("pong"))
    response = invoke(gateway.gateway_url, route)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "pong"
    assert gateway.upstream.chat_requests[0].json["messages"] == MESSAGES


def test_health_route_answers_ok(gateway: GatewayStack) -> None:
    assert httpx.get(gateway.gateway_url + "/health").json() == {"status": "OK"}


def test_upstream_gets_chat_completions_with_configured_key_not_the_callers(gateway: GatewayStack) -> None:
    httpx.post(gateway.invocations_url, json={"messages": MESSAGES},
               headers={"Authorization": "Bearer caller-secret"})
    request = gateway.upstream.chat_requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-upstream-000"


def test_gateway_adds_yaml_model_and_n_but_no_temperature(gateway: GatewayStack) -> None:
    invoke(gateway.gateway_url)
    assert gateway.upstream.chat_requests[0].json == {"model": "gpt-4o-mini", "n": 1, "messages": MESSAGES}


def test_v1_route_replaces_the_endpoint_name_by_the_yaml_model(gateway: GatewayStack) -> None:
    invoke(gateway.gateway_url, V1)
    assert gateway.upstream.chat_requests[0].json["model"] == "gpt-4o-mini"


def test_caller_parameters_and_unknown_fields_pass_through(gateway: GatewayStack) -> None:
    fields = {"temperature": 0.7, "max_tokens": 5, "stop": ["x"], "top_p": 0.5, "seed": 3, "stream": False}
    invoke(gateway.gateway_url, **fields)
    forwarded = gateway.upstream.chat_requests[0].json
    assert {k: forwarded[k] for k in fields} == fields


def test_answer_copies_upstream_id_usage_finish_reason_and_adds_provider(gateway: GatewayStack) -> None:
    gateway.upstream.script(Reply("cut", finish_reason="length", usage={"prompt_tokens": 9}))
    answer = invoke(gateway.gateway_url).json()
    assert answer["id"] == "chatcmpl-1" and answer["model"] == "gpt-4o-mini"
    assert answer["choices"][0]["finish_reason"] == "length"
    assert answer["usage"] == {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}
    assert answer["provider"] == "openai"


def test_a_model_field_on_the_endpoint_route_is_refused_before_the_upstream(gateway: GatewayStack) -> None:
    response = invoke(gateway.gateway_url, model="gpt-4o")
    assert response.status_code == 422 and "model" in response.json()["detail"]
    assert gateway.upstream.chat_requests == []


def test_unknown_model_on_the_v1_route_is_an_internal_500(gateway: GatewayStack) -> None:
    response = invoke(gateway.gateway_url, V1, model="no-such-endpoint")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_streaming_is_forwarded_with_usage_requested_and_relayed_as_sse(gateway: GatewayStack) -> None:
    gateway.upstream.script(Reply("a b"))
    response = invoke(gateway.gateway_url, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = [json.loads(line[6:]) for line in response.text.splitlines()
              if line.startswith("data: {")]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == "a b"
    assert gateway.upstream.chat_requests[0].json["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_upstream_fault_maps_to_the_documented_status(gateway: GatewayStack, case: str) -> None:
    gateway.upstream.script(FAULTS[case])
    response = invoke(gateway.gateway_url)
    status, body_kind = ERROR_MAPPING[case]
    assert response.status_code == status
    if body_kind == "json":
        assert "detail" in response.json()
    else:
        assert response.text == "Internal Server Error"


def test_every_documented_mapping_is_exercised() -> None:
    assert set(FAULTS) | {"refused", "timeout"} == set(ERROR_MAPPING)


def test_upstream_error_message_becomes_the_detail(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(429))
    assert invoke(gateway.gateway_url).json() == {"detail": "scripted fault 429"}


def test_a_non_openai_error_body_becomes_the_detail_whole(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(503, body='{"message": "busy"}'))
    assert invoke(gateway.gateway_url).json() == {"detail": {"message": "busy"}}


def test_retry_after_is_not_passed_on(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(429, retry_after="7"))
    assert "retry-after" not in invoke(gateway.gateway_url).headers


def test_same_error_mapping_on_the_v1_route(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(503))
    assert invoke(gateway.gateway_url, V1).status_code == 503


def test_streamed_upstream_error_cuts_the_sse_body(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(429))
    with pytest.raises(httpx.RemoteProtocolError):
        invoke(gateway.gateway_url, stream=True)


def test_gateway_closes_the_connection_after_an_internal_500(gateway: GatewayStack) -> None:
    gateway.upstream.script(Fault(kind="broken_json"))
    payload = json.dumps({"messages": MESSAGES}).encode()
    port = int(gateway.gateway_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /endpoints/chat/invocations HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: "
                     + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        received = b""
        while chunk := sock.recv(4096):  # ends only if the gateway closes the connection
            received += chunk
    assert received.startswith(b"HTTP/1.1 500") and b"connection: close" not in received.lower()


@pytest.fixture(scope="module")
def refused_gateway() -> Iterator[GatewayProcess]:
    with GatewayProcess(f"http://127.0.0.1:{closed_port()}/v1") as process:
        yield process


def test_refused_upstream_maps_to_an_internal_500(refused_gateway: GatewayProcess) -> None:
    response = invoke(refused_gateway.url)
    assert (response.status_code, response.text) == (ERROR_MAPPING["refused"][0], "Internal Server Error")


def test_upstream_slower_than_route_timeout_maps_to_an_internal_500(upstream: ScriptedUpstream) -> None:
    upstream.script(Fault(kind="timeout", delay=3))
    with GatewayProcess(upstream.base_url, route_timeout=1) as process:
        response = invoke(process.url)
    assert (response.status_code, response.text) == (ERROR_MAPPING["timeout"][0], "Internal Server Error")


def test_stop_kills_the_whole_process_group_and_leaves_no_uvicorn(upstream: ScriptedUpstream) -> None:
    process = GatewayProcess(upstream.base_url).start()
    pgid, marker = os.getpgid(process.pid), f"--port {process.port}"
    assert pgid == process.pid != os.getpgid(0)
    process.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)
    assert processes_mentioning(marker) == []


def test_stop_is_idempotent_and_forgets_the_url(upstream: ScriptedUpstream) -> None:
    process = GatewayProcess(upstream.base_url).start()
    process.stop()
    process.stop()
    with pytest.raises(RuntimeError):
        _ = process.url


def test_a_gateway_that_dies_at_start_raises_with_its_log(upstream: ScriptedUpstream, tmp_path: Path) -> None:
    process = GatewayProcess(upstream.base_url, env={"MLFLOW_GATEWAY_CONFIG": str(tmp_path / "missing.yaml")})
    with pytest.raises(GatewayError, match="exited") as error:
        process.start()
    assert "missing.yaml" in str(error.value)
    assert process.process is None


def test_multiple_endpoints_each_get_their_routes(upstream: ScriptedUpstream) -> None:
    with GatewayProcess(upstream.base_url, endpoints=("chat", "judge")) as process:
        assert httpx.post(process.url + "/endpoints/judge/invocations",
                          json={"messages": MESSAGES}).status_code == 200
