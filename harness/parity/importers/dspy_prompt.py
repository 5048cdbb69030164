"""Recognising a DSPy ChatAdapter prompt in captured messages.

From the system message: the input and output fields with their types and the
instructions; from the user / assistant turns: the few-shot demos and the call's
inputs. The guess is accepted only when DSPy, given the inferred signature, demos and
inputs, formats exactly the captured messages again (so the replay sends the same
bytes); a chain-of-thought call (first output ``reasoning``) is recognised the same way.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["DSPyCall", "infer_dspy_call", "parse_outputs"]

_FIELD = re.compile(r"^\d+\. `(\w+)` \(([^)]*)\):[ ]?$")
_MARKER = re.compile(r"\[\[ ## (\w+) ## \]\]\n")
_OBJECTIVE = "In adhering to this structure, your objective is: \n"
_RESPOND = "\n\nRespond with the corresponding output fields"


@dataclass(frozen=True)
class DSPyCall:
    """A DSPy call recognised in a prompt."""

    program: str                         # predict | chain_of_thought
    signature: str                       # e.g. "context: str, question: str -> answer: int"
    instructions: str | None             # None when DSPy's default
    demos: tuple[Mapping[str, str], ...]
    inputs: Mapping[str, str]

    def signature_object(self) -> Any:
        """The ``dspy.Signature`` the program predicts with (reasoning included for CoT)."""
        import dspy

        signature = dspy.Signature(self.signature, self.instructions) if self.instructions \
            else dspy.Signature(self.signature)
        if self.program == "chain_of_thought":
            return dspy.ChainOfThought(signature).predict.signature
        return signature


def _fields(lines: list[str]) -> list[tuple[str, str]] | None:
    found = []
    for line in lines:
        match = _FIELD.match(line)
        if match is None:
            return None
        found.append((match.group(1), match.group(2)))
    return found


def _sections(text: str) -> dict[str, str]:
    text = text.split(_RESPOND, 1)[0]
    parts = _MARKER.split(text)
    values = {}
    for index in range(1, len(parts) - 1, 2):
        if parts[index] != "completed":
            values[parts[index]] = parts[index + 1].removesuffix("\n").removesuffix("\n")
    return values


def _system(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str] | None:
    head, sep, objective = text.partition(_OBJECTIVE)
    if not sep or not head.startswith("Your input fields are:\n"):
        return None
    lines = head.split("\n")
    try:
        out_at = lines.index("Your output fields are:")
        end = next(i for i, line in enumerate(lines) if line.startswith("All interactions"))
    except (ValueError, StopIteration):
        return None
    inputs, outputs = _fields(lines[1:out_at]), _fields(lines[out_at + 1:end])
    if not inputs or not outputs:
        return None
    return inputs, outputs, textwrap.dedent(objective)


def _candidates(inputs: list[tuple[str, str]], outputs: list[tuple[str, str]],
                objective: str) -> list[tuple[str, str, str | None]]:
    def spec(fields: Sequence[tuple[str, str]]) -> str:
        return ", ".join(f"{name}: {kind}" for name, kind in fields)

    names = [n for n, _ in inputs]
    found = [("predict", f"{spec(inputs)} -> {spec(outputs)}", outputs)]
    if outputs[0][0] == "reasoning" and len(outputs) > 1:
        found.insert(0, ("chain_of_thought", f"{spec(inputs)} -> {spec(outputs[1:])}",
                         outputs[1:]))
    result = []
    for program, signature, outs in found:
        default = (f"Given the fields {', '.join(f'`{n}`' for n in names)}, produce the "
                   f"fields {', '.join(f'`{n}`' for n, _ in outs)}.")
        result.append((program, signature, None if objective == default else objective))
    return result


def _messages_equal(expected: Sequence[Mapping[str, Any]], actual: Sequence[Any]) -> bool:
    return [(m.get("role"), m.get("content")) for m in expected] == \
        [(m.get("role"), m.get("content")) for m in actual]


def infer_dspy_call(messages: Sequence[Mapping[str, Any]]) -> DSPyCall | None:
    """The DSPy call whose ChatAdapter prompt ``messages`` is, or None."""
    import dspy

    if len(messages) < 2 or messages[0].get("role") != "system" or \
            not all(isinstance(m.get("content"), str) for m in messages):
        return None
    parsed = _system(messages[0]["content"])
    if parsed is None or messages[-1].get("role") != "user":
        return None
    inputs, outputs, objective = parsed
    turns = list(messages[1:-1])
    if len(turns) % 2 or any(t.get("role") != r for t, r in
                             zip(turns, ["user", "assistant"] * len(turns), strict=False)):
        return None
    demos = tuple({**_sections(turns[i]["content"]), **_sections(turns[i + 1]["content"])}
                  for i in range(0, len(turns), 2))
    call_inputs = _sections(messages[-1]["content"])
    for program, signature, instructions in _candidates(inputs, outputs, objective):
        candidate = DSPyCall(program, signature, instructions, demos, call_inputs)
        try:
            again = dspy.ChatAdapter().format(candidate.signature_object(),
                                              [dspy.Example(**d) for d in demos], call_inputs)
        except Exception:  # noqa: BLE001 - an unrecognisable prompt is simply not DSPy's
            continue
        if _messages_equal(messages, again):
            return candidate
    return None


def parse_outputs(call: DSPyCall, text: str) -> dict[str, Any] | None:
    """The output fields DSPy parses from an answer (None when it cannot)."""
    import dspy

    try:
        parsed = dict(dspy.ChatAdapter().parse(call.signature_object(), text))
    except Exception:  # noqa: BLE001 - an answer DSPy cannot parse is reported, not raised
        return None
    return parsed
