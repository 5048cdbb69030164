"""The DSPy engine: DSPy's ``lm15.Request`` in, the pipeline, ``lm15.Response`` out.

dspy 3.4 supports custom LMs as engines: ``dspy.LM(model, engine=obj,
async_engine=aobj, cache=False)`` where ``obj.complete(dspy.lm15.Request) ->
dspy.lm15.Response``. :func:`build_dspy_lm` builds that LM around a
:class:`~unified._pipeline.Pipeline`, with DSPy's own cache and retries off (the
pipeline owns both). Translation lives in :mod:`unified._dspy_bridge`.

Two things a custom engine is not told by DSPy, and which pick an answer, reach the
request here: the ``rollout_id`` of the LM copy or call (BestOfN/Refine,
``lm.copy(rollout_id=…)``, ``config={"rollout_id": …}``) and the index of each of the
``n`` candidates DSPy requests one by one. The LM class (:func:`unified_lm_class`)
notes them when a call starts; the engine puts them into ``LMRequest.options``,
so the cache tells candidates and rollouts apart as DSPy's own cache does. The
``bypass_cache()`` and ``rollout()`` blocks around a call are folded in here too
(:mod:`unified._scope`): the layers read only the request.

The engine also declares DSPy's capability hints (``supports_function_calling``,
``supports_reasoning``, ``supports_response_schema``, ``supported_params``) from
the backends' ``capabilities()``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._dspy_bridge import capability_hints, to_dspy_response, to_lm_request
from ._dspy_front import SEEN, Front
from ._request_config import DEFAULT_OPTIONS, CallOptions
from ._scope import scoped
from ._types import LMRequest

if TYPE_CHECKING:  # pragma: no cover
    import dspy

    from ._pipeline import Pipeline

__all__ = ["UnifiedEngine", "AsyncUnifiedEngine", "build_dspy_lm", "to_lm_request",
           "to_dspy_response", "unified_lm_class", "LM_PREFIX"]

LM_PREFIX = "unified/"


class _CallState:
    """What one DSPy LM call says about the answers it wants (rollout, n, cache)."""

    __slots__ = ("rollout_id", "n", "cache", "index")

    def __init__(self, rollout_id: Any, n: int, cache: bool) -> None:
        self.rollout_id = rollout_id
        self.n = n
        self.cache = cache
        self.index = 0

    def next_options(self) -> CallOptions:
        """The options of the next engine request of this call (candidate i of n)."""
        index = self.index
        self.index += 1
        many = self.n > 1
        return CallOptions(self.rollout_id, index if many else None, self.n if many else None,
                           self.cache)


_CALL: contextvars.ContextVar[_CallState | None] = contextvars.ContextVar(
    "unified_dspy_call", default=None)


def _call_state(defaults: Mapping[str, Any], kwargs: Mapping[str, Any]) -> _CallState | None:
    """The state of a call with these LM kwargs and call kwargs (None: all default)."""
    rollout_id = kwargs.get("rollout_id", defaults.get("rollout_id"))
    n = kwargs.get("n", defaults.get("n")) or 1
    cache = kwargs.get("cache", True) is not False
    if rollout_id is None and n == 1 and cache:
        return None
    return _CallState(rollout_id, n if isinstance(n, int) else 1, cache)


def _next_request(request: Any, model: str) -> LMRequest:
    state = _CALL.get()
    options = scoped(DEFAULT_OPTIONS if state is None else state.next_options())
    if options is not DEFAULT_OPTIONS and options == DEFAULT_OPTIONS:
        options = DEFAULT_OPTIONS
    return to_lm_request(request, model, options)   # translated once, keeping its source


class _Hints:
    """DSPy's capability hints, read from the pipeline's backends once."""

    pipeline: Pipeline

    @functools.cached_property
    def _hints(self) -> dict[str, Any]:
        return capability_hints(self.pipeline.capabilities())

    @property
    def supports_function_calling(self) -> bool:
        """True when every backend carries tools and tool calls."""
        return bool(self._hints["supports_function_calling"])

    @property
    def supports_reasoning(self) -> bool:
        """True when every backend carries reasoning settings."""
        return bool(self._hints["supports_reasoning"])

    @property
    def supports_response_schema(self) -> bool:
        """True when every backend carries ``response_format``."""
        return bool(self._hints["supports_response_schema"])

    @property
    def supported_params(self) -> frozenset[str]:
        """The OpenAI-style parameter names every backend carries."""
        return frozenset(self._hints["supported_params"])


def _answered(canonical: LMRequest, response: Any) -> Any:
    """DSPy's response to ``canonical``; the pair is noted for the front lookup when the
    call is one it may learn from (:data:`~unified._dspy_front.SEEN`)."""
    seen = SEEN.get()
    if seen is not None:
        seen.append((canonical, response))
    return to_dspy_response(response)


class UnifiedEngine(_Hints):
    """Sync engine: one DSPy request through the pipeline."""

    def __init__(self, pipeline: Pipeline, model: str) -> None:
        self.pipeline = pipeline
        self.model = model
        self.front = Front(pipeline)

    def complete(self, request: Any) -> Any:
        """``dspy.lm15.Request -> dspy.lm15.Response`` through the pipeline."""
        canonical = _next_request(request, self.model)
        return _answered(canonical, self.pipeline.complete(canonical))

    def stream(self, request: Any) -> Any:
        """``dspy.lm15`` stream events, each as soon as the backend produced its chunk."""
        from ._dspy_stream import lm15_events

        return lm15_events(self.pipeline.stream(_next_request(request, self.model)),
                           self.model)

    def close(self) -> None:
        """The wrapper owns the pipeline; nothing to close here."""


class AsyncUnifiedEngine(_Hints):
    """Async engine: awaits the pipeline's async path."""

    def __init__(self, pipeline: Pipeline, model: str) -> None:
        self.pipeline = pipeline
        self.model = model
        self.front = Front(pipeline)

    async def complete(self, request: Any) -> Any:
        """Async ``dspy.lm15.Request -> dspy.lm15.Response``."""
        canonical = _next_request(request, self.model)
        return _answered(canonical, await self.pipeline.acomplete(canonical))

    def stream(self, request: Any) -> Any:
        """Async ``dspy.lm15`` stream events, each as soon as its chunk arrived."""
        from ._dspy_stream import alm15_events

        return alm15_events(self.pipeline.astream(_next_request(request, self.model)),
                            self.model)

    async def aclose(self) -> None:
        """The wrapper owns the pipeline; nothing to close here."""


class _Route:
    """What a :class:`UnifiedLM` call does around DSPy's ``execute``: the front lookup
    (:mod:`unified._dspy_front`), then the call's state for the engine, then what the
    front learns from the whole route."""

    __slots__ = ("lm", "call", "front", "hit", "state", "seen", "_tokens")

    def __init__(self, lm: Any, call: Any, kwargs: Mapping[str, Any], engine: Any) -> None:
        self.lm, self.call = lm, call
        front = getattr(engine, "front", None)
        self.front: Front | None = front if isinstance(front, Front) and front.active else None
        self.hit = self.front.serve(lm, call) if self.front is not None else None
        self.state = _call_state(lm.kwargs, kwargs)
        self.seen: list[Any] | None = None if self.front is None else []
        self._tokens: tuple[Any, Any] = (None, None)

    def enter(self) -> None:
        """Tell the engine this call's state, and to note what it sees for the front."""
        self._tokens = (None if self.state is None else _CALL.set(self.state),
                        None if self.seen is None else SEEN.set(self.seen))

    def leave(self) -> None:
        """Undo :meth:`enter`."""
        state, seen = self._tokens
        if state is not None:
            _CALL.reset(state)
        if seen is not None:
            SEEN.reset(seen)

    def learned(self, result: Any) -> Any:
        """``result``, after the front learned from it."""
        seen = self.seen
        if seen and seen[0][1].cache_hit:     # only a hit teaches the front
            self.front.learn(self.lm, self.call, seen, result)  # type: ignore[union-attr]
        return result


@functools.cache
def unified_lm_class() -> type:
    """``UnifiedLM``: a ``dspy.LM`` that answers repeated calls from the pipeline's
    memory cache before DSPy builds a request (:mod:`unified._dspy_front`) and notes
    each call's rollout id, ``n`` and ``cache`` for its engine (built on first use:
    importing unified stays cheap).

    Its ``__call__``/``acall`` are dspy 3.4's ``BaseLM`` ones (prepare, execute,
    finalize, under DSPy's callbacks) with the front lookup between prepare and
    execute."""
    import asyncio

    import dspy
    from dspy.clients._deprecation import warn_legacy_lm, warn_openai_messages
    from dspy.clients.execution import aexecute, execute, finalize, prepare
    from dspy.utils.callback import with_callbacks

    def warned(lm: Any, call: Any, messages: Any) -> None:
        if not call.managed:
            warn_legacy_lm()
        warn_openai_messages(lm, messages)

    class UnifiedLM(dspy.LM):  # type: ignore[misc]
        """A ``dspy.LM`` over a unified engine (see :mod:`unified._lm`)."""

        @with_callbacks  # type: ignore[misc]
        def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
            call = prepare(self, prompt, messages, kwargs)
            warned(self, call, messages)
            route = _Route(self, call, kwargs, self._engine_spec)
            if route.hit is not None:
                return finalize(self, call, route.hit)
            route.enter()
            try:
                result = execute(self, call)
            finally:
                route.leave()
            return finalize(self, call, route.learned(result))

        @with_callbacks  # type: ignore[misc]
        async def acall(self, prompt: Any = None, *, messages: Any = None,
                        **kwargs: Any) -> Any:
            call = await asyncio.to_thread(prepare, self, prompt, messages, kwargs,
                                           asynchronous=True)
            warned(self, call, messages)
            route = _Route(self, call, kwargs, self._async_engine_spec)
            if route.hit is not None:
                return finalize(self, call, route.hit)
            route.enter()
            try:
                result = await aexecute(self, call)
            finally:
                route.leave()
            return finalize(self, call, route.learned(result))

    UnifiedLM.__module__ = __name__
    UnifiedLM.__qualname__ = "UnifiedLM"
    return UnifiedLM


def build_dspy_lm(pipeline: Pipeline, model: str, *, temperature: float | None = None,
                  max_tokens: int | None = None) -> dspy.LM:
    """A ``dspy.LM`` whose every call goes through ``pipeline``."""
    kwargs: dict[str, Any] = {}
    if temperature is not None:
        kwargs["temperature"] = temperature
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    return unified_lm_class()(LM_PREFIX + model, engine=UnifiedEngine(pipeline, model),
                              async_engine=AsyncUnifiedEngine(pipeline, model), cache=False,
                              num_retries=0, **kwargs)
