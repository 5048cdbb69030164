"""OpenAI chat answers -> canonical parts, usage (cached, reasoning) and logprobs."""

from __future__ import annotations

from harness.stack.upstream import Reply, ScriptedUpstream
from unified import LMRequest, Message, UnifiedConfig
from unified._backends.gateway import GatewayBackend
from unified._backends.openai_answer import answer_logprobs, answer_parts, answer_usage
from unified._types import RefusalPart, TextPart, ThinkingPart, ToolCallPart

CALL = {"id": "call_1", "name": "add", "arguments": {"a": 1, "b": 2}}


def test_a_plain_text_answer_gives_no_parts() -> None:
    assert answer_parts({"role": "assistant", "content": "hi"}) == ()


def test_reasoning_text_tool_calls_and_refusal_become_parts_in_order() -> None:
    parts = answer_parts({"content": "ok", "reasoning_content": "think",
                          "tool_calls": [{"id": "c", "type": "function", "function": {
                              "name": "add", "arguments": '{"a": 1}'}}], "refusal": "no"})
    assert parts == (ThinkingPart("think"), TextPart("ok"), ToolCallPart("c", "add", {"a": 1}),
                     RefusalPart("no"))


def test_usage_reads_cached_and_reasoning_token_details() -> None:
    usage = answer_usage({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                          "prompt_tokens_details": {"cached_tokens": 4},
                          "completion_tokens_details": {"reasoning_tokens": 3}},
                         estimate=(0, 0))
    assert (usage.input_tokens, usage.cached_tokens, usage.reasoning_tokens) == (10, 4, 3)


def test_logprobs_keep_the_top_alternatives() -> None:
    found = answer_logprobs({"logprobs": {"content": [{"token": "a", "logprob": -0.1,
                                                        "top_logprobs": [{"token": "b",
                                                                          "logprob": -2.0}]}]}})
    assert found is not None and found[0].token == "a" and found[0].top[0].token == "b"


def test_the_gateway_returns_a_tool_call_answer_with_null_content() -> None:
    with ScriptedUpstream() as server:
        server.script(Reply("", "tool_calls", tool_calls=(CALL,)))
        backend = GatewayBackend(UnifiedConfig(backend="gateway", model="chat",
                                               gateway_uri=server.url, gateway_route="openai"))
        response = backend.complete(LMRequest("chat", (Message("user", "1+2?"),)))
        backend.close()
    assert response.tool_calls == [ToolCallPart("call_1", "add", {"a": 1, "b": 2})]
    assert response.text == ""


def test_litellm_answers_bring_back_refusal_logprobs_and_token_details() -> None:
    from unified._backends.direct import DirectBackend

    logprobs = {"content": [{"token": "ok", "logprob": -0.1, "bytes": [111, 107],
                             "top_logprobs": [{"token": "no", "logprob": -2.0}]}]}
    usage = {"prompt_tokens_details": {"cached_tokens": 3},
             "completion_tokens_details": {"reasoning_tokens": 2}}
    with ScriptedUpstream() as server:
        server.script(Reply("ok", refusal="nope", logprobs=logprobs, usage=usage))
        backend = DirectBackend(UnifiedConfig(backend="direct", model="openai/gpt-4o-mini",
                                              api_base=server.base_url, api_key="k"))
        response = backend.complete(LMRequest("m", (Message("user", "hi"),),
                                              params={"logprobs": 1}))
        sent = server.chat_requests[-1].json
    assert (sent["logprobs"], sent["top_logprobs"]) == (True, 1)
    assert response.refusal == "nope" and response.text == "ok"
    assert response.logprobs[0].bytes == (111, 107) and response.logprobs[0].top[0].token == "no"
    assert (response.usage.cached_tokens, response.usage.reasoning_tokens) == (3, 2)
