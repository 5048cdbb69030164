"""vcrpy configuration and the wire log that observes every replayed or recorded request."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..observation import WireEvent, canonical_http_request
from .files import read_cassette
from .sse import is_sse, scrub_sse

__all__ = ["CASSETTE_DIR", "WireLog", "http_replay", "json_body_matcher", "make_vcr",
           "body_difference", "SECRET_HEADERS"]

#: Where cassettes live; ``PARITY_CASSETTE_DIR`` points a run at another folder (a
#: generated corpus, an import into a temporary directory).
CASSETTE_DIR = Path(os.environ.get("PARITY_CASSETTE_DIR")
                    or Path(__file__).resolve().parents[3] / "cassettes")
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "x-amz-date",
                  "x-amz-security-token", "amz-sdk-invocation-id", "x-amz-content-sha256",
                  "cookie", "set-cookie")
_KEPT_REQUEST_HEADERS = ("content-type",)
_KEPT_RESPONSE_HEADERS = ("content-type", "retry-after")
_VOLATILE_BODY_FIELDS = {"id": "recorded-id", "created": 0, "system_fingerprint": None}


def _canonical_body(body: Any) -> Any:
    if body in (None, b"", ""):
        return None
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")


def body_difference(left: Any, right: Any) -> str:
    """A short, field-level description of how two JSON request bodies differ."""
    a, b = _canonical_body(left), _canonical_body(right)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return f"body {a!r:.120} != {b!r:.120}"
    parts = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            if key == "messages" and isinstance(a.get(key), list) and isinstance(b.get(key), list):
                index = next((i for i, (x, y) in enumerate(zip(a[key], b[key], strict=False))
                              if x != y), min(len(a[key]), len(b[key])))
                parts.append(f"messages[{index}] differs")
            else:
                parts.append(f"{key}: {a.get(key)!r:.60} != {b.get(key)!r:.60}")
    return "; ".join(parts)


def json_body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: bodies equal as parsed JSON (raises AssertionError with the diff)."""
    if _canonical_body(r1.body) != _canonical_body(r2.body):
        raise AssertionError("recorded vs sent: " + body_difference(r2.body, r1.body))


def _scrub_request(request: Any) -> Any:
    request = copy.deepcopy(request)
    request.headers = {k: v for k, v in request.headers.items()
                       if k.lower() in _KEPT_REQUEST_HEADERS}
    path = request.path + (f"?{request.query}" if getattr(request, "query", None) else "")
    request.uri = "http://recorded.invalid" + path
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response.get("headers", {}).items()
                           if k.lower() in _KEPT_RESPONSE_HEADERS}
    body = response.get("body", {})
    raw = body.get("string")
    if raw and is_sse(response["headers"]):   # a stream: scrubbed event by event
        body["string"] = scrub_sse(raw, _VOLATILE_BODY_FIELDS)
        return response
    try:
        data = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        data = None
    if isinstance(data, dict):
        for key, value in _VOLATILE_BODY_FIELDS.items():
            if key in data:
                data[key] = value
        body["string"] = json.dumps(data, sort_keys=True).encode("utf-8")
    return response


def make_vcr(record: bool) -> Any:
    """A ``vcr.VCR`` with the project's matching, filtering and safety settings (and
    bodies cut by the peer recorded and replayed as cut: :mod:`harness.parity.replay.cut`)."""
    import vcr

    from .cut import install

    install()

    my_vcr = vcr.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode="new_episodes" if record else "none",
        match_on=("method", "path", "json_body"),
        # replay writes nothing and matches on method, path and body: no scrubbing
        filter_headers=list(SECRET_HEADERS) if record else [],
        before_record_request=_scrub_request if record else None,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    my_vcr.register_matcher("json_body", json_body_matcher)
    return my_vcr


@dataclass
class WireLog:
    """Every request an implementation sent during a replay, in order, and every miss."""

    backend: str
    events: list[WireEvent] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    played: set[int] = field(default_factory=set)
    interactions: int = 0
    #: How to make every recorded interaction playable again (set by the replay).
    rewinders: list[Callable[[], None]] = field(default_factory=list)

    def rewind(self) -> None:
        """Start afresh for the next implementation within the same replay: its requests
        and misses only, every interaction playable again (``played`` accumulates)."""
        self.events.clear()
        self.misses.clear()
        for rewind in self.rewinders:
            rewind()

    def add(self, method: str, url: str, body: Any, status: int | str) -> None:
        """Record one request with the status that answered it."""
        path = url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else "/"
        self.events.append(WireEvent(method, path.split("?")[0], status,
                                     canonical_http_request(self.backend, url, body)))


def _miss_message(cassette: Any, request: Any) -> str:
    closest = cassette.find_requests_with_most_matches(request)
    head = f"no recorded response for {request.method} {request.path} in {cassette._path}"
    if not closest:
        return head + "; the cassette has no similar request"
    stored, _, fails = closest[0]
    why = "; ".join(f"{name}: {detail}" for name, detail in fails) or \
        "every matching interaction was already played"
    return f"{head}; closest recorded: {stored.method} {stored.path} ({why})"


def _observe(cassette: Any, log: WireLog, record: bool) -> None:
    can_play: Callable[[Any], bool] = cassette.can_play_response_for
    play: Callable[[Any], Any] = cassette.play_response
    append: Callable[[Any, Any], None] = cassette.append

    def observed_can_play(request: Any) -> bool:
        ok = can_play(request)
        if not ok and not record:
            log.misses.append(_miss_message(cassette, request))
        return bool(ok)

    def observed_play(request: Any) -> Any:
        before = dict(cassette.play_counts)
        response = play(request)
        log.played |= {i for i, n in cassette.play_counts.items() if n > before.get(i, 0)}
        log.add(request.method, request.uri, request.body, response["status"]["code"])
        return response

    def observed_append(request: Any, response: Any) -> None:
        log.add(request.method, request.uri, request.body, response["status"]["code"])
        append(request, response)
        # What was just recorded was answered live: it must not be replayed to a later
        # identical request of the same run (a retry must reach the server again).
        cassette.play_counts[len(cassette.data) - 1] += 1

    log.rewinders.append(cassette.play_counts.clear)
    cassette.can_play_response_for = observed_can_play
    cassette.play_response = observed_play
    cassette.append = observed_append


@contextmanager
def http_replay(cassette: str, backend: str, *, record: bool = False) -> Iterator[WireLog]:
    """Replay (or, with ``record=True``, record new episodes into) ``cassettes/<cassette>``.

    Yields a :class:`WireLog` of every request seen, with replay misses explained.
    """
    read_cassette(CASSETTE_DIR / cassette)      # a malformed file is named, with its line
    log = WireLog(backend)
    with make_vcr(record).use_cassette(cassette) as loaded:
        log.interactions = len(loaded.data)
        _observe(loaded, log, record)
        yield log
