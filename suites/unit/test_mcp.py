"""MCP as a unified feature: tool definitions, the tools/call dispatcher, the SDK server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import dspy
import pytest

from unified import MockBackend, ServerError, UnifiedConfig, UnifiedDSPyWrapper
from unified.mcp import MCPToolset, ToolCallError, build_server, tool_definition, tool_result

ROOT = Path(__file__).resolve().parents[2]


class Ticket(dspy.Signature):
    """Classify a support ticket."""

    ticket: str = dspy.InputField()
    customer: str = dspy.InputField()
    category: str = dspy.OutputField()


@pytest.fixture
def toolset():
    def make(responses=None, errors=()):
        wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="mock"),
                                     backend=MockBackend(responses, errors=errors))
        tools = MCPToolset(wrapper)
        tools.add("ask", "question -> answer", "Answer a question")
        return tools
    return make


def text_of(result: dict) -> dict:
    return json.loads(result["content"][0]["text"])


def test_a_tool_definition_is_a_json_schema_of_the_input_fields() -> None:
    assert tool_definition("triage", Ticket) == {
        "name": "triage", "description": "Classify a support ticket.",
        "inputSchema": {"type": "object",
                        "properties": {"ticket": {"type": "string"},
                                       "customer": {"type": "string"}},
                        "required": ["ticket", "customer"]}}


def test_a_string_signature_gets_its_generated_instructions_as_description() -> None:
    assert "answer" in tool_definition("ask", "question -> answer")["description"]


def test_a_given_description_is_kept_even_when_empty() -> None:
    assert tool_definition("ask", "question -> answer", "")["description"] == ""


def test_tool_result_wraps_json_text() -> None:
    assert tool_result({"a": 1}, is_error=False) == {
        "content": [{"type": "text", "text": '{"a": 1}'}], "isError": False}


def test_a_call_returns_the_outputs_as_json_text(toolset) -> None:
    result = toolset([{"answer": "4"}]).call("ask", {"question": "2+2?"})
    assert result["isError"] is False and text_of(result) == {"answer": "4"}


def test_tools_are_listed_in_registration_order(toolset) -> None:
    tools = toolset()
    tools.add("triage", Ticket)
    assert [d["name"] for d in tools.definitions()] == ["ask", "triage"]


def test_an_unknown_tool_is_an_error_result(toolset) -> None:
    result = toolset().call("nope", {})
    assert result["isError"] is True and text_of(result) == {"error": "unknown tool: nope"}


def test_missing_arguments_are_an_error_result_naming_them(toolset) -> None:
    assert text_of(toolset().call("ask", {})) == {"error": "missing required arguments: question"}


def test_arguments_that_are_not_an_object_are_an_error_result(toolset) -> None:
    assert toolset().call("ask", ["q"])["isError"] is True  # type: ignore[arg-type]


def test_a_failing_backend_is_an_error_result_naming_the_error(toolset) -> None:
    result = toolset(errors=[ServerError("down")]).call("ask", {"question": "q"})
    assert result["isError"] is True and text_of(result)["error"].startswith("ServerError")


def test_a_runner_reports_tool_call_errors_verbatim() -> None:
    def refuse(signature, arguments):
        raise ToolCallError("budget_exceeded")

    tools = MCPToolset(runner=refuse)
    tools.add("ask", "question -> answer")
    assert text_of(tools.call("ask", {"question": "q"})) == {"error": "budget_exceeded"}


def test_a_toolset_needs_exactly_one_way_to_run() -> None:
    with pytest.raises(Exception, match="exactly one"):
        MCPToolset()


def list_and_call(server, tool: str, arguments: dict):
    """``tools/list`` then one ``tools/call`` through the SDK's client."""
    from mcp import Client

    async def session():
        with anyio.fail_after(60):
            async with Client(server) as client:
                return await client.list_tools(), await client.call_tool(tool, arguments)

    return anyio.run(session)


def test_the_sdk_server_lists_and_calls_tools_in_process(toolset) -> None:
    server = build_server(toolset([{"answer": "in-process"}]))
    listed, called = list_and_call(server, "ask", {"question": "q"})
    assert [tool.name for tool in listed.tools] == ["ask"]
    assert listed.tools[0].input_schema["required"] == ["question"]
    assert called.is_error is False
    assert json.loads(called.content[0].text) == {"answer": "in-process"}


def test_importing_unified_mcp_does_not_import_the_sdk() -> None:
    code = "import sys, unified.mcp; print('mcp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "False"


def test_python_m_unified_mcp_serves_over_stdio(tmp_path) -> None:
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, cwd=str(ROOT),
        args=["-m", "unified.mcp", "--tool", "qa=question -> answer"],
        env={"UNIFIED_BACKEND": "mock", "DSPY_CACHEDIR": str(tmp_path),
             "PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "")})
    listed, called = list_and_call(params, "qa", {"question": "Who?"})
    assert [tool.name for tool in listed.tools] == ["qa"]
    assert json.loads(called.content[0].text) == {"answer": "mock answer"}
