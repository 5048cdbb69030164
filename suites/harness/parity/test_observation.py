"""Canonical requests and error categories."""

from __future__ import annotations

import json

from harness.parity.observation import (
    canonical_bedrock_call,
    canonical_http_request,
    error_category,
)


def test_gateway_routes_canonicalise_to_the_endpoint_name() -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "hi"}], "temperature": 0.1,
                       "n": 1})
    legacy = canonical_http_request("gateway", "http://h:1/gateway/chat/invocations", body)
    modern = canonical_http_request("gateway", "http://h:2/endpoints/chat/invocations", body)
    assert legacy == modern == {"kind": "gateway", "target": "chat",
                                "messages": [{"role": "user", "content": "hi"}],
                                "params": {"temperature": 0.1}}


def test_openai_style_requests_take_the_target_from_the_model() -> None:
    body = json.dumps({"model": "openai/gpt-4o-mini", "messages": []})
    assert canonical_http_request("direct", "http://h/v1/chat/completions",
                                  body)["target"] == "gpt-4o-mini"


def test_bedrock_converse_and_invoke_share_one_canonical_form() -> None:
    converse = canonical_bedrock_call("converse", "m%3A0", {
        "system": [{"text": "sys"}], "messages": [{"role": "user", "content": [{"text": "q"}]}],
        "inferenceConfig": {"maxTokens": 10, "temperature": 0.5}})
    invoke = canonical_bedrock_call("invoke_model", "m:0", {
        "system": "sys", "messages": [{"role": "user", "content": "q"}], "max_tokens": 10,
        "temperature": 0.5, "anthropic_version": "bedrock-2023-05-31"})
    assert converse == invoke


def test_error_categories_are_independent_of_the_library() -> None:
    class AuthenticationError(Exception):
        status_code = 401

    class LMServerError(Exception):
        pass

    assert error_category(AuthenticationError()) == "auth"
    assert error_category(LMServerError()) == "server"
    assert error_category("budget_exceeded") == "budget"
    assert error_category(KeyError("x")) == "other"
    assert error_category(None) is None
