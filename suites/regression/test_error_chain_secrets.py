"""Regression: a traceback of a mapped backend error never prints an echoed secret.

A provider may echo the caller's key (or AWS credentials) in its error text. The mapped
``UnifiedError`` message was redacted, but it was raised ``from`` the SDK exception, whose
own message kept the secret, so ``logging.exception`` / ``traceback`` printed it. Such a
cause is now dropped; a cause without secrets is still chained for debugging.
"""

from __future__ import annotations

import json
import traceback

import pytest

from harness.stack.moto_bedrock import BedrockFault
from harness.stack.upstream import Fault
from unified import AuthError, LMRequest, Message, ServerError, UnifiedConfig
from unified._backends.bedrock import BedrockBackend
from unified._backends.direct import DirectBackend

KEY = "sk-chain-regression-4f1e2d"
AWS = {"aws_access_key_id": "AKIACHAINREGRESSION1", "aws_secret_access_key": "chain-secret-9a8b",
       "aws_region": "us-east-1"}
REQUEST = LMRequest("m", [Message("user", "hi")])


def printed(error: BaseException) -> str:
    """What a traceback of ``error`` prints."""
    return "".join(traceback.format_exception(error))


def direct(upstream) -> DirectBackend:
    """A direct backend with the key, on the scripted upstream."""
    return DirectBackend(UnifiedConfig(backend="direct", model="openai/gpt-4o-mini",
                                       api_base=upstream.base_url, api_key=KEY))


def test_a_direct_error_echoing_the_key_prints_no_key_in_its_traceback(upstream) -> None:
    upstream.script(Fault(401, body=json.dumps({"error": {"message": f"bad key {KEY}"}})))
    with pytest.raises(AuthError) as info:
        direct(upstream).complete(REQUEST)
    assert KEY not in printed(info.value) and info.value.__cause__ is None


def test_a_bedrock_error_echoing_credentials_prints_none_in_its_traceback(bedrock) -> None:
    bedrock.script(BedrockFault("UnrecognizedClientException", " ".join(AWS.values()), 403))
    backend = BedrockBackend(UnifiedConfig(backend="bedrock", model="claude-3-haiku", **AWS))
    with pytest.raises(AuthError) as info:
        backend.complete(REQUEST)
    text = printed(info.value)
    assert AWS["aws_secret_access_key"] not in text and AWS["aws_access_key_id"] not in text


def test_an_error_without_secrets_keeps_its_sdk_cause(upstream) -> None:
    upstream.script(Fault(503))
    with pytest.raises(ServerError) as info:
        direct(upstream).complete(REQUEST)
    assert type(info.value.__cause__).__name__ == "ServiceUnavailableError"
