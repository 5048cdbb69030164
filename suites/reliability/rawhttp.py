"""A raw HTTP fault server on 127.0.0.1: canned bytes, resets mid-body, silence.

What moto cannot send to boto3 (``Retry-After`` headers, HTML pages, cut connections,
answers slower than the read timeout) is served from here, over real sockets, to a
Bedrock backend whose ``bedrock_endpoint_url`` points at :attr:`RawHTTPServer.url`.
"""

from __future__ import annotations

import collections
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass

SILENCE = 5.0  # the longest a "silent" answer keeps its connection (seconds)


@dataclass(frozen=True)
class Canned:
    """One canned answer: ``status``, ``headers`` and ``body``; ``action`` ``send`` (whole
    answer), ``reset`` (headers and half the body, then a TCP reset) or ``silent``."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    body: bytes = b"{}"
    action: str = "send"

    def wire(self) -> bytes:
        """The HTTP/1.1 bytes of this answer (with a Content-Length)."""
        lines = [f"HTTP/1.1 {self.status} Canned", f"Content-Length: {len(self.body)}",
                 *(f"{name}: {value}" for name, value in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


class RawHTTPServer:
    """Answers each request on 127.0.0.1 with the next scripted :class:`Canned`."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._steps: collections.deque[Canned] = collections.deque()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.requests: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._serve, daemon=True)
        self._accepting.start()

    def script(self, *steps: Canned) -> None:
        """Queue answers, one per request."""
        with self._lock:
            self._steps.extend(steps)

    def _serve(self) -> None:
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            self._conns.append(conn)
            thread.start()

    def _read(self, conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length and (chunk := conn.recv(65536)):
            body += chunk
        return head

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            while not self._stop.is_set():
                head = self._read(conn)
                if head is None:
                    return
                with self._lock:
                    self.requests.append(head.split(b"\r\n", 1)[0])
                    step = self._steps.popleft() if self._steps else Canned(404, body=b"{}")
                if step.action == "silent":
                    self._stop.wait(SILENCE)
                    return
                wire = step.wire()
                if step.action == "reset":
                    conn.sendall(wire[: len(wire) - len(step.body) // 2])
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                conn.sendall(wire)

    def close(self) -> None:
        """Stop accepting, wake silent handlers and join every thread."""
        self._stop.set()
        self._accepting.join()
        self._sock.close()
        for conn in self._conns:  # wake handlers blocked reading a kept-alive connection
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
