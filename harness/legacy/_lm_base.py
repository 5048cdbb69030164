"""Plumbing shared by the legacy reconstructions' DSPy LMs (not itself a legacy module).

The legacy gateway and Bedrock LMs were ``dspy.BaseLM`` subclasses implementing
``forward()``; :class:`LegacyForwardLM` keeps that shape on dspy 3.4 (where ``forward``
must return an OpenAI-shaped completion) and silences the one deprecation warning dspy
3.4 emits on every call of such a subclass. Also here: the message helpers both LMs use.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import dspy

ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant"}

# dspy 3.4 warns "Implementing custom LMs through BaseLM.forward() ... is deprecated" on
# *every* call of a forward()-based BaseLM subclass (removal is planned for 3.5). The
# legacy LMs were exactly such subclasses and the reconstructions must stay faithful, so
# that one warning is silenced here -- and only when it is attributed to this module:
# dspy attributes it to the first non-dspy frame, which is ``LegacyForwardLM.__call__``.
# The filter is re-asserted at the front on each call (a no-op when already there)
# because test runners reset the filter list per test; other warnings are untouched.
_WARNING_MESSAGE = r"Implementing custom LMs through BaseLM\.forward\(\)"
_WARNING_MODULE = re.escape(__name__)
_FILTER_ENTRY = ("ignore", re.compile(_WARNING_MESSAGE, re.I), DeprecationWarning,
                 re.compile(_WARNING_MODULE), 0)


def _silence_forward_deprecation() -> None:
    if not warnings.filters or warnings.filters[0] != _FILTER_ENTRY:
        warnings.filterwarnings("ignore", message=_WARNING_MESSAGE, category=DeprecationWarning,
                                module=_WARNING_MODULE)


class LegacyForwardLM(dspy.BaseLM):
    """A ``dspy.BaseLM`` implemented through ``forward()``, as the legacy LMs were.

    Subclasses implement ``forward(prompt=None, messages=None, **kwargs)`` returning
    :func:`completion_response`; DSPy then hands ``[text]`` to its callers.
    """

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        """Call the LM as ``dspy.BaseLM`` does, without the per-call deprecation warning."""
        _silence_forward_deprecation()
        return super().__call__(prompt, messages=messages, **kwargs)


def message_text(content: Any) -> str:
    """Return a chat message's text: a string as is, text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if isinstance(content, Iterable):
        return "\n".join(
            str(part.get("text", "")) if isinstance(part, Mapping) else str(part)
            for part in content
        )
    return "" if content is None else str(content)


def prompt_messages(prompt: str | None, messages: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Return the chat messages of a DSPy LM call (a bare prompt is one user message)."""
    if messages is not None:
        return list(messages)
    return [{"role": "user", "content": "" if prompt is None else prompt}]


def flatten_messages(messages: Iterable[Mapping[str, Any]]) -> str:
    """Flatten chat messages into ``"System: …"``/``"User: …"``/``"Assistant: …"`` parts
    joined by blank lines (other roles are capitalised)."""
    parts = []
    for message in messages:
        role = str(message.get("role", "user"))
        label = ROLE_LABELS.get(role, role.capitalize())
        parts.append(f"{label}: {message_text(message.get('content'))}")
    return "\n\n".join(parts)


def call_params(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The generation parameters a legacy LM forwarded: explicit, non-None
    ``temperature`` and ``max_tokens`` of the DSPy call (everything else is dropped)."""
    return {key: kwargs[key] for key in ("temperature", "max_tokens") if kwargs.get(key) is not None}


def completion_response(text: str, model: str, usage: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAI-shaped chat completion holding ``text``: what ``forward`` returns."""
    return {
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": dict(usage or {}),
    }
