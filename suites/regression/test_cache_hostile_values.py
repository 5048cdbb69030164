"""Regression: hostile text and hostile rows never crash a call through the disk cache.

- An answer holding lone surrogates (a provider's JSON may carry ``"\\udce9"``; bytes
  decoded with ``surrogateescape`` give the same) made the disk store's UTF-8 encoding
  fail, so a good answer ended the call with an error. It is now stored JSON-escaped and
  served back unchanged.
- A request holding lone surrogates (the native pipeline API; DSPy refuses them earlier)
  crashed the cache key. It now has a key of its own.
- A disk row whose token count overflows (``1e999``) crashed the lookup instead of being
  a miss.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from unified import (
    CacheConfig,
    LMRequest,
    Message,
    MockBackend,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._backends.mock import format_fields
from unified._features.cache import ResponseCache, cache_key
from unified._types import BackendIdentity

HOSTILE = b"caf\xe9 \xff\xfe".decode("utf-8", "surrogateescape")
IDENTITY = BackendIdentity("mock", "mock://local", "mock-model")


def test_an_answer_with_lone_surrogates_is_cached_and_served_unchanged(tmp_path: Path) -> None:
    backend = MockBackend(lambda request: format_fields({"answer": HOSTILE}))
    config = UnifiedConfig(backend="mock", cache=CacheConfig(directory=str(tmp_path)))
    with UnifiedDSPyWrapper(config, backend=backend) as wrapper:
        qa = wrapper.create_module("question -> answer")
        answers = [qa.predict(question="q").answer for _ in range(2)]
        disk_rows = len(wrapper.pipeline.cache.disk)  # type: ignore[union-attr]
    assert answers == [HOSTILE, HOSTILE] and backend.call_count == 1 and disk_rows == 1


def test_a_request_with_lone_surrogates_has_its_own_cache_key() -> None:
    keys = {cache_key(LMRequest("m", [Message("user", text)]), IDENTITY)
            for text in (HOSTILE, HOSTILE.encode("utf-8", "replace").decode("utf-8"))}
    assert len(keys) == 2


def test_a_row_whose_token_count_overflows_is_a_miss(tmp_path: Path) -> None:
    layer = ResponseCache(CacheConfig(directory=str(tmp_path), memory_entries=0), IDENTITY)
    key = layer.key_for(LMRequest("m", [Message("user", "x")]))
    layer.disk.set(key, {"text": "x"})  # type: ignore[union-attr]
    with sqlite3.connect(layer.disk.path) as conn:  # type: ignore[union-attr]
        conn.execute("UPDATE entries SET value = ?",
                     ('{"text": "x", "usage": {"input_tokens": 1e999}}',))
    assert layer.lookup(key) is None
    layer.close()
