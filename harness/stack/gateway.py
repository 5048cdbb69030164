"""Start and stop the real MLflow AI Gateway (mlflow-skinny 3.17.2) for tests and recording.

``GatewayProcess`` writes a gateway YAML routing chat endpoints (``llm/v1/chat``, provider
``openai``) to an upstream such as :class:`harness.stack.upstream.ScriptedUpstream`, and runs
``python -m uvicorn --factory mlflow.gateway.app:create_app_from_env`` on 127.0.0.1 in its
own process group, so that ``stop()`` can kill every process it started.

FACTS (verified against mlflow-skinny 3.17.2; pinned by suites/harness/stack/test_gateway_process.py)
---------------------------------------------------------------------------------------------
Routes (``chat`` = an endpoint name):
- ``POST /endpoints/chat/invocations`` and legacy ``POST /gateway/chat/invocations`` take
  ``{"messages": [...], "temperature"?, "max_tokens"?, "stop"?, "n"?, "stream"?, ...}``.
  A ``"model"`` field is refused: 422 ``{"detail": "The parameter 'model' is not
  permitted to be passed. ..."}``. Schema violations (no/empty ``messages``,
  ``temperature`` > 2) are 422 with a pydantic ``detail`` list; nothing reaches the upstream.
- ``POST /v1/chat/completions`` with ``"model": "chat"`` (the endpoint name). An unknown
  model name is an unhandled error: 500 text/plain ``Internal Server Error``.
- ``GET /health`` -> 200 ``{"status": "OK"}``.

What reaches the upstream: ``POST <openai_api_base>/chat/completions`` (here
``/v1/chat/completions``) over a NEW connection per call (aiohttp session per request),
with ``Authorization: Bearer <openai_api_key>`` (the caller's Authorization header is NOT
forwarded), ``Content-Type: application/json``, ``Accept-Encoding: gzip, deflate,
identity``, ``User-Agent: Python/3.11 aiohttp/<v>``. Body: the caller's fields with
``null`` ones dropped, plus ``"model": <model.name from the YAML>`` (the caller's model on
``/v1`` is replaced) and ``"n": 1`` when the caller gave no ``n``. Nothing else is
defaulted: ``temperature``/``max_tokens``/``stop``/``top_p`` appear only when given, and
unknown fields (e.g. ``seed``) and ``"stream": false`` pass through. ``"stream": true``
is forwarded with ``"stream_options": {"include_usage": true}`` injected and the answer
relayed as SSE (``data: {chunk}`` lines).

What comes back on success: 200 OpenAI chat JSON rebuilt by the gateway: ``id``,
``created`` and ``model`` copied from the upstream (``model`` is the YAML model name,
not the endpoint name), ``object`` "chat.completion", ``choices[].message`` with
``role``, ``content``, ``tool_calls: null``, ``refusal: null``, ``finish_reason`` as sent
(``"length"`` and ``content: ""`` pass through as normal 200s), ``usage`` copied, and an
extra ``"provider": "openai"``.

Error mapping, upstream -> gateway answer (``ERROR_MAPPING``; same on all three routes):
- JSON error, status S (400, 429, 500, 503, ...) -> the same S, body
  ``{"detail": <error.message>}`` when the body has ``error``, else ``{"detail": <whole
  body>}`` (e.g. ``{"detail": {"message": "..."}}``). ``Retry-After`` is NOT passed on.
- Non-JSON content type (an HTML page, any status incl. 200) -> 502 ``{"detail": "The
  returned data type from the route service is not supported. Received content type:
  text/html; charset=utf-8"}``.
- 200 with broken JSON, 200 JSON without ``choices``, an invalid JSON error body, a
  connection cut mid-body, connection refused, or an upstream slower than
  ``MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS`` (an int, default 300; ``route_timeout=``) ->
  500 text/plain ``Internal Server Error`` (an unhandled exception in the gateway).
- After such a text/plain 500 the gateway CLOSES the connection without sending
  ``Connection: close``: a pooled client that reuses it gets a reset (httpx ``ReadError``)
  on its next request. Treat a transport error on a reused connection as retryable.
- With ``"stream": true`` an upstream error arrives after the 200 SSE headers were sent:
  the gateway cuts the chunked body (httpx ``RemoteProtocolError``), no status to map.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ERROR_MAPPING", "GatewayError", "GatewayProcess", "free_port", "gateway_config"]

#: Upstream behaviour -> (status the gateway answers, body kind: "json" ``{"detail": ...}``
#: or "text" ``Internal Server Error``). Keys name ``harness.stack.upstream.Fault`` set-ups.
ERROR_MAPPING: dict[str, tuple[int, str]] = {
    "status_400": (400, "json"),
    "status_429": (429, "json"),
    "status_500": (500, "json"),
    "status_503": (503, "json"),
    "html": (502, "json"),
    "broken_json": (500, "text"),
    "no_choices": (500, "text"),
    "reset": (500, "text"),
    "refused": (500, "text"),
    "timeout": (500, "text"),
}


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies, so a
    test run that is killed outright (no atexit, no finalizer) leaves no gateway behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the atexit hook is the safety net
        pass


class GatewayError(RuntimeError):
    """The gateway process could not be started (its log is in the message)."""


def free_port() -> int:
    """A loopback port that was free a moment ago (bind port 0, read it back, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gateway_config(upstream_base_url: str, endpoints: Sequence[str], api_key: str,
                   model: str) -> dict[str, Any]:
    """The gateway YAML document (as a dict) routing each chat endpoint to the upstream."""
    return {"endpoints": [
        {"name": name, "endpoint_type": "llm/v1/chat",
         "model": {"provider": "openai", "name": model,
                   "config": {"openai_api_key": api_key, "openai_api_base": upstream_base_url}}}
        for name in endpoints]}


_running: weakref.WeakSet[GatewayProcess] = weakref.WeakSet()
_atexit_lock = threading.Lock()
_atexit_registered = False


def _stop_all() -> None:
    """atexit safety net: stop every gateway still running in this interpreter."""
    for gateway in list(_running):
        gateway.stop()


class GatewayProcess:
    """The real MLflow gateway serving chat endpoints in front of ``upstream_base_url``.

    Use as a context manager, or ``start()``/``stop()``. ``url`` is
    ``http://127.0.0.1:PORT``. ``stop()`` SIGTERMs the whole process group, SIGKILLs it
    after ``grace`` seconds and reaps it; an atexit hook stops any gateway left running.
    """

    def __init__(self, upstream_base_url: str, endpoints: Sequence[str] = ("chat",),
                 upstream_api_key: str = "sk-test-upstream-000", model: str = "gpt-4o-mini",
                 *, route_timeout: int | None = None, startup_timeout: float = 30.0,
                 env: Mapping[str, str] | None = None) -> None:
        self.upstream_base_url = upstream_base_url
        self.endpoints = tuple(endpoints)
        self.upstream_api_key = upstream_api_key
        self.model = model
        self.route_timeout = route_timeout
        self.startup_timeout = startup_timeout
        self.extra_env = dict(env or {})
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running gateway."""
        if self.port is None:
            raise RuntimeError("GatewayProcess is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """Pid of the uvicorn process (also the id of its process group)."""
        if self.process is None:
            raise RuntimeError("GatewayProcess is not started")
        return self.process.pid

    @property
    def config_path(self) -> Path:
        """Where the gateway YAML was written."""
        if self._tmpdir is None:
            raise RuntimeError("GatewayProcess is not started")
        return Path(self._tmpdir.name) / "gateway.yaml"

    def log_text(self) -> str:
        """What the gateway wrote to stdout/stderr so far."""
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"MLFLOW_GATEWAY_CONFIG": str(self.config_path),
                    "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONUNBUFFERED": "1"})
        if self.route_timeout is not None:
            env["MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS"] = str(self.route_timeout)
        env.update(self.extra_env)
        return env

    def start(self) -> GatewayProcess:
        """Write the config, spawn uvicorn in a new session and wait for ``/health``."""
        global _atexit_registered
        if self.process is not None:
            return self
        import yaml

        self._tmpdir = tempfile.TemporaryDirectory(prefix="unified-gateway-")
        self.config_path.write_text(yaml.safe_dump(gateway_config(
            self.upstream_base_url, self.endpoints, self.upstream_api_key, self.model)))
        self._log = open(Path(self._tmpdir.name) / "gateway.log", "w+b")  # noqa: SIM115
        self.port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--factory",
                   "mlflow.gateway.app:create_app_from_env", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        with _atexit_lock:
            if not _atexit_registered:
                atexit.register(_stop_all)
                _atexit_registered = True
        self.process = subprocess.Popen(command, env=self._environment(), stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True,
                                        preexec_fn=_die_with_parent)
        _running.add(self)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        import httpx

        deadline = time.monotonic() + self.startup_timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise GatewayError(f"MLflow gateway exited with {self.process.returncode} "
                                   f"before it was healthy:\n{self.log_text()[-4000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise GatewayError(f"MLflow gateway not healthy after {self.startup_timeout:.0f} s:\n"
                           f"{self.log_text()[-4000:]}")

    def stop(self, grace: float = 5.0) -> None:
        """Kill the whole process group (SIGTERM, SIGKILL after ``grace``) and reap it."""
        process = self.process
        if process is not None:
            pgid = process.pid  # start_new_session: the leader's pid is the group id
            _signal_group(pgid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                process.wait()
            _signal_group(pgid, signal.SIGKILL)  # any straggler left in the group
            self.process = None
            _running.discard(self)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
        self.port = None

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
