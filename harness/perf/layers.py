"""Added instructions per call of each layer set-up of the unified wrapper.

``python -m harness perf --layers`` counts (as the gate does, :mod:`harness.perf.count`)
``dspy.Predict`` on a bare engine and the same program through the unified wrapper on
a mock backend with each layer set-up, and writes ``perf-layers.json``/``.md``: per
set-up its instructions per call and what it adds over the bare engine. The bare engine
counts usage as the mock backend does, so the difference is the wrapper's own work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .count import detect_instrument, per_call
from .gate import count_subjects
from .measure import GateConfig
from .report import markdown_table

__all__ = ["LAYER_SETUPS", "layer_workload", "run_layers", "layers_markdown", "write_layers"]

#: subject -> (description, unified_workload options; None = the bare engine)
LAYER_SETUPS: dict[str, tuple[str, dict[str, bool] | None]] = {
    "bare engine": ("dspy.Predict, bare engine (the floor)", None),
    "layers:plain": ("unified: translation + pipeline, metrics off",
                     {"metrics": False, "retry": False, "validation": False, "cache": False}),
    "layers:metrics": ("+ metrics", {"retry": False, "validation": False, "cache": False}),
    "layers:retry": ("+ metrics + retry", {"validation": False, "cache": False}),
    "layers:validation": ("+ metrics + validation", {"retry": False, "cache": False}),
    "layers:cache": ("+ metrics + cache (a miss)", {"retry": False, "validation": False}),
    "unified Predict": ("all layers (metrics, retry, validation, cache miss)", {}),
    "unified cache hit": ("all layers, a memory-cache hit", {}),
    "dspy cache hit": ("dspy.Predict with DSPy's own memory cache, a hit", None),
}


#: pipeline-level cache subjects (below DSPy), counted beside the set-ups
CACHE_SUBJECTS = ("memory hit", "mock miss")
BACKEND_LATENCIES = (0.0, 0.001, 0.05)


def cache_timings(latencies: tuple[float, ...] = BACKEND_LATENCIES) -> dict[str, Any]:
    """Wall µs per call of a pipeline memory-cache hit and of misses on backends
    answering after each latency; hit ÷ miss for each (medians of interleaved rounds)."""
    from .measure import measure_pair
    from .subjects import cache_workloads

    found: dict[str, Any] = {"hit_us": None, "miss_us": {}, "hit_over_miss": {}}
    for latency in latencies:
        loads = cache_workloads(latency=latency)
        try:
            got = measure_pair(loads["miss"].subject(), loads["memory"].subject(), rounds=6,
                               sample_seconds=0.2 if latency < 0.01 else 1.0,
                               warmup_seconds=0.05, repeats=3)
        finally:
            loads["miss"].close()
        miss, hit = sorted(got.baseline)[3], sorted(got.candidate)[3]
        label = f"{latency * 1e3:g} ms"
        found["hit_us"] = round(hit * 1e6, 2) if found["hit_us"] is None else found["hit_us"]
        found["miss_us"][label] = round(miss * 1e6, 1)
        found["hit_over_miss"][label] = round(hit / miss, 4)
    return found


def layer_workload(subject: str) -> Any:
    """The workload of a ``layers:*`` subject."""
    from .subjects import unified_workload

    options = LAYER_SETUPS[subject][1] or {}
    return unified_workload(None, name=subject, **options)  # type: ignore[arg-type]


def run_layers(config: GateConfig | None = None) -> dict[str, Any]:
    """Count every set-up; rows with instructions per call and the added ones."""
    config = config or GateConfig()
    instrument = detect_instrument()
    raw = count_subjects(dict.fromkeys([*LAYER_SETUPS, *CACHE_SUBJECTS]), config, instrument)
    costs = {k: per_call(z, runs, config.calls) for k, (z, runs) in raw.items()}
    floor = costs["bare engine"].estimate
    rows = [{"set-up": LAYER_SETUPS[k][0], "subject": k,
             "instructions per call": round(c.estimate),
             "added over the bare engine": round(c.estimate - floor),
             "ratio": round(c.estimate / floor, 4), "interval": [round(c.low), round(c.high)]}
            for k, c in costs.items() if k in LAYER_SETUPS]
    cache = {"instructions": {k: round(costs[k].estimate) for k in CACHE_SUBJECTS},
             **cache_timings()}
    return {"instrument": instrument.name, "calls": config.calls, "rows": rows,
            "cache": cache}


def layers_markdown(layers: dict[str, Any]) -> str:
    """The table as Markdown."""
    rows = [{"set-up": r["set-up"], "instructions / call": f"{r['instructions per call']:,}",
             "added": f"{r['added over the bare engine']:+,}", "× bare": f"{r['ratio']:.3f}"}
            for r in layers["rows"]]
    cache = layers.get("cache") or {}
    text = markdown_table(rows) + f"\n\nCounted by {layers['instrument']}, {layers['calls']} calls."
    if cache:
        text += ("\n\nPipeline-level memory-cache hit: "
                 f"{cache['instructions']['memory hit']:,} instructions, {cache['hit_us']} µs; "
                 f"a miss on a 0 ms mock: {cache['instructions']['mock miss']:,} instructions. "
                 + "; ".join(f"hit ÷ miss on a {k} backend: {v:.4f} (miss {cache['miss_us'][k]} µs)"
                             for k, v in cache["hit_over_miss"].items()) + ".")
    return text


def write_layers(layers: dict[str, Any], directory: Path) -> list[Path]:
    """``perf-layers.json`` and ``perf-layers.md`` under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    js, md = directory / "perf-layers.json", directory / "perf-layers.md"
    js.write_text(json.dumps(layers, indent=2) + "\n", encoding="utf-8")
    md.write_text("# Added instructions per call, by layer set-up\n\n"
                  + layers_markdown(layers) + "\n", encoding="utf-8")
    return [js, md]
