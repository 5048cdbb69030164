"""A scripted, deterministic backend for tests, demos and benchmarks.

``MockBackend(responses, *, errors=(), latency=0.0)``:

- ``responses`` is a list of answers (consumed in order, then cycled), a mapping from a
  substring of the last user message to an answer, a callable ``LMRequest -> answer``,
  or ``None`` for the automatic answerer (fills every output field that the DSPy
  prompt asks for with ``"mock <field>"``).
- An answer is a string (returned as-is), a dict of output fields, formatted the way
  DSPy's ChatAdapter expects (``[[ ## field ## ]]`` sections) so DSPy parses it, as
  ``dspy.utils.DummyLM`` does, or a :class:`MockAnswer` scripting a whole response:
  text or fields, tool calls, thinking, citations, a refusal, usage and finish reason.
- ``errors`` is a sequence of exceptions (instances or classes) or ``None`` consumed one
  per call before answering: ``errors=[ServerError("x")] * 2`` fails the first two
  calls.
- ``latency`` seconds are waited per call through the injected ``sleep``.
- ``stream(request)`` yields the answer as chunks: a :class:`MockStream` answer scripts
  chunks, delays and a fault mid-stream (:mod:`unified._backends.mock_stream`); any other
  answer streams one word per chunk, ``stream_delay`` seconds apart. ``astream`` is the
  same, natively async (its waits awaited; no thread).

Every request is recorded whole in ``requests`` (every part, tool, setting and
option); usage comes from a whitespace tokenizer unless an answer scripts it. The mock
declares every capability (parts, tools, reasoning, any parameter) unless
``capabilities=`` says otherwise.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._clock import Clock
from .._errors import NotFoundError
from .._stream import Delta, StreamEnd, TextDelta
from .._types import (
    BackendIdentity,
    CitationPart,
    LMRequest,
    LMResponse,
    Part,
    RefusalPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from .base import BaseBackend, Capabilities
from .mock_stream import MockStream, chunks_of

__all__ = ["MockBackend", "MockAnswer", "MockStream", "format_fields"]


@dataclass(frozen=True)
class MockAnswer:
    """A scripted response beyond text.

    ``text`` is a string or a dict of output fields (formatted as for a plain answer);
    ``tool_calls`` are ``(name, arguments)`` pairs or :class:`ToolCallPart` (ids
    ``call_<i>`` when not given); ``thinking`` comes first in the message, then text,
    tool calls, citations and ``refusal``. ``usage`` replaces the estimated one;
    ``finish_reason`` defaults to ``tool_call`` when there are tool calls.
    """

    text: str | Mapping[str, Any] | None = None
    tool_calls: Sequence[tuple[str, Mapping[str, Any]] | ToolCallPart] = ()
    thinking: str | None = None
    citations: Sequence[CitationPart] = ()
    refusal: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None

    def parts(self) -> tuple[Part, ...]:
        """The assistant message's parts, in order."""
        out: list[Part] = []
        if self.thinking is not None:
            out.append(ThinkingPart(self.thinking))
        if self.text is not None:
            out.append(TextPart(self.text if isinstance(self.text, str)
                                else format_fields(self.text)))
        for i, call in enumerate(self.tool_calls):
            out.append(call if isinstance(call, ToolCallPart)
                       else ToolCallPart(f"call_{i}", call[0], dict(call[1])))
        out.extend(self.citations)
        if self.refusal is not None:
            out.append(RefusalPart(self.refusal))
        return tuple(out)


Answer = str | Mapping[str, Any] | MockAnswer | MockStream
_OUTPUT_FIELDS = re.compile(r"Your output fields are:\n((?:\s*\d+\.\s+`\w+`[^\n]*\n?)+)")
_FIELD_NAME = re.compile(r"`(\w+)`")


def format_fields(fields: Mapping[str, Any]) -> str:
    """Format output-field values as DSPy's ChatAdapter expects to parse them."""
    sections = [f"[[ ## {name} ## ]]\n{value}" for name, value in fields.items()]
    return "\n\n".join([*sections, "[[ ## completed ## ]]"])


def _auto_answer(request: LMRequest) -> Answer:
    # A legacy LM flattens DSPy's system prompt into the user message: read it there too.
    match = _OUTPUT_FIELDS.search(request.system_text or "") or \
        _OUTPUT_FIELDS.search(request.last_user_text)
    if not match:
        return f"mock answer to: {request.last_user_text}"
    names = _FIELD_NAME.findall(match.group(1))
    return {name: f"mock {name}" for name in names}


class MockBackend(BaseBackend):
    """Deterministic scripted backend (see module docstring)."""

    kind = "mock"

    def __init__(self, responses: Sequence[Answer] | Mapping[str, Answer] |
                 Callable[[LMRequest], Answer] | None = None, *,
                 errors: Iterable[BaseException | type[BaseException] | None] = (),
                 latency: float = 0.0, model: str = "mock-model",
                 endpoint: str = "mock://local",
                 sleep: Callable[[float], None] = time.sleep,
                 capabilities: Capabilities | None = None,
                 stream_delay: float = 0.0) -> None:
        self._answerer = self._make_answerer(responses)
        self._errors = list(errors)
        self.latency = latency
        self.stream_delay = stream_delay
        self.model = model
        self.endpoint = endpoint
        self._sleep = sleep
        self._capabilities = capabilities or Capabilities.everything()
        self._lock = threading.Lock()
        self.requests: list[LMRequest] = []
        self._identity = BackendIdentity("mock", endpoint, model)

    @staticmethod
    def _make_answerer(responses: Any) -> Callable[[LMRequest], Answer]:
        if responses is None:
            return _auto_answer
        if callable(responses):
            return responses  # type: ignore[no-any-return]
        if isinstance(responses, Mapping):
            table = dict(responses)

            def by_substring(request: LMRequest) -> Answer:
                text = request.last_user_text
                for key, answer in table.items():
                    if key in text:
                        return answer
                raise NotFoundError(f"mock backend: no scripted answer matches {text[:80]!r}",
                                    backend="mock")

            return by_substring
        if isinstance(responses, str) or not isinstance(responses, Sequence) or not responses:
            raise TypeError("responses must be a non-empty list, a mapping, a callable or None")
        cycle = itertools.cycle(list(responses))
        lock = threading.Lock()

        def in_order(request: LMRequest) -> Answer:
            with lock:
                return next(cycle)

        return in_order

    @property
    def call_count(self) -> int:
        """How many requests this backend has received."""
        return len(self.requests)

    def _take(self, request: LMRequest) -> Any:
        """Record the request; the next scripted error (or None)."""
        with self._lock:
            self.requests.append(request)
            return self._errors.pop(0) if self._errors else None

    def _answer(self, request: LMRequest, error: Any) -> Answer:
        """Raise the scripted ``error``, else the answer to ``request``."""
        if error is not None:
            raise error(f"mock: scripted {error.__name__}") if isinstance(error, type) else error
        return self._answerer(request)

    def _begin(self, request: LMRequest) -> Answer:
        """Record the request, wait ``latency``, raise the next scripted error or answer."""
        error = self._take(request)
        if self.latency:
            self._sleep(self.latency)
        return self._answer(request, error)

    def _respond(self, request: LMRequest, answer: Answer) -> LMResponse:
        if isinstance(answer, MockStream):
            assembled = answer.assembled()
            return self.response(request, assembled.text,
                                 finish_reason=assembled.finish_reason) \
                if not assembled.parts and answer.usage is None else assembled
        if isinstance(answer, MockAnswer):
            return self._scripted(request, answer)
        text = answer if isinstance(answer, str) else format_fields(answer)
        return self.response(request, text)

    def complete(self, request: LMRequest) -> LMResponse:
        """Record the request, wait ``latency``, raise the next scripted error or answer."""
        return self._respond(request, self._begin(request))

    def stream(self, request: LMRequest) -> Iterator[Delta]:
        """The answer chunk by chunk (scripted delays and faults; see module doc)."""
        for wait, delta in self._steps(request, self._begin(request)):
            if wait:
                self._sleep(wait)
            yield delta

    async def astream(self, request: LMRequest) -> AsyncIterator[Delta]:
        """Async variant of :meth:`stream`: the waits are awaited (``asyncio.sleep`` for
        the real ``time.sleep``, the injected ``sleep`` itself otherwise)."""
        clock = Clock(sleep=self._sleep)
        error = self._take(request)
        if self.latency:
            await clock.asleep(self.latency)
        for wait, delta in self._steps(request, self._answer(request, error)):
            if wait:
                await clock.asleep(wait)
            yield delta

    def _steps(self, request: LMRequest, answer: Answer) -> Iterator[tuple[float, Delta]]:
        """``(wait before it, delta)`` of each chunk of ``answer``; the scripted fault
        raised in its place."""
        script = answer if isinstance(answer, MockStream) else \
            chunks_of(self._respond(request, answer), self.stream_delay)
        deltas = script.deltas()
        for index, delta in enumerate(deltas):
            if script.fail_after is not None and index == script.fail_after:
                script.raise_error()
            if isinstance(delta, StreamEnd):
                if delta.usage is None:   # estimated as for a non-streaming answer
                    text = "".join(d.text for d in deltas if isinstance(d, TextDelta))
                    delta = StreamEnd(delta.finish_reason, self.response(request, text).usage)
                yield 0.0, delta
                return
            yield script.delay, delta

    def _scripted(self, request: LMRequest, answer: MockAnswer) -> LMResponse:
        parts = answer.parts()
        plain = len(parts) == 1 and type(parts[0]) is TextPart
        text = "\n".join(p.text for p in parts if type(p) is TextPart)
        base = self.response(request, text, finish_reason=answer.finish_reason or (
            "tool_call" if answer.tool_calls else "stop"))
        return LMResponse(text=text, finish_reason=base.finish_reason,
                          usage=answer.usage or base.usage, backend=base.backend,
                          endpoint=base.endpoint, model=base.model,
                          parts=() if plain else parts)

    def capabilities(self) -> Capabilities:
        """Everything, unless ``capabilities=`` was given."""
        return self._capabilities

    def identity(self) -> BackendIdentity:
        """``mock`` + the configured endpoint label + model."""
        ident = self._identity      # built once; again only if endpoint/model were changed
        if ident.endpoint != self.endpoint or ident.model != self.model:
            ident = self._identity = BackendIdentity("mock", self.endpoint, self.model)
        return ident

    def get_info(self) -> dict[str, Any]:
        """Identity plus latency and the number of errors still scripted."""
        return {**self.identity().to_dict(), "latency": self.latency,
                "scripted_errors_left": len(self._errors)}
