"""Every fault × the Bedrock backend: AWS error codes through moto, the wire through a raw server.

Bedrock's own error codes (ThrottlingException, ModelTimeoutException,
ServiceUnavailableException, AccessDeniedException, ValidationException, ...) are served
by moto with the pinned bedrock-runtime extension, in-process. What moto cannot send to
boto3 (a ``Retry-After`` header, a load balancer's HTML page, a connection cut mid-body,
an answer slower than the read timeout, a body that is not a Converse answer) comes from
a raw HTTP server on 127.0.0.1 given as ``bedrock_endpoint_url``: real botocore parsing,
real sockets. Same policy as every fault test: 2 retries, 1 s then 2 s, Retry-After
honoured up to 5 s, empty answers rejected; botocore's own retries are off.
"""

from __future__ import annotations

import json

import pytest

from harness.stack.moto_bedrock import BedrockFault, BedrockReply, BedrockScript
from harness.stack.upstream import closed_port
from suites.reliability.conftest import (
    AWS_CREDENTIALS,
    BACKOFF,
    FAR_FUTURE,
    RECOVERED,
    Expect,
    Probe,
)
from suites.reliability.rawhttp import Canned, RawHTTPServer
from unified import (
    AuthError,
    BadRequestError,
    ConnectionError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnifiedConfig,
)

BACKEND = "bedrock"
CONVERSE_OK = json.dumps({
    "output": {"message": {"role": "assistant", "content": [{"text": RECOVERED}]}},
    "stopReason": "end_turn", "usage": {"inputTokens": 7, "outputTokens": 1, "totalTokens": 8},
    "metrics": {"latencyMs": 1}}).encode()
JSON = (("Content-Type", "application/json"),)
HTML = (("Content-Type", "text/html"),)


def throttled(retry_after: str) -> Canned:
    """A 429 ThrottlingException with a ``Retry-After`` header."""
    return Canned(429, (*JSON, ("x-amzn-ErrorType", "ThrottlingException"),
                        ("Retry-After", retry_after)), b'{"message": "Rate exceeded"}')


FROM_MOTO = [
    pytest.param(BedrockFault("ThrottlingException"), Expect.fails(RateLimitError, *BACKOFF),
                 id="ThrottlingException (429 without Retry-After)"),
    pytest.param(BedrockFault("ModelTimeoutException"), Expect.fails(TimeoutError, *BACKOFF),
                 id="ModelTimeoutException"),
    pytest.param(BedrockFault("ServiceUnavailableException"),
                 Expect.fails(ServerError, *BACKOFF), id="ServiceUnavailableException (503)"),
    pytest.param(BedrockFault("InternalServerException"), Expect.fails(ServerError, *BACKOFF),
                 id="InternalServerException (500)"),
    pytest.param(BedrockFault("AccessDeniedException"), Expect.fails(AuthError),
                 id="AccessDeniedException"),
    pytest.param(BedrockFault("ValidationException"), Expect.fails(BadRequestError),
                 id="ValidationException"),
    pytest.param(BedrockReply(""), Expect.rejected(), id="empty answer"),
    pytest.param(BedrockReply("one two", stop_reason="max_tokens"),
                 Expect.answers("one two", "length"), id="truncated answer (max_tokens)"),
]
FROM_THE_WIRE = [
    pytest.param(throttled("3"), Expect.fails(RateLimitError, 3.0, 3.0),
                 id="429 Retry-After seconds"),
    pytest.param(throttled(FAR_FUTURE), Expect.fails(RateLimitError, 5.0, 5.0),
                 id="429 Retry-After HTTP-date"),
    pytest.param(Canned(500, (("Content-Type", "text/plain"),), b"Internal Server Error"),
                 Expect.fails(ServerError, *BACKOFF), id="500 without an error code"),
    pytest.param(Canned(502, HTML, b"<html><h1>502 Bad Gateway</h1></html>"),
                 Expect.fails(ServerError, *BACKOFF), id="HTML page 502"),
    pytest.param(Canned(503, JSON, b'{"message": "unavailable"}'),
                 Expect.fails(ServerError, *BACKOFF), id="503 without an error code"),
    pytest.param(Canned(504, HTML, b"<html><h1>504 Gateway Timeout</h1></html>"),
                 Expect.fails(TimeoutError, *BACKOFF), id="504"),
    pytest.param(Canned(body=CONVERSE_OK, action="reset"),
                 Expect.fails(ConnectionError, *BACKOFF), id="reset mid-body"),
    pytest.param(Canned(action="silent"), Expect.fails(TimeoutError, *BACKOFF),
                 id="read timeout"),
    pytest.param(Canned(200, JSON, b'{"output": {"mess'), Expect.fails(ServerError, *BACKOFF),
                 id="not JSON"),
    pytest.param(Canned(200, HTML, b"<html>hello</html>"), Expect.fails(ServerError, *BACKOFF),
                 id="HTML page 200"),
    pytest.param(Canned(200, JSON, b'{"stopReason": "end_turn"}'),
                 Expect.fails(ServerError, *BACKOFF), id="JSON without content"),
]


def bedrock_config(endpoint_url: str | None = None) -> UnifiedConfig:
    """The Bedrock backend for claude-3-haiku with the fake credentials."""
    return UnifiedConfig(backend="bedrock", model="claude-3-haiku",
                         bedrock_endpoint_url=endpoint_url, **AWS_CREDENTIALS)


@pytest.mark.parametrize(("fault", "expect"), FROM_MOTO)
def test_an_aws_fault_on_every_attempt_ends_in_its_exact_outcome(
        bedrock: BedrockScript, probe: Probe, fault: BedrockFault, expect: Expect) -> None:
    bedrock.script(*[fault] * 3, BedrockReply(RECOVERED))
    probe.call(bedrock_config()).check(expect)
    assert len(bedrock.calls) == len(expect.attempts)


@pytest.mark.parametrize(("fault", "expect"), FROM_MOTO)
def test_an_aws_fault_that_clears_costs_exactly_one_retry(
        bedrock: BedrockScript, probe: Probe, fault: BedrockFault, expect: Expect) -> None:
    bedrock.script(fault, BedrockReply(RECOVERED))
    probe.call(bedrock_config(), "once").check(expect.once())
    assert len(bedrock.calls) == len(expect.once().attempts)


@pytest.mark.parametrize(("fault", "expect"), FROM_THE_WIRE)
def test_a_wire_fault_on_every_attempt_ends_in_its_exact_outcome(
        raw_http: RawHTTPServer, probe: Probe, fault: Canned, expect: Expect) -> None:
    raw_http.script(*[fault] * 3, Canned(body=CONVERSE_OK))
    probe.call(bedrock_config(raw_http.url)).check(expect)
    assert len(raw_http.requests) == len(expect.attempts)


@pytest.mark.parametrize(("fault", "expect"), FROM_THE_WIRE)
def test_a_wire_fault_that_clears_costs_exactly_one_retry(
        raw_http: RawHTTPServer, probe: Probe, fault: Canned, expect: Expect) -> None:
    raw_http.script(fault, Canned(body=CONVERSE_OK))
    probe.call(bedrock_config(raw_http.url), "once").check(expect.once())
    assert len(raw_http.requests) == len(expect.once().attempts)


def test_a_refused_endpoint_is_retried_then_raised(probe: Probe) -> None:
    probe.call(bedrock_config(f"http://127.0.0.1:{closed_port()}")).check(
        Expect.fails(ConnectionError, *BACKOFF))
