"""Fixtures for the compat shims' tests.

Every test runs in a fresh working directory (the legacy default cache directory,
``.tidydspy_cache``, is relative). ``gateway`` is a scripted MLflow gateway on
``httpx.MockTransport`` for the real gateway backend; ``stubbed_bedrock`` is a boto3
``bedrock-runtime`` client under botocore's ``Stubber``. Nothing waits or touches the
network.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from unified._backends.mock import format_fields


@pytest.fixture(autouse=True)
def _in_a_fresh_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)


def _openai_reply(text: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant",
                                                                 "content": text}}]})


class ScriptedGateway:
    """Replies in order (a response, an exception, or a callable of the request); the
    last one repeats. Every request is kept in ``requests``."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply(request) if callable(reply) else reply

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def body(self, index: int = -1) -> dict[str, Any]:
        return json.loads(self.requests[index].content)


@pytest.fixture
def gateway() -> Callable[..., ScriptedGateway]:
    return ScriptedGateway


@pytest.fixture
def fields() -> Callable[..., str]:
    """``fields(answer="x")``: an answer in DSPy's ChatAdapter format."""
    return lambda **values: format_fields(values)


@pytest.fixture
def stubbed_bedrock() -> Iterator[tuple[Any, Any]]:
    """``(client, stubber)``: a bedrock-runtime client whose calls the stubber answers."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("bedrock-runtime", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def openai_reply() -> Callable[..., httpx.Response]:
    """``openai_reply(text, status=200)``: a gateway (OpenAI chat) JSON answer."""
    return _openai_reply


@pytest.fixture
def bedrock_reply() -> Callable[[str], dict[str, Any]]:
    """``bedrock_reply(text)``: an ``invoke_model`` response with an Anthropic body."""
    return _bedrock_reply


def _bedrock_reply(text: str) -> dict[str, Any]:
    from botocore.response import StreamingBody

    raw = json.dumps({"content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                      "usage": {"input_tokens": 7, "output_tokens": 3}}).encode()
    return {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}
