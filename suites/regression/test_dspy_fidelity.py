"""Issue 11: what DSPy sends and gets back passed through the wrapper narrowed to text.

Each test failed on the code before the fix (silently: an empty prompt, a shared cache
entry, collapsed candidates and rollouts, a dropped reasoning effort, a tool call or
thinking part lost on a cache hit) and passes after it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import dspy
import pytest
from dspy import lm15

from unified import CacheConfig, MockBackend, UnifiedConfig, UnifiedDSPyWrapper

PNG_ONE = "data:image/png;base64," + base64.b64encode(b"\x89PNG first image").decode()
PNG_TWO = "data:image/png;base64," + base64.b64encode(b"\x89PNG second image").decode()


class Describe(dspy.Signature):
    """Describe the image."""

    image: dspy.Image = dspy.InputField()
    answer: str = dspy.OutputField()


def _wrapper(backend: MockBackend, directory: Path | None = None) -> UnifiedDSPyWrapper:
    cache = CacheConfig(directory=None if directory is None else str(directory))
    return UnifiedDSPyWrapper(UnifiedConfig(backend="mock", cache=cache), backend=backend)


def _user_parts(backend: MockBackend) -> tuple[Any, ...]:
    message = backend.requests[-1].messages[-1]
    return tuple(getattr(message, "parts", ()))


def test_an_image_input_reaches_the_backend_with_its_bytes_and_the_prompt_text() -> None:
    backend = MockBackend([{"answer": "a cat"}])
    with _wrapper(backend) as wrapper:
        assert wrapper.create_module(Describe).predict(image=dspy.Image(PNG_ONE)).answer == "a cat"
    parts = _user_parts(backend)
    images = [p for p in parts if p.type == "image"]
    assert len(images) == 1 and images[0].bytes == b"\x89PNG first image"
    assert "[[ ## image ## ]]" in backend.requests[-1].messages[-1].text


def test_two_different_images_do_not_share_a_cache_entry() -> None:
    backend = MockBackend([{"answer": "first"}, {"answer": "second"}])
    with _wrapper(backend) as wrapper:
        module = wrapper.create_module(Describe)
        assert module.predict(image=dspy.Image(PNG_ONE)).answer == "first"
        assert module.predict(image=dspy.Image(PNG_TWO)).answer == "second"
        assert module.predict(image=dspy.Image(PNG_ONE)).answer == "first"
    assert backend.call_count == 2


def test_n_candidates_are_n_distinct_completions_with_the_cache_on() -> None:
    backend = MockBackend([{"answer": "one"}, {"answer": "two"}, {"answer": "three"}])
    with _wrapper(backend) as wrapper:
        module = wrapper.create_module("question -> answer", n=3)
        first = module.predict(question="q").completions.answer
        again = module.predict(question="q").completions.answer
    assert first == ["one", "two", "three"]
    assert again == first and backend.call_count == 3


def test_best_of_n_rollouts_are_distinct_with_the_cache_on() -> None:
    backend = MockBackend([{"answer": "bad"}, {"answer": "bad"}, {"answer": "good"}])
    with _wrapper(backend) as wrapper:
        best = dspy.BestOfN(dspy.Predict("question -> answer"), N=3,
                            reward_fn=lambda args, pred: float(pred.answer == "good"),
                            threshold=1.0)
        with wrapper.activate():
            assert best(question="q").answer == "good"
    assert backend.call_count == 3


def test_reasoning_effort_reaches_the_backend_and_the_cache_key() -> None:
    backend = MockBackend([{"answer": "shallow"}, {"answer": "deep"}])
    with _wrapper(backend) as wrapper:
        module = wrapper.create_module("question -> answer")
        low = module.predict(question="q", config={"reasoning_effort": "low"}).answer
        high = module.predict(question="q", config={"reasoning_effort": "high"}).answer
    assert (low, high) == ("shallow", "deep")
    efforts = [getattr(getattr(r, "reasoning", None), "effort", None) for r in backend.requests]
    assert efforts == ["low", "high"]


def _scripted() -> Any:
    from unified._backends.mock import MockAnswer

    return MockAnswer(text="calling", thinking="I should search",
                      tool_calls=[("search", {"q": "cats"})])


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_tool_call_and_thinking_survive_a_cache_hit(store: str, tmp_path: Path) -> None:
    backend = MockBackend([_scripted()])
    with _wrapper(backend, tmp_path) as wrapper:
        request = lm15.Request(model=wrapper.lm.model, messages=(lm15.Message.user("find cats"),),
                               tools=(lm15.FunctionTool("search", "Search", {
                                   "type": "object", "properties": {"q": {"type": "string"}}}),))
        fresh = wrapper.lm(request)
        hit = wrapper.lm(request) if store == "memory" else None
    if hit is None:
        with _wrapper(MockBackend(["never asked"]), tmp_path) as again:
            hit = again.lm(request)
            assert again.backend.call_count == 0
    assert backend.call_count == 1
    assert [p.type for p in fresh.message.parts] == ["thinking", "text", "tool_call"]
    assert hit.message == fresh.message and hit.finish_reason == fresh.finish_reason == "tool_call"
