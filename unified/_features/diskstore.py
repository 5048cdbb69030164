"""The disk layer of the response cache: SQLite in WAL mode, JSON values.

Why SQLite (stdlib) rather than files or diskcache: one file that several processes
can share safely (SQLite's locking; WAL lets readers run while one writer writes),
atomic writes (a transaction either lands whole or not at all), cheap eviction of the
oldest entries by an index on ``created``, and no extra dependency. diskcache would
give the same on top of SQLite, but pickles by default, and even with its ``JSONDisk``
a row marked as a pickle is unpickled on read; here values are always JSON text, parsed
with ``json.loads`` and never unpickled. Measured against it
(``python -m harness.perf.diskstore_compare``, numbers in the README): as fast or faster,
and about twice the entries under the same size cap (diskcache's cap counts the
database file's pages).

Keys are sha256 hex digests chosen by the cache layer, never paths: nothing a caller
passes can name a file. A row whose value does not parse is a miss and is deleted.

Opening (:meth:`DiskStore.open`): ``~`` in the directory is expanded. A directory that
cannot be used at all (it is a file, cannot be created, is read-only) is a
:class:`~unified._errors.ConfigError` naming the path; a file there that is not an SQLite
database (corrupt, or something else) is left untouched, a :class:`CacheFileWarning` is
issued and the cache runs in memory only (a bad cache is a miss, never a failure).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._errors import ConfigError

__all__ = ["DiskStore", "CacheFileWarning"]

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


class CacheFileWarning(UserWarning):
    """The disk cache file cannot be read as a cache; the cache runs in memory only."""


class _CorruptFile(Exception):
    """The cache file exists but is not an SQLite database."""


def _unusable(path: Path, reason: str) -> ConfigError:
    return ConfigError(f"cache.directory: cannot use {str(path)!r} for the disk cache: "
                       f"{reason}", field="cache.directory", value=str(path),
                       allowed="a writable directory (or a path where one can be created)")


class DiskStore:
    """A size-capped, TTL-bounded key -> JSON store shared safely across processes."""

    def __init__(self, directory: str | Path, *, max_size_mb: float, ttl_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory).expanduser()
        self.path = self.directory / FILE_NAME
        self.max_bytes = int(max_size_mb * 1024 * 1024)
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._local = threading.local()
        self._open()

    @classmethod
    def open(cls, directory: str | Path, *, max_size_mb: float, ttl_seconds: float,
             clock: Callable[[], float] = time.time) -> DiskStore | None:
        """A store under ``directory``, or None (with a :class:`CacheFileWarning`) when
        the file there is corrupt; a :class:`ConfigError` when the directory is unusable."""
        try:
            return cls(directory, max_size_mb=max_size_mb, ttl_seconds=ttl_seconds,
                       clock=clock)
        except _CorruptFile as exc:
            warnings.warn(f"cache file {exc} is not a usable SQLite database; the cache "
                          "runs in memory only (the file is left as it is: delete or move "
                          "it to get a disk cache again)", CacheFileWarning, stacklevel=3)
            return None

    def _open(self) -> None:
        """Create the directory and the schema; raise for what :func:`open_disk_store`
        turns into an error or a warning."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise _unusable(self.directory, "it is a file, not a directory") from None
        except OSError as exc:
            raise _unusable(self.directory, f"cannot create it ({exc.strerror})") from None
        try:
            with self._connect() as conn:
                conn.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            self.close()
            raise _unusable(self.directory, f"cannot create or open {FILE_NAME} in it "
                                            f"({exc}; is the directory read-only?)") from None
        except sqlite3.DatabaseError:
            self.close()
            raise _CorruptFile(str(self.path)) from None

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error:
                conn.close()
                raise
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
