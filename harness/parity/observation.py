"""What one implementation did in one scenario, in canonical, comparable form.

Requests are captured on the wire (vcrpy for HTTP, the moto extension for Bedrock) and
normalised so that the same logical request compares equal whatever client sent it:
``{"kind", "target", "messages", "params"}``. Wire details (method, path, status) are
kept apart and compared separately. Exceptions are reduced to a category
(:func:`error_category`) so that a legacy ``litellm.AuthenticationError`` and a unified
``AuthError`` compare as the same outcome while the class names stay visible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["CallOutcome", "Observation", "WireEvent", "canonical_http_request",
           "canonical_bedrock_call", "error_category", "COMPARED_PARAMS"]

#: Sampling params that are part of a canonical request; client-specific extras (n,
#: stream, user agents' defaults) are not.
COMPARED_PARAMS = ("temperature", "max_tokens", "top_p", "stop")
_GATEWAY_PATH = re.compile(r"^/(?:gateway|endpoints)/([^/]+)/invocations$")
_BEDROCK_PATH = re.compile(r"^/model/(.+)/(converse|invoke)$")


@dataclass
class WireEvent:
    """One request on the wire and what answered it."""

    method: str
    path: str
    status: int | str
    request: dict[str, Any]

    def short(self) -> str:
        """``POST /path -> 200``."""
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class CallOutcome:
    """The result of one call of the scenario's program."""

    outputs: Any = None
    error_class: str | None = None
    error_category: str | None = None
    error_message: str | None = None
    validation: str | None = None
    wire_requests: int = 0


@dataclass
class Observation:
    """Everything compared between implementations for one scenario."""

    implementation: str
    scenario: str
    calls: list[CallOutcome] = field(default_factory=list)
    wire: list[WireEvent] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    replay_misses: list[str] = field(default_factory=list)
    setup_error: str | None = None
    wall_time: float = 0.0

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The canonical requests, in order."""
        return [event.request for event in self.wire]

    def view(self, name: str) -> Any:
        """The value of one compared field (see :data:`harness.parity.run.FIELDS`)."""
        if name == "outputs":
            return [c.outputs for c in self.calls]
        if name == "requests":
            return self.requests
        if name == "wire":
            return [f"{e.method} {e.path}" for e in self.wire]
        if name == "attempts":
            return {"statuses": [e.status for e in self.wire],
                    "delays": [round(d, 6) for d in self.delays]}
        if name == "cache":
            return [c.wire_requests for c in self.calls]
        if name == "validation":
            return [c.validation for c in self.calls]
        if name == "exception":
            return [c.error_category for c in self.calls]
        if name == "metrics":
            return self.metrics
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for reports)."""
        data = asdict(self)
        data["requests"] = self.requests
        return data


def _params(body: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: body[k] for k in COMPARED_PARAMS if body.get(k) is not None}
    if isinstance(params.get("stop"), str):
        params["stop"] = [params["stop"]]
    return params


def _messages(raw: Any) -> list[dict[str, str]]:
    out = []
    for message in raw or []:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        out.append({"role": str(message.get("role")), "content": str(content or "")})
    return out


def canonical_http_request(backend: str, url: str, body_text: str | bytes | None) -> dict:
    """The canonical form of an HTTP request to a gateway or an OpenAI-style server."""
    path = urlsplit(url).path
    try:
        body = json.loads(body_text or b"{}")
    except (TypeError, ValueError):
        body = {"_unparsed": str(body_text)[:200]}
    if not isinstance(body, dict):
        body = {"_unparsed": body}
    match = _GATEWAY_PATH.match(path)
    target = match.group(1) if match else str(body.get("model", ""))
    return {"kind": backend, "target": target.rsplit("/", 1)[-1],
            "messages": _messages(body.get("messages")), "params": _params(body)}


def canonical_bedrock_call(operation: str, model_id: str, body: Mapping[str, Any]) -> dict:
    """The canonical form of a Bedrock converse / invoke_model call."""
    system = body.get("system")
    if isinstance(system, list):
        system = "".join(part.get("text", "") for part in system if isinstance(part, dict))
    messages = ([{"role": "system", "content": system}] if system else []) + _messages(
        body.get("messages"))
    if operation == "converse":
        inference = body.get("inferenceConfig") or {}
        params = _params({"temperature": inference.get("temperature"),
                          "max_tokens": inference.get("maxTokens"),
                          "top_p": inference.get("topP"),
                          "stop": inference.get("stopSequences")})
    else:
        params = _params({**body, "stop": body.get("stop_sequences")})
    return {"kind": "bedrock", "target": unquote(model_id), "messages": messages,
            "params": params}


_CATEGORIES = (
    ("validation", ("ValidationError",)),
    ("circuit_open", ("CircuitOpenError",)),
    ("budget", ("BudgetExceededError", "budget_exceeded")),
    ("rate_limit", ("RateLimitError", "ThrottlingException", "429")),
    ("auth", ("AuthError", "AuthenticationError", "PermissionDenied", "AccessDenied", "401",
              "403")),
    ("not_found", ("NotFoundError", "ResourceNotFound", "404")),
    ("bad_request", ("BadRequestError", "InvalidRequest", "ValidationException", "400")),
    ("timeout", ("TimeoutError", "Timeout", "ModelTimeoutException")),
    ("connection", ("ConnectionError", "ConnectError", "APIConnectionError")),
    ("server", ("ServerError", "InternalServerError", "ServiceUnavailable", "500", "502",
                "503", "504")),
)


def error_category(exc: BaseException | str | None) -> str | None:
    """A coarse, implementation-independent category of an error (None for no error)."""
    if exc is None:
        return None
    if isinstance(exc, str):
        names = [exc]
    else:
        names = [cls.__name__ for cls in type(exc).__mro__]
        status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
        if isinstance(status, int):
            names.append(str(status))
        response = getattr(exc, "response", None)
        if isinstance(response, Mapping):
            code = response.get("Error", {}).get("Code")
            if code:
                names.append(str(code))
    for category, markers in _CATEGORIES:
        if any(marker in name for name in names for marker in markers):
            return category
    return "other"
