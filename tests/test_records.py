"""The store of record: upserts, change detection, first/last seen, crawl rows, durability."""

from __future__ import annotations

import subprocess
import sys

from index.records.store import RecordStore


def row(**kw):
    base = {"id": "amta:a", "source": "amta", "name": "A", "scraped_at": "2026-01-01T00:00:00+00:00"}
    base.update(kw)
    return base


def test_upsert_reports_new_changed_unchanged(tmp_path):
    with RecordStore(tmp_path / "r.sqlite3") as store:
        crawl = store.begin_crawl("amta")
        assert store.upsert(row(), crawl, seen_at="2026-01-01T00:00:00+00:00") == "new"
        # scraped_at alone changing is not a change of the listing
        assert store.upsert(row(scraped_at="2026-02-01T00:00:00+00:00"), crawl, seen_at="2026-02-01T00:00:00+00:00") == "unchanged"
        assert store.upsert(row(name="A B"), crawl, seen_at="2026-03-01T00:00:00+00:00") == "changed"
        store.finish_crawl(crawl, "finished", {"item_scraped_count": 3})
        (listing,) = list(store.listings())
        assert listing["name"] == "A B"
        assert listing["first_seen"] == "2026-01-01T00:00:00+00:00"
        assert listing["last_seen"] == "2026-03-01T00:00:00+00:00"
        (crawl_row,) = store.crawls("amta")
        assert crawl_row["status"] == "finished" and crawl_row["stats"] == {"item_scraped_count": 3}


def test_listings_filter_by_source_and_count(tmp_path):
    with RecordStore(tmp_path / "r.sqlite3") as store:
        store.upsert(row(id="amta:a"))
        store.upsert(row(id="other:b", source="other"))
        assert store.count() == 2 and store.count("amta") == 1
        assert [r["id"] for r in store.listings("other")] == ["other:b"]


def test_committed_batches_survive_a_killed_process(tmp_path):
    path = tmp_path / "r.sqlite3"
    script = f"""
import os
from index.records.store import RecordStore
store = RecordStore({str(path)!r}, commit_every=10)
for i in range(25):
    store.upsert({{"id": f"amta:{{i:03}}", "source": "amta", "name": str(i)}})
os._exit(9)  # no close, no final commit
"""
    subprocess.run([sys.executable, "-c", script], check=False)
    with RecordStore(path) as store:
        assert store.count() == 20  # two committed batches of 10; the last 5 were in flight
