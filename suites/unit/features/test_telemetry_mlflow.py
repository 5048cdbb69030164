"""MLflow tracing: with ``mlflow.dspy.autolog()`` on, a ChainOfThought run through the
wrapper shows the wrapper's call as an ``LLM`` span nested under the module span, with
the attributes of its OpenTelemetry span; the trace is read back from a local file
tracking store under ``tmp_path`` (no network).

The run happens in a child process: autolog, the tracking URI and MLflow's export queue
are process-wide state that must not leak into other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SECRET = "sk-mlflowtracekey000000000000"
SCRIPT = r"""
import json, os, sys
import mlflow, mlflow.dspy, dspy
sys.path.insert(0, os.environ["SUITES_ROOT"])
from suites.unit.features.otel_capture import OTelCapture
from unified import MockBackend, UnifiedConfig, UnifiedDSPyWrapper

dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
mlflow.set_tracking_uri("file://" + sys.argv[1])
mlflow.set_experiment("telemetry")
mlflow.dspy.autolog()
otel = OTelCapture()
wrapper = UnifiedDSPyWrapper(
    UnifiedConfig(backend="mock", telemetry=otel.config(record_content=sys.argv[2] == "1")),
    backend=MockBackend([{"reasoning": "2 and 2", "answer": "4"}]))
with wrapper.activate():
    answer = dspy.ChainOfThought("question -> answer")(question=sys.argv[3]).answer
trace_id = mlflow.get_last_active_trace_id()
mlflow.flush_trace_async_logging()
trace = mlflow.MlflowClient().get_trace(trace_id)
spans = [{"name": s.name, "type": s.span_type, "id": s.span_id, "parent": s.parent_id,
          "attributes": s.attributes, "inputs": s.inputs, "outputs": s.outputs}
         for s in trace.data.spans]
[call] = otel.calls
print(json.dumps({"answer": answer, "spans": spans,
                  "otel": {k: list(v) if isinstance(v, tuple) else v
                           for k, v in dict(call.attributes).items()}}, default=str))
"""


def _run(tmp_path: Path, *, record_content: bool, question: str) -> dict[str, Any]:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true",
           "DSPY_CACHEDIR": str(tmp_path / "dspy-cache"),
           "SUITES_ROOT": str(Path(__file__).resolve().parents[3])}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "mlruns"),
                           "1" if record_content else "0", question],
                          capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _ancestors(span: dict[str, Any], spans: list[dict[str, Any]]) -> list[str]:
    by_id = {s["id"]: s for s in spans}
    names, parent = [], span["parent"]
    while parent is not None:
        names.append(by_id[parent]["name"])
        parent = by_id[parent]["parent"]
    return names


def test_the_wrappers_call_is_an_llm_span_under_the_module_span(tmp_path: Path) -> None:
    run = _run(tmp_path, record_content=False, question="What is 2+2?")
    assert run["answer"] == "4"
    [call] = [s for s in run["spans"] if s["name"].startswith("chat ")]
    assert call["type"] == "LLM"
    lm_call, *modules = _ancestors(call, run["spans"])
    assert lm_call.endswith("LM.__call__")          # dspy.LM or a subclass of it
    assert modules == ["Predict.forward", "ChainOfThought.forward"]
    attributes = {k: v for k, v in call["attributes"].items() if not k.startswith("mlflow.")}
    assert attributes == run["otel"]
    assert call["inputs"] is None and call["outputs"] is None
    assert list((tmp_path / "mlruns").rglob("*")) != []      # written to the local store


def test_with_content_recorded_the_llm_span_holds_the_redacted_prompt(tmp_path: Path) -> None:
    run = _run(tmp_path, record_content=True, question=f"Is {SECRET} a key?")
    [call] = [s for s in run["spans"] if s["name"].startswith("chat ")]
    prompt = call["inputs"]["messages"][-1]["parts"][0]["content"]
    assert "Is *** a key?" in prompt
    assert "[[ ## answer ## ]]" in call["outputs"]["messages"][0]["parts"][0]["content"]
    assert SECRET not in json.dumps(call)
