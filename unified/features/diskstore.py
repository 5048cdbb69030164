"""The disk layer of the response cache: SQLite in WAL mode, JSON values.

Why SQLite (stdlib) rather than files or diskcache: one file that several processes
can share safely (SQLite's locking; WAL lets readers run while one writer writes),
atomic writes (a transaction either lands whole or not at all), cheap eviction of the
oldest entries by an index on ``created``, and no extra dependency. diskcache would
give the same on top of SQLite, but pickles by default; here values are always JSON
text, parsed with ``json.loads`` and never unpickled.

Keys are sha256 hex digests chosen by the cache layer, never paths: nothing a caller
passes can name a file. A row whose value does not parse is a miss and is deleted.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["DiskStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created REAL NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_created ON entries(created);
"""
FILE_NAME = "unified-cache.sqlite3"


class DiskStore:
    """A size-capped, TTL-bounded key -> JSON store shared safely across processes."""

    def __init__(self, directory: str | Path, *, max_size_mb: float, ttl_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / FILE_NAME
        self.max_bytes = int(max_size_mb * 1024 * 1024)
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._local = threading.local()
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None when absent, expired or corrupt (then deleted)."""
        conn = self._connect()
        row = conn.execute("SELECT value, created FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        text, created = row
        if self._clock() - created >= self.ttl_seconds:
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))
            return None
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict):
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))
            return None
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` as JSON (atomically), then evict the oldest beyond the cap."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        try:
            size = len(text.encode("utf-8")) + len(key)
        except UnicodeEncodeError:  # lone surrogates (a provider's "\ud800"): store escaped
            text = json.dumps(value, separators=(",", ":"))
            size = len(text) + len(key)
        if size > self.max_bytes:
            return
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT OR REPLACE INTO entries(key, value, created, size) "
                         "VALUES (?, ?, ?, ?)", (key, text, self._clock(), size))
            self._evict(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _evict(self, conn: sqlite3.Connection) -> None:
        total = conn.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]
        while total > self.max_bytes:
            oldest = conn.execute("SELECT key, size FROM entries ORDER BY created LIMIT 64"
                                  ).fetchall()
            if not oldest:
                break
            for key, size in oldest:
                conn.execute("DELETE FROM entries WHERE key = ?", (key,))
                total -= size
                if total <= self.max_bytes:
                    break

    def total_bytes(self) -> int:
        """Bytes of stored values and keys (what the size cap bounds)."""
        return int(self._connect().execute(
            "SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        conn = self._connect()
        count = len(self)
        conn.execute("DELETE FROM entries")
        return count

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
