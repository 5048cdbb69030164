"""Parity scenarios: declarative YAML files, validated on load.

One file per scenario under ``suites/scenarios/``. Schema (``*`` = required)::

    id*: enhanced-direct-plain        # unique; the file stem
    description*: one line            # what the scenario shows
    pattern*: enhanced                # enhanced | gateway | bedrock | simple | dynamic
    backend*: direct                  # direct | gateway | bedrock
    program: predict                  # predict | chain_of_thought | chain | batch |
                                      # mcp_tool | backend_query | tool_call | react |
                                      # structured (Predict under dspy.JSONAdapter) |
                                      # stream (calls {prompt, stream: true|false} through
                                      # the pipeline's stream; outputs chunks + answer)
    tools: [add, multiply]            # tool_call / react: tools from harness.parity.scenario_tools
    signature: "question -> answer"   # a DSPy string signature (a list for chain)
    instructions: "..."               # optional signature instructions (system prompt)
    demos: [{question: .., answer: ..}]   # optional few-shot demos
    calls*: [{question: ...}, ...]    # one inputs dict per call (batch: the batch);
                                      # {$image|$file|$audio: fixture} is a dspy.Image /
                                      # dspy.File / dspy.Audio of suites/scenarios/fixtures/
    config: {retry: {}, cache: {}, validation: {}, simple: {}}   # legacy field names
                                      # (+ unified: {...} UnifiedConfig fields, native only;
                                      # fallbacks: [{backend: direct, ...}] each reaches its
                                      # backend's replay target, the scenario's by default)
    implementations: [legacy, compat, unified]      # which apply (default: all three)
    expected_differences: [D001]      # DIFFERENCES.md ids that apply to unified vs legacy
                                      # (each must actually occur, or the scenario FAILs)
    native_fields: [outputs, requests, exception, attempts]   # what unified is compared on
    upstream*: [{reply: {answer: ..}} | {reply: "raw"} | {fault: {status: 429, ...}}
                | {answer: {text | fields, tool_calls, thinking, usage, ...}}]
    cassette: direct/enhanced-direct-plain.yaml    # default: <backend>/<id>.yaml
    expect: {outputs: [...], exception: [...], wire_requests: [...], carries: [image]}
                                      # required when legacy does not apply: the verdict
                                      # checks unified against it and the recorded wire

Errors name the file, the field and, where the YAML gives one, the line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Scenario", "ScenarioError", "ScenarioFilesError", "load_scenario", "load_scenarios", "SCENARIO_DIR",
           "PATTERNS", "BACKENDS", "PROGRAMS", "IMPLEMENTATION_KINDS"]

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "suites" / "scenarios"
PATTERNS = ("enhanced", "gateway", "bedrock", "simple", "dynamic")
BACKENDS = ("direct", "gateway", "bedrock")
PROGRAMS = ("predict", "chain_of_thought", "chain", "batch", "mcp_tool", "backend_query",
            "tool_call", "react", "structured", "stream")
IMPLEMENTATION_KINDS = ("legacy", "compat", "unified")
CONFIG_SECTIONS = ("retry", "cache", "validation", "simple", "model", "unified")
EXPECT_KEYS = ("outputs", "exception", "error_class", "wire_requests", "carries")
_FIELDS = {"id", "description", "pattern", "backend", "program", "signature", "instructions",
           "demos", "calls", "config", "implementations", "expected_differences", "upstream",
           "cassette", "native_fields", "tools", "expect"}
COMPARABLE_FIELDS = ("outputs", "requests", "wire", "attempts", "cache", "validation",
                     "exception", "metrics")
DEFAULT_NATIVE_FIELDS = ("outputs", "requests", "exception")
_REQUIRED = ("id", "description", "pattern", "backend", "calls", "upstream")


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file, field and line."""

    def __init__(self, path: Path | str, field: str, problem: str, line: int | None = None):
        self.path, self.field, self.line = str(path), field, line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field}: {problem}")


@dataclass(frozen=True)
class Scenario:
    """One validated scenario (see the module docstring for the fields)."""

    id: str
    description: str
    pattern: str
    backend: str
    calls: tuple[Mapping[str, Any], ...]
    upstream: tuple[Mapping[str, Any], ...]
    program: str = "predict"
    signature: str | tuple[str, ...] = "question -> answer"
    instructions: str | None = None
    demos: tuple[Mapping[str, Any], ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    implementations: tuple[str, ...] = IMPLEMENTATION_KINDS
    expected_differences: tuple[str, ...] = ()
    cassette: str = ""
    native_fields: tuple[str, ...] = DEFAULT_NATIVE_FIELDS
    tools: tuple[str, ...] = ()
    expect: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def signatures(self) -> tuple[str, ...]:
        """The signature(s) as a tuple (one for every program but ``chain``)."""
        return self.signature if isinstance(self.signature, tuple) else (self.signature,)

    @property
    def registry_name(self) -> str:
        """For ``dynamic`` scenarios: the registry display name (left of ``->``)."""
        return self.signatures[0].split("->")[0].strip()

    def section(self, name: str) -> dict[str, Any] | None:
        """A config section (legacy field names), or None when absent."""
        value = self.config.get(name)
        return dict(value) if value is not None else None

    def applies_to(self, kind: str) -> bool:
        """Whether implementations of ``kind`` (legacy/compat/unified) run this scenario."""
        return kind in self.implementations


def _lines(text: str) -> dict[str, int]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LazyLines(dict):  # type: ignore[type-arg]
    """Field -> line, composed only when an error needs it (composing is slow)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text: str | None = text

    def get(self, key: str, default: Any = None) -> Any:
        if self.text is not None:
            self.update(_lines(self.text))
            self.text = None
        return super().get(key, default)


def load_scenario(path: Path | str) -> Scenario:
    """Load and validate one scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "file", f"cannot read ({exc})") from None
    try:
        data = yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        data = None      # parsed again below by the pure loader, whose marks name the line
    try:
        data = yaml.safe_load(text) if data is None else data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(path, "yaml", f"invalid YAML ({getattr(exc, 'problem', exc)})",
                            mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "file", "expected a mapping at the top level", 1)
    return _validate(path, data, _LazyLines(text))


def _validate(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Scenario:
    def fail(name: str, problem: str) -> ScenarioError:
        return ScenarioError(path, name, problem, lines.get(name.split(".")[0].split("[")[0]))

    unknown = sorted(set(map(str, data)) - _FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field; known fields: {', '.join(sorted(_FIELDS))}")
    for name in _REQUIRED:
        if name not in data:
            raise ScenarioError(path, name, "required field is missing")
    if data["id"] != path.stem:
        raise fail("id", f"must equal the file name stem {path.stem!r}, got {data['id']!r}")
    for name, allowed in (("pattern", PATTERNS), ("backend", BACKENDS),
                          ("program", PROGRAMS)):
        if name in data and data[name] not in allowed:
            raise fail(name, f"got {data[name]!r}; expected one of {', '.join(allowed)}")
    for name in ("id", "description"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise fail(name, "expected a non-empty string")
    signature = data.get("signature", "question -> answer")
    if isinstance(signature, list):
        if not signature or not all(isinstance(s, str) and "->" in s for s in signature):
            raise fail("signature", "expected DSPy signatures like 'question -> answer'")
        signature = tuple(signature)
    elif not isinstance(signature, str) or "->" not in signature:
        raise fail("signature", "expected a DSPy signature like 'question -> answer'")
    calls = _mapping_list(data["calls"], "calls", fail, allow_empty=False)
    upstream = _mapping_list(data["upstream"], "upstream", fail, allow_empty=True)
    for i, step in enumerate(upstream):
        if set(step) - {"reply", "answer", "fault", "bedrock_fault"} or len(step) != 1:
            raise fail(f"upstream[{i}]", "each step is {reply: ...}, {answer: {...}}, "
                       "{fault: {...}} or {bedrock_fault: {code: ...}}")
    demos = _mapping_list(data.get("demos", []), "demos", fail, allow_empty=True)
    config = data.get("config", {}) or {}
    if not isinstance(config, dict):
        raise fail("config", "expected a mapping of sections")
    for name, value in config.items():
        if name not in CONFIG_SECTIONS:
            raise fail(f"config.{name}", f"unknown section; expected {', '.join(CONFIG_SECTIONS)}")
        if name != "model" and value is not None and not isinstance(value, dict):
            raise fail(f"config.{name}", "expected a mapping of legacy field names")
    impls = tuple(data.get("implementations", IMPLEMENTATION_KINDS))
    bad = [i for i in impls if i not in IMPLEMENTATION_KINDS]
    if bad or not impls:
        raise fail("implementations", f"expected a non-empty subset of {IMPLEMENTATION_KINDS}")
    diffs = data.get("expected_differences", []) or []
    if not isinstance(diffs, list) or not all(isinstance(d, str) for d in diffs):
        raise fail("expected_differences", "expected a list of ids such as D001")
    native_fields = data.get("native_fields", list(DEFAULT_NATIVE_FIELDS))
    if not isinstance(native_fields, list) or not set(native_fields) <= set(COMPARABLE_FIELDS):
        raise fail("native_fields", f"expected a list drawn from {', '.join(COMPARABLE_FIELDS)}")
    instructions = data.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise fail("instructions", "expected a string")
    tools = data.get("tools", []) or []
    if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
        raise fail("tools", "expected a list of tool names")
    expect = data.get("expect", {}) or {}
    if not isinstance(expect, dict) or set(expect) - set(EXPECT_KEYS):
        raise fail("expect", f"expected a mapping with keys from {', '.join(EXPECT_KEYS)}")
    if "legacy" not in impls and not expect:
        raise fail("expect", "a scenario without the legacy reference needs an expect block")
    cassette = data.get("cassette") or f"{data['backend']}/{data['id']}.yaml"
    if not isinstance(cassette, str) or cassette.startswith("/") or ".." in cassette:
        raise fail("cassette", "expected a relative path inside cassettes/")
    return Scenario(id=data["id"], description=data["description"], pattern=data["pattern"],
                    backend=data["backend"], calls=calls, upstream=upstream,
                    program=data.get("program", "predict"), signature=signature,
                    instructions=instructions, demos=demos, config=config,
                    implementations=impls, expected_differences=tuple(diffs),
                    cassette=cassette, native_fields=tuple(native_fields), tools=tuple(tools),
                    expect=expect, path=str(path))


def _mapping_list(value: Any, name: str, fail: Any, *, allow_empty: bool) -> tuple[Any, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise fail(name, "expected a non-empty list" if not allow_empty else "expected a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise fail(f"{name}[{i}]", "expected a mapping")
    return tuple(value)


class ScenarioFilesError(ScenarioError):
    """Several scenario files are malformed; ``errors`` holds one :class:`ScenarioError`
    per file (each naming file, field and line), the message lists them all."""

    def __init__(self, errors: Sequence[ScenarioError]):
        self.errors = list(errors)
        self.path, self.field, self.line = errors[0].path, errors[0].field, errors[0].line
        ValueError.__init__(self, f"{len(self.errors)} malformed scenario files:\n"
                            + "\n".join(str(e) for e in self.errors))


def load_scenarios(directory: Path | str = SCENARIO_DIR,
                   patterns: Sequence[str] = ("*",)) -> list[Scenario]:
    """Every scenario in ``directory`` whose id (= file stem) matches one of the glob
    ``patterns``. Files outside the patterns are not read, so a broken file does not
    block a run that does not select it; every broken selected file is reported
    (:class:`ScenarioFilesError` when more than one)."""
    scenarios, errors = [], []
    for path in sorted(Path(directory).glob("*.yaml")):
        if not any(fnmatch.fnmatch(path.stem, g) for g in patterns):
            continue
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioFilesError(errors)
    return scenarios


#: ``config.sampling``: an imported call's sampling parameters (``temperature``,
#: ``max_tokens``), sent by every implementation on the direct backend.
CONFIG_SECTIONS = (*CONFIG_SECTIONS, "sampling")  # type: ignore[assignment]
