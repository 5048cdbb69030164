"""Rich scripted answers (tool calls, thinking) on the upstream and the moto responder,
and the schema of scenarios no legacy pattern carries (``expect`` + recorded wire)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.parity.scenarios import ScenarioError, load_scenario
from harness.stack.moto_bedrock import BedrockReply, bedrock_stub
from harness.stack.upstream import Reply, ScriptedUpstream

CALL = {"id": "call_1", "name": "add", "arguments": {"a": 1, "b": 2}}
MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0"


def _chat(server: ScriptedUpstream) -> dict[str, Any]:
    body = {"model": "m", "messages": [{"role": "user", "content": "1+2?"}]}
    return httpx.post(server.base_url + "/chat/completions", json=body, timeout=5).json()


def test_upstream_reply_sends_openai_tool_calls_with_json_arguments() -> None:
    with ScriptedUpstream() as server:
        server.script(Reply("", "tool_calls", tool_calls=(CALL,)))
        message = _chat(server)["choices"][0]["message"]
    assert message["content"] is None
    call = message["tool_calls"][0]
    assert (call["id"], call["function"]["name"]) == ("call_1", "add")
    assert json.loads(call["function"]["arguments"]) == {"a": 1, "b": 2}


def test_upstream_reply_sends_reasoning_content_and_usage_details() -> None:
    usage = {"completion_tokens_details": {"reasoning_tokens": 7}}
    with ScriptedUpstream() as server:
        server.script(Reply("4", reasoning="add them", usage=usage))
        answer = _chat(server)
    assert answer["choices"][0]["message"]["reasoning_content"] == "add them"
    assert answer["usage"]["completion_tokens_details"] == {"reasoning_tokens": 7}


def _client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("bedrock-runtime", region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1}))


def test_moto_converse_answers_tool_use_and_reasoning_blocks() -> None:
    with bedrock_stub() as script:
        script.script(BedrockReply("", "tool_use", tool_calls=(CALL,), thinking="hmm"))
        answer = _client().converse(modelId=MODEL, messages=[
            {"role": "user", "content": [{"text": "1+2?"}]}])
    blocks = answer["output"]["message"]["content"]
    assert blocks[0]["reasoningContent"]["reasoningText"]["text"] == "hmm"
    assert blocks[1]["toolUse"] == {"toolUseId": "call_1", "name": "add",
                                    "input": {"a": 1, "b": 2}}
    assert answer["stopReason"] == "tool_use"


def test_moto_invoke_model_answers_anthropic_tool_use_and_thinking_blocks() -> None:
    with bedrock_stub() as script:
        script.script(BedrockReply("", "tool_use", tool_calls=(CALL,), thinking="hmm"))
        answer = _client().invoke_model(modelId=MODEL, body=json.dumps({
            "anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
            "messages": [{"role": "user", "content": "1+2?"}]}))
    content = json.loads(answer["body"].read())["content"]
    assert [b["type"] for b in content] == ["thinking", "tool_use"]
    assert content[1]["input"] == {"a": 1, "b": 2}


UNIFIED_ONLY = """id: {id}
description: an image input
pattern: enhanced
backend: direct
implementations: [unified]
signature: "image: dspy.Image -> answer"
calls:
  - {{image: {{$image: one.png}}}}
upstream:
  - answer: {{fields: {{answer: red}}}}
{expect}"""


def test_a_unified_only_scenario_loads_with_its_expect_block(tmp_path: Path) -> None:
    path = tmp_path / "img.yaml"
    path.write_text(UNIFIED_ONLY.format(id="img", expect="expect: {carries: [image]}\n"))
    scenario = load_scenario(path)
    assert scenario.implementations == ("unified",)
    assert scenario.expect == {"carries": ["image"]}
    assert scenario.upstream[0]["answer"]["fields"] == {"answer": "red"}


def test_a_scenario_without_legacy_and_without_expect_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "img.yaml"
    path.write_text(UNIFIED_ONLY.format(id="img", expect=""))
    with pytest.raises(ScenarioError, match="expect"):
        load_scenario(path)
