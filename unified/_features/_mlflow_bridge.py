"""MLflow tracing: the wrapper's calls as ``LLM`` spans inside an active MLflow trace.

MLflow traces with a tracer provider of its own (isolated from the application's OTel
set-up by default), so an OpenTelemetry span alone never shows in an MLflow trace. When
mlflow is already imported and an MLflow span is active (``mlflow.dspy.autolog()`` makes
one per DSPy module and LM call; ``mlflow.start_span`` too), the telemetry layer opens
an MLflow ``LLM`` span under it carrying the same attributes as its OTel span, and the
prompt and completion as the span's inputs and outputs when content is recorded.
Nothing is imported here: no MLflow in the process means no MLflow span.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["start", "end"]

_INPUTS = "gen_ai.input.messages"
_OUTPUTS = "gen_ai.output.messages"


def start(name: str, attributes: dict[str, Any]) -> Any:
    """An MLflow LLM span under the active MLflow span, or None when there is none."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None or not hasattr(mlflow, "get_current_active_span"):
        return None
    parent = mlflow.get_current_active_span()
    if parent is None:
        return None
    from mlflow.entities import SpanType

    inputs = {"messages": json.loads(attributes[_INPUTS])} if _INPUTS in attributes else None
    return mlflow.start_span_no_context(name, span_type=SpanType.LLM, parent_span=parent,
                                        inputs=inputs, attributes=attributes)


def end(span: Any, attributes: dict[str, Any], error: BaseException | None) -> None:
    """End ``span`` (from :func:`start`; None is ignored) with the call's attributes."""
    if span is None:
        return
    outputs = ({"messages": json.loads(attributes[_OUTPUTS])} if _OUTPUTS in attributes
               else None)
    span.end(outputs=outputs, attributes=attributes, status="ERROR" if error else "OK")
