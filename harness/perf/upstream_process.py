"""The wall side's upstream, in a process of its own.

The wall side of ``http:gateway`` and ``stream:first-chunk`` times whole round trips.
With the server as a thread of the timing process, the two share one interpreter lock:
on a loaded machine a server thread holding it stalls the client mid-call, and a clean
tree was seen at 3.17 × raw httpx (interval 1.70–4.47) where the counted client side
said 1.10. In its own process the server competes for a CPU like any real server, not
for the client's lock.

:class:`UpstreamProcess` starts ``python -m harness.perf.upstream_process RESPONDER``,
which serves a :class:`~harness.stack.upstream.ScriptedUpstream` on 127.0.0.1 answering
with the function ``RESPONDER`` names (``module:function``; by default
:func:`harness.perf.wire.wire_responder`, named rather than imported so that the wire
modules can start this one without an import cycle), prints its URL and serves until
its stdin closes.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

__all__ = ["UpstreamProcess"]

#: The responder the wall pairs' server answers with (``module:function``).
WIRE_RESPONDER = "harness.perf.wire:wire_responder"
#: Seconds the server has to exit once its stdin closes.
EXIT_TIMEOUT = 10.0


class UpstreamProcess:
    """A local OpenAI-compatible server in a child process answering with ``responder``
    (``module:function``); :attr:`url` while started."""

    def __init__(self, responder: str = WIRE_RESPONDER) -> None:
        self.responder = responder
        self._process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> UpstreamProcess:
        """Start the child and wait for its URL (``RuntimeError`` when it gives none)."""
        from .count import ROOT, _env

        if self._process is not None:
            return self
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.perf.upstream_process", self.responder],
            cwd=ROOT, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        self._process = process
        line = process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the upstream process printed {line!r}, not its URL "
                               f"(exit status {process.returncode})")
        self.url = line
        return self

    def stop(self) -> None:
        """Close the child's stdin and wait for it to exit (killed after
        :data:`EXIT_TIMEOUT` s). Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        try:
            process.wait(EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def responder_named(name: str) -> Any:
    """The function ``name`` (``module:function``) designates."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def serve(responder: str) -> None:
    """The child: serve, print the URL, return when stdin reaches its end."""
    from ..stack.upstream import ScriptedUpstream

    upstream = ScriptedUpstream()
    upstream.responder = responder_named(responder)
    upstream.start()
    try:
        print(upstream.url, flush=True)
        sys.stdin.read()
    finally:
        upstream.stop()


if __name__ == "__main__":
    serve(sys.argv[1])
