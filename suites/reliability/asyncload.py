"""Many concurrent ``acall``s against a gateway stand-in that answers after a delay.

:func:`run_concurrently` runs N concurrent ``await module.acall(...)`` on one event loop
through the gateway backend and reports the wall time and the most threads alive at
once (every ``Thread.start`` is watched). :func:`slow_server` is the stand-in: run as
``python -m suites.reliability.asyncload DELAY_SECONDS``: an asyncio HTTP/1.1
server (keep-alive) on 127.0.0.1 that prints its port, then answers every POST with an
MLflow-gateway chat response whose content is a DSPy ChatAdapter answer
(``answer: ok``), ``DELAY_SECONDS`` after the request arrived. It runs in its own
process, so the client's process holds only its own threads.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ANSWER = "[[ ## answer ## ]]\nok\n\n[[ ## completed ## ]]"
_BODY = json.dumps({"choices": [{"message": {"role": "assistant", "content": ANSWER},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 3}}).encode()
_HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
         b"content-length: " + str(len(_BODY)).encode() + b"\r\n\r\n")


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            await asyncio.sleep(delay)
            writer.write(_HEAD + _BODY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _main(delay: float) -> None:
    server = await asyncio.start_server(lambda r, w: _serve(r, w, delay), "127.0.0.1", 0,
                                        backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def slow_server(delay: float) -> Iterator[str]:
    """The base URL of a slow server process answering after ``delay`` seconds."""
    process = subprocess.Popen([sys.executable, "-m", "suites.reliability.asyncload",
                                str(delay)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_concurrently(url: str, calls: int) -> tuple[list[Any], float, int]:
    """``calls`` concurrent acalls of a gateway-backed Predict on one event loop:
    (predictions, wall seconds, most threads alive at any thread start)."""
    from unified import UnifiedConfig, UnifiedDSPyWrapper

    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="gateway", gateway_uri=url,
                                               gateway_endpoint="chat", model="chat"))
    module = wrapper.create_module("question -> answer")
    peak = [threading.active_count()]
    start_thread = threading.Thread.start

    def counted_start(self: threading.Thread) -> None:
        start_thread(self)
        peak[0] = max(peak[0], threading.active_count())

    async def main() -> list[Any]:
        return await asyncio.gather(*(module.acall(question=f"q{i}") for i in range(calls)))

    threading.Thread.start = counted_start  # type: ignore[method-assign]
    try:
        began = time.perf_counter()
        results = asyncio.run(main())
        elapsed = time.perf_counter() - began
    finally:
        threading.Thread.start = start_thread  # type: ignore[method-assign]
        wrapper.close()
    return results, elapsed, peak[0]


if __name__ == "__main__":  # pragma: no cover - the server process
    asyncio.run(_main(float(sys.argv[1])))
