"""HTTP cache storage in one SQLite file, so recrawls revalidate pages instead of downloading them.

Scrapy's DBM storage falls back to `dbm.dumb` where no better module is built
in (as here), which a killed crawl can leave unreadable; its filesystem
storage writes six files per page (600,000 at a national crawl). One SQLite
file in WAL mode survives kills, holds bodies compressed, and never pickles.
A cache file that cannot be opened is removed and started afresh: it is only
a cache. It lives in the data directory (`httpcache/`) unless HTTPCACHE_DIR
is set explicitly.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.project import data_path

from index.records.datadir import DataDir

_SCHEMA = "CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, stored REAL, meta TEXT, body BLOB)"


def _compress(body: bytes) -> bytes:
    """Level 1 and a quarter of zlib's default hash memory: 2-3x cheaper than
    `zlib.compress(body, 6)` (most of whose time on a small page is setting up
    its tables), for bodies 5-10% larger. `zlib.decompress` reads either."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 4)
    return packer.compress(body) + packer.flush()


class SqliteCacheStorage:
    def __init__(self, settings: Any):
        if settings.getpriority("HTTPCACHE_DIR") > SETTINGS_PRIORITIES["default"]:
            self.cachedir = Path(data_path(settings["HTTPCACHE_DIR"], createdir=True))
        else:  # beside the store of record, not in a `.scrapy/` folder of the working directory
            self.cachedir = DataDir.resolve(settings.get("KNEAD_DATA_DIR")).ensure().root / "httpcache"
            self.cachedir.mkdir(exist_ok=True)
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.db: sqlite3.Connection | None = None
        self._pending = 0

    def open_spider(self, spider: Any) -> None:
        path = self.cachedir / f"{spider.name}.sqlite3"
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()
            self.db = self._open(path)
        self._fingerprinter = spider.crawler.request_fingerprinter

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last pages to a power cut is fine
        db.execute(_SCHEMA)
        db.execute("SELECT COUNT(*) FROM pages LIMIT 1").fetchone()
        return db

    def close_spider(self, spider: Any) -> None:
        if self.db is not None:
            self.db.commit()
            self.db.close()
            self.db = None

    def retrieve_response(self, spider: Any, request: Any) -> Any:
        row = self.db.execute(
            "SELECT stored, meta, body FROM pages WHERE key = ?", (self._key(request),)
        ).fetchone()
        if row is None:
            return None
        stored, meta, body = row
        if 0 < self.expiration_secs < time.time() - stored:
            return None
        meta = json.loads(meta)
        headers = Headers({k.encode("latin-1"): [v.encode("latin-1") for v in vs] for k, vs in meta["headers"]})
        body = zlib.decompress(body)
        request.meta["cache_timestamp"] = stored
        cls = responsetypes.from_args(headers=headers, url=meta["url"], body=body)
        return cls(url=meta["url"], headers=headers, status=meta["status"], body=body)

    def store_response(self, spider: Any, request: Any, response: Any) -> None:
        meta = {
            "url": response.url,
            "status": response.status,
            "headers": [[k.decode("latin-1"), [v.decode("latin-1") for v in vs]] for k, vs in response.headers.items()],
        }
        self.db.execute(
            "INSERT OR REPLACE INTO pages (key, stored, meta, body) VALUES (?, ?, ?, ?)",
            (self._key(request), time.time(), json.dumps(meta), _compress(response.body)),
        )
        self._pending += 1
        if self._pending >= 200:
            self.db.commit()
            self._pending = 0

    def _key(self, request: Any) -> str:
        return self._fingerprinter.fingerprint(request).hex()
