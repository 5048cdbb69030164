"""The cache layer: keys, memory LRU, disk store, TTL, corruption, bypass."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
import textwrap

from suites.unit.features.conftest import FnBackend
from unified import BackendIdentity, CacheConfig, LMRequest, LMResponse, Message, Usage
from unified._features.base import CallTrace, with_trace
from unified._features.cache import Cached, MemoryLRU, ResponseCache, cache_key
from unified._features.diskstore import FILE_NAME, DiskStore
from unified._request_config import CallOptions

IDENT = BackendIdentity("gateway", "http://127.0.0.1:1/endpoints/chat", "m")
REQ = LMRequest("m", [Message("user", "q")], params={"temperature": 0.1})


def counting(store: ResponseCache, text: str = "answer") -> tuple[Cached, list[LMRequest]]:
    backend = FnBackend(lambda request: LMResponse(text, usage=Usage(3, 1), backend="gateway",
                                                   model="m"))
    return Cached(backend, store), backend.calls


def test_keys_differ_when_any_param_model_or_endpoint_differs() -> None:
    base = cache_key(REQ, IDENT)
    variants = [
        cache_key(LMRequest("m", REQ.messages, params={"temperature": 0.2}), IDENT),
        cache_key(LMRequest("m2", REQ.messages, params=REQ.params), IDENT),
        cache_key(REQ, BackendIdentity("gateway", "http://127.0.0.1:2/endpoints/chat", "m")),
        cache_key(REQ, BackendIdentity("bedrock", IDENT.endpoint, "m")),
        cache_key(REQ, IDENT, rules="{min_length:1}"),
        cache_key(REQ, IDENT, salt="rollout-1"),
    ]
    assert base not in variants and len(set(variants)) == len(variants)


def test_keys_are_stable_for_equal_requests() -> None:
    again = LMRequest("m", [Message("user", "q")], params={"temperature": 0.1})
    assert cache_key(REQ, IDENT) == cache_key(again, IDENT)


def test_second_identical_call_is_a_hit_with_zero_usage() -> None:
    cached, calls = counting(ResponseCache(CacheConfig(), IDENT))
    first = cached.complete(REQ)
    hit = cached.complete(REQ)
    assert (first.trace.cache, hit.trace.cache, len(calls)) == ("miss", "hit", 1)
    assert hit.cache_hit and hit.usage == Usage(0, 0) and hit.text == "answer"


def test_entries_expire_after_their_ttl() -> None:
    now = [0.0]
    cached, calls = counting(ResponseCache(CacheConfig(ttl_seconds=10), IDENT,
                                           clock=lambda: now[0]))
    cached.complete(REQ)
    now[0] = 10.0
    cached.complete(REQ)
    assert len(calls) == 2


def test_a_request_with_cache_off_skips_lookup_and_store() -> None:
    layer = ResponseCache(CacheConfig(), IDENT)
    cached, _ = counting(layer)
    response = cached.complete(dataclasses.replace(REQ, options=CallOptions(cache=False)))
    assert response.trace.cache == "bypass" and len(layer.memory) == 0


def test_a_salted_request_gets_its_own_entry() -> None:
    cached, calls = counting(ResponseCache(CacheConfig(), IDENT))
    cached.complete(REQ)
    cached.complete(dataclasses.replace(REQ, options=CallOptions(salt="r2")))
    assert len(calls) == 2


def test_a_fallback_answer_is_stored_under_the_fallbacks_identity() -> None:
    layer = ResponseCache(CacheConfig(), IDENT)
    fallback = BackendIdentity("mock", "mock://fallback", "m")
    answer = with_trace(LMResponse("from fallback"), CallTrace(answered_by=fallback))
    Cached(FnBackend(lambda request: answer), layer).complete(REQ)
    assert layer.lookup(layer.key_for(REQ)) is None
    assert layer.lookup(layer.key_for(REQ, fallback)).text == "from fallback"


def test_memory_lru_keeps_at_most_its_bound() -> None:
    lru = MemoryLRU(2)
    for key in "abc":
        lru.set(key, 0.0, {"text": key})
    assert len(lru) == 2 and lru.get("a") is None and lru.get("c") is not None


def test_disk_entries_are_json_rows(tmp_path) -> None:
    store = DiskStore(tmp_path, max_size_mb=1, ttl_seconds=60)
    store.set("k", {"text": "v"})
    rows = sqlite3.connect(tmp_path / FILE_NAME).execute("SELECT value FROM entries").fetchall()
    assert json.loads(rows[0][0]) == {"text": "v"}


def test_a_corrupt_disk_entry_is_a_miss_and_gets_replaced(tmp_path) -> None:
    layer = ResponseCache(CacheConfig(directory=str(tmp_path)), IDENT)
    key = layer.key_for(REQ)
    layer.disk.set(key, {"text": "old"})
    conn = sqlite3.connect(tmp_path / FILE_NAME)
    conn.execute("UPDATE entries SET value = '{not json' WHERE key = ?", (key,))
    conn.commit()
    cached, _ = counting(layer, "fresh")
    response = cached.complete(REQ)
    assert response.text == "fresh"
    assert response.trace.cache == "miss" and layer.disk.get(key)["text"] == "fresh"


def test_a_disk_entry_with_the_wrong_shape_is_a_miss(tmp_path) -> None:
    layer = ResponseCache(CacheConfig(directory=str(tmp_path)), IDENT)
    key = layer.key_for(REQ)
    layer.disk.set(key, {"no_text": 1})
    assert layer.lookup(key) is None


def test_the_disk_store_evicts_the_oldest_beyond_its_size_cap(tmp_path) -> None:
    now = [0.0]
    store = DiskStore(tmp_path, max_size_mb=0.01, ttl_seconds=60, clock=lambda: now[0])
    for i in range(40):
        now[0] = float(i)
        store.set(f"key{i:02d}", {"text": "x" * 500})
    assert store.total_bytes() <= 0.01 * 1024 * 1024
    assert store.get("key39") is not None and store.get("key00") is None


def test_clear_reports_how_many_disk_entries_it_removed(tmp_path) -> None:
    layer = ResponseCache(CacheConfig(directory=str(tmp_path)), IDENT)
    layer.store("a", LMResponse("1"))
    layer.store("b", LMResponse("2"))
    assert layer.clear() == 2 and len(layer.memory) == 0


def test_the_disk_cache_survives_a_new_wrapper_in_a_new_process(tmp_path) -> None:
    script = textwrap.dedent(f"""
        import os, sys
        from unified import UnifiedDSPyWrapper, UnifiedConfig, CacheConfig, MockBackend
        backend = MockBackend([{{"answer": sys.argv[1]}}])
        w = UnifiedDSPyWrapper(UnifiedConfig(backend="mock",
                               cache=CacheConfig(directory={str(tmp_path)!r})), backend=backend)
        print(w.create_module("question -> answer").predict(question="q").answer,
              backend.call_count)
    """)
    first = subprocess.run([sys.executable, "-c", script, "first"], capture_output=True,
                           text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script, "second"], capture_output=True,
                            text=True, check=True)
    assert first.stdout.split() == ["first", "1"]
    assert second.stdout.split() == ["first", "0"]
