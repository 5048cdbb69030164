"""The ``stream`` program of the native adapter: one backend request per call, streamed.

Each call ``{prompt: ...}`` goes through ``wrapper.pipeline.stream`` (every layer:
retry before the first chunk, cache, validation at the end, fallback); the outcome's
outputs are ``{chunks: [text of each text delta, in order], answer: assembled text}``.
A call with ``stream: false`` is the same request through ``pipeline.complete`` (outputs
``{answer: ...}``), so one scenario compares a stream with the non-streaming answer of
the same recording. A stream cut after chunks were handed on
(:class:`unified._errors.StreamInterruptedError`) keeps the chunks received and its
partial text as outputs next to the error.
"""

from __future__ import annotations

from typing import Any

from ..observation import CallOutcome
from .base import RunEnv, error_outcome

__all__ = ["stream_outcomes"]


def _request(wrapper: Any, call: dict[str, Any]) -> Any:
    from unified import LMRequest, Message

    params = {"temperature": wrapper.config.temperature, "max_tokens": wrapper.config.max_tokens}
    return LMRequest(wrapper.config.model, (Message("user", str(call["prompt"])),), params=params)


def _streamed(wrapper: Any, call: dict[str, Any]) -> dict[str, Any]:
    from unified._stream import StreamAssembler, TextDelta

    assembler = StreamAssembler()
    for delta in wrapper.pipeline.stream(_request(wrapper, call)):
        assembler.push(delta)
    chunks = [d.text for d in assembler.chunks if isinstance(d, TextDelta)]
    return {"chunks": chunks, "answer": assembler.response().text}


def _one_call(wrapper: Any, call: dict[str, Any], env: RunEnv) -> CallOutcome:
    from unified._errors import StreamInterruptedError

    before = env.wire_requests()
    try:
        if call.get("stream", True):
            outputs = _streamed(wrapper, call)
        else:
            outputs = {"answer": wrapper.pipeline.complete(_request(wrapper, call)).text}
    except StreamInterruptedError as exc:
        outcome = error_outcome(exc, env.wire_requests() - before)
        outcome.outputs = {"chunks": [getattr(d, "text", "") for d in exc.chunks],
                           "answer": exc.partial_text}
        return outcome
    except Exception as exc:  # noqa: BLE001 - the harness observes every failure
        return error_outcome(exc, env.wire_requests() - before)
    return CallOutcome(outputs=outputs, wire_requests=env.wire_requests() - before)


def stream_outcomes(wrapper: Any, calls: Any, env: RunEnv) -> list[CallOutcome]:
    """The outcome of each call (see the module docstring)."""
    return [_one_call(wrapper, dict(call), env) for call in calls]
