"""What the real MLflow gateway carries: the facts behind the gateway's capabilities().

Both of its routes validate one chat schema (no ``file`` content part), and its answers
drop ``logprobs``, ``reasoning_content`` and ``refusal`` even when the upstream sends
them. If an MLflow upgrade changes this, these tests say so: revisit ``mlflow-chat`` in
``unified/_backends/wire_support.py``.
"""

from __future__ import annotations

import httpx
import pytest

from harness.stack.upstream import Reply

ROUTES = [("/v1/chat/completions", {"model": "chat"}), ("/endpoints/chat/invocations", {})]


@pytest.mark.parametrize(("path", "extra"), ROUTES)
def test_mlflow_rejects_a_file_part_on_every_route(gateway, path, extra) -> None:
    body = {**extra, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "hi"},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE"}}]}]}
    assert httpx.post(gateway.gateway_url + path, json=body, timeout=10).status_code == 422


@pytest.mark.parametrize(("path", "extra"), ROUTES)
def test_mlflow_answers_drop_logprobs_reasoning_and_refusal(gateway, path, extra) -> None:
    gateway.upstream.script(Reply("ok", reasoning="think", refusal="no", logprobs={
        "content": [{"token": "ok", "logprob": -0.1, "top_logprobs": []}]}))
    body = {**extra, "messages": [{"role": "user", "content": "hi"}], "logprobs": True}
    answer = httpx.post(gateway.gateway_url + path, json=body, timeout=10).json()
    choice = answer["choices"][0]
    assert gateway.upstream.chat_requests[-1].json["logprobs"] is True   # sent on ...
    assert "logprobs" not in choice                                       # ... not returned
    assert "reasoning_content" not in choice["message"]
    assert choice["message"]["refusal"] is None


@pytest.mark.parametrize(("path", "extra"), ROUTES)
def test_mlflow_carries_image_audio_and_tool_calls(gateway, path, extra) -> None:
    gateway.upstream.script(Reply("", "tool_calls", tool_calls=(
        {"id": "call_1", "name": "add", "arguments": {"a": 1}},)))
    parts = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
             {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}}]
    body = {**extra, "messages": [{"role": "user", "content": parts}], "tools": [
        {"type": "function", "function": {"name": "add", "parameters": {
            "type": "object", "properties": {"a": {"type": "integer"}}}}}]}
    answer = httpx.post(gateway.gateway_url + path, json=body, timeout=10).json()
    sent = gateway.upstream.chat_requests[-1].json
    assert sent["messages"][0]["content"] == parts and sent["tools"] == body["tools"]
    assert answer["choices"][0]["message"]["tool_calls"][0]["id"] == "call_1"
