"""Scenarios the legacy patterns cannot run: unified judged against its recorded wire.

The legacy patterns sent text only, so an image input, a document, a native tool call,
a thinking answer or a structured-output call has no legacy reference. Such a scenario
lists ``implementations: [unified]`` and an ``expect`` block; its verdict is:

- the replay itself: every request ``unified`` sends must match a recorded request body
  exactly (vcrpy's JSON body matcher, or the Bedrock player), else a replay miss FAILs;
- ``expect.outputs`` / ``exception`` / ``error_class`` / ``wire_requests``: one entry per
  call, compared with what ``unified`` did (outputs as JSON, tool calls included);
- ``expect.carries``: call input fields (``$image``/``$file``/``$audio`` fixtures) whose
  bytes, base64-encoded, must appear verbatim in a recorded request body: the part
  reached the wire byte for byte.

Fixtures (``{$image: name}``) live in ``suites/scenarios/fixtures/``.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .observation import Observation
from .replay.files import read_cassette
from .replay.http import CASSETTE_DIR
from .scenarios import SCENARIO_DIR, Scenario

__all__ = ["FIXTURE_DIR", "MEDIA_MARKERS", "fixture_bytes", "resolve_inputs", "jsonable",
           "judge_expected", "recorded_bodies"]

FIXTURE_DIR = SCENARIO_DIR / "fixtures"
#: Input markers -> the DSPy type built from the fixture.
MEDIA_MARKERS = ("$image", "$file", "$audio")


def fixture_bytes(name: str) -> bytes:
    """The bytes of ``suites/scenarios/fixtures/<name>`` (no path may leave the folder)."""
    path = (FIXTURE_DIR / name).resolve()
    if FIXTURE_DIR.resolve() not in path.parents:
        raise ValueError(f"fixture {name!r} is outside {FIXTURE_DIR}")
    return path.read_bytes()


def _media_type(name: str) -> str:
    kind, _ = mimetypes.guess_type(name)
    return kind or "application/octet-stream"


def _marker(value: Any) -> tuple[str, str] | None:
    if isinstance(value, Mapping) and len(value) == 1:
        (key, name), = value.items()
        if key in MEDIA_MARKERS and isinstance(name, str):
            return key, name
    return None


def _media_value(marker: str, name: str) -> Any:
    import dspy

    data = fixture_bytes(name)
    encoded = base64.b64encode(data).decode("ascii")
    media_type = _media_type(name)
    if marker == "$image":
        return dspy.Image(url=f"data:{media_type};base64,{encoded}")
    if marker == "$audio":
        return dspy.Audio(data=encoded, audio_format=Path(name).suffix.lstrip("."))
    return dspy.File(file_data=f"data:{media_type};base64,{encoded}")


def resolve_inputs(call: Mapping[str, Any]) -> dict[str, Any]:
    """A call's inputs with every ``{$image|$file|$audio: fixture}`` made a DSPy value."""
    resolved = {}
    for key, value in call.items():
        marker = _marker(value)
        resolved[key] = _media_value(*marker) if marker else value
    return resolved


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (pydantic models such as ``dspy.ToolCalls`` dumped)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return jsonable(dump(mode="json", exclude_none=True))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def recorded_bodies(scenario: Scenario) -> list[str]:
    """The request bodies recorded in the scenario's cassette, as text."""
    cassette = read_cassette(CASSETTE_DIR / scenario.cassette)
    bodies = []
    for item in cassette.get("interactions", []):
        body = item.get("request", {}).get("body")
        if isinstance(body, dict):           # vcrpy may store {"string": ...}
            body = body.get("string")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        bodies.append(body if isinstance(body, str) else json.dumps(body))
    return bodies


def _carried(scenario: Scenario, bodies: list[str]) -> list[str]:
    problems = []
    for index, call in enumerate(scenario.calls):
        for name in scenario.expect.get("carries", []):
            marker = _marker(call.get(name))
            if marker is None:
                continue
            encoded = base64.b64encode(fixture_bytes(marker[1])).decode("ascii")
            if not any(encoded in body for body in bodies):
                problems.append(f"call {index}: {name} ({marker[1]}) is not byte for byte in "
                                f"any recorded request of {scenario.cassette}")
    return problems


def judge_expected(scenario: Scenario, observation: Observation) -> tuple[dict[str, str],
                                                                         list[str]]:
    """(field diffs, problems) of ``observation`` against the scenario's ``expect`` block."""
    expect = scenario.expect
    actual = {"outputs": [jsonable(c.outputs) for c in observation.calls],
              "exception": [c.error_category for c in observation.calls],
              "error_class": [c.error_class for c in observation.calls],
              "wire_requests": [c.wire_requests for c in observation.calls]}
    diffs = {name: f"expected {json.dumps(expect[name], default=str)[:200]} != "
                   f"{json.dumps(actual[name], default=str)[:200]}"
             for name in actual if name in expect and jsonable(expect[name]) != actual[name]}
    problems = [*observation.replay_misses,
                *([observation.setup_error] if observation.setup_error else [])]
    if "carries" in expect:
        problems += _carried(scenario, recorded_bodies(scenario))
    return diffs, problems
