"""DSPy agents with two tools through each backend, against recorded traffic.

DSPy 3.4.1's ``dspy.ReAct`` chooses tools in text fields (``next_tool_name``,
``next_tool_args``) and never sends tool schemas, even under
``ChatAdapter(use_native_function_calling=True)``. Native tool calls happen with a
signature that takes ``tools: list[dspy.Tool]`` and returns ``dspy.ToolCalls``: there the
schemas are on the wire and the answers' tool calls are parsed back into
``dspy.ToolCalls``. Both run here through every backend, replayed from the committed
cassettes (the real MLflow gateway, litellm against the scripted upstream, and
boto3 against the moto Bedrock responder).
"""

from __future__ import annotations

import json

import dspy
import pytest

from harness.parity.adapters import NativeUnifiedAdapter, native
from harness.parity.expectations import recorded_bodies
from harness.parity.run import observe
from harness.parity.scenarios import SCENARIO_DIR, load_scenario

NATIVE = ["gateway-native-tool-call", "direct-native-tool-call", "bedrock-native-tool-call",
          "bedrock-invoke-tool-call"]
REACT = ["gateway-react-agent", "direct-react-agent", "bedrock-react-agent"]


def run(scenario_id: str, predictions: list | None = None, monkeypatch=None):
    """Replay one scenario through the native API; collect the raw predictions."""
    if predictions is not None:
        shape = native._tool_outputs
        monkeypatch.setattr(native, "_tool_outputs",
                            lambda p: predictions.append(p) or shape(p))
    scenario = load_scenario(SCENARIO_DIR / f"{scenario_id}.yaml")
    observation, _ = observe(NativeUnifiedAdapter(), scenario)
    assert not observation.replay_misses and observation.setup_error is None
    return scenario, observation


def tool_names_on_the_wire(body: dict) -> list[str]:
    """Tool names declared in an OpenAI, Converse or Anthropic request body."""
    if "toolConfig" in body:
        return [t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]]
    return [t["function"]["name"] if "function" in t else t["name"]
            for t in body.get("tools") or []]


@pytest.mark.parametrize("scenario_id", NATIVE)
def test_native_tool_calls_put_schemas_on_the_wire_and_parse_back(scenario_id,
                                                                  monkeypatch) -> None:
    predictions: list = []
    scenario, _ = run(scenario_id, predictions, monkeypatch)
    assert all(isinstance(p.outputs, dspy.ToolCalls) for p in predictions)
    calls = [p.outputs.tool_calls for p in predictions]
    assert [[(c.name, c.args) for c in cs] for cs in calls] == [
        [("add", {"a": 1, "b": 2})], [("multiply", {"a": 3, "b": 4})]]
    bodies = [json.loads(b) for b in recorded_bodies(scenario)]
    assert all(tool_names_on_the_wire(b) == ["add", "multiply"] for b in bodies)


@pytest.mark.parametrize("scenario_id", NATIVE)
def test_the_tool_result_goes_back_on_the_wire_with_its_call_id(scenario_id) -> None:
    scenario, _ = run(scenario_id)
    second = json.dumps(json.loads(recorded_bodies(scenario)[1]))
    call_id = "toolu_1" if "invoke" in scenario_id else "call_1"
    assert second.count(call_id) == 2          # the assistant's call and its result
    assert any(marker in second for marker in ('"tool_call_id"', '"toolResult"',
                                               '"tool_result"'))


@pytest.mark.parametrize("scenario_id", REACT)
def test_a_react_agent_runs_its_tools_end_to_end(scenario_id) -> None:
    scenario, observation = run(scenario_id)
    outputs = observation.calls[0].outputs
    assert outputs["answer"] == "3"
    assert outputs["trajectory"]["observation_0"] == 3
    bodies = [json.loads(b) for b in recorded_bodies(scenario)]
    assert len(bodies) == 3 and not any(tool_names_on_the_wire(b) for b in bodies)
