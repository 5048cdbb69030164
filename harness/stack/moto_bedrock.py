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

Answers come from a :class:`BedrockScript`, scripted like :mod:`harness.stack.upstream`: queued
:class:`BedrockReply` / :class:`BedrockFault` steps first, then the ``responder`` (default:
echo of the last user text). A fault makes boto3 raise ``botocore.exceptions.ClientError``
with its ``code`` and HTTP ``status``. These are moto internals: :data:`SUPPORTED_MOTO` pins
the version and ``install()`` refuses any other (see suites/harness/stack/test_moto_bedrock.py).
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BedrockCall", "BedrockFault", "BedrockReply", "BedrockScript", "DEFAULT_STATUS",
           "BedrockServer", "MotoIncompatibleError", "SUPPORTED_MOTO", "bedrock_server",
           "bedrock_stub", "check_moto",
           "install", "installed", "uninstall"]

SUPPORTED_MOTO = "5.2.5"

#: HTTP status each Bedrock error code is sent with unless ``BedrockFault.status`` says otherwise.
DEFAULT_STATUS: dict[str, int] = {
    "ThrottlingException": 429, "ServiceUnavailableException": 503,
    "ModelTimeoutException": 408, "InternalServerException": 500,
    "AccessDeniedException": 403, "ValidationException": 400,
    "ResourceNotFoundException": 404, "ModelNotReadyException": 429,
    "ModelErrorException": 424, "ServiceQuotaExceededException": 400,
}
_CONVERSE_PARAMS = ("messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig",
                    "additionalModelRequestFields", "additionalModelResponseFieldPaths",
                    "promptVariables", "requestMetadata", "performanceConfig")
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing"}


class MotoIncompatibleError(RuntimeError):
    """The installed moto is not the version (or shape) this extension was written for."""


@dataclass(frozen=True)
class BedrockReply:
    """A successful answer; token counts default to whitespace counts of prompt and text.

    ``tool_calls`` (``[{"id", "name", "arguments"}]``) become ``toolUse`` blocks (Converse)
    or ``tool_use`` blocks (Anthropic body); ``thinking`` a ``reasoningContent`` block
    (Converse) or a ``thinking`` block, signed with ``thinking_signature``.
    """

    text: str
    stop_reason: str = "end_turn"
    input_tokens: int | None = None
    output_tokens: int | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    thinking: str | None = None
    thinking_signature: str = "sig-recorded"
    #: ``converse_stream`` chunk boundaries (None: one per word).
    chunks: tuple[str, ...] | None = None
    #: ``converse_stream`` fails with an exception event after this many chunks.
    fail_after: int | None = None
    #: Seconds between ``converse_stream`` chunks (moto server mode only).
    chunk_delay: float = 0.0

    def converse_content(self) -> list[dict[str, Any]]:
        """The Converse ``output.message.content`` blocks of this reply."""
        from .rich_answers import converse_content

        return converse_content(self)

    def anthropic_content(self) -> list[dict[str, Any]]:
        """The Anthropic messages ``content`` blocks of this reply (``invoke_model``)."""
        from .rich_answers import anthropic_content

        return anthropic_content(self)


@dataclass(frozen=True)
class BedrockFault:
    """An error response: boto3 raises ``ClientError`` with ``code`` (HTTP ``http_status``)."""

    code: str = "ThrottlingException"
    message: str = "Rate exceeded (scripted)"
    status: int | None = None

    @property
    def http_status(self) -> int:
        """``status``, or the usual status of ``code`` (400 for unknown codes)."""
        return self.status if self.status is not None else DEFAULT_STATUS.get(self.code, 400)


@dataclass(frozen=True)
class BedrockCall:
    """One call as received: ``operation`` ("converse"/"invoke_model"), model id and body."""

    operation: str
    model_id: str
    body: Any = field(default=None)


BedrockStep = BedrockReply | BedrockFault | str


def _texts(content: Any) -> list[str]:
    """Text pieces of a Converse/Anthropic ``content`` (a string or a list of blocks)."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)]
    return []


def _messages_of(call: BedrockCall) -> list[Any]:
    body = call.body if isinstance(call.body, Mapping) else {}
    return list(body.get("messages") or [])


def last_user_text(call: BedrockCall) -> str:
    """The text of the last user message of a call (Converse or Anthropic messages body)."""
    for message in reversed(_messages_of(call)):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return " ".join(_texts(message.get("content")))
    body = call.body if isinstance(call.body, Mapping) else {}
    return str(body.get("prompt") or body.get("inputText") or "")


def prompt_tokens(call: BedrockCall) -> int:
    """Whitespace token count of every message and system text of a call."""
    body = call.body if isinstance(call.body, Mapping) else {}
    pieces = _texts(body.get("system"))
    for message in _messages_of(call):
        if isinstance(message, Mapping):
            pieces += _texts(message.get("content"))
    return sum(len(p.split()) for p in pieces)


def echo_responder(call: BedrockCall) -> BedrockStep:
    """The default responder: ``BedrockReply("echo: <last user text>")``."""
    return BedrockReply(f"echo: {last_user_text(call)}")


class BedrockScript:
    """What the stubbed bedrock-runtime answers, and a record of what it was asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[BedrockStep] = deque()
        self._calls: list[BedrockCall] = []
        self._counter = 0
        self.responder: Callable[[BedrockCall], BedrockStep] = echo_responder
        #: When each paced ``converse_stream`` chunk was sent (``time.perf_counter()``).
        self.sent: list[float] = []

    def script(self, *steps: BedrockStep) -> BedrockScript:
        """Queue steps; each call consumes one before the responder is asked."""
        with self._lock:
            self._queue.extend(steps)
        return self

    @property
    def calls(self) -> list[BedrockCall]:
        """A copy of every call received so far."""
        with self._lock:
            return list(self._calls)

    @property
    def pending(self) -> int:
        """How many scripted steps are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Clear the queue, the calls and the id counter; restore the echo responder."""
        with self._lock:
            self._queue.clear()
            self._calls.clear()
            self._counter = 0
            self.responder = echo_responder

    def answer(self, call: BedrockCall) -> tuple[BedrockReply, int, int, int]:
        """Record ``call`` and decide: (reply, input tokens, output tokens, sequence number).

        Raises the fault as an HTTP error that moto serializes for boto3.
        """
        with self._lock:
            self._calls.append(call)
            step = self._queue.popleft() if self._queue else None
            self._counter += 1
            number = self._counter
        if step is None:
            step = self.responder(call)
        if isinstance(step, str):
            step = BedrockReply(step)
        if isinstance(step, BedrockFault):
            raise _fault_exception(step)
        tokens_in = step.input_tokens if step.input_tokens is not None else prompt_tokens(call)
        tokens_out = (step.output_tokens if step.output_tokens is not None
                      else len(step.text.split()))
        return step, tokens_in, tokens_out, number


def _fault_exception(fault: BedrockFault) -> Exception:
    """A werkzeug HTTPException that moto's dispatcher turns into a Bedrock error response."""
    from werkzeug.exceptions import HTTPException

    class BedrockHTTPFault(HTTPException):
        code = fault.http_status
        description = json.dumps({"message": fault.message})

        def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
            return [("Content-Type", "application/json"), ("x-amzn-ErrorType", fault.code)]

    return BedrockHTTPFault()


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
