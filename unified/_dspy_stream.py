"""Canonical stream deltas -> ``dspy.lm15`` stream events (what a DSPy engine's
``stream`` yields): a start event, one delta event per canonical delta (text,
thinking, tool-call and citation deltas, each part on its own ``part_index`` in order
of first appearance), then the end event with finish reason and usage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from ._dspy_bridge import FINISH_REASONS, _lm15, to_lm15_usage
from ._errors import UnsupportedFeatureError
from ._parts import CitationPart
from ._stream import Delta, PartDelta, StreamEnd, TextDelta, ThinkingDelta, ToolCallDelta

__all__ = ["EventMapper", "lm15_events", "alm15_events"]


class EventMapper:
    """Turns the deltas of one stream into lm15 events (keeps the part indexes)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._slots: dict[Any, int] = {}
        self._lm15 = _lm15()

    def start(self) -> Any:
        """The start event."""
        return self._lm15.StreamStartEvent(model=self.model or None)

    def _slot(self, key: Any) -> int:
        return self._slots.setdefault(key, len(self._slots))

    def events(self, delta: Delta) -> list[Any]:
        """The events for one delta (none for an empty text)."""
        lm15 = self._lm15
        if isinstance(delta, TextDelta):
            if not delta.text:
                return []
            inner: Any = lm15.TextDelta(delta.text, part_index=self._slot("text"))
        elif isinstance(delta, ThinkingDelta):
            inner = lm15.ThinkingDelta(delta.text, part_index=self._slot("thinking"))
        elif isinstance(delta, ToolCallDelta):
            inner = lm15.ToolCallDelta(delta.arguments, part_index=self._slot(("call", delta.index)),
                                       id=delta.id or None, name=delta.name or None)
        elif isinstance(delta, PartDelta) and isinstance(delta.part, CitationPart):
            part = delta.part
            inner = lm15.CitationDelta(text=part.text, url=part.url, title=part.title,
                                       part_index=self._slot(object()))
        elif isinstance(delta, StreamEnd):
            return [lm15.StreamEndEvent(
                finish_reason=FINISH_REASONS.get(delta.finish_reason, "stop"),
                usage=None if delta.usage is None else to_lm15_usage(delta.usage))]
        else:
            raise UnsupportedFeatureError.for_feature(
                delta.part.type, carrier="a non-streaming call (DSPy streams have no "
                                         f"{delta.part.type} delta)")
        return [lm15.StreamDeltaEvent(delta=inner)]


def lm15_events(deltas: Iterator[Delta], model: str) -> Iterator[Any]:
    """The lm15 events of a canonical stream, each as soon as its delta arrives."""
    mapper = EventMapper(model)
    yield mapper.start()
    for delta in deltas:
        yield from mapper.events(delta)


async def alm15_events(deltas: AsyncIterator[Delta], model: str) -> AsyncIterator[Any]:
    """Async variant of :func:`lm15_events`."""
    mapper = EventMapper(model)
    yield mapper.start()
    async for delta in deltas:
        for event in mapper.events(delta):
            yield event
