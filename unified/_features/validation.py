"""The validation layer: rules from :class:`ValidationConfig`, reason codes of spec §1.

Checks run in this order and the first failure wins: ``too_short``, ``too_long``,
``missing_required_keywords``, ``contains_forbidden_keywords``, ``pattern_mismatch``,
``custom_validator_failed``; success is ``all_validations_passed``.

The validated text is what the user sees: when the response is in DSPy's ChatAdapter
format (``[[ ## field ## ]]`` sections), the output fields' values joined by a newline
in order (the legacy enhanced wrapper's definition); otherwise the whole text. A failure
raises :class:`~unified._errors.ValidationError` and is never cached (the cache layer sits
outside this one and stores only what comes back through it).

A response that is only tool calls (no text answer: the model asks for a tool) is
checked only by rules that say they apply to tool calls: custom validators marked with
:func:`tool_call_rule`, called with the canonical JSON of the calls
(``[{"name", "input"}, …]``). Its reason code is then theirs, or
``tool_calls_not_validated`` when no rule applies. Thinking text is never validated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from .._config import ValidationConfig
from .._errors import ValidationError
from .._types import LMRequest, LMResponse, canonical_json
from .base import EMPTY_TRACE, CallTrace, Layer, TraceStep, attach_trace, with_trace

__all__ = ["Validated", "validate_text", "output_text", "tool_call_rule", "PASSED",
           "TOOL_CALLS_SKIPPED"]

PASSED = "all_validations_passed"
TOOL_CALLS_SKIPPED = "tool_calls_not_validated"
_TOOL_RULE = "validates_tool_calls"
_SECTION = re.compile(r"\[\[ ## (\w+) ## \]\]\n?")


def output_text(text: str) -> str:
    """The user-visible text: ChatAdapter field values joined by newlines, else ``text``."""
    parts = _SECTION.split(text)
    if len(parts) < 3:
        return text
    values = [parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)
              if parts[i] != "completed"]
    return "\n".join(values)


def validate_text(text: str, config: ValidationConfig) -> tuple[bool, str]:
    """Apply ``config`` to ``text``; return ``(ok, reason_code)``."""
    if config.min_length is not None and len(text) < config.min_length:
        return False, "too_short"
    if config.max_length is not None and len(text) > config.max_length:
        return False, "too_long"
    if config.required_keywords or config.forbidden_keywords:
        lowered = text.lower()
        if any(k.lower() not in lowered for k in config.required_keywords or ()):
            return False, "missing_required_keywords"
        if any(k.lower() in lowered for k in config.forbidden_keywords or ()):
            return False, "contains_forbidden_keywords"
    if config.pattern is not None and _compiled(config.pattern).search(text) is None:
        return False, "pattern_mismatch"
    if config.validators and not all(_safe(v, text) for v in config.validators):
        return False, "custom_validator_failed"
    return True, PASSED


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _safe(validator: Callable[[str], Any], text: str) -> bool:
    try:
        return bool(validator(text))
    except Exception:  # a crashing validator is a failed validation, not a crash
        return False


def tool_call_rule(validator: Callable[[str], Any]) -> Callable[[str], Any]:
    """Mark a custom validator as applying to tool-call-only responses too."""
    setattr(validator, _TOOL_RULE, True)
    return validator


def _validate_tool_calls(response: LMResponse, config: ValidationConfig) -> tuple[bool, str]:
    rules = [v for v in config.validators if getattr(v, _TOOL_RULE, False)]
    if not rules:
        return True, TOOL_CALLS_SKIPPED
    calls = canonical_json([{"name": c.name, "input": dict(c.input)}
                            for c in response.tool_calls])
    if not all(_safe(v, calls) for v in rules):
        return False, "custom_validator_failed"
    return True, PASSED


class Validated(Layer):
    """Raises :class:`ValidationError` for responses that break the rules; the reason
    code joins the call's trace (on the response, or on the error)."""

    def __init__(self, inner: Any, config: ValidationConfig) -> None:
        super().__init__(inner)
        self.config = config
        self._step = TraceStep()

    def judge(self, response: LMResponse) -> tuple[bool, str, str]:
        """``(ok, reason_code, validated_text)`` for one response (shared with the
        stream validation)."""
        text: str = response.text
        if not text and response.parts and response.tool_calls:
            ok, reason = _validate_tool_calls(response, self.config)
        else:
            text = output_text(text)
            ok, reason = validate_text(text, self.config)
        return ok, reason, text

    def check(self, response: LMResponse) -> LMResponse:
        """``response`` with its reason code in the trace, or raise ``ValidationError``."""
        ok, reason, text = self.judge(response)
        trace = self._step.apply(response.trace or EMPTY_TRACE, reason,
                                CallTrace.with_validation)
        if not ok:
            raise attach_trace(ValidationError(reason, text=text), trace)
        return with_trace(response, trace)

    def complete(self, request: LMRequest) -> LMResponse:
        """The wrapped backend's response, validated."""
        return self.check(self.inner.complete(request))

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        return self.check(await self.inner.acomplete(request))
