"""The peer row: one DSPy program, one local OpenAI-compatible server, three paths.

The question a team asks before adopting the wrapper: what does it cost against DSPy
talking to the same server by itself? :func:`peer_workloads` builds the same
``dspy.Predict`` against one :class:`~harness.stack.upstream.ScriptedUpstream` on 127.0.0.1
(answering in the ChatAdapter's format, so every call parses on the first try):

- ``dspy``: ``dspy.LM("openai/chat", api_base=…)`` as DSPy's docs configure it (engine
  ``auto``: DSPy 3.4 picks its native lm15 client for a plain chat request);
- ``dspy-litellm``: the same with ``engine="litellm"`` (DSPy's litellm path, the one
  earlier DSPy releases used by default);
- ``gateway``: :class:`~unified.UnifiedDSPyWrapper` on the gateway backend (OpenAI route);
- ``direct``: the wrapper on the direct backend (litellm).

DSPy's cache and retries are off on every side, the wrapper's cache too (every question
is fresh anyway), so each call is one HTTP round trip. ``make bench`` times each side as
the ``peer`` group (``suites/bench/test_bench_peer.py``, charts over commits) and measures
the row itself interleaved (:func:`interleaved_peer`: round after round every side runs
the same number of calls, so a busy machine slows all sides alike); the dashboard's peer
row shows each side's median per call and its ratio to DSPy's own path with the 95 %
interval of the per-round ratios (:func:`peer_rows`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from .subjects import SIGNATURE, Workload, answer_text, fresh_ids

__all__ = ["PEER_SIDES", "peer_workloads", "peer_rows", "adapter_responder",
           "interleaved_peer"]

#: The sides of the peer row, in the order the dashboard shows them (baseline first).
PEER_SIDES: Mapping[str, str] = {
    "dspy": "dspy.LM('openai/…', api_base=…), engine auto",
    "dspy-litellm": "dspy.LM('openai/…', api_base=…, engine='litellm')",
    "gateway": "UnifiedDSPyWrapper, gateway backend (OpenAI route)",
    "direct": "UnifiedDSPyWrapper, direct backend (litellm)",
}
API_KEY = "sk-peer-0000"


def adapter_responder(request_json: dict[str, Any]) -> Any:
    """A :class:`~harness.stack.upstream.ScriptedUpstream` responder answering every chat
    request with the ChatAdapter-formatted answer of :data:`SIGNATURE`."""
    from ..stack.upstream import Reply

    return Reply(answer_text())


def _dspy_side(url: str, engine: str) -> Workload:
    import dspy

    lm = dspy.LM("openai/chat", api_base=url, api_key=API_KEY, cache=False, num_retries=0,
                 engine=engine)
    program, ids = dspy.Predict(SIGNATURE), fresh_ids()

    def run(n: int) -> None:
        with dspy.context(lm=lm):
            for _ in range(n):
                program(question=f"question {ids()}")

    return Workload(PEER_SIDES["dspy" if engine == "auto" else "dspy-litellm"], run, lm.close)


def _wrapper_side(name: str, config: Any) -> Workload:
    from unified import UnifiedDSPyWrapper

    wrapper = UnifiedDSPyWrapper(config)
    module, ids = wrapper.create_module(SIGNATURE), fresh_ids()

    def run(n: int) -> None:
        for _ in range(n):
            module.predict(question=f"question {ids()}")

    return Workload(PEER_SIDES[name], run, wrapper.close)


def peer_workloads(upstream_url: str, sides: Sequence[str] = tuple(PEER_SIDES)
                   ) -> dict[str, Workload]:
    """The peer sides named in ``sides`` against the server at ``upstream_url`` (whose
    responder should be :func:`adapter_responder`)."""
    from unified import BackendType, GatewayRoute, UnifiedConfig

    base = upstream_url.rstrip("/")
    unknown = sorted(set(sides) - set(PEER_SIDES))
    if unknown:
        raise ValueError(f"unknown peer side(s) {unknown}; expected some of {list(PEER_SIDES)}")
    builders = {
        "dspy": lambda: _dspy_side(base + "/v1", "auto"),
        "dspy-litellm": lambda: _dspy_side(base + "/v1", "litellm"),
        "gateway": lambda: _wrapper_side("gateway", UnifiedConfig(
            backend=BackendType.GATEWAY, gateway_uri=base, gateway_route=GatewayRoute.OPENAI,
            model="chat")),
        "direct": lambda: _wrapper_side("direct", UnifiedConfig(
            backend=BackendType.DIRECT, model="openai/chat", api_base=base + "/v1",
            api_key=API_KEY)),
    }
    return {side: builders[side]() for side in sides}


def interleaved_peer(loads: Mapping[str, Workload], *, rounds: int = 15, calls: int = 10,
                     confidence: float = 0.95) -> dict[str, dict[str, float]]:
    """Each side's median seconds per call over ``rounds`` interleaved rounds of ``calls``
    calls, and its ratio to ``dspy`` (the median of the per-round ratios with its
    distribution-free ``confidence`` interval)."""
    from .verdict import median_interval

    if "dspy" not in loads:
        raise ValueError("the peer row needs the 'dspy' side as its baseline")
    samples: dict[str, list[float]] = {side: [] for side in loads}
    for load in loads.values():
        load.run(3)  # connect and warm up outside the measurement
    for _ in range(rounds):
        for side, load in loads.items():
            began = time.perf_counter()
            load.run(calls)
            samples[side].append((time.perf_counter() - began) / calls)
    found: dict[str, dict[str, float]] = {}
    for side, values in samples.items():
        ratio = median_interval([v / b for v, b in zip(values, samples["dspy"], strict=True)],
                                confidence)
        found[side] = {"median_s": sorted(values)[len(values) // 2], "ratio": ratio.estimate,
                       "low": ratio.low, "high": ratio.high, "rounds": rounds, "calls": calls}
    return found


def peer_rows(benchmarks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The peer row from one ``make bench`` history line's benchmarks: per side its
    median (µs per call) and its ratio to DSPy's own path with the interval, from the
    interleaved ``test_peer_row`` benchmark."""
    for bench in benchmarks:
        if bench.get("group") == "peer" and (bench.get("extra") or {}).get("sides"):
            sides = bench["extra"]["sides"]
            return [{"side": side, "path": PEER_SIDES[side],
                     "median_us": sides[side]["median_s"] * 1e6, "ratio": sides[side]["ratio"],
                     "interval": (sides[side]["low"], sides[side]["high"]),
                     "rounds": sides[side]["rounds"]}
                    for side in PEER_SIDES if side in sides]
    return []
