"""Reading captured traffic: each format yields :class:`Capture` records (one call each)
or :class:`Malformed` ones (file and line, and why), never raising for one bad record.

- ``openai-jsonl``: one JSON object a line: ``{"request": <chat.completions body>,
  "response": <chat.completion>}``; litellm proxy / MLflow gateway log lines
  (``{"messages", "model", "model_parameters"|"params", "response", "endpoint"|"api_base"}``);
  OpenAI Batch API lines (an input line ``{"custom_id", "body"}`` and an output line
  ``{"custom_id", "response": {"status_code", "body"}}``, paired by ``custom_id``
  across the given files).
- ``mlflow-traces``: MLflow trace exports (a JSON object or list, or one trace a line):
  every ``LLM`` / ``CHAT_MODEL`` span's inputs and outputs.
- ``cassette``: vcrpy cassettes of OpenAI-style or gateway traffic.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Capture", "Malformed", "FORMATS", "read_captures"]

FORMATS = ("openai-jsonl", "mlflow-traces", "cassette")
_LLM_SPAN_TYPES = ("LLM", "CHAT_MODEL")


@dataclass(frozen=True)
class Capture:
    """One captured call: the request body, the response body, where it came from and,
    when the capture says so, the route (``/endpoints/<name>/…`` means the gateway)."""

    source: str
    line: int
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    route: str = ""


@dataclass(frozen=True)
class Malformed:
    """A record that could not be read: ``file:line: problem``."""

    source: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.problem}"


@dataclass
class _Batch:
    inputs: dict[str, tuple[str, int, Mapping[str, Any]]] = field(default_factory=dict)
    outputs: dict[str, tuple[str, int, Mapping[str, Any]]] = field(default_factory=dict)


def _json_lines(path: Path) -> Iterator[tuple[int, Any | Malformed]]:
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, Malformed(path.name, number, f"not JSON ({exc.msg})")


def _openai_line(name: str, number: int, data: Any, batch: _Batch) -> Capture | Malformed | None:
    if not isinstance(data, dict):
        return Malformed(name, number, "expected a JSON object")
    if "custom_id" in data:
        key = str(data["custom_id"])
        if isinstance(data.get("body"), dict):
            batch.inputs[key] = (name, number, data["body"])
        elif isinstance(data.get("response"), dict):
            batch.outputs[key] = (name, number, data["response"])
        else:
            return Malformed(name, number, "a batch line without body or response")
        return None
    if isinstance(data.get("request"), dict) and isinstance(data.get("response"), dict):
        return Capture(name, number, data["request"], data["response"],
                       str(data.get("endpoint") or data.get("url") or ""))
    if isinstance(data.get("messages"), list) and isinstance(data.get("response"), dict):
        params = data.get("model_parameters") or data.get("params") or {}
        request = {"model": data.get("model"), "messages": data["messages"],
                   **(params if isinstance(params, dict) else {})}
        return Capture(name, number, request, data["response"],
                       str(data.get("endpoint") or data.get("api_base") or ""))
    return Malformed(name, number, "expected {request, response}, a log line with "
                     "messages and response, or a batch line with custom_id")


def _paired_batch(batch: _Batch) -> Iterator[Capture | Malformed]:
    for key, (name, number, response) in sorted(batch.outputs.items(),
                                                 key=lambda item: item[1][:2]):
        if key not in batch.inputs:
            yield Malformed(name, number, f"batch output {key!r} has no input line")
            continue
        body = response.get("body")
        if not isinstance(body, dict):
            yield Malformed(name, number, f"batch output {key!r} has no response body")
            continue
        yield Capture(name, number, batch.inputs[key][2], body,
                      str(response.get("url") or ""))


def _span_value(span: Mapping[str, Any], key: str) -> Any:
    attributes = span.get("attributes") or {}
    value = span.get(key) if key in span else attributes.get(f"mlflow.span{key.title()}")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _span_type(span: Mapping[str, Any]) -> str:
    value = span.get("span_type") or (span.get("attributes") or {}).get("mlflow.spanType", "")
    return str(value).strip('"')


def _trace_captures(name: str, number: int, trace: Any) -> Iterator[Capture | Malformed]:
    if not isinstance(trace, dict):
        yield Malformed(name, number, "expected an MLflow trace object")
        return
    spans = (trace.get("data") or {}).get("spans") if "data" in trace else trace.get("spans")
    if not isinstance(spans, list):
        yield Malformed(name, number, "an MLflow trace without data.spans")
        return
    for index, span in enumerate(spans):
        if not isinstance(span, dict) or _span_type(span) not in _LLM_SPAN_TYPES:
            continue
        inputs, outputs = _span_value(span, "inputs"), _span_value(span, "outputs")
        if not (isinstance(inputs, dict) and isinstance(inputs.get("messages"), list)
                and isinstance(outputs, dict)):
            yield Malformed(name, number, f"span {index} ({span.get('name')}): inputs need "
                            "messages and outputs a chat completion")
            continue
        route = str((span.get("attributes") or {}).get("endpoint", "") or "")
        yield Capture(name, number, inputs, outputs, route)


def _read_traces(path: Path) -> Iterator[Capture | Malformed]:
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if whole is not None:
        for trace in whole if isinstance(whole, list) else [whole]:
            yield from _trace_captures(path.name, 1, trace)
        return
    for number, data in _json_lines(path):
        if isinstance(data, Malformed):
            yield data
        else:
            yield from _trace_captures(path.name, number, data)


def _read_cassette(path: Path) -> Iterator[Capture | Malformed]:
    from ..replay.files import CassetteError, read_cassette

    try:
        data = read_cassette(path)
    except CassetteError as exc:
        yield Malformed(path.name, 1, str(exc))
        return
    for index, item in enumerate(data.get("interactions", [])):
        try:
            request = item["request"]
            body = request["body"]
            body = body.get("string") if isinstance(body, dict) else body
            response_text = item["response"]["body"]["string"]
            captured = Capture(path.name, index + 1, json.loads(str(body)),
                               json.loads(response_text),
                               str(request.get("uri", "")))
        except (KeyError, TypeError, ValueError) as exc:
            yield Malformed(path.name, index + 1, f"interaction {index}: not a JSON call ({exc})")
            continue
        if item["response"].get("status", {}).get("code") != 200:
            yield Malformed(path.name, index + 1, f"interaction {index}: not a 200 answer")
            continue
        yield captured


def read_captures(paths: Iterable[Path], fmt: str) -> Iterator[Capture | Malformed]:
    """Every capture (or malformed record) of ``paths`` read as ``fmt``, in file order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown capture format {fmt!r}; expected one of {', '.join(FORMATS)}")
    batch = _Batch()
    for path in paths:
        if fmt == "mlflow-traces":
            yield from _read_traces(path)
        elif fmt == "cassette":
            yield from _read_cassette(path)
        else:
            for number, data in _json_lines(path):
                item = data if isinstance(data, Malformed) else _openai_line(
                    path.name, number, data, batch)
                if item is not None:
                    yield item
    yield from _paired_batch(batch)
    for key, (name, number, _) in sorted(batch.inputs.items(), key=lambda item: item[1][:2]):
        if key not in batch.outputs:
            yield Malformed(name, number, f"batch input {key!r} has no output line")
