"""A deterministic, scriptable OpenAI-compatible chat server on 127.0.0.1 for tests.

``ScriptedUpstream`` answers ``POST /v1/chat/completions`` (and ``/chat/completions``),
``GET /health`` and ``GET /v1/models``. What a chat request gets is decided, in order, by:

1. the queued script (``server.script(*steps)``): one step consumed per chat request;
2. the rules (``server.rules({"substring": answer})``) matched against the last user message;
3. the ``responder`` (``server.responder = fn``; default: ``Reply("echo: <last user text>")``).

A step is a :class:`Reply`, a :class:`Fault` or a plain ``str`` (short for ``Reply(str)``;
the step types live in :mod:`harness.stack.upstream_steps`).
Answers are deterministic: ids ``chatcmpl-1``, ``chatcmpl-2``, ... (restarted by
``reset()``), ``created`` fixed at :data:`CREATED`, usage from whitespace token counts.
``"stream": true`` is answered with SSE chunks and ``data: [DONE]`` (sent with a
Content-Length so that keep-alive survives): one chunk per word, or ``Reply.chunks``,
``Reply.chunk_delay`` seconds apart; ``Fault(kind="drop", after_chunks=N)`` sends N
content chunks and then cuts the connection. When each SSE event left the server is
recorded in ``server.sent`` (``time.perf_counter()`` clock). Every request is recorded in
``server.requests``. The handler disables Nagle and buffers writes: without that Python's
``http.server`` costs ~45 ms per keep-alive request.
"""

from __future__ import annotations

import functools
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .upstream_sse import SentChunk, SSEWriter
from .upstream_steps import (
    CREATED,
    FAULT_KINDS,
    Fault,
    RecordedRequest,
    Reply,
    Responder,
    Step,
    echo_responder,
    last_user_text,
    prompt_tokens,
)

__all__ = ["CREATED", "Fault", "FAULT_KINDS", "RecordedRequest", "Reply", "ScriptedUpstream",
           "SentChunk", "Step", "closed_port", "echo_responder", "last_user_text"]

_CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@functools.cache
def _reserved_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    return sock


def closed_port() -> int:
    """A loopback port where nothing listens: connecting to it is refused.

    The port stays bound (never listening) for the life of the process, so no other
    server can take it; every call returns the same port.
    """
    return int(_reserved_socket().getsockname()[1])


class _Handler(BaseHTTPRequestHandler):
    """Request handler; all state lives on ``self.server.upstream``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the per-request stderr log."""

    def _record(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.upstream._record(RecordedRequest(self.command, self.path, headers, body, raw))
        return body if isinstance(body, dict) else None

    def send(self, status: int, body: bytes, content_type: str = "application/json",
             extra: Mapping[str, str] | None = None, *, cut: bool = False) -> None:
        """Send a response with a Content-Length (keep-alive friendly).

        ``cut``: send only half of ``body``, then reset the connection.
        """
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

    def send_json(self, status: int, payload: Any) -> None:
        """Send ``payload`` as a JSON response."""
        self.send(status, json.dumps(payload).encode())

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        """``/health`` and ``/v1/models``; anything else is a 404."""
        self._record()
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self.send_json(200, {"status": "OK"})
        elif path in ("/v1/models", "/models"):
            self.send_json(200, {"object": "list", "data": [
                {"id": "scripted-model", "object": "model", "created": CREATED,
                 "owned_by": "harness"}]})
        else:
            self.send_json(404, {"error": {"message": f"no route {path}", "code": "404"}})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """Chat completions; anything else is a 404."""
        body = self._record()
        if self.path.split("?", 1)[0] not in _CHAT_PATHS:
            self.send_json(404, {"error": {"message": f"no route {self.path}", "code": "404"}})
        elif body is None:
            self.send_json(400, {"error": {"message": "body is not a JSON object",
                                           "type": "invalid_request_error", "code": "400"}})
        else:
            self.server.upstream._answer(self, body)


class _Server(ThreadingHTTPServer):
    """Threaded server that joins its handler threads and can cut idle keep-alive sockets."""

    daemon_threads = False
    block_on_close = True
    upstream: ScriptedUpstream

    def __init__(self, upstream: ScriptedUpstream) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Add or forget an open client connection."""
        with self._conn_lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def cut_connections(self) -> None:
        """Shut every open client connection down, waking handlers blocked on reads."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ScriptedUpstream(SSEWriter):
    """A scripted OpenAI-compatible server; see the module docstring. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._queue: deque[Step] = deque()
        self._rules: list[tuple[str, Step]] = []
        self._requests: list[RecordedRequest] = []
        self._counter = 0
        self._sent: list[SentChunk] = []
        self.responder: Responder = echo_responder

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> ScriptedUpstream:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={
            "poll_interval": 0.05}, name=f"scripted-upstream-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and join every thread. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.cut_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> ScriptedUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only while started)."""
        if self._server is None:
            raise RuntimeError("ScriptedUpstream is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: the OpenAI ``base_url``/``api_base``."""
        return self.url + "/v1"

    # -- scripting -------------------------------------------------------------------
    def script(self, *steps: Step) -> ScriptedUpstream:
        """Queue steps; each chat request consumes one, before rules and responder apply."""
        with self._lock:
            self._queue.extend(steps)
        return self

    def rules(self, mapping: Mapping[str, Step] | Iterable[tuple[str, Step]]) -> ScriptedUpstream:
        """Answer by substring of the last user message (first match in order wins)."""
        items = mapping.items() if isinstance(mapping, Mapping) else mapping
        with self._lock:
            self._rules.extend(items)
        return self

    @property
    def pending(self) -> int:
        """How many scripted steps are still queued."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded chat-completion requests only."""
        return [r for r in self.requests if r.path.split("?", 1)[0] in _CHAT_PATHS]

    @property
    def sent(self) -> list[SentChunk]:
        """A copy of every SSE event sent so far (with its send time)."""
        with self._lock:
            return list(self._sent)

    def reset(self) -> None:
        """Clear script, rules, recorded requests and the id counter; restore the echo."""
        with self._lock:
            self._sent.clear()
            self._queue.clear()
            self._rules.clear()
            self._requests.clear()
            self._counter = 0
            self.responder = echo_responder

    # -- serving (called from handler threads) -----------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self._default_step(body)

    def _default_step(self, body: dict[str, Any]) -> Step:
        """What rules, then the responder, answer when no scripted step is queued."""
        text = last_user_text(body)
        with self._lock:
            rules, responder = list(self._rules), self.responder
        for needle, step in rules:
            if needle in text:
                return step
        return responder(body)

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            number = self._counter
        completion = len(reply.content.split())
        usage = {"prompt_tokens": prompt_tokens(body), "completion_tokens": completion}
        usage.update(reply.usage or {})
        if "total_tokens" not in (reply.usage or {}):
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {"id": f"chatcmpl-{number}", "object": "chat.completion", "created": CREATED,
                "model": body.get("model") or "scripted-model",
                "choices": [{"index": 0, "message": reply.message(),
                             "finish_reason": reply.finish_reason,
                             **({"logprobs": reply.logprobs} if reply.logprobs else {})}],
                "usage": usage}

    def _answer(self, handler: _Handler, body: dict[str, Any]) -> None:
        step = self._next_step(body)
        if isinstance(step, str):
            step = Reply(step)
        if isinstance(step, Fault):
            self._fault(handler, body, step)
        elif body.get("stream"):
            self._stream(handler, body, self._completion(body, step), step)
        else:
            handler.send_json(200, self._completion(body, step))

    def _fallback_reply(self, body: dict[str, Any]) -> Reply:
        """The normal answer behind a fault (``timeout``, ``reset``, ``length``)."""
        step = self._default_step(body)
        return step if isinstance(step, Reply) else Reply(step if isinstance(step, str) else "")

    def _fault(self, handler: _Handler, body: dict[str, Any], fault: Fault) -> None:
        if fault.delay and self._stopping.wait(fault.delay):
            handler.close_connection = True  # stopping: give up without an answer
            return
        kind, status = fault.kind, fault.status
        if kind is None:
            kind_of_error = ("rate_limit_error" if status == 429 else
                             "server_error" if status >= 500 else "invalid_request_error")
            text = fault.body or json.dumps({"error": {
                "message": f"scripted fault {status}", "type": kind_of_error, "param": None,
                "code": str(status)}})
            retry = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
            handler.send(status, text.encode(), extra=retry)
        elif kind == "html":
            text = fault.body or (f"<html><head><title>{status}</title></head><body>"
                                  f"<h1>{status} upstream error</h1></body></html>")
            handler.send(status, text.encode(), "text/html; charset=utf-8")
        elif kind == "broken_json":
            handler.send(200, (fault.body or '{"id": "chatcmpl-x", "choices": [{"mess').encode())
        elif kind == "drop" and body.get("stream"):
            reply = Reply(fault.body) if fault.body else self._fallback_reply(body)
            self._stream(handler, body, self._completion(body, reply), reply,
                         drop_after=fault.after_chunks, delay=fault.chunk_delay)
        elif kind in ("reset", "drop"):
            completion = self._completion(body, self._fallback_reply(body))
            handler.send(200, json.dumps(completion).encode(), cut=True)
        elif kind == "length":
            words = (fault.body or self._fallback_reply(body).content).split()
            cut = Reply(" ".join(words[: max(1, len(words) // 2)]), finish_reason="length")
            handler.send_json(200, self._completion(body, cut))
        elif kind == "no_choices":
            completion = self._completion(body, Reply(""))
            del completion["choices"]
            handler.send_json(200, completion)
        else:  # "empty" answers fault.body or ""; "timeout" answers normally after the delay
            reply = Reply(fault.body or "") if kind == "empty" else self._fallback_reply(body)
            handler.send_json(200, self._completion(body, reply))
