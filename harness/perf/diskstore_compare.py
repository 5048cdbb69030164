"""The disk cache store against ``diskcache`` (JSON values), measured the same way.

``python -m harness.perf.diskstore_compare`` prints, for :class:`unified._features.diskstore.
DiskStore` and ``diskcache.Cache(disk=diskcache.JSONDisk)``:

- ``set``/``get`` microseconds per operation in one process (the cache layer's value
  shape, 2,000 keys, best of 3 rounds);
- the 4-process stress of ``suites/reliability/test_load.py`` at the store level:
  4 processes (``spawn``) × 2,000 mixed reads/writes on 200 overlapping keys under a
  0.05 MB cap, counting exceptions, entries that belong to another key, the entries
  left, and whether the cap held;
- whether a row whose stored form claims to be a pickle is unpickled on read.

The numbers are written into the README (Reliability, disk cache).
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import pickle
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROCESSES, OPERATIONS, KEYS, CAP_MB = 4, 2_000, 200, 0.05
TTL = 3600.0


def _value(key: int, writer: int = 0, op: int = 0) -> dict[str, Any]:
    text = f"{key}|{writer}|{op}|" + "x" * (200 + key % 50) + f"|{key}"
    return {"text": text, "finish_reason": "stop", "usage": {"input_tokens": 3,
                                                              "output_tokens": 50}}


class _Ours:
    def __init__(self, directory: str, cap_mb: float) -> None:
        from unified._features.diskstore import DiskStore

        self.store = DiskStore(directory, max_size_mb=cap_mb, ttl_seconds=TTL)

    def get(self, key: str) -> Any:
        return self.store.get(key)

    def set(self, key: str, value: dict[str, Any]) -> None:
        self.store.set(key, value)

    def count(self) -> int:
        return len(self.store)

    def bytes_held(self) -> tuple[int, int]:
        return self.store.total_bytes(), self.store.max_bytes


class _DiskCache:
    def __init__(self, directory: str, cap_mb: float) -> None:
        import diskcache

        self.cache = diskcache.Cache(directory, disk=diskcache.JSONDisk,
                                     size_limit=int(cap_mb * 1024 * 1024),
                                     eviction_policy="least-recently-stored")

    def get(self, key: str) -> Any:
        return self.cache.get(key)

    def set(self, key: str, value: dict[str, Any]) -> None:
        self.cache.set(key, value, expire=TTL)

    def count(self) -> int:
        return len(self.cache)

    def bytes_held(self) -> tuple[int, int]:
        return int(self.cache.volume()), int(self.cache.size_limit)


STORES: dict[str, type[_Ours] | type[_DiskCache]] = {"unified DiskStore": _Ours,
                                                     "diskcache JSONDisk": _DiskCache}


def _timing(name: str) -> dict[str, float]:
    best = {"set_us": float("inf"), "get_us": float("inf")}
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            store = STORES[name](tmp, 100.0)
            keys = [f"{k:064x}" for k in range(2_000)]
            started = time.perf_counter()
            for i, key in enumerate(keys):
                store.set(key, _value(i))
            middle = time.perf_counter()
            for key in keys:
                store.get(key)
            ended = time.perf_counter()
        best["set_us"] = min(best["set_us"], (middle - started) / len(keys) * 1e6)
        best["get_us"] = min(best["get_us"], (ended - middle) / len(keys) * 1e6)
    return best


def _worker(name: str, directory: str, writer: int) -> dict[str, int]:
    store = STORES[name](directory, CAP_MB)
    rng = random.Random(writer)
    stats = collections.Counter({"exceptions": 0, "corrupt": 0, "hits": 0})
    for op in range(OPERATIONS):
        key = rng.randrange(KEYS)
        try:
            if rng.random() < 0.5:
                hit = store.get(f"key-{key}")
                if hit is not None:
                    stats["hits"] += 1
                    parts = hit["text"].split("|")
                    stats["corrupt"] += not (parts[0] == parts[-1] == str(key))
            else:
                store.set(f"key-{key}", _value(key, writer, op))
        except Exception:  # noqa: BLE001 - counted
            stats["exceptions"] += 1
    return dict(stats)


def _stress(name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
            stats = pool.starmap(_worker, [(name, tmp, w) for w in range(PROCESSES)])
        seconds = time.perf_counter() - started
        total = sum((collections.Counter(s) for s in stats), collections.Counter())
        store = STORES[name](tmp, CAP_MB)
        held, cap = store.bytes_held()
        return {"exceptions": total["exceptions"], "corrupt": total["corrupt"],
                "hits": total["hits"], "entries_after": store.count(), "bytes_held": held,
                "cap": cap, "cap_held": held <= cap, "seconds": round(seconds, 2)}


_UNPICKLED: list[bool] = []


def _mark() -> str:
    """What unpickling a :class:`_Tripwire` calls: records that a pickle was loaded."""
    _UNPICKLED.append(True)
    return "unpickled"


class _Tripwire:
    """Unpickling this calls :func:`_mark` (nothing else runs)."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_mark, ())


def _pickle_row_unpickled(name: str) -> bool:
    """Plant a row whose stored form says "pickle", read it back: was it unpickled?"""
    _UNPICKLED.clear()
    with tempfile.TemporaryDirectory() as tmp:
        store = STORES[name](tmp, 1.0)
        store.set("k", {"text": "plain"})
        payload = pickle.dumps(_Tripwire())
        if isinstance(store, _Ours):
            with sqlite3.connect(Path(tmp) / "unified-cache.sqlite3") as conn:
                conn.execute("UPDATE entries SET value = ?", (payload,))
        else:  # diskcache's own column saying how a value is stored: 4 is MODE_PICKLE
            with sqlite3.connect(Path(tmp) / "cache.db") as conn:
                conn.execute("UPDATE Cache SET mode = 4, value = ?", (payload,))
        try:
            store.get("k")
        except Exception:  # noqa: BLE001 - a failing read is not an unpickle
            pass
    return bool(_UNPICKLED)


def main() -> int:
    """Print the comparison as JSON, one line per store."""
    for name in STORES:
        row: dict[str, Any] = {"store": name, **_timing(name), "stress": _stress(name),
                               "pickle_row_unpickled": _pickle_row_unpickled(name)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
