"""MCP (Model Context Protocol): DSPy signatures as tools, served by a unified wrapper.

- :func:`tool_definition` turns any signature (``"question -> answer"`` or a
  ``dspy.Signature`` class) into an MCP tool definition ``{"name", "description",
  "inputSchema"}``; the schema is a JSON Schema object of the input fields, each
  ``{"type": "string"}``, all required. ``description=None`` uses the signature's
  instructions; a given string (even ``""``) is kept as is.
- :class:`MCPToolset` holds named tools and dispatches ``tools/call``: ``call(name,
  arguments)`` runs the signature through a :class:`~unified.UnifiedDSPyWrapper` and
  returns ``{"content": [{"type": "text", "text": <JSON of the outputs>}], "isError":
  false}``. Every failure comes back as a result, never as an exception: an unknown
  tool, missing arguments or a failed call give ``isError: true`` with the text
  ``{"error": "<reason>"}`` (a :class:`ToolCallError` message verbatim, otherwise
  ``"<ErrorClass>: <message>"``).
- :func:`serve_stdio` (and ``python -m unified.mcp``) serves a toolset over stdio with
  the official ``mcp`` SDK, imported only there (``pip install unified-dspy[mcp]``).

``python -m unified.mcp --tool NAME=SIGNATURE [--tool …]`` builds the wrapper from the
``UNIFIED_*`` environment (``UNIFIED_BACKEND=mock`` for a demo); without ``--tool`` it
serves one tool, ``answer`` (``question -> answer``). Nothing is written to stdout
except the protocol.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import UnifiedError

__all__ = ["ToolCallError", "tool_definition", "tool_result", "MCPToolset", "build_server",
           "serve_stdio", "main"]

log = logging.getLogger(__name__)
Runner = Callable[[Any, dict[str, Any]], Mapping[str, Any]]
DEFAULT_TOOLS = {"answer": "question -> answer"}


class ToolCallError(UnifiedError):
    """A tool call failed; the message is reported to the client verbatim."""


def _signature(signature: Any) -> Any:
    import dspy

    return dspy.ensure_signature(signature)


def tool_definition(name: str, signature: Any, description: str | None = None) -> dict[str, Any]:
    """The MCP tool definition of ``signature`` under ``name`` (see module docstring)."""
    sig = _signature(signature)
    inputs = list(sig.input_fields)
    return {"name": name,
            "description": sig.instructions if description is None else description,
            "inputSchema": {"type": "object",
                            "properties": {field: {"type": "string"} for field in inputs},
                            "required": inputs}}


def tool_result(payload: Mapping[str, Any], *, is_error: bool) -> dict[str, Any]:
    """An MCP ``tools/call`` result carrying ``payload`` as JSON text."""
    return {"content": [{"type": "text", "text": json.dumps(dict(payload), default=str)}],
            "isError": is_error}


@dataclass(frozen=True)
class _Tool:
    name: str
    signature: Any
    definition: dict[str, Any]


class MCPToolset:
    """Named signature tools and their ``tools/call`` dispatcher.

    Calls run through ``wrapper`` (a :class:`~unified.UnifiedDSPyWrapper`), or through
    ``runner(signature, arguments) -> outputs`` when given (the compat shim runs them
    through its legacy ``predict``); a runner reports failures by raising.
    """

    def __init__(self, wrapper: Any = None, *, runner: Runner | None = None) -> None:
        if (wrapper is None) == (runner is None):
            raise UnifiedError("MCPToolset needs exactly one of wrapper= or runner=")
        self.wrapper = wrapper
        self._runner = runner or self._run_on_wrapper
        self._tools: dict[str, _Tool] = {}
        self._modules: dict[str, Any] = {}
        self._lock = threading.Lock()

    def add(self, name: str, signature: Any, description: str | None = None) -> dict[str, Any]:
        """Register ``signature`` as tool ``name``; return its definition."""
        if not isinstance(name, str) or not name:
            raise UnifiedError(f"an MCP tool needs a non-empty name, got {name!r}")
        definition = tool_definition(name, signature, description)
        with self._lock:
            self._tools[name] = _Tool(name, signature, definition)
            self._modules.pop(name, None)
        return definition

    def definitions(self) -> list[dict[str, Any]]:
        """Every tool definition, in registration order (``tools/list``)."""
        with self._lock:
            return [tool.definition for tool in self._tools.values()]

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Dispatch one ``tools/call``; always returns a result (see module docstring)."""
        with self._lock:
            tool = self._tools.get(name)
        if tool is None:
            return tool_result({"error": f"unknown tool: {name}"}, is_error=True)
        if arguments is not None and not isinstance(arguments, Mapping):
            return tool_result({"error": "arguments must be an object"}, is_error=True)
        args = dict(arguments or {})
        required = tool.definition["inputSchema"]["required"]
        missing = [field for field in required if field not in args]
        if missing:
            return tool_result({"error": f"missing required arguments: {', '.join(missing)}"},
                               is_error=True)
        try:
            outputs = self._runner(tool.signature, {k: args[k] for k in required})
        except ToolCallError as exc:
            return tool_result({"error": str(exc)}, is_error=True)
        except Exception as exc:  # a server answers every call; the error goes back
            log.debug("tool %s failed: %r", name, exc)
            return tool_result({"error": f"{type(exc).__name__}: {exc}"}, is_error=True)
        return tool_result(outputs, is_error=False)

    def _run_on_wrapper(self, signature: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        key = repr(signature)
        with self._lock:
            module = self._modules.get(key)
            if module is None:
                module = self._modules[key] = self.wrapper.create_module(signature)
        prediction = module.predict(**arguments)
        return {field: prediction[field] for field in module.output_fields}


def _toolset(wrapper_or_toolset: Any, tools: Mapping[str, Any] | Iterable[Sequence[Any]] | None
             ) -> MCPToolset:
    if isinstance(wrapper_or_toolset, MCPToolset):
        toolset = wrapper_or_toolset
    else:
        toolset = MCPToolset(wrapper_or_toolset)
    items = tools.items() if isinstance(tools, Mapping) else (tools or ())
    for item in items:
        toolset.add(*item)
    return toolset


def build_server(toolset: MCPToolset, name: str = "unified-dspy") -> Any:
    """A low-level ``mcp`` SDK server listing and calling ``toolset``'s tools."""
    import anyio
    from mcp import types
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=[
            types.Tool(name=d["name"], description=d["description"],
                       input_schema=d["inputSchema"]) for d in toolset.definitions()])

    async def call_tool(ctx: Any, params: Any) -> Any:
        result = await anyio.to_thread.run_sync(toolset.call, params.name, params.arguments)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=part["text"])
                     for part in result["content"]], is_error=result["isError"])

    from ._version import __version__

    return Server(name, version=__version__, on_list_tools=list_tools, on_call_tool=call_tool)


def serve_stdio(wrapper: Any, tools: Mapping[str, Any] | Iterable[Sequence[Any]] | None = None,
                *, name: str = "unified-dspy") -> None:
    """Serve tools over stdio until the client disconnects.

    ``wrapper`` is a :class:`~unified.UnifiedDSPyWrapper` (or an :class:`MCPToolset`);
    ``tools`` maps tool names to signatures, or lists ``(name, signature[,
    description])`` tuples.
    """
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(_toolset(wrapper, tools), name)

    async def run() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(run)


def _parse_tool(text: str) -> tuple[str, str]:
    name, sep, signature = text.partition("=")
    if not sep or not name.strip() or "->" not in signature:
        raise argparse.ArgumentTypeError(f"expected NAME=SIGNATURE like 'qa=question -> answer', "
                                         f"got {text!r}")
    return name.strip(), signature.strip()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m unified.mcp``: serve signatures over stdio (see module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m unified.mcp",
                                     description="Serve DSPy signatures as MCP tools over stdio.")
    parser.add_argument("--tool", action="append", type=_parse_tool, default=[],
                        metavar="NAME=SIGNATURE", help="a tool, e.g. 'qa=question -> answer'")
    parser.add_argument("--name", default="unified-dspy", help="the server name")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    from ._wrapper import UnifiedDSPyWrapper

    with UnifiedDSPyWrapper() as wrapper:
        serve_stdio(wrapper, dict(args.tool) or DEFAULT_TOOLS, name=args.name)
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised in a subprocess by the tests
    raise SystemExit(main())
