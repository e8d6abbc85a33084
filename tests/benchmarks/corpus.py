"""A store of record for the harness, generated (no crawl): many sources, or the directory alone.

    python -m tests.benchmarks.corpus --size 100000 --data-dir DIR [--corpus merged|directory]

`merged` (the default, issue 17): `size` listings of one population as the
AMTA-style directory, the NPI registry, practice websites and state licence
rosters list it, with the overlap real sources have
(tests/benchmarks/merge_corpus.py): what `knead reindex` merges into one
result per therapist or practice before indexing. Each listing is written
as published on its source's crawl date; the 3% the corpus marks stale are
marked stale in the store, as a complete crawl that no longer found them
would. `directory`: the sample directory's truth records alone (issue 6),
exactly what a crawl of the same sample directory stores (same ids,
`amta:<slug>`; coordinates from the same ZIP table; hidden therapists left
out, as robots.txt keeps them from a crawl), minus the crawl's time; kept
for comparison with older runs. `run --store-from crawl` uses a crawled
store instead.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Iterator

from index.model.listing import FIELD_NAMES
from index.records.datadir import DataDir
from index.records.store import RecordStore

BASE_URL = "http://127.0.0.1:8000"
SCRAPED_AT = "2026-01-01T00:00:00+00:00"


def listings_from_truth(size: int, seed: int = 7) -> Iterator[dict]:
    from index.geo import ziptable
    from spiders.sample_site import generate

    directory = generate(size, seed)
    table = ziptable.build()
    for truth in directory.therapists:
        if truth["hidden"]:
            continue
        listing = {name: truth.get(name) for name in FIELD_NAMES}
        for name in ("credentials_raw",):
            listing[name] = listing[name] or []
        listing.update(id=f"amta:{truth['slug']}", source="amta", url=BASE_URL + truth["url_path"],
                       scraped_at=SCRAPED_AT)
        info = table.zip_info(truth["zip"]) if truth["zip"] else None
        position = (info.lat, info.lon) if info else (
            table.city_centroid(truth["city"], truth["state"]) if truth["city"] and truth["state"] else None)
        listing["lat"], listing["lon"] = position if position else (None, None)
        yield listing


def write_store(size: int, data_dir: DataDir, seed: int = 7, corpus: str = "merged") -> int:
    data_dir.ensure()
    n = 0
    stale: list[tuple[str, str]] = []
    with RecordStore(data_dir.records_path, commit_every=5000, commit_seconds=60) as store:
        if corpus == "merged":
            from tests.benchmarks.merge_corpus import merge_corpus

            for listing in merge_corpus(size, seed).listings:
                store.upsert(listing, crawl_id=None, seen_at=listing["last_seen"])
                if listing["stale"]:
                    stale.append((listing["stale_since"], listing["id"]))
                n += 1
        else:
            for listing in listings_from_truth(size, seed):
                store.upsert(listing, crawl_id=None, seen_at=SCRAPED_AT)
                n += 1
    if stale:
        # The store marks listings stale only when a complete crawl of their source misses
        # them; the generated crawls are not run, so their verdict is written directly.
        with sqlite3.connect(data_dir.records_path) as db:
            db.executemany("UPDATE listings SET stale_since = ? WHERE id = ?", stale)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--corpus", choices=("merged", "directory"), default="merged")
    args = parser.parse_args()
    started = time.perf_counter()
    n = write_store(args.size, DataDir.resolve(args.data_dir), args.seed, args.corpus)
    print(json.dumps({"listings": n, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
