"""An explicit DSPy LM as a unified backend (its failures: suites/unit/test_classify.py)."""

from __future__ import annotations

import dspy

from unified import LMRequest, Message
from unified.compat.lm_backend import DSPyLMBackend


def test_the_lm_answers_a_canonical_request() -> None:
    backend = DSPyLMBackend(dspy.utils.DummyLM([{"answer": "hi"}]))
    response = backend.complete(LMRequest(model="m", messages=(Message("user", "q"),)))
    assert "hi" in response.text and backend.identity().kind == "dspy-lm"
