"""Sustained load on the local stack, and the disk cache shared by several processes.

- 16 threads × 40 DSPy calls (``UNIFIED_LOAD_THREADS`` / ``UNIFIED_LOAD_CALLS``) through
  one wrapper on the real MLflow gateway, while the upstream fails the first attempt of
  every tenth input (a 503, a 429 or a broken body the gateway turns into its 500):
  every input's answer comes back exactly once, the metrics add up to the exact counts,
  no thread fails, and the memory cache never holds more than its bound.
- ``batch`` of 240 inputs over 16 workers on the direct backend with the same fault
  rate: every answer at its input's position.
- 4 processes (``spawn``) × 2,000 mixed reads and writes on 200 overlapping keys of one
  disk cache with a small size cap: no exception, no entry that does not parse or
  belongs to another key, and the cap holds.

Loopback only; retries are recorded by an injected clock, never slept.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.stack.upstream import Fault, Reply, ScriptedUpstream, last_user_text
from suites.reliability.conftest import DIRECT_KEY, GATEWAY_KEY, ROOT, ReliabilityReport
from unified import (
    CacheConfig,
    Clock,
    LMRequest,
    LMResponse,
    Message,
    RetryConfig,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._backends.mock import format_fields
from unified._features.cache import ResponseCache
from unified._types import BackendIdentity

THREADS = int(os.environ.get("UNIFIED_LOAD_THREADS", "16"))
CALLS = int(os.environ.get("UNIFIED_LOAD_CALLS", "40"))
BATCH = 240
MEMORY_BOUND = 64
DELAY = 0.5
RETRY = RetryConfig(max_retries=2, base_delay=DELAY)
PROCESSES, OPERATIONS, KEYS, CAP_MB = 4, 2_000, 200, 0.05
_ITEM = re.compile(r"item-(\d+)")


class FaultyResponder:
    """Answers ``answer-<n>`` for ``item-<n>``; the first attempt of every tenth input
    fails with one of ``faults`` (in turn). Thread-safe; counts what it injected."""

    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self.faults = faults
        self.attempts: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()

    @staticmethod
    def fault_index(item: int) -> int | None:
        """Which fault input ``item`` meets first (None: none)."""
        return (item // 10) % 3 if item % 10 == 3 else None

    def __call__(self, body: dict[str, Any]) -> Fault | Reply:
        match = _ITEM.search(last_user_text(body))
        if match is None:
            return Reply(format_fields({"answer": "unknown"}))
        item = int(match.group(1))
        with self._lock:
            self.attempts[item] += 1
            first = self.attempts[item] == 1
        index = self.fault_index(item)
        if first and index is not None:
            return self.faults[index]
        return Reply(format_fields({"answer": f"answer-{item}"}))

    def expected_errors(self, items: range, names: tuple[str, ...]) -> dict[str, int]:
        """errors_by_class the metrics must show for ``items``."""
        counts: collections.Counter[str] = collections.Counter()
        for item in items:
            index = self.fault_index(item)
            if index is not None:
                counts[names[index]] += 1
        return dict(counts)


@pytest.fixture
def thread_errors() -> Iterator[list[BaseException]]:
    """Exceptions that escape any thread during the test."""
    caught: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: caught.append(args.exc_value)  # type: ignore[assignment]
    yield caught
    threading.excepthook = previous


def sampled_max(sample: Callable[[], int], stop: threading.Event, into: list[int]) -> None:
    """Record ``sample()`` every 5 ms until ``stop`` is set."""
    while not stop.wait(0.005):
        into.append(sample())


@pytest.mark.timeout(60)
def test_sustained_load_through_the_real_gateway_loses_and_duplicates_nothing(
        gateway, thread_errors: list[BaseException],
        reliability_report: ReliabilityReport) -> None:
    responder = FaultyResponder((Fault(503), Fault(429), Fault(kind="broken_json")))
    gateway.upstream.responder = responder
    items = range(THREADS * CALLS)
    sleeps: list[float] = []
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat", gateway_api_key=GATEWAY_KEY, retry=RETRY,
                           cache=CacheConfig(memory_entries=MEMORY_BOUND))
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=sleeps.append)) as wrapper:
        qa = wrapper.create_module("question -> answer")
        memory = wrapper.pipeline.cache.memory  # type: ignore[union-attr]
        sizes: list[int] = []
        stop = threading.Event()
        monitor = threading.Thread(target=sampled_max, args=(lambda: len(memory), stop, sizes))
        failures: list[BaseException] = []

        def worker(thread: int) -> list[tuple[int, str]]:
            answered = []
            for item in items[thread * CALLS:(thread + 1) * CALLS]:
                try:
                    answered.append((item, qa.predict(question=f"item-{item}").answer))
                except Exception as exc:  # noqa: BLE001 - counted, must stay empty
                    failures.append(exc)
            return answered

        started = time.perf_counter()
        monitor.start()
        with ThreadPoolExecutor(THREADS) as pool:
            answered = [pair for chunk in pool.map(worker, range(THREADS)) for pair in chunk]
        stop.set()
        monitor.join()
        seconds = time.perf_counter() - started
        metrics = wrapper.get_metrics()
    faulted = sum(responder.fault_index(i) is not None for i in items)
    counts = collections.Counter(item for item, _ in answered)
    assert failures == [] and thread_errors == []
    assert sorted(counts) == list(items) and set(counts.values()) == {1}
    assert all(answer == f"answer-{item}" for item, answer in answered)
    assert (metrics["total_requests"], metrics["successful_requests"],
            metrics["failed_requests"]) == (len(items), len(items), 0)
    assert (metrics["cache_misses"], metrics["cache_hits"]) == (len(items), 0)
    assert (metrics["attempts"], metrics["retry_count"]) == (len(items) + faulted, faulted)
    assert metrics["errors_by_class"] == responder.expected_errors(
        items, ("ServerError", "RateLimitError", "ServerError"))
    assert sleeps == [DELAY] * faulted and metrics["retry_sleep_total"] == DELAY * faulted
    assert len(gateway.upstream.chat_requests) == len(items) + faulted
    assert max(sizes + [len(memory)]) <= MEMORY_BOUND and len(memory) == MEMORY_BOUND
    reliability_report.add("load", stack="real MLflow gateway + scripted upstream",
                           threads=THREADS, calls=len(items), fault_rate=faulted / len(items),
                           faults_injected=faulted, retries=metrics["retry_count"],
                           results_lost=0, results_duplicated=0, thread_errors=0,
                           memory_cache_bound=MEMORY_BOUND, memory_cache_max_seen=max(sizes),
                           seconds=round(seconds, 2),
                           calls_per_second=round(len(items) / seconds))


@pytest.mark.timeout(60)
def test_a_batch_under_faults_returns_every_answer_at_its_inputs_position(
        upstream: ScriptedUpstream, thread_errors: list[BaseException],
        reliability_report: ReliabilityReport) -> None:
    upstream.responder = FaultyResponder((Fault(503), Fault(429), Fault(kind="reset")))
    config = UnifiedConfig(backend="direct", model="openai/gpt-4o-mini",
                           api_base=upstream.base_url, api_key=DIRECT_KEY, retry=RETRY)
    inputs = [{"question": f"item-{i}"} for i in random.Random(8).sample(range(BATCH), BATCH)]
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=lambda seconds: None)) as wrapper:
        results = wrapper.batch(wrapper.create_module("question -> answer"), inputs,
                                max_workers=THREADS)
        metrics = wrapper.get_metrics()
    answers = [getattr(r, "answer", r) for r in results]
    errors = metrics["errors_by_class"]
    assert answers == [f"answer-{q['question'][5:]}" for q in inputs]
    assert thread_errors == [] and metrics["successful_requests"] == BATCH
    # Status faults cost exactly one retry each. A reset may also cost a request on another
    # pooled connection one transport retry (seen in ~1 run of 5 on a loaded machine).
    assert (errors["ServerError"], errors["RateLimitError"]) == (BATCH // 30, BATCH // 30)
    assert errors["ConnectionError"] >= BATCH // 30 and set(errors) == {
        "ServerError", "RateLimitError", "ConnectionError"}
    assert metrics["retry_count"] == sum(errors.values())
    reliability_report.add("batch", backend="direct (litellm) + scripted upstream",
                           inputs=BATCH, workers=THREADS, faults_injected=BATCH // 10,
                           retries=metrics["retry_count"], results_out_of_order=0,
                           results_lost=0)


# -- the disk cache shared by processes -----------------------------------------------------
IDENTITY = BackendIdentity("direct", "http://127.0.0.1:9/v1", "stress-model")


def stress_layer(directory: str) -> ResponseCache:
    """A disk-only cache layer (no memory LRU in front) with a small size cap."""
    return ResponseCache(CacheConfig(directory=directory, max_size_mb=CAP_MB, memory_entries=0),
                      IDENTITY)


def stress_request(key: int) -> LMRequest:
    """The request of overlapping key ``key``."""
    return LMRequest("stress-model", (Message("user", f"key {key}"),))


def stress_text(key: int, writer: int, op: int) -> str:
    """A value that names its key, so a swapped or torn entry is detected."""
    return f"{key}|{writer}|{op}|" + "x" * (200 + key % 50) + f"|{key}"


def stress_worker(directory: str, writer: int) -> dict[str, int]:
    """One process: ``OPERATIONS`` random reads and writes; counts what went wrong."""
    layer = stress_layer(directory)
    rng = random.Random(writer)
    stats = collections.Counter({"reads": 0, "writes": 0, "hits": 0, "exceptions": 0,
                                 "corrupt": 0})
    for op in range(OPERATIONS):
        key = rng.randrange(KEYS)
        cache_key = layer.key_for(stress_request(key))
        try:
            if rng.random() < 0.5:
                stats["reads"] += 1
                hit = layer.lookup(cache_key)
                if hit is not None:
                    stats["hits"] += 1
                    parts = hit.text.split("|")
                    stats["corrupt"] += not (parts[0] == parts[-1] == str(key))
            else:
                stats["writes"] += 1
                layer.store(cache_key, LMResponse(stress_text(key, writer, op)))
        except Exception:  # noqa: BLE001 - counted, must stay zero
            stats["exceptions"] += 1
    layer.close()
    return dict(stats)


@pytest.mark.timeout(90)
def test_four_processes_share_one_disk_cache_without_errors_or_corruption(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        reliability_report: ReliabilityReport) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # the spawned children import this module
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        stats = pool.starmap(stress_worker, [(str(tmp_path), w) for w in range(PROCESSES)])
    seconds = time.perf_counter() - started
    total = sum((collections.Counter(s) for s in stats), collections.Counter())
    layer = stress_layer(str(tmp_path))
    disk = layer.disk
    assert disk is not None
    entries = [layer.lookup(layer.key_for(stress_request(k))) for k in range(KEYS)]
    bad = [k for k, e in enumerate(entries)
           if e is not None and e.text.split("|")[0] != str(k)]
    rows = len(disk)
    assert (total["exceptions"], total["corrupt"], bad) == (0, 0, [])
    assert sum(e is not None for e in entries) == rows > 0
    assert disk.total_bytes() <= disk.max_bytes
    assert total["reads"] + total["writes"] == PROCESSES * OPERATIONS
    reliability_report.add("cache_stress", processes=PROCESSES, operations=PROCESSES * OPERATIONS,
                           reads=total["reads"], writes=total["writes"], hits=total["hits"],
                           overlapping_keys=KEYS, exceptions=0, corrupt_entries=0,
                           entries_after=rows, bytes_after=disk.total_bytes(),
                           size_cap_bytes=disk.max_bytes, seconds=round(seconds, 2))
    layer.close()
