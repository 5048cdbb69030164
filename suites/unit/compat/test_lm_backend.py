"""An explicit DSPy LM as a unified backend, and how its failures are classified."""

from __future__ import annotations

import builtins

import dspy
import httpx
import pytest

from unified import (
    AuthError,
    ConnectionError,
    LMRequest,
    Message,
    RateLimitError,
    ServerError,
    TimeoutError,
)
from unified.compat.lm_backend import DSPyLMBackend, classify_error


class StatusError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}


class LMRateLimitError(Exception):
    pass


@pytest.mark.parametrize(("error", "expected"), [
    (StatusError(429), RateLimitError), (StatusError(503), ServerError),
    (StatusError(401), AuthError), (ClientError("ThrottlingException"), RateLimitError),
    (builtins.TimeoutError("slow"), TimeoutError), (httpx.ConnectError("refused"), ConnectionError),
    (LMRateLimitError("busy"), RateLimitError),
])
def test_provider_failures_map_onto_the_unified_tree(error, expected) -> None:
    assert type(classify_error(error)) is expected


def test_a_wrapped_failure_is_judged_by_its_cause() -> None:
    try:
        try:
            raise StatusError(502)
        except StatusError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert isinstance(classify_error(outer), ServerError)


def test_an_unrecognised_error_is_returned_unchanged() -> None:
    error = KeyError("x")
    assert classify_error(error) is error


def test_the_lm_answers_a_canonical_request() -> None:
    backend = DSPyLMBackend(dspy.utils.DummyLM([{"answer": "hi"}]))
    response = backend.complete(LMRequest(model="m", messages=(Message("user", "q"),)))
    assert "hi" in response.text and backend.identity().kind == "dspy-lm"
