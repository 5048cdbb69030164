"""One classification of failures: the cause-chain walk, and what an explicit LM's
failures (any SDK's) become on the unified error tree."""

from __future__ import annotations

import builtins

import httpx
import pytest

from unified import AuthError, ConnectionError, RateLimitError, ServerError, TimeoutError
from unified._classify import causes, classify_error, unified_cause


def test_the_cause_walk_finds_the_unified_error_behind_wrappers_once_each() -> None:
    inner = ServerError("down")
    try:
        try:
            raise inner
        except ServerError as exc:
            raise RuntimeError("dspy wrapper") from exc
    except RuntimeError as outer:
        outer.__cause__.__context__ = outer  # a cycle must not loop forever
        assert unified_cause(outer) is inner
        assert list(causes(outer)) == [outer, inner]


def test_without_a_unified_error_the_cause_walk_gives_the_error_itself() -> None:
    plain = ValueError("x")
    assert unified_cause(plain) is plain


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
