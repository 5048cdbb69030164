"""BedrockBackend: Converse and InvokeModel on moto, error codes, retries, timeouts, secrets.

moto (``bedrock`` fixture, the pinned responder extension) answers the calls in-process;
botocore's ``Stubber`` covers what moto cannot send (a ``Retry-After`` header, a malformed
answer); a listening socket that never answers and a closed port give real botocore
timeouts and connection failures.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import time
from collections.abc import Iterator

import boto3
import botocore.exceptions
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from harness.stack.moto_bedrock import BedrockFault, BedrockReply
from harness.stack.upstream import closed_port
from unified import (
    AuthError,
    BadRequestError,
    ConnectionError,
    LMRequest,
    Message,
    NotFoundError,
    RateLimitError,
    RetryConfig,
    ServerError,
    TimeoutError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._backends.bedrock import BedrockBackend
from unified._backends.bedrock_models import (
    FRIENDLY_MODEL_IDS,
    friendly_name,
    is_bedrock_model,
    resolve_model_id,
)
from unified._backends.mock import format_fields

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
KEY_ID, SECRET_KEY, TOKEN = "AKIAUNIFIEDTEST0001", "unified-secret-key-9d2e", "unified-token-4b7c"
REQUEST = LMRequest("m", [Message("user", "What is 2+2?")], system="You are terse.",
                    params={"temperature": 0.0, "max_tokens": 64})


def config(**changes) -> UnifiedConfig:
    """A Bedrock config for the claude-3-haiku friendly name."""
    return UnifiedConfig(**{"backend": "bedrock", "model": "claude-3-haiku", **changes})


def wrapper_for(fake_clock, **changes) -> UnifiedDSPyWrapper:
    """A Bedrock wrapper whose pipeline never really sleeps."""
    return UnifiedDSPyWrapper(config(**changes), clock=fake_clock.as_clock())


def stubbed(**changes) -> tuple[BedrockBackend, Stubber]:
    """A backend on a real boto3 client with botocore's Stubber in front of it."""
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="y")
    return BedrockBackend(config(**changes), client=client), Stubber(client)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# -- friendly names ------------------------------------------------------------------------
def test_friendly_names_resolve_as_the_legacy_table() -> None:
    assert resolve_model_id("claude-3-5-sonnet") == "anthropic.claude-3-5-sonnet-20241022-v2:0"
    assert len(FRIENDLY_MODEL_IDS) == 6 and friendly_name(HAIKU) == "claude-3-haiku"


def test_unknown_names_pass_through_unchanged() -> None:
    assert resolve_model_id("my-custom-model") == "my-custom-model"


def test_bedrock_ids_cross_region_ids_and_arns_count_as_bedrock_models() -> None:
    models = [HAIKU, "us.anthropic.claude-3-haiku-20240307-v1:0", "bedrock/titan-text-lite",
              "arn:aws:bedrock:us-east-1:123456789012:inference-profile/x"]
    assert all(is_bedrock_model(m) for m in models)
    assert not any(is_bedrock_model(m) for m in ("gpt-4o-mini", "openai/gpt-4o", "anthropic/x"))


# -- moto end to end -----------------------------------------------------------------------
def test_a_chain_of_thought_program_runs_end_to_end_on_bedrock(bedrock, fake_clock) -> None:
    bedrock.script(BedrockReply(format_fields({"reasoning": "2 and 2 make 4.", "answer": "4"})))
    with wrapper_for(fake_clock) as wrapper:
        prediction = wrapper.create_module("question -> answer", "chain_of_thought").predict(
            question="What is 2+2?")
    assert (prediction.answer, prediction.reasoning) == ("4", "2 and 2 make 4.")
    assert bedrock.calls[0].operation == "converse" and bedrock.calls[0].model_id == HAIKU


def test_converse_sends_system_messages_and_inference_config(bedrock) -> None:
    request = LMRequest("m", [Message("user", "Hi"), Message("user", "What is 2+2?")],
                        system="You are terse.",
                        params={"temperature": 0.0, "max_tokens": 64, "top_p": 0.9,
                                "stop": ["\n\n"]})
    BedrockBackend(config()).complete(request)
    assert bedrock.calls[0].body == {
        "messages": [{"role": "user", "content": [{"text": "Hi"}, {"text": "What is 2+2?"}]}],
        "system": [{"text": "You are terse."}],
        "inferenceConfig": {"maxTokens": 64, "temperature": 0.0, "topP": 0.9,
                            "stopSequences": ["\n\n"]}}


def test_invoke_sends_the_legacy_anthropic_body_with_its_defaults(bedrock) -> None:
    request = LMRequest("m", [Message("user", "What is 2+2?")], system="You are terse.")
    response = BedrockBackend(config(bedrock_api="invoke")).complete(request)
    assert bedrock.calls[0].operation == "invoke_model"
    assert bedrock.calls[0].body == {
        "anthropic_version": "bedrock-2023-05-31", "max_tokens": 1000, "temperature": 0.7,
        "messages": [{"role": "user", "content": "What is 2+2?"}], "system": "You are terse."}
    assert response.text == "echo: What is 2+2?"


def test_usage_numbers_come_from_the_bedrock_answer(bedrock) -> None:
    bedrock.script(BedrockReply("four", input_tokens=12, output_tokens=5))
    usage = BedrockBackend(config()).complete(REQUEST).usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (12, 5, 17)


def test_a_max_tokens_stop_is_reported_as_length(bedrock) -> None:
    bedrock.script(BedrockReply("cut", stop_reason="max_tokens"))
    assert BedrockBackend(config()).complete(REQUEST).finish_reason == "length"


@pytest.mark.parametrize(("code", "error"), [
    ("ThrottlingException", RateLimitError), ("ServiceQuotaExceededException", RateLimitError),
    ("ServiceUnavailableException", ServerError), ("InternalServerException", ServerError),
    ("ModelNotReadyException", ServerError), ("ModelTimeoutException", TimeoutError),
    ("AccessDeniedException", AuthError), ("ValidationException", BadRequestError),
    ("ResourceNotFoundException", NotFoundError),
])
def test_bedrock_error_codes_map_to_the_taxonomy_with_context(bedrock, code, error) -> None:
    bedrock.script(BedrockFault(code=code))
    with pytest.raises(error) as info:
        BedrockBackend(config()).complete(REQUEST)
    assert code in str(info.value) and info.value.status and info.value.request_id
    assert info.value.backend == "bedrock" and "us-east-1" in info.value.endpoint


def test_an_unknown_error_code_falls_back_on_its_http_status(bedrock) -> None:
    bedrock.script(BedrockFault(code="SomethingNewException", status=502))
    with pytest.raises(ServerError, match="SomethingNewException"):
        BedrockBackend(config()).complete(REQUEST)


def test_throttling_is_retried_by_the_pipeline_with_its_backoff(bedrock, fake_clock) -> None:
    bedrock.script(BedrockFault("ThrottlingException"), BedrockFault("ThrottlingException"),
                   BedrockReply("four"))
    retry = RetryConfig(max_retries=2, base_delay=1.0, backoff_factor=2.0)
    with wrapper_for(fake_clock, retry=retry) as wrapper:
        assert wrapper.pipeline.complete(REQUEST).text == "four"
    assert fake_clock.sleeps == [1.0, 2.0] and len(bedrock.calls) == 3


def test_a_validation_exception_is_not_retried(bedrock, fake_clock) -> None:
    bedrock.script(BedrockFault("ValidationException"), BedrockReply("never"))
    with wrapper_for(fake_clock, retry=RetryConfig()) as wrapper, \
            pytest.raises(BadRequestError):
        wrapper.pipeline.complete(REQUEST)
    assert fake_clock.sleeps == [] and len(bedrock.calls) == 1


def test_botocore_never_retries_behind_the_pipeline(bedrock, fake_clock) -> None:
    bedrock.script(*[BedrockFault("ServiceUnavailableException")] * 5)
    with wrapper_for(fake_clock, retry=RetryConfig(max_retries=1)) as wrapper, \
            pytest.raises(ServerError):
        wrapper.pipeline.complete(REQUEST)
    assert len(bedrock.calls) == 2


# -- what moto cannot send: botocore's Stubber ---------------------------------------------
def test_a_throttling_retry_after_header_sets_the_hint() -> None:
    backend, stubber = stubbed()
    stubber.add_client_error("converse", "ThrottlingException", "slow down", 429,
                             response_meta={"HTTPHeaders": {"retry-after": "4"}})
    with stubber, pytest.raises(RateLimitError) as info:
        backend.complete(REQUEST)
    assert info.value.retry_after == 4.0


def test_an_invoke_answer_that_is_not_json_is_a_server_error() -> None:
    backend, stubber = stubbed(bedrock_api="invoke")
    page = b"<html>bad gateway</html>"
    stubber.add_response("invoke_model", {"body": StreamingBody(io.BytesIO(page), len(page)),
                                          "contentType": "text/html"})
    with stubber, pytest.raises(ServerError, match="malformed invoke response"):
        backend.complete(REQUEST)


def test_parameters_botocore_rejects_are_a_bad_request() -> None:
    backend, _ = stubbed()
    with pytest.raises(BadRequestError, match="rejected before sending"):
        backend.complete(LMRequest("m", [Message("user", "hi")], params={"temperature": "hot"}))


def test_missing_credentials_are_an_auth_error() -> None:
    class NoCredentialsClient:
        def converse(self, **kwargs):
            raise botocore.exceptions.NoCredentialsError()

    with pytest.raises(AuthError, match="no usable AWS credentials"):
        BedrockBackend(config(), client=NoCredentialsClient()).complete(REQUEST)


# -- real botocore transport failures --------------------------------------------------------
def test_a_read_slower_than_the_timeout_is_one_timeout_error(silent_port) -> None:
    backend = BedrockBackend(config(bedrock_endpoint_url=f"http://127.0.0.1:{silent_port}",
                                    aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET_KEY,
                                    aws_region="us-east-1", timeout_seconds=0.3))
    started = time.perf_counter()
    with backend, pytest.raises(TimeoutError, match="within 0.3 s"):
        backend.complete(REQUEST)
    assert time.perf_counter() - started < 1.2  # one attempt, not botocore's retries


def test_a_refused_endpoint_is_a_connection_error() -> None:
    backend = BedrockBackend(config(bedrock_endpoint_url=f"http://127.0.0.1:{closed_port()}",
                                    aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET_KEY))
    with backend, pytest.raises(ConnectionError):
        backend.complete(REQUEST)


# -- configuration and identity --------------------------------------------------------------
def test_the_identity_names_region_api_and_endpoint_url() -> None:
    backend = BedrockBackend(config(aws_region="eu-west-1",
                                    bedrock_endpoint_url="http://127.0.0.1:4566"), environ={})
    ident = backend.identity()
    assert ident.endpoint == "bedrock-runtime/eu-west-1/converse@http://127.0.0.1:4566"
    assert ident.model == HAIKU


def test_the_region_comes_from_aws_region_before_aws_default_region() -> None:
    env = {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert BedrockBackend(config(), environ=env).region == "ap-south-1"


def test_without_any_region_setting_the_legacy_default_applies() -> None:
    assert BedrockBackend(config(), environ={}).region == "us-east-1"


# -- secrets ---------------------------------------------------------------------------------
def test_credentials_never_appear_in_info_repr_logs_or_errors(bedrock, fake_clock,
                                                              caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bedrock.script(BedrockFault("UnrecognizedClientException", f"token {TOKEN} for {KEY_ID} "
                                f"signed with {SECRET_KEY} is invalid", status=403))
    creds = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET_KEY,
             "aws_session_token": TOKEN}
    with wrapper_for(fake_clock, **creds) as wrapper, pytest.raises(AuthError) as info:
        shown = [repr(wrapper), repr(wrapper.backend), json.dumps(wrapper.get_info())]
        wrapper.pipeline.complete(REQUEST)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("unified")]
    shown += [str(info.value), repr(info.value), *ours]
    assert not [text for text in shown if any(s in text for s in (KEY_ID, SECRET_KEY, TOKEN))]
    assert wrapper.get_info()["backend"]["credentials"] == "config"
