"""Fixtures for the legacy reconstructions' tests: scripted LMs, a fake gateway on
``httpx.MockTransport``, a stubbed boto3 Bedrock client, and recording sleep/clocks.

Nothing here waits, touches the network or real AWS, or configures DSPy globally.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.response import StreamingBody
from botocore.stub import Stubber

from harness.legacy._lm_base import LegacyForwardLM, completion_response

Step = dict[str, Any] | BaseException


def chat_answer(fields: dict[str, Any]) -> str:
    """An answer in DSPy's ChatAdapter format for ``fields``."""
    parts = [f"[[ ## {name} ## ]]\n{value}" for name, value in fields.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


class ScriptedLM(LegacyForwardLM):
    """A DSPy LM playing ``steps`` in order (a dict of output fields is answered, an
    exception raised), then ``respond(last user message)`` for every further call."""

    def __init__(self, *steps: Step, model: str = "scripted/model",
                 respond: Callable[[str], Step] | None = None) -> None:
        super().__init__(model=model, cache=False)
        self.steps = list(steps)
        self.respond = respond
        self.calls = 0
        self._lock = threading.Lock()

    def forward(self, prompt: Any = None, messages: Any = None, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            step = self.steps.pop(0) if self.steps else None
        if step is None:
            assert self.respond is not None, "ScriptedLM ran out of steps"
            step = self.respond(messages[-1]["content"])
        if isinstance(step, BaseException):
            raise step
        return completion_response(chat_answer(step), self.model)


class FakeGateway:
    """An ``httpx.MockTransport`` handler recording requests and replaying ``replies``
    (an ``httpx.Response``, an exception to raise, or a callable of the request)."""

    def __init__(self, *replies: Any, default: Any = None) -> None:
        self.replies = list(replies)
        self.default = default
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else self.default
        if callable(reply) and not isinstance(reply, httpx.Response):
            reply = reply(request)
        if isinstance(reply, BaseException):
            raise reply
        assert reply is not None, "FakeGateway ran out of replies"
        return reply

    def client(self) -> httpx.Client:
        """An ``httpx.Client`` served by this fake."""
        return httpx.Client(transport=httpx.MockTransport(self))

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the recorded requests."""
        return [json.loads(r.content) for r in self.requests]


def dspy_reply(request: httpx.Request) -> httpx.Response:
    """A gateway reply answering every output field of the flattened DSPy prompt with
    ``"<field> value"`` (fields read from the prompt's ``[[ ## f ## ]]`` markers)."""
    prompt = json.loads(request.content)["messages"][0]["content"]
    outputs_part = prompt.split("Your output fields are:")[1].split("All interactions")[0]
    names = re.findall(r"\d+\. `(\w+)`", outputs_part)
    return httpx.Response(200, json={"choices": [{"message": {
        "role": "assistant", "content": chat_answer({n: f"{n} value" for n in names})}}]})


class Recorder:
    """A fake ``sleep`` recording the requested delays."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class ManualClock:
    """A settable clock usable as monotonic time (``clock()``) or wall time (``now()``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds

    def now(self) -> datetime:
        return datetime(2024, 1, 1, 12, 0, 0) + timedelta(seconds=self.value)


@pytest.fixture
def scripted_lm() -> type[ScriptedLM]:
    return ScriptedLM


@pytest.fixture
def answer() -> Callable[[dict[str, Any]], str]:
    return chat_answer


@pytest.fixture
def fake_gateway() -> type[FakeGateway]:
    return FakeGateway


@pytest.fixture
def gateway_dspy_reply() -> Callable[[httpx.Request], httpx.Response]:
    return dspy_reply


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def bedrock_client() -> Any:
    """A real boto3 bedrock-runtime client with fake credentials (never used unstubbed)."""
    return boto3.client("bedrock-runtime", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def bedrock_stub(bedrock_client: Any) -> Iterator[Stubber]:
    with Stubber(bedrock_client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def bedrock_reply() -> Callable[[str], dict[str, Any]]:
    """The ``invoke_model`` response carrying an Anthropic answer ``text``."""

    def make(text: str) -> dict[str, Any]:
        data = json.dumps({"content": [{"type": "text", "text": text}],
                           "usage": {"input_tokens": 10, "output_tokens": 5}}).encode()
        return {"body": StreamingBody(io.BytesIO(data), len(data)),
                "contentType": "application/json"}

    return make
