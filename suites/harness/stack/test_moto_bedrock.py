"""The pinned moto bedrock-runtime extension. These tests fail loudly when a moto upgrade
changes the internals it patches: re-verify harness/stack/moto_bedrock.py before bumping moto."""

from __future__ import annotations

import importlib.metadata
import json
import os
from typing import Any

import pytest

from harness.stack import moto_bedrock
from harness.stack.moto_bedrock import (
    DEFAULT_STATUS,
    SUPPORTED_MOTO,
    BedrockFault,
    BedrockReply,
    BedrockScript,
    MotoIncompatibleError,
    bedrock_server,
    bedrock_stub,
)

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def client(endpoint_url: str | None = None) -> Any:
    """A bedrock-runtime client with botocore's retries off."""
    import boto3
    from botocore.config import Config

    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=endpoint_url,
                        config=Config(retries={"total_max_attempts": 1}))


def converse(text: str = "hi there", endpoint_url: str | None = None, **extra: Any) -> dict[str, Any]:
    return client(endpoint_url).converse(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}], **extra)


def invoke_model(text: str = "hi there", endpoint_url: str | None = None) -> dict[str, Any]:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
            "messages": [{"role": "user", "content": text}]}
    response = client(endpoint_url).invoke_model(modelId=MODEL, body=json.dumps(body))
    return json.loads(response["body"].read())


def test_installed_moto_is_the_pinned_version() -> None:
    assert importlib.metadata.version("moto") == SUPPORTED_MOTO


def test_the_patched_moto_internals_exist() -> None:
    from moto.bedrockruntime.models import BedrockRuntimeBackend
    from moto.bedrockruntime.responses import BedrockRuntimeResponse
    from moto.core.responses import ActionResult, BaseResponse

    assert callable(BedrockRuntimeBackend.invoke_model) and callable(BaseResponse._get_param)
    assert callable(ActionResult) and not hasattr(BedrockRuntimeResponse, "converse")


def test_install_refuses_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "5.9.0")
    with pytest.raises(MotoIncompatibleError, match="5.9.0"):
        moto_bedrock.install()
    assert not moto_bedrock.installed()


def test_converse_answers_text_stop_reason_usage_and_metrics(bedrock: BedrockScript) -> None:
    response = converse("hi there", system=[{"text": "be kind"}])
    assert response["output"]["message"] == {"role": "assistant", "content": [{"text": "echo: hi there"}]}
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 4, "outputTokens": 3, "totalTokens": 7}
    assert response["metrics"] == {"latencyMs": 0}


def test_converse_call_is_recorded_with_its_params(bedrock: BedrockScript) -> None:
    converse("q", inferenceConfig={"maxTokens": 5, "temperature": 0.2})
    call = bedrock.calls[0]
    assert (call.operation, call.model_id) == ("converse", MODEL)
    assert call.body == {"messages": [{"role": "user", "content": [{"text": "q"}]}],
                         "inferenceConfig": {"maxTokens": 5, "temperature": 0.2}}


def test_invoke_model_answers_an_anthropic_messages_response(bedrock: BedrockScript) -> None:
    bedrock.script(BedrockReply("bonjour", stop_reason="max_tokens", input_tokens=11, output_tokens=2))
    assert invoke_model() == {
        "id": "msg_bdrk_0001", "type": "message", "role": "assistant", "model": MODEL,
        "content": [{"type": "text", "text": "bonjour"}], "stop_reason": "max_tokens",
        "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 2}}


def test_invoke_model_call_is_recorded_with_its_parsed_body(bedrock: BedrockScript) -> None:
    invoke_model("question")
    call = bedrock.calls[0]
    assert (call.operation, call.body["messages"]) == ("invoke_model", [{"role": "user", "content": "question"}])


def test_scripted_steps_come_before_the_responder(bedrock: BedrockScript) -> None:
    bedrock.script("one", BedrockReply("two"))
    bedrock.responder = lambda call: BedrockReply(f"{call.operation} answered")
    texts = [converse()["output"]["message"]["content"][0]["text"] for _ in range(3)]
    assert texts == ["one", "two", "converse answered"]


@pytest.mark.parametrize("code", sorted(DEFAULT_STATUS))
def test_fault_raises_client_error_with_its_code_and_status(bedrock: BedrockScript, code: str) -> None:
    from botocore.exceptions import ClientError

    bedrock.script(BedrockFault(code, "scripted"))
    with pytest.raises(ClientError) as error:
        converse()
    assert error.value.response["Error"] == {"Code": code, "Message": "scripted"}
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == DEFAULT_STATUS[code]


def test_fault_status_can_be_overridden_on_invoke_model(bedrock: BedrockScript) -> None:
    from botocore.exceptions import ClientError

    bedrock.script(BedrockFault("ThrottlingException", status=400))
    with pytest.raises(ClientError) as error:
        invoke_model()
    assert error.value.response["Error"]["Code"] == "ThrottlingException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_bedrock_stub_sets_fake_credentials_only_for_its_duration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with bedrock_stub():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_leaving_bedrock_stub_restores_the_original_moto_methods() -> None:
    from moto.bedrockruntime.models import BedrockRuntimeBackend
    from moto.bedrockruntime.responses import BedrockRuntimeResponse

    original = BedrockRuntimeBackend.invoke_model
    with bedrock_stub():
        assert BedrockRuntimeBackend.invoke_model is not original
    assert BedrockRuntimeBackend.invoke_model is original
    assert not hasattr(BedrockRuntimeResponse, "converse") and not moto_bedrock.installed()


def test_install_twice_only_swaps_the_script_and_uninstall_twice_is_harmless() -> None:
    first = moto_bedrock.install()
    second = moto_bedrock.install(BedrockScript())
    try:
        assert first is not second and moto_bedrock.installed()
    finally:
        moto_bedrock.uninstall()
        moto_bedrock.uninstall()
    assert not moto_bedrock.installed()


def test_threaded_moto_server_serves_converse_invoke_model_and_faults() -> None:
    from botocore.exceptions import ClientError

    with bedrock_server() as server:
        server.script.script(BedrockReply("served"))
        assert converse(endpoint_url=server.url)["output"]["message"]["content"][0]["text"] == "served"
        assert invoke_model("x", endpoint_url=server.url)["content"][0]["text"] == "echo: x"
        server.script.script(BedrockFault("ServiceUnavailableException"))
        with pytest.raises(ClientError, match="ServiceUnavailableException"):
            converse(endpoint_url=server.url)
    assert not moto_bedrock.installed()
