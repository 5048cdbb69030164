"""A scenario's ``upstream`` script as steps of the local stack (:mod:`harness.stack`):
what a recording scripts, and what a Bedrock replay answers from."""

from __future__ import annotations

from typing import Any

from .scenarios import Scenario

__all__ = ["upstream_steps", "bedrock_steps"]


def _reply_text(reply: Any) -> str:
    from unified._backends.mock import format_fields

    return reply if isinstance(reply, str) else format_fields(reply)


def _answer_text(answer: Any) -> str:
    return str(answer.get("text") or (_reply_text(answer["fields"]) if "fields" in answer else ""))


def upstream_steps(scenario: Scenario) -> list[Any]:
    """The scenario's ``upstream`` list as :mod:`harness.stack.upstream` steps.

    ``{answer: {text | fields, tool_calls, thinking, refusal, logprobs, usage}}`` is a
    rich answer (tool calls, reasoning, …); ``{reply: ...}`` a plain text one.
    """
    from ..stack.upstream import Fault, Reply

    steps: list[Any] = []
    for step in scenario.upstream:
        if "answer" in step:
            answer = step["answer"]
            calls = tuple(answer.get("tool_calls") or ())
            steps.append(Reply(_answer_text(answer),
                               answer.get("finish_reason") or ("tool_calls" if calls else "stop"),
                               answer.get("usage"), calls, answer.get("thinking"),
                               answer.get("refusal"), answer.get("logprobs")))
        elif "reply" in step:
            steps.append(Reply(_reply_text(step["reply"])))
        elif "fault" in step:
            steps.append(Fault(**step["fault"]))
    return steps


def bedrock_steps(scenario: Scenario) -> list[Any]:
    """The scenario's ``upstream`` list as :mod:`harness.stack.moto_bedrock` steps (an
    ``answer`` may set ``converse_stream``'s ``chunks`` and ``fail_after``)."""
    from ..stack.moto_bedrock import BedrockFault, BedrockReply

    steps: list[Any] = []
    for step in scenario.upstream:
        if "answer" in step:
            answer = step["answer"]
            calls = tuple(answer.get("tool_calls") or ())
            steps.append(BedrockReply(_answer_text(answer),
                                      "tool_use" if calls else "end_turn",
                                      tool_calls=calls, thinking=answer.get("thinking"),
                                      chunks=tuple(answer["chunks"]) if "chunks" in answer
                                      else None, fail_after=answer.get("fail_after")))
        elif "reply" in step:
            steps.append(BedrockReply(_reply_text(step["reply"])))
        elif "bedrock_fault" in step:
            steps.append(BedrockFault(**step["bedrock_fault"]))
    return steps
