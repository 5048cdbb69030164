"""Runs sample programs, legacy or migrated, against scripted backends, in one process.

Usage: ``python run_programs.py {legacy|migrated} FILE...``; prints one JSON object
mapping each file to ``{"stdout", "error", "backends", "answered"}``. Each file runs as
``__main__`` in a fresh working directory (caches are per program). Every answer, on
either side, fills each output field the DSPy prompt asks for with ``"mock <field>"``
(``MockBackend``'s automatic answerer), so a program prints the same before and after
migration exactly when it makes the same calls. ``answered`` lists which kind of backend
answered each call -- legacy: ``gateway`` (its HTTP route), ``bedrock``
(``invoke_model``) or ``lm`` (the global DSPy LM the legacy enhanced wrapper used when
none was configured); migrated: the backend kind the unified config asked for (``auto``
when it leaves the choice to the environment). ``backends`` lists the kinds the unified
configs asked for at construction. Nothing is sent anywhere.

``legacy`` mode makes ``tidyllm.<module>`` (and bare ``<module>``) import the reference
reconstructions in ``harness/legacy``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import tempfile
import traceback
import types
from pathlib import Path
from typing import Any

os.environ["UNIFIED_ALLOW_MOCK"] = "1"

import dspy  # noqa: E402

from unified import MockBackend  # noqa: E402
from unified._types import LMRequest, LMResponse, Message  # noqa: E402

dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
requested: list[str] = []
answered: list[str] = []


def answer(prompt: str) -> str:
    """The text every scripted backend answers ``prompt`` (a whole DSPy prompt) with."""
    request = LMRequest(model="m", messages=(Message("user", "answer"),), system=prompt)
    return str(MockBackend().complete(request).text)


class TaggedMock(MockBackend):
    """A MockBackend standing in for a backend of ``kind``; records each answer."""

    def __init__(self, kind: str, model: str = "mock-model") -> None:
        super().__init__(model=model)
        self.tag = kind

    def complete(self, request: LMRequest) -> LMResponse:
        """Record the answering kind, then answer."""
        answered.append(self.tag)
        return super().complete(request)


def _patch_unified() -> None:
    import unified._backends.auto as auto
    import unified._backends.gateway as gateway

    def select(config: Any, *args: Any, **kwargs: Any) -> tuple[TaggedMock, str]:
        requested.append(config.backend.value)
        return TaggedMock(config.backend.value, config.model), "test: scripted backend"

    def build(kind: Any, config: Any, environ: Any = None) -> TaggedMock:
        return TaggedMock(getattr(kind, "value", str(kind)), config.model)

    auto.select_backend = select  # type: ignore[assignment]
    auto.build_backend = build  # type: ignore[assignment]
    gateway.GatewayBackend = lambda config, **kw: TaggedMock("gateway", config.model)  # type: ignore


def _patch_legacy() -> None:
    import httpx

    from harness.legacy import LEGACY_MODULES, load_legacy_module
    from harness.legacy._lm_base import (
        LegacyForwardLM,
        completion_response,
        flatten_messages,
        prompt_messages,
    )

    package = types.ModuleType("tidyllm")
    package.__path__ = []  # type: ignore[attr-defined]
    sys.modules["tidyllm"] = package
    for name in LEGACY_MODULES:
        module = load_legacy_module(name)
        sys.modules[f"tidyllm.{name}"] = sys.modules[name] = module
        setattr(package, name, module)

    def gateway(request: httpx.Request) -> httpx.Response:
        answered.append("gateway")
        body = json.loads(request.content)
        text = answer("\n\n".join(str(m["content"]) for m in body["messages"]))
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant",
                                                                  "content": text}}]})

    real = httpx.Client

    class ScriptedClient(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("transport", httpx.MockTransport(gateway))
            super().__init__(*args, **kwargs)

    httpx.Client = ScriptedClient  # type: ignore[misc]

    class Bedrock:
        def invoke_model(self, *, body: str, **_: Any) -> dict[str, Any]:
            answered.append("bedrock")
            payload = json.loads(body)
            text = answer(payload.get("system", "") + "\n\n" + payload["messages"][0]["content"])
            return {"body": io.BytesIO(json.dumps({"content": [{"text": text}]}).encode())}

    bedrock = load_legacy_module("dspy_bedrock_enhanced")
    bedrock.create_bedrock_client = lambda config: Bedrock()  # type: ignore[attr-defined]

    class GlobalLM(LegacyForwardLM):
        def forward(self, prompt: Any = None, messages: Any = None, **kwargs: Any) -> Any:
            answered.append("lm")
            return completion_response(answer(flatten_messages(prompt_messages(prompt, messages))),
                                       self.model)

    global default_lm
    default_lm = GlobalLM(model="global-lm", cache=False)


default_lm: Any = None


def main(mode: str, paths: list[str]) -> None:
    """Run ``paths`` in ``mode`` (see module docstring) and print the JSON report."""
    if mode == "legacy":
        _patch_legacy()
    else:
        _patch_unified()
    report, start = {}, os.getcwd()
    for path in paths:
        requested.clear()
        answered.clear()
        dspy.configure(lm=default_lm)
        out, error = io.StringIO(), None
        with tempfile.TemporaryDirectory() as work:
            os.chdir(work)
            try:
                with contextlib.redirect_stdout(out):
                    runpy.run_path(str(Path(start, path)), run_name="__main__")
            except BaseException:  # noqa: B036 - reported to the test, which fails on it
                error = traceback.format_exc()
            finally:
                os.chdir(start)
        report[path] = {"stdout": out.getvalue(), "error": error, "backends": list(requested),
                        "answered": list(answered)}
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
