"""A version-pinned moto extension that makes bedrock-runtime ``converse``/``invoke_model`` answer.

moto 5.2.5 only stubs bedrock-runtime: ``invoke_model`` returns ``{}`` and ``converse``
raises ``NotImplementedError``. :func:`install` replaces
``moto.bedrockruntime.models.BedrockRuntimeBackend.invoke_model`` and adds a ``converse``
method (and ``converse_stream``, answering in the AWS event-stream encoding of
:mod:`harness.stack.moto_eventstream`) to ``moto.bedrockruntime.responses.BedrockRuntimeResponse``
(moto dispatches each
operation to the snake_case method of that name, reading parameters with
``self._get_param`` and serializing a ``moto.core.responses.ActionResult``). Both work
in-process under ``moto.mock_aws()`` and in ``moto.server.ThreadedMotoServer``.

Answers come from a :class:`BedrockScript` (:mod:`harness.stack.bedrock_script`): queued
:class:`BedrockReply` / :class:`BedrockFault` steps first, then the ``responder`` (default:
echo of the last user text). A fault makes boto3 raise ``botocore.exceptions.ClientError``
with its ``code`` and HTTP ``status``. These are moto internals: :data:`SUPPORTED_MOTO` pins
the version and ``install()`` refuses any other (see suites/harness/stack/test_moto_bedrock.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .bedrock_script import (
    DEFAULT_STATUS,
    BedrockCall,
    BedrockFault,
    BedrockReply,
    BedrockScript,
)

__all__ = ["BedrockCall", "BedrockFault", "BedrockReply", "BedrockScript", "DEFAULT_STATUS",
           "BedrockServer", "MotoIncompatibleError", "SUPPORTED_MOTO", "bedrock_server",
           "bedrock_stub", "check_moto",
           "install", "installed", "uninstall"]

SUPPORTED_MOTO = "5.2.5"

_CONVERSE_PARAMS = ("messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig",
                    "additionalModelRequestFields", "additionalModelResponseFieldPaths",
                    "promptVariables", "requestMetadata", "performanceConfig")
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing"}


class MotoIncompatibleError(RuntimeError):
    """The installed moto is not the version (or shape) this extension was written for."""


# -- the patches ------------------------------------------------------------------------------
class _State:
    lock = threading.Lock()
    script: BedrockScript | None = None
    original_invoke_model: Any = None
    original_converse: Any = None
    original_converse_stream: Any = None


def _current_script() -> BedrockScript:
    script = _State.script
    if script is None:  # pragma: no cover - only if someone calls the patch after uninstall
        raise RuntimeError("harness.stack.moto_bedrock is not installed")
    return script


def _invoke_model(self: Any, payload: dict[str, Any], model_id: str) -> dict[str, Any]:
    """Replacement for ``BedrockRuntimeBackend.invoke_model``: an Anthropic messages answer."""
    reply, tokens_in, tokens_out, number = _current_script().answer(
        BedrockCall("invoke_model", model_id, payload))
    return {"id": f"msg_bdrk_{number:04d}", "type": "message", "role": "assistant",
            "model": model_id, "content": reply.anthropic_content(),
            "stop_reason": reply.stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}}


def _converse(self: Any) -> Any:
    """``BedrockRuntimeResponse.converse``: a Converse answer from the active script."""
    from moto.core.responses import ActionResult

    from .rich_answers import wire_json

    params = {name: wire_json(value) for name in _CONVERSE_PARAMS
              if (value := self._get_param(name)) is not None}
    reply, tokens_in, tokens_out, _ = _current_script().answer(
        BedrockCall("converse", self._get_param("modelId"), params))
    return ActionResult({
        "output": {"message": {"role": "assistant", "content": reply.converse_content()}},
        "stopReason": reply.stop_reason,
        "usage": {"inputTokens": tokens_in, "outputTokens": tokens_out,
                  "totalTokens": tokens_in + tokens_out},
        "metrics": {"latencyMs": 0}})


def _converse_stream(self: Any) -> Any:
    """``BedrockRuntimeResponse.converse_stream``: the answer as an AWS event stream."""
    from .moto_eventstream import CONTENT_TYPE, converse_stream_events, paced

    params = {name: value for name in _CONVERSE_PARAMS
              if (value := self._get_param(name)) is not None}
    script = _current_script()
    reply, tokens_in, tokens_out, _ = script.answer(
        BedrockCall("converse_stream", self._get_param("modelId"), params))
    events = converse_stream_events(reply.text, reply.chunks, reply.stop_reason, tokens_in,
                                    tokens_out, reply.fail_after)
    body = paced(events, reply.chunk_delay, script.sent) if reply.chunk_delay \
        else b"".join(events)
    return 200, {"Content-Type": CONTENT_TYPE}, body


def check_moto() -> None:
    """Raise :class:`MotoIncompatibleError` unless moto is the pinned version with the internals."""
    from importlib.metadata import version

    found = version("moto")
    if found != SUPPORTED_MOTO:
        raise MotoIncompatibleError(
            f"harness.stack.moto_bedrock patches moto internals and supports moto=={SUPPORTED_MOTO} "
            f"only; moto {found} is installed. Re-verify the extension and update SUPPORTED_MOTO.")
    from moto.bedrockruntime import models, responses
    from moto.core import responses as core_responses

    missing = [name for owner, name in ((models, "BedrockRuntimeBackend"),
                                        (responses, "BedrockRuntimeResponse"),
                                        (core_responses, "ActionResult"),
                                        (core_responses.BaseResponse, "_get_param"))
               if not hasattr(owner, name)]
    if not missing and not hasattr(models.BedrockRuntimeBackend, "invoke_model"):
        missing.append("BedrockRuntimeBackend.invoke_model")
    if missing:
        raise MotoIncompatibleError(f"moto {found} lacks the internals this extension patches: "
                                    f"{', '.join(missing)}")


def installed() -> bool:
    """Whether the extension is currently installed."""
    return _State.script is not None


def install(script: BedrockScript | None = None) -> BedrockScript:
    """Patch moto so bedrock-runtime answers from ``script`` (a new one if None); idempotent.

    Installing again only swaps the active script.
    """
    check_moto()
    from moto.bedrockruntime.models import BedrockRuntimeBackend
    from moto.bedrockruntime.responses import BedrockRuntimeResponse

    with _State.lock:
        if _State.script is None:
            _State.original_invoke_model = BedrockRuntimeBackend.__dict__["invoke_model"]
            _State.original_converse = BedrockRuntimeResponse.__dict__.get("converse")
            _State.original_converse_stream = BedrockRuntimeResponse.__dict__.get(
                "converse_stream")
            BedrockRuntimeBackend.invoke_model = _invoke_model  # type: ignore[method-assign]
            BedrockRuntimeResponse.converse = _converse  # type: ignore[attr-defined]
            BedrockRuntimeResponse.converse_stream = _converse_stream  # type: ignore[attr-defined]
        _State.script = script if script is not None else BedrockScript()
        return _State.script


def uninstall() -> None:
    """Restore moto's original methods; a no-op when not installed."""
    with _State.lock:
        if _State.script is None:
            return
        from moto.bedrockruntime.models import BedrockRuntimeBackend
        from moto.bedrockruntime.responses import BedrockRuntimeResponse

        BedrockRuntimeBackend.invoke_model = _State.original_invoke_model  # type: ignore[method-assign]
        if _State.original_converse is None:
            del BedrockRuntimeResponse.converse  # type: ignore[attr-defined]
        else:
            BedrockRuntimeResponse.converse = _State.original_converse  # type: ignore[attr-defined]
        if _State.original_converse_stream is None:
            del BedrockRuntimeResponse.converse_stream  # type: ignore[attr-defined]
        else:
            BedrockRuntimeResponse.converse_stream = (  # type: ignore[attr-defined]
                _State.original_converse_stream)
        _State.original_converse_stream = None
        _State.script = _State.original_invoke_model = _State.original_converse = None


@contextmanager
def _fake_aws_env(region: str) -> Iterator[None]:
    values = {**_FAKE_ENV, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def bedrock_stub(region: str = "us-east-1") -> Iterator[BedrockScript]:
    """``moto.mock_aws()`` + the extension + fake credentials, for the block's duration.

    Yields a fresh :class:`BedrockScript`; on exit the previous state (installed or not,
    and its script) and the environment are restored.
    """
    import moto

    previous = _State.script
    with moto.mock_aws(), _fake_aws_env(region):
        script = install(BedrockScript())
        try:
            yield script
        finally:
            _restore(previous)


def _restore(previous: BedrockScript | None) -> None:
    """Put the extension back as it was: installed with ``previous``, or not installed."""
    if previous is None:
        uninstall()
    else:
        install(previous)


@dataclass(frozen=True)
class BedrockServer:
    """A running ``ThreadedMotoServer`` with the extension: point clients at ``url``."""

    url: str
    script: BedrockScript


@contextmanager
def bedrock_server(region: str = "us-east-1") -> Iterator[BedrockServer]:
    """``moto.server.ThreadedMotoServer`` on 127.0.0.1 (free port) with the extension installed.

    For clients moto cannot intercept in-process (litellm's httpx Bedrock calls): give them
    ``url`` as the bedrock-runtime endpoint. Fake credentials are set for the duration.
    """
    import logging

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # silence the per-request access log
    previous = _State.script
    server.start()
    try:
        host, port = server.get_host_and_port()
        with _fake_aws_env(region):
            script = install(BedrockScript())
            try:
                yield BedrockServer(f"http://{host}:{port}", script)
            finally:
                _restore(previous)
    finally:
        server.stop()
        werkzeug_log.setLevel(level)
