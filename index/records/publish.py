"""A finished crawl becomes what people search: the gate, the merge into the store, the new index.

One call, `publish_crawl`, for every way a crawl ends: `knead crawl` calls it
once the crawl process is done, and a plain `scrapy crawl` calls it from the
store pipeline when the spider closes, so both publish by the same rules:

1. The crawl must have ended normally (finished, or stopped at its item
   limit, which publishes without marking anything stale); an interrupted
   crawl raises `CrawlNotFinished` and stays staged for `--resume`.
2. The publish gate (index.records.gate) compares it with the last published
   crawl of the same scope; any reason to refuse raises `CrawlHeld`, records
   the reasons on the crawl, and leaves its listings staged for inspection.
3. The staged listings are merged into the published ones (new, changed,
   unchanged, newly stale, dropped after `stale_days`).
4. Every published listing is merged (index.merge: listings that are the same
   therapist or practice become one result, ids kept from the assignment the
   store holds), and the index is rebuilt from the results into a new
   generation (`rebuild_index`, also what `knead reindex` runs); the new
   assignment is saved once the generation serves. A failed build raises
   `generations.BuildError` and the previous generation keeps serving. Each
   generation's note names the latest published crawl it holds.

`rollback_publish` undoes the latest publish for good: the store's listings
go back to what they were before it (index.records.history), the crawl is
marked rolled back, the generations that held it are retired, and the kept
generation that holds the crawl published before it is served again (or one
is built, when none is kept); the assignment is merged again to match it. Every publish, rollback and reindex is logged
in the store's history.

The index is a library of its own (index.search); this module is the one
place where the store of record drives it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from index.records import gate
from index.records.datadir import DataDir
from index.records.store import (
    FINISHED,
    HELD,
    LIMITED,
    PUBLISHED,
    ROLLED_BACK,
    RecordStore,
    StoreDamaged,
)
from index.search.crashpoint import crash_point


class NothingCrawled(Exception):
    """The data directory has no store of record yet."""


class NothingToRollBack(Exception):
    """No publish that `knead rollback` can undo."""


class CrawlNotFinished(Exception):
    """The crawl ended before it finished (interrupted, killed); nothing was published."""

    def __init__(self, crawl_id: int, status: str):
        super().__init__(f"crawl {crawl_id} did not finish ({status})")
        self.crawl_id, self.status = crawl_id, status


class CrawlHeld(Exception):
    """The crawl failed the publish gate; its listings stay staged, the index as it was."""

    def __init__(self, crawl_id: int, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.crawl_id, self.reasons = crawl_id, reasons


@dataclass(frozen=True)
class Published:
    counts: dict[str, int]  # found, new, changed, unchanged, gone, dropped
    index: Any = None  # generations.BuildResult, or None when the index was not rebuilt


def publish_crawl(data_dir: DataDir, crawl_id: int, *, pages: int, failed: int, accept_drop: bool = False,
                  stale_days: float | None = None, rebuild: bool = True, gone: Collection[str] = ()) -> Published:
    """Gate, merge and index one ended crawl (see the module docstring).

    `pages` and `failed`: pages fetched and URLs that finally failed (the
    gate's error budget). Raises CrawlNotFinished, CrawlHeld, or
    generations.BuildError (the store is then published, the index is not:
    `knead reindex`). `gone`: listing ids the source says are gone (deactivated NPIs), marked
    stale by the merge.
    """
    with RecordStore(data_dir.records_path) as store:
        row = store.crawl(crawl_id)
        if row is None:
            raise CrawlNotFinished(crawl_id, "unknown crawl")
        status = row["status"]
        if status not in (FINISHED, LIMITED):
            raise CrawlNotFinished(crawl_id, status)
        finished = status == FINISHED
        # Only a crawl that saw every page may say what is gone: a listing behind a
        # page that failed (or a registry query answered with an error) is unknown,
        # not gone, so a crawl with failures publishes what it found and marks nothing stale.
        # A source may say it saw less than it should have (a roster's count(*) above the rows read).
        complete = finished and not failed and not (row.get("stats") or {}).get("knead/incomplete")
        found, rates = gate.field_rates(store.staged_listings(crawl_id))
        previous = store.last_crawl(row["source"], (PUBLISHED,), scope=row["scope"])
        reasons = gate.check(
            found=found, rates=rates, pages=pages, failed=failed, gone=len(gone),
            previous=previous["counts"] if previous and finished else None,
            policy=gate.GatePolicy(accept_drop=accept_drop),
        )
        if reasons:
            store.set_crawl(crawl_id, status=HELD, gate={"reasons": reasons, "found": found, "rates": rates})
            raise CrawlHeld(crawl_id, reasons)
        counts = store.publish_crawl(crawl_id, complete=complete, stale_days=stale_days, gone=gone)
        store.set_crawl(crawl_id, counts={**counts, "rates": rates, "failed": failed, "pages": pages})
        crash_point("publish:store-merged")
        if not rebuild:
            store.log(PUBLISHED, crawl_id, None, "index not rebuilt (--no-index)")
            return Published(counts, None)
        result = _build(data_dir, store)
        store.log(PUBLISHED, crawl_id, result.generation)
    return Published(counts, result)


def rebuild_index(data_dir: DataDir):
    """Build a new index generation from every published listing and serve it (`knead reindex`).

    Returns generations.BuildResult; raises NothingCrawled when there is no
    store yet, generations.BuildError when the build fails (the previous
    generation keeps serving) or the store cannot be read.
    """
    from index.search.generations import BuildError

    if not data_dir.records_path.exists():
        raise NothingCrawled(f"Nothing crawled yet in {data_dir.root}")
    try:
        with RecordStore(data_dir.records_path) as store:
            result = _build(data_dir, store)
            store.log("reindexed", None, result.generation)
    except StoreDamaged as exc:
        raise BuildError(str(exc)) from None
    return result


def _merge(store: RecordStore):
    """Every published listing merged into results (index.merge), ids kept from the stored assignment;
    the results are combined as the build reads them (`MergeStream`), never all held at once."""
    from index.merge import merge_stream

    return merge_stream(store.packed_listings(), store.assignment())


def _build(data_dir: DataDir, store: RecordStore):
    """Merge, build a generation of the results, then save the assignment it was built with
    (only once the generation serves, so `knead show` never maps an id to a result the
    served generation lacks)."""
    from index.search.generations import build_index

    latest = store.last_published()
    merged = _merge(store)
    result = build_index(merged.results, data_dir.index_root,
                         note={"published_crawl": latest["id"] if latest else None})
    crash_point("publish:generation-served")
    store.replace_assignment(merged.assignment)
    return result


@dataclass(frozen=True)
class RolledBack:
    crawl: dict[str, Any]  # the crawl whose publish was undone
    restored: int  # listings put back as they were
    back_to: dict[str, Any]  # the published crawl the store now ends with
    generation: int  # the generation served now
    before: int | None  # the generation served before
    rebuilt: bool  # no kept generation held `back_to`: one was built


def rollback_publish(data_dir: DataDir) -> RolledBack:
    """Undo the latest publish in the store and the index (see the module docstring).

    Raises NothingCrawled, NothingToRollBack, StoreDamaged, generations.BuildError.
    """
    from index.search import generations

    if not data_dir.records_path.exists():
        raise NothingCrawled(f"Nothing crawled yet in {data_dir.root}")
    root = data_dir.index_root
    with RecordStore(data_dir.records_path) as store:
        latest = store.last_published()
        if latest is None:
            raise NothingToRollBack(f"No published crawl to undo in {data_dir.root}.")
        earlier = [c for c in store.crawls() if c["status"] == PUBLISHED and c["id"] < latest["id"]]
        if not earlier:
            raise NothingToRollBack(
                f"No earlier publish to go back to: crawl #{latest['id']} is the first one published.")
        if not store.can_undo(latest["id"]):
            raise NothingToRollBack(
                f"Crawl #{latest['id']}'s changes are no longer kept (knead keeps the last 3 publishes).")
        try:
            before = generations.current_generation(root)
        except generations.IndexDamaged:
            before = None
        restored = store.undo_publish(latest["id"])
        back_to = earlier[-1]
        kept = generations.kept(root) if root.exists() else []
        generations.retire(root, [g["number"] for g in kept if g.get("note", {}).get("published_crawl") == latest["id"]])
        candidates = [g["number"] for g in kept if not g["retired"] and not g.get("damaged")
                      and g["note"].get("published_crawl") == back_to["id"]]
        number, rebuilt = None, False
        for candidate in reversed(candidates):
            try:
                generations.serve(root, candidate)
            except (generations.IndexDamaged, generations.IndexMissing):
                continue
            number = candidate
            break
        if number is None:
            number, rebuilt = _build(data_dir, store).generation, True
        else:  # the kept generation holds these listings' results: the assignment must match them again
            store.replace_assignment(_merge(store).assignment)
        store.log(ROLLED_BACK, latest["id"], number, f"back to crawl #{back_to['id']}")
    return RolledBack(latest, restored, back_to, number, before, rebuilt)
