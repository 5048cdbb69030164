"""Capture lines as production would log them: the DSPy ChatAdapter prompt of a call and
an OpenAI chat completion answering it. Used to write the sample capture and to
generate large corpora (:mod:`harness.parity.corpus`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["capture_line"]


def capture_line(signature: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *,
                 model: str = "gpt-4o-mini", sampling: Mapping[str, Any] | None = None,
                 program: str = "predict", instructions: str | None = None,
                 demos: Sequence[Mapping[str, Any]] = ()) -> str:
    """One ``{"request", "response"}`` JSON line for the call ``program(signature)(**inputs)``
    answered with ``outputs``."""
    import dspy

    sig = dspy.Signature(signature, instructions) if instructions else dspy.Signature(signature)
    if program == "chain_of_thought":
        sig = dspy.ChainOfThought(sig).predict.signature
    adapter = dspy.ChatAdapter()
    messages = adapter.format(sig, [dspy.Example(**d) for d in demos], dict(inputs))
    answer = adapter.format_assistant_message_content(sig, dict(outputs),
                                                      missing_field_message="")
    request = {"model": model, "messages": messages, **(sampling or {})}
    response = {"id": "chatcmpl-capture", "object": "chat.completion", "created": 1764633600,
                "model": model, "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": answer}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
    return json.dumps({"request": request, "response": response}, ensure_ascii=False)
