"""Sets of keys a crawl has seen, in bounded memory however long the crawl (issue 8).

A national crawl sees about 930,000 requests and 855,000 reports. Held in Python sets, their keys (request
fingerprints, report URLs, content digests) take 70 to 140 bytes each: several hundred MB in all, growing with the
crawl. A `SeenSet` keeps its first `memory_limit` keys in a plain set (a small crawl never leaves it), then moves
them to a private SQLite database (a B-tree with a bounded page cache, on disk in the temporary directory once
the cache is full). A key costs a few microseconds more from then on; memory stops growing.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

# Keys held in memory before a set moves to disk: ~75 bytes each (a 16-20 byte digest) to ~140 (a URL), so one set
# holds at most 1.5-3 MB of Python objects. Small crawls and tests stay in memory.
SEEN_IN_MEMORY = 20_000
# SQLite's page cache for one set once on disk, in KiB (negative cache_size: KiB rather than pages).
_CACHE_KIB = 2048
# Writes between commits of the open transaction: committing each key would cost a write() call per key.
_COMMIT_EVERY = 4096


def memory_limit_of(settings: Any) -> int:
    """The GKSPIDER_SEEN_IN_MEMORY setting of a crawl (Scrapy settings, or anything with that getint)."""
    return settings.getint("GKSPIDER_SEEN_IN_MEMORY", SEEN_IN_MEMORY)


def _disk_key(key: bytes | str) -> bytes:
    # On disk every key is a 16-byte digest (a short str or bytes key as well: one key type, one index).
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hashlib.blake2b(raw, digest_size=16).digest()


class SeenSet:
    """A set of str or bytes keys with `add`, `in`, `len` and `update`; in memory up to `memory_limit` keys, then
    in a temporary SQLite database that is deleted on `close()` (or when the set is collected).

    On disk, keys are compared by a 16-byte BLAKE2b digest: two different keys would collide with probability
    2^-128 per pair, far below any crawl's concern.
    """

    def __init__(
        self, keys: Iterable[bytes | str] = (), memory_limit: int = SEEN_IN_MEMORY, name: str = "keys"
    ) -> None:
        self.name = name  # what the keys are, for the log
        self.memory_limit = memory_limit
        self._memory: set[bytes | str] = set()
        self._db: sqlite3.Connection | None = None
        self._on_disk = 0
        self._uncommitted = 0
        self.spilled = False  # moved to disk at some point (stays True after close)
        self.update(keys)

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def __contains__(self, key: object) -> bool:
        if self._db is None:
            return key in self._memory
        if not isinstance(key, (bytes, str)):
            return False
        row = self._db.execute("SELECT 1 FROM seen WHERE k = ?", (_disk_key(key),)).fetchone()
        return row is not None

    def add(self, key: bytes | str) -> bool:
        """Adds the key; True if it was new."""
        if self._db is None:
            if key in self._memory:
                return False
            self._memory.add(key)
            if len(self._memory) > self.memory_limit:
                self._spill()
            return True
        new = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (_disk_key(key),)).rowcount == 1
        if new:
            self._on_disk += 1
            self._uncommitted += 1
            if self._uncommitted >= _COMMIT_EVERY:
                self._db.commit()
                self._uncommitted = 0
        return new

    def update(self, keys: Iterable[bytes | str]) -> None:
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return self._on_disk if self._db is not None else len(self._memory)

    def __bool__(self) -> bool:
        return len(self) > 0

    def _spill(self) -> None:
        # "" is SQLite's private temporary database: in the page cache until it fills, then in a file of the
        # temporary directory that SQLite removes when the connection closes.
        db = sqlite3.connect("", check_same_thread=False)
        db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        db.execute("PRAGMA journal_mode = OFF")  # a cache of this run: nothing to roll back to
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((_disk_key(k),) for k in self._memory))
        db.commit()
        self._on_disk = db.execute("SELECT count(*) FROM seen").fetchone()[0]
        self._db, self._memory = db, set()
        self.spilled = True
        logger.info("seen %s: more than %d, moved to a temporary database on disk", self.name, self.memory_limit)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._memory = set()
        self._on_disk = 0

    def __del__(self) -> None:
        if self._db is not None:
            self._db.close()
