"""Every published listing held as its stored JSON bytes, decoded when read: what publishing merges.

The merge needs every listing at once (to cluster) and each again later (to
combine its cluster). As dicts, half a million listings take about 2.5 GB
(~5 KB a listing: a 47-key dict, its strings and empty lists); as the store's
own UTF-8 JSON they take ~1.4 KB, and orjson decodes one in ~10 us. The
merge reads each row twice, so the bytes cost ~5 s of CPU at 500,000
listings and save ~1.8 GB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson


class PackedListings(Sequence):
    """A read-only sequence of listings as `RecordStore.listings()` yields them (with `first_seen`,
    `last_seen`, `stale`, `stale_since`); a new dict at every access."""

    def __init__(self) -> None:
        self._data: list[bytes] = []
        # (first_seen, last_seen, stale_since): a crawl gives thousands of rows the same three.
        self._seen: list[tuple[str, str, str | None]] = []
        self._same: dict[tuple, tuple] = {}

    def append(self, data: bytes, first_seen: str, last_seen: str, stale_since: str | None) -> None:
        seen = (first_seen, last_seen, stale_since)
        self._data.append(data)
        self._seen.append(self._same.setdefault(seen, seen))

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        listing = orjson.loads(self._data[i])
        listing["first_seen"], listing["last_seen"], stale_since = self._seen[i]
        listing["stale"] = stale_since is not None
        listing["stale_since"] = stale_since
        return listing

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self._data)):
            yield self[i]
