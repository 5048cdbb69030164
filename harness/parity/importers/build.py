"""One scrubbed capture -> one scenario (a YAML mapping) and its cassette.

The scenario names the pattern the call came from (a DSPy prompt sent straight to an
OpenAI-compatible API is the enhanced wrapper over litellm), the model and the sampling
parameters, the DSPy program, signature, instructions, demos and inputs; it runs on the
compat shim of that pattern and on ``unified`` (the production code that sent it is
not here: the legacy column is n/a) and expects the outputs DSPy parses from the
recorded answer. Its id is ``imported-<backend>-<hash of the canonical request>``, so
the same call imported twice, from any file, is one scenario.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .dspy_prompt import infer_dspy_call, parse_outputs
from .formats import Capture, Malformed

__all__ = ["Built", "Refused", "build", "canonical_request", "SAMPLING_PARAMS"]

#: Sampling parameters a replay can send again (through every implementation).
SAMPLING_PARAMS = ("temperature", "max_tokens")
#: Request fields that do not change the answer and that the replay does not send.
_IGNORED = {"model", "messages", "stream", "n", "user", "metadata", "store"}
_BEDROCK_MODEL = re.compile(r"^(?:bedrock/)?(?:[a-z]{2}\.)?(?:anthropic|amazon|meta|mistral|"
                            r"cohere|ai21)\.")
_ROUTE = re.compile(r"/(?:endpoints|gateway)/([^/]+)/invocations")


@dataclass(frozen=True)
class Built:
    """A scenario mapping and its cassette mapping, ready to be written."""

    scenario: dict[str, Any]
    cassette: dict[str, Any]

    @property
    def id(self) -> str:
        """The scenario id (= file stem)."""
        return str(self.scenario["id"])


@dataclass(frozen=True)
class Refused(Malformed):
    """A well-formed capture the importer cannot turn into a replayable scenario."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: not imported: {self.problem}"


def canonical_request(request: Mapping[str, Any]) -> str:
    """The request as canonical JSON (sorted keys, fields that do not change the answer
    left out): equal strings are the same call."""
    kept = {k: v for k, v in request.items() if k not in _IGNORED - {"model", "messages"}}
    model = str(kept.get("model") or "").removeprefix("openai/")
    return json.dumps({**kept, "model": model}, sort_keys=True, ensure_ascii=False)


def _gateway_route(capture: Capture) -> str | None:
    """The gateway endpoint a capture went through (a ``/endpoints/<name>/…`` URL, or
    a bare endpoint name as MLflow gateway logs give it), else None."""
    match = _ROUTE.search(capture.route)
    if match:
        return match.group(1)
    bare = capture.route.strip()
    return bare if bare and "/" not in bare and ":" not in bare else None


def _backend(capture: Capture, model: str) -> str:
    if _gateway_route(capture):
        return "gateway"
    if _BEDROCK_MODEL.match(model):
        return "bedrock"
    return "direct"


def _answer(response: Mapping[str, Any]) -> str | None:
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    content = (choices[0].get("message") or {}).get("content")
    return content if isinstance(content, str) else None


def _response_body(response: Mapping[str, Any]) -> str:
    body = dict(response)
    body.update({"id": "recorded-id", "created": 0})
    if "system_fingerprint" in body:
        body["system_fingerprint"] = None
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def build(capture: Capture, fmt: str) -> Built | Refused:
    """The scenario and cassette of one (already scrubbed) capture, or why not."""
    request, where = capture.request, (capture.source, capture.line)
    model = str(request.get("model") or "")
    backend = _backend(capture, model)
    if backend == "bedrock":
        return Refused(*where, "Bedrock captures are not imported yet (only calls sent to "
                       "an OpenAI-compatible API or through the MLflow gateway)")
    extra = sorted(set(request) - _IGNORED - set(SAMPLING_PARAMS))
    if extra:
        return Refused(*where, f"the request carries {', '.join(extra)}, which the replay "
                       "cannot send again")
    if request.get("n", 1) != 1 or request.get("stream"):
        return Refused(*where, "streamed or n > 1 requests are not imported")
    messages = request.get("messages")
    call = infer_dspy_call(messages) if isinstance(messages, list) else None
    if call is None:
        return Refused(*where, "the messages are not a DSPy ChatAdapter prompt")
    text = _answer(capture.response)
    outputs = parse_outputs(call, text) if text is not None else None
    if outputs is None:
        return Refused(*where, "the response has no answer DSPy can parse")
    route = _gateway_route(capture)
    sampling = {k: request[k] for k in SAMPLING_PARAMS if request.get(k) is not None}
    if route is not None:   # absent means absent: not the gateway pattern's defaults
        sampling = {k: request.get(k) for k in SAMPLING_PARAMS}
    key = canonical_request(request) + (f"|{route}" if route else "")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    scenario: dict[str, Any] = {
        "id": f"imported-{backend}-{digest}",
        "description": f"imported from {capture.source} line {capture.line} ({fmt})",
        "pattern": "enhanced", "backend": backend, "program": call.program,
        "signature": call.signature}
    if call.instructions:
        scenario["instructions"] = call.instructions
    if call.demos:
        scenario["demos"] = [dict(d) for d in call.demos]
    # The enhanced wrapper's create_module builds a Predict and its gateway LM sends a
    # flattened prompt: a chain of thought, or structured messages to the gateway, came
    # from code the shim cannot stand in for, so only unified replays those.
    shim = call.program == "predict" and route is None
    scenario.update({
        "calls": [dict(call.inputs)],
        "config": {"model": route or model.removeprefix("openai/"),
                   **({"sampling": sampling} if sampling else {})},
        "implementations": ["compat", "unified"] if shim else ["unified"],
        "expect": {"outputs": [outputs]},
        "upstream": [{"reply": text}]})
    cassette = {"interactions": [{"request": _cassette_request(request, route, sampling),
                                  "response": {
        "body": {"string": _response_body(capture.response)},
        "headers": {"content-type": ["application/json"]},
        "status": {"code": 200, "message": "OK"}}}], "version": 1}
    return Built(scenario, cassette)


def _cassette_request(request: Mapping[str, Any], route: str | None,
                      sampling: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded request: what the implementations send for this call."""
    sent = {k: v for k, v in sampling.items() if v is not None}
    if route is not None:
        body, path = {"messages": request["messages"], **sent}, f"/endpoints/{route}/invocations"
    else:
        body = {"model": str(request.get("model")).removeprefix("openai/"),
                "messages": request["messages"], **sent}
        path = "/v1/chat/completions"
    return {"body": json.dumps(body, ensure_ascii=False),
            "headers": {"content-type": ["application/json"]}, "method": "POST",
            "uri": f"http://recorded.invalid{path}"}
