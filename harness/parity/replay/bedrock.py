"""Bedrock traffic: recorded in the same YAML shape as vcrpy cassettes, served through moto.

moto intercepts boto3 in-process, below vcrpy, so Bedrock cassettes are written and
played here: each interaction is ``request: {method, uri: /model/<id>/<op>, body}`` and
``response: {status: {code}, body: {string: <JSON>}}``. On replay the moto extension's
responder (:mod:`harness.stack.moto_bedrock`) answers each call with the first unplayed
interaction that matches its path and canonical body; a call without a match is a
miss, explained with the closest recorded request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from ...stack.moto_bedrock import BedrockCall, BedrockFault, BedrockReply, bedrock_stub
from ..observation import WireEvent, canonical_bedrock_call
from .files import read_cassette
from .http import CASSETTE_DIR, WireLog, body_difference

__all__ = ["bedrock_replay"]

_OPERATION_PATH = {"converse": "converse", "invoke_model": "invoke",
                   "converse_stream": "converse-stream"}
#: ``converse_stream`` fields of a reply kept in the cassette (its event boundaries).
_STREAM_FIELDS = ("chunks", "fail_after")


def _path(call: BedrockCall) -> str:
    return f"/model/{quote(call.model_id, safe='')}/{_OPERATION_PATH[call.operation]}"


def _body_text(call: BedrockCall) -> str:
    return json.dumps(call.body, sort_keys=True)


def _step_of(response: dict[str, Any]) -> BedrockReply | BedrockFault:
    data = json.loads(response["body"]["string"])
    if response["status"]["code"] == 200:
        chunks = data.get("chunks")
        return BedrockReply(data["text"], data.get("stop_reason", "end_turn"),
                            data.get("input_tokens"), data.get("output_tokens"),
                            tuple(data.get("tool_calls") or ()), data.get("thinking"),
                            chunks=tuple(chunks) if chunks is not None else None,
                            fail_after=data.get("fail_after"))
    return BedrockFault(data["code"], data.get("message", ""), response["status"]["code"])


def _response_of(step: BedrockReply | BedrockFault, tokens: tuple[int, int] | None) -> dict:
    if isinstance(step, BedrockFault):
        fault = {"code": step.code, "message": step.message}
        return {"status": {"code": step.http_status}, "body": {"string": json.dumps(fault)}}
    body: dict[str, Any] = {"text": step.text, "stop_reason": step.stop_reason,
                            "input_tokens": tokens[0] if tokens else None,
                            "output_tokens": tokens[1] if tokens else None}
    if step.tool_calls:
        body["tool_calls"] = list(step.tool_calls)
    if step.thinking is not None:
        body["thinking"] = step.thinking
    for name in _STREAM_FIELDS:
        if getattr(step, name) is not None:
            body[name] = list(step.chunks or ()) if name == "chunks" else step.fail_after
    return {"status": {"code": 200}, "body": {"string": json.dumps(body, sort_keys=True)}}


class _Player:
    def __init__(self, interactions: list[dict[str, Any]], log: WireLog, name: str) -> None:
        self.interactions = interactions
        self.log = log
        self.name = name
        self.plays = [0] * len(interactions)

    def rewind(self) -> None:
        """Make every interaction playable again (the next implementation's turn)."""
        self.plays = [0] * len(self.interactions)

    def __call__(self, call: BedrockCall) -> BedrockReply | BedrockFault:
        path, body = _path(call), call.body
        for index, item in enumerate(self.interactions):
            request = item["request"]
            if (self.plays[index] == 0 and request["uri"] == path
                    and json.loads(request["body"]) == body):
                self.plays[index] += 1
                self.log.played.add(index)
                return _step_of(item["response"])
        self.log.misses.append(self._miss(path, body))
        return BedrockFault("ValidationException", "replay miss (see the parity report)")

    def _miss(self, path: str, body: Any) -> str:
        head = f"no recorded response for POST {path} in {self.name}"
        same_path = [i["request"] for i in self.interactions if i["request"]["uri"] == path]
        if not same_path:
            return head + "; the cassette has no request to that path"
        diff = body_difference(same_path[0]["body"], json.dumps(body))
        return f"{head}; closest recorded: POST {path} ({diff or 'already played'})"


def _load(file: Path) -> list[dict[str, Any]]:
    return list(read_cassette(file).get("interactions", []))


@contextmanager
def bedrock_replay(cassette: str, *, record: bool = False,
                   steps: Sequence[BedrockReply | BedrockFault] = ()) -> Iterator[WireLog]:
    """Serve Bedrock from ``cassettes/<cassette>`` under moto (or record ``steps`` into it).

    Recording appends new interactions (calls not already in the cassette) so that
    several implementations can record into one file, as vcrpy's ``new_episodes`` does.
    """
    file = CASSETTE_DIR / cassette
    log = WireLog("bedrock")
    interactions = _load(file)
    log.interactions = len(interactions)
    with bedrock_stub() as script:
        player = _Player(interactions, log, str(file))
        log.rewinders.append(player.rewind)
        original = script.answer
        new: list[dict[str, Any]] = []

        def observed(call: BedrockCall) -> Any:
            step: BedrockReply | BedrockFault
            try:
                reply = original(call)
                step, tokens = reply[0], (reply[1], reply[2])
            except Exception as exc:
                step, tokens = getattr(exc, "_bedrock_fault", None) or _fault_of(exc), None
                raise
            finally:
                request = {"method": "POST", "uri": _path(call), "body": _body_text(call)}
                response = _response_of(step, tokens)
                log.events.append(WireEvent("POST", request["uri"], response["status"]["code"],
                                            canonical_bedrock_call(call.operation, call.model_id,
                                                                   call.body or {})))
                if record:
                    new.append({"request": request, "response": response})
            return reply

        script.answer = observed  # type: ignore[method-assign]
        if record:
            script.script(*steps)
        else:
            script.responder = player
        yield log
    if record:
        _save(file, interactions, new)


def _fault_of(exc: BaseException) -> BedrockFault:
    description = json.loads(getattr(exc, "description", "{}") or "{}")
    headers = dict(exc.get_headers()) if hasattr(exc, "get_headers") else {}
    return BedrockFault(headers.get("x-amzn-ErrorType", "UnknownError"),
                        description.get("message", ""), getattr(exc, "code", 400))


def _save(file: Path, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    seen = [(i["request"]["uri"], i["request"]["body"]) for i in old]
    merged = list(old)
    for item in new:
        key = (item["request"]["uri"], item["request"]["body"])
        if seen.count(key) < [(n["request"]["uri"], n["request"]["body"])
                              for n in new].count(key):
            merged.append(item)
            seen.append(key)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(yaml.safe_dump({"interactions": merged, "version": 1}, sort_keys=False),
                    encoding="utf-8")
