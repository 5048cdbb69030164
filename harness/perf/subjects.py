"""Workloads shared by the perf gate (:mod:`harness.perf.gate`) and the benchmark suite.

Each builder returns a :class:`Workload`: ``run(n)`` performs ``n`` operations (every
call gets fresh inputs, so no cache along the way can answer it unless that is the
point), ``close()`` releases what was built. Everything runs in-process against
scripted answers — a DSPy engine, a :class:`~unified.MockBackend`, an
``httpx.MockTransport`` or a fake boto3 client — so that a comparison measures the code
under test, not a network; the HTTP workloads talk to a local
:class:`~harness.stack.upstream.ScriptedUpstream` on 127.0.0.1 on purpose.

DSPy's own cache must be off (the CLI and the test suites switch it off at start).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .measure import Subject, timed_subject

__all__ = ["Workload", "SIGNATURE", "answer_text", "ScriptedEngine", "scripted_lm",
           "fresh_ids", "floor_workload", "unified_workload", "unified_cache_hit_workload",
           "dspy_cache_hit_workload", "cache_workloads",
           "http_workloads", "import_seconds", "import_subject",
           "batch_workload", "parity_replay", "IMPORT_STATEMENTS", "sample_request",
           "dump_json"]

SIGNATURE = "question -> answer"
ROOT = Path(__file__).resolve().parents[2]
#: What each import benchmark imports, in a fresh interpreter.
IMPORT_STATEMENTS: Mapping[str, str] = {
    "dspy": "import dspy",
    "unified": "import unified",
    "unified+dspy": "from unified import UnifiedDSPyWrapper; import dspy",
}


@dataclass
class Workload:
    """``run(n)`` does ``n`` operations; ``close()`` releases resources."""

    name: str
    run: Callable[[int], None]
    close: Callable[[], None] = field(default=lambda: None)

    def subject(self) -> Subject:
        """This workload as a timed :class:`~harness.perf.measure.Subject`."""
        return timed_subject(self.name, self.run, self.close)


def answer_text(fields: Mapping[str, str] | None = None) -> str:
    """A completion DSPy's ChatAdapter parses into ``fields`` (default: one answer)."""
    from unified._backends.mock import format_fields

    return format_fields(fields or {"answer": "forty two"})


_IDS = itertools.count()


def fresh_ids() -> Callable[[], int]:
    """A source of process-wide unique integers (for inputs no cache has seen)."""
    return lambda: next(_IDS)


class ScriptedEngine:
    """A DSPy engine (``dspy.LM(..., engine=...)``) answering ``text`` at once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def complete(self, request: Any) -> Any:
        """``dspy.lm15.Request -> dspy.lm15.Response`` holding the scripted text."""
        from dspy.lm15 import Message, Response, TextPart, Usage

        self.calls += 1
        # Usage counted as MockBackend counts it (whitespace tokens of the prompt and the
        # answer), so a pair of a bare engine and a mock backend prices the same work.
        prompt = len((request.system or "").split()) + sum(len(m.text.split())
                                                           for m in request.messages)
        return Response(id=None, model="scripted", finish_reason="stop",
                        message=Message.assistant([TextPart(self.text)]),
                        usage=Usage(input_tokens=prompt, output_tokens=len(self.text.split()),
                                    total_tokens=prompt + len(self.text.split())))

    def close(self) -> None:
        """Nothing to release."""


def scripted_lm(text: str, model: str = "scripted/model") -> Any:
    """A ``dspy.LM`` on :class:`ScriptedEngine` (DSPy's cache and retries off)."""
    import dspy

    return dspy.LM(model, engine=ScriptedEngine(text), cache=False, num_retries=0)


def floor_workload(text: str | None = None) -> Workload:
    """The floor: ``dspy.Predict`` on a bare engine returning the same text (what DSPy
    itself costs per call)."""
    import dspy

    lm, program, ids = scripted_lm(text or answer_text()), dspy.Predict(SIGNATURE), fresh_ids()

    def run(n: int) -> None:
        with dspy.context(lm=lm):
            for _ in range(n):
                program(question=f"question {ids()}")

    return Workload("bare engine", run)


def unified_workload(text: str | None = None, *, cache: bool = True,
                     name: str = "unified Predict", same_question: str | None = None,
                     retry: bool = True, validation: bool = True, metrics: bool = True
                     ) -> Workload:
    """``dspy.Predict`` through the unified wrapper on a mock backend: cache on (every
    call a miss, unless ``same_question`` is asked every time), retry, validation and
    metrics on."""
    from unified import (
        BackendType,
        CacheConfig,
        MockBackend,
        RetryConfig,
        UnifiedConfig,
        UnifiedDSPyWrapper,
        ValidationConfig,
    )

    answer = text or answer_text()
    from unified._config import MetricsConfig

    config = UnifiedConfig(backend=BackendType.MOCK, retry=RetryConfig() if retry else None,
                           validation=ValidationConfig(min_length=1) if validation else None,
                           cache=CacheConfig() if cache else None,
                           metrics=MetricsConfig(enabled=metrics))
    wrapper = UnifiedDSPyWrapper(config, backend=MockBackend(lambda request: answer))
    module, ids = wrapper.create_module(SIGNATURE), fresh_ids()

    def run(n: int) -> None:
        for _ in range(n):
            module.predict(question=same_question or f"question {ids()}")

    return Workload(name, run, wrapper.close)


CACHED_QUESTION = "the one cached question"


def unified_cache_hit_workload() -> Workload:
    """Unified ``Predict`` asking the same question every call: a memory-cache hit of
    the unified pipeline after the first call (the whole DSPy round trip around it)."""
    return unified_workload(name="unified cache hit", same_question=CACHED_QUESTION)


def dspy_cache_hit_workload() -> Workload:
    """``dspy.Predict`` on a bare engine with DSPy's own memory cache on, asking the
    same question every call: DSPy's cache hit, the reference for a unified hit.
    Switches DSPy's memory cache on for this process until ``close()``."""
    import dspy

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
    lm = dspy.LM("scripted/model", engine=ScriptedEngine(answer_text()), cache=True,
                 num_retries=0)
    program = dspy.Predict(SIGNATURE)

    def run(n: int) -> None:
        with dspy.context(lm=lm):
            for _ in range(n):
                program(question=CACHED_QUESTION)

    def close() -> None:
        dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)

    return Workload("dspy cache hit", run, close)


def sample_request(question: str = "What is DSPy?") -> Any:
    """An :class:`~unified.LMRequest` shaped like the ones DSPy's ChatAdapter sends."""
    from unified import LMRequest, Message

    system = ("Your input fields are:\n1. `question` (str):\nYour output fields are:\n"
              "1. `answer` (str):\nAll interactions will be structured in the following "
              "way, with the appropriate values filled in.\n\n[[ ## question ## ]]\n"
              "{question}\n\n[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]\n"
              "In adhering to this structure, your objective is: \n        Given the "
              "fields `question`, produce the fields `answer`.")
    user = (f"[[ ## question ## ]]\n{question}\n\nRespond with the corresponding output "
            "fields, starting with the field `[[ ## answer ## ]]`, and then ending with the "
            "marker for `[[ ## completed ## ]]`.")
    return LMRequest(model="mock-model", messages=(Message("user", user),), system=system,
                     params={"temperature": 0.0, "max_tokens": 1000})


def cache_workloads(directory: str | None = None, *, latency: float = 0.0
                    ) -> dict[str, Workload]:
    """Pipeline-level (below DSPy) cache workloads on a mock backend answering after
    ``latency`` seconds: ``miss`` (a new request each call: key, lookup, backend,
    store), ``memory hit`` and ``disk hit`` (a second pipeline on the same directory
    with its memory layer off)."""
    from unified import BackendType, CacheConfig, MockBackend, UnifiedConfig
    from unified._pipeline import Pipeline

    text = answer_text()
    tmp = tempfile.TemporaryDirectory(prefix="perf-cache-") if directory is None else None
    where = directory or tmp.name  # type: ignore[union-attr]
    config = UnifiedConfig(backend=BackendType.MOCK, cache=CacheConfig(directory=where,
                                                             memory_entries=4096))
    cold = UnifiedConfig(backend=BackendType.MOCK, cache=CacheConfig(directory=where, memory_entries=0))
    memory_only = UnifiedConfig(backend=BackendType.MOCK, cache=CacheConfig(memory_entries=1 << 20))
    miss_pipe = Pipeline([MockBackend(lambda r: text, latency=latency)], memory_only)
    warm = Pipeline([MockBackend(lambda r: text)], config)
    disk = Pipeline([MockBackend(lambda r: text)], cold)
    hit_request = sample_request("the one cached question")
    warm.complete(hit_request)
    ids = fresh_ids()

    def miss(n: int) -> None:
        for _ in range(n):
            miss_pipe.complete(sample_request(f"question {ids()}"))

    def memory_hit(n: int) -> None:
        for _ in range(n):
            warm.complete(hit_request)

    def disk_hit(n: int) -> None:
        for _ in range(n):
            disk.complete(hit_request)

    def close() -> None:
        for pipeline in (miss_pipe, warm, disk):
            pipeline.close()
        if tmp is not None:
            tmp.cleanup()

    return {"miss": Workload("mock miss", miss, close),
            "memory": Workload("memory hit", memory_hit),
            "disk": Workload("disk hit", disk_hit)}


def http_workloads(upstream_url: str, *, direct: bool = False) -> dict[str, Workload]:
    """HTTP workloads against one OpenAI-compatible server at ``upstream_url``: the
    gateway backend (OpenAI route) and a raw ``httpx`` POST of the same body; with
    ``direct``, also the direct backend (litellm)."""
    import httpx

    from unified import BackendType, GatewayRoute, UnifiedConfig
    from unified._backends.gateway import GatewayBackend

    request = sample_request()
    gateway = GatewayBackend(UnifiedConfig(backend=BackendType.GATEWAY, gateway_uri=upstream_url,
                                           gateway_route=GatewayRoute.OPENAI, model="chat"))
    client = httpx.Client(transport=httpx.HTTPTransport(retries=0), timeout=30.0)
    url = upstream_url.rstrip("/") + "/v1/chat/completions"

    def raw(n: int) -> None:
        for _ in range(n):
            body = {"model": "chat", "messages": request.chat_messages(), **request.params}
            reply = client.post(url, json=body)
            reply.raise_for_status()
            _ = reply.json()["choices"][0]["message"]["content"]

    def via_gateway(n: int) -> None:
        for _ in range(n):
            gateway.complete(request)

    def close() -> None:
        gateway.close()
        client.close()

    found = {"raw": Workload("raw httpx", raw, close),
             "gateway": Workload("gateway backend", via_gateway)}
    if direct:
        from unified._backends.direct import DirectBackend

        backend = DirectBackend(UnifiedConfig(backend=BackendType.DIRECT, model="openai/chat",
                                              api_base=upstream_url.rstrip("/") + "/v1",
                                              api_key="sk-bench-0000"))

        def via_direct(n: int) -> None:
            for _ in range(n):
                backend.complete(request)

        found["direct"] = Workload("direct backend (litellm)", via_direct, backend.close)
    return found


def _child_env() -> dict[str, str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "LITELLM_OFFLINE_MODE": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.setdefault("DSPY_CACHEDIR", tempfile.gettempdir() + "/unified-perf-dspy-cache")
    return env


def import_seconds(*statements: str) -> list[float]:
    """Run ``statements`` in turn in a fresh interpreter; the cumulative seconds after
    each (imports alone, timed inside the child: interpreter start-up is excluded)."""
    clock = "time.perf_counter()"
    code = ["import time", "marks = []", f"start = {clock}"]
    for statement in statements:
        code += [statement, f"marks.append({clock} - start)"]
    code.append("print(' '.join(repr(m) for m in marks))")
    out = subprocess.run([sys.executable, "-c", "\n".join(code)], capture_output=True,
                         text=True, timeout=120, check=True, cwd=ROOT, env=_child_env())
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


def import_subject(label: str) -> Subject:
    """A subject timing ``IMPORT_STATEMENTS[label]`` in fresh interpreters."""
    statement = IMPORT_STATEMENTS[label]

    def measure(n: int) -> float:
        return sum(import_seconds(statement)[0] for _ in range(n)) / n

    return Subject(f"import {label}", measure)


def batch_workload(workers: int, *, items: int = 16, latency: float = 0.005) -> Workload:
    """``wrapper.batch`` of ``items`` calls with ``workers`` threads on a mock backend
    that waits ``latency`` seconds per call (one operation = one whole batch)."""
    from unified import BackendType, MockBackend, UnifiedConfig, UnifiedDSPyWrapper

    text = answer_text()
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.MOCK),
                                 backend=MockBackend(lambda r: text, latency=latency))
    module, ids = wrapper.create_module(SIGNATURE), fresh_ids()

    def run(n: int) -> None:
        for _ in range(n):
            inputs = [{"question": f"question {ids()}"} for _ in range(items)]
            results = wrapper.batch(module, inputs, max_workers=workers)
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise failed[0]

    return Workload(f"batch x{workers}", run, wrapper.close)


def parity_replay() -> Callable[[], tuple[int, int]]:
    """A callable replaying every parity scenario once: ``(scenarios, failed)``."""
    from ..parity.run import run_parity

    def run() -> tuple[int, int]:
        result = run_parity(["*"])
        return len(result.scenarios), sum(s.failed for s in result.scenarios)

    return run


def dump_json(path: Path, payload: Any) -> Path:
    """Write ``payload`` as indented JSON (creating the directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path
