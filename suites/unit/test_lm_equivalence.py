"""DSPy modules behave through the wrapper, with its cache on, exactly as on a plain
``dspy.LM`` over a custom engine with DSPy's own cache on.

Each test runs one program twice, once per side, against a fresh scripted backend
with the same answers, and compares the program's outputs and the requests the
backend saw (what the prompt, parts, tools and settings were, in order). The inputs
repeat so that both caches answer some calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dspy
import pytest

from unified import CacheConfig, MockBackend, UnifiedConfig, UnifiedDSPyWrapper
from unified._backends.base import Capabilities
from unified._dspy_bridge import capability_hints, to_dspy_response, to_lm_request
from unified._types import LMRequest


class _PlainEngine:
    """A custom engine answering from a backend directly (no unified cache or layers)."""

    def __init__(self, backend: MockBackend, model: str) -> None:
        self.backend, self.model = backend, model
        for name, value in capability_hints(Capabilities.everything()).items():
            setattr(self, name, value)

    def complete(self, request: Any) -> Any:
        return to_dspy_response(self.backend.complete(to_lm_request(request, self.model)))


class _AsyncPlainEngine(_PlainEngine):
    async def complete(self, request: Any) -> Any:  # type: ignore[override]
        return _PlainEngine.complete(self, request)


@pytest.fixture
def dspy_cache() -> Iterator[None]:
    """DSPy's own memory cache on for the plain side, off again afterwards."""
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
    yield
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _seen(request: LMRequest) -> tuple[Any, ...]:
    return (request.system, request.messages, request.params, request.tools,
            request.tool_choice, request.reasoning)


def _outputs(value: Any) -> Any:
    if isinstance(value, dspy.Prediction):
        many = value.completions is not None and len(value.completions) > 1
        return [dict(c) for c in value.completions] if many else dict(value)
    if isinstance(value, list):
        return [_outputs(v) for v in value]
    return value


def _both(answers: Any, run: Callable[[], Sequence[Any]], *, ordered: bool = True
          ) -> dict[str, tuple[Any, list[Any]]]:
    """Run ``run`` under each side's LM; return outputs and requests seen per side."""
    results = {}
    config = UnifiedConfig(backend="mock", cache=CacheConfig())
    for side in ("wrapper", "plain"):
        backend = MockBackend(answers)
        with UnifiedDSPyWrapper(config, backend=backend) as wrapper:
            lm = wrapper.lm
            if side == "plain":
                model = lm.model.removeprefix("unified/")
                lm = dspy.LM(lm.model, engine=_PlainEngine(backend, model),
                             async_engine=_AsyncPlainEngine(backend, model), cache=True,
                             num_retries=0, **{k: v for k, v in lm.kwargs.items()
                                               if v is not None})
            with dspy.context(lm=lm):
                outputs = _outputs(list(run()))
        seen = [_seen(r) for r in backend.requests]
        results[side] = (outputs, seen if ordered else sorted(seen, key=repr))
    assert results["wrapper"] == results["plain"]
    return results


pytestmark = pytest.mark.usefixtures("dspy_cache")


def test_predict_with_n_candidates_matches() -> None:
    program = dspy.Predict("question -> answer", n=3)
    out = _both([{"answer": f"a{i}"} for i in range(6)],
                lambda: [program(question="q"), program(question="q"), program(question="r")])
    assert out["wrapper"][0][0] == [{"answer": "a0"}, {"answer": "a1"}, {"answer": "a2"}]
    assert len(out["wrapper"][1]) == 6


def test_chain_of_thought_matches() -> None:
    program = dspy.ChainOfThought("question -> answer")
    out = _both([{"reasoning": f"r{i}", "answer": f"a{i}"} for i in range(3)],
                lambda: [program(question="q"), program(question="q"), program(question="z")])
    assert len(out["wrapper"][1]) == 2


def _tool_a(x: str) -> str:
    """Tool A."""
    return f"A({x})"


def _tool_b(y: str) -> str:
    """Tool B."""
    return f"B({y})"


def test_react_with_two_tools_matches() -> None:
    program = dspy.ReAct("question -> answer", tools=[_tool_a, _tool_b], max_iters=4)
    steps = [{"next_thought": "use a", "next_tool_name": "_tool_a", "next_tool_args": '{"x": "1"}'},
             {"next_thought": "use b", "next_tool_name": "_tool_b", "next_tool_args": '{"y": "2"}'},
             {"next_thought": "done", "next_tool_name": "finish", "next_tool_args": "{}"},
             {"reasoning": "combined", "answer": "A(1)B(2)"}]
    out = _both(steps, lambda: [program(question="q"), program(question="q")])
    assert out["wrapper"][0][0]["answer"] == "A(1)B(2)" and len(out["wrapper"][1]) == 4


def test_best_of_n_matches() -> None:
    program = dspy.BestOfN(dspy.Predict("question -> answer"), N=3, threshold=1.0,
                           reward_fn=lambda args, pred: float(pred.answer == "good"))
    out = _both([{"answer": "bad"}, {"answer": "meh"}, {"answer": "good"}],
                lambda: [program(question="q"), program(question="q")])
    assert out["wrapper"][0] == [{"answer": "good"}, {"answer": "good"}]
    assert len(out["wrapper"][1]) == 3


def test_refine_matches() -> None:
    program = dspy.Refine(dspy.Predict("question -> answer"), N=2, threshold=1.0,
                          reward_fn=lambda args, pred: float(pred.answer == "good"))
    answers = [{"answer": "bad"}, {"discussion": "d", "advice": '{"self": "be good"}'},
               {"answer": "good"}]
    out = _both(answers, lambda: [program(question="q"), program(question="q")])
    assert out["wrapper"][0][0] == {"answer": "good"} and len(out["wrapper"][1]) == 3


def test_parallel_matches() -> None:
    program = dspy.Predict("question -> answer")
    answers = {"q1": {"answer": "one"}, "q2": {"answer": "two"}}
    batch = [(program, dspy.Example(question=q).with_inputs("question"))
             for q in ("q1", "q2", "q1", "q2")]
    out = _both(answers, lambda: dspy.Parallel(num_threads=2)(batch), ordered=False)
    assert [o["answer"] for o in out["wrapper"][0]] == ["one", "two", "one", "two"]


def test_bootstrap_few_shot_matches() -> None:
    trainset = [dspy.Example(question=q, answer=a).with_inputs("question")
                for q, a in (("t1", "x1"), ("t2", "x2"))]
    answers = {"t1": {"answer": "x1"}, "t2": {"answer": "x2"}, "new": {"answer": "y"}}

    def run() -> list[Any]:
        optimizer = dspy.BootstrapFewShot(metric=lambda ex, pred, trace=None: True,
                                          max_bootstrapped_demos=2, max_labeled_demos=0)
        compiled = optimizer.compile(dspy.Predict("question -> answer"), trainset=trainset)
        return [compiled(question="new"), compiled(question="new")]

    out = _both(answers, run)
    assert out["wrapper"][0] == [{"answer": "y"}, {"answer": "y"}]
