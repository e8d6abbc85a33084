"""One NPPES bulk file -> one crawl in the store of record: begun, staged, finished. Publishing is the caller's.

The import is a crawl like any other for the store (index.records): a
`crawls` row with source "nppes" and a scope naming the states imported
("nppes bulk CT,MA", or "nppes bulk all states"), each massage therapist's
listing staged with `RecordStore.stage`, the crawl finished with its stats.
The caller then publishes it with `index.records.publish.publish_crawl`
(gate, merge, stale marking within the scope, index rebuild), passing
`ImportReport.gone`.

- A monthly file lists every NPI, so its crawl finishes `finished`
  (complete: listings of the scope it no longer holds become stale). A
  weekly file lists only the week's changes: `limited` (partial: nothing is
  stale for being absent).
- Deactivated NPIs (near-empty rows in either file, or every row of the
  deactivation report) that are published listings go to `gone`: they
  become stale when the crawl is published, whatever the state filter, since
  an NPI deactivated is gone everywhere. Only published ids are kept, so
  memory stays bounded by the store, not by the file.
- Newer data is never overwritten (reference: bulk-file.md section 8, a
  loader's recorded defect): a row whose `Last Update Date` (a deactivated
  row: its deactivation date) is older than the published listing's
  `profile_updated` is skipped and counted "older than the store"; the
  listing is staged as stored, so a complete import still finds it. This
  holds for monthly files too (and for the deactivation report, by its
  deactivation dates: a listing updated since was reactivated): CMS's rule is that the newest monthly replaces
  everything, and an older one is not the newest. A monthly file whose data
  ends before that of a bulk file already published is read as an update
  (`limited`): listings it does not hold are newer than it, not gone.
- An NPI listed twice in one file counts once: the row with the latest
  `Last Update Date` wins (on a tie, the later row), the other is counted
  "duplicate NPI in the file". The rows that decided something are
  remembered per NPI (massage rows, and deactivated rows of NPIs knead lists
  or has just read), so memory stays bounded by the massage therapists.
- A row is mapped with spiders.parse.nppes (the API spider's mapping): the
  practice LOCATION address, not the mailing one; every (licence, state) of
  a massage taxonomy slot; then normalised as the crawl pipelines would
  (spiders.bulk.normalise).
- A file that turns out damaged while read (BulkFileError), or an interrupt,
  ends the crawl `failed`: nothing is published, and nothing to resume (the
  API crawl's `--resume` looks for its source's `interrupted` crawls): run
  the import again.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.geo import ziptable
from index.records.datadir import DataDir
from index.records.store import FINISHED, LIMITED, PUBLISHED, RecordStore, utc_now
from spiders.bulk import layout
from spiders.bulk.normalise import normalise
from spiders.bulk.nppes import DEACTIVATIONS, MONTHLY, BulkFile, cutoff_of, open_bulk
from spiders.bulk.reader import child_rows, worth_a_child
from spiders.parse import nppes as registry

FAILED = "failed"  # the file proved damaged while read: the crawl cannot be published

# Why a row read is not a listing (the summary's words come from these keys).
NOT_MASSAGE, DEACTIVATED, OTHER_STATE, NO_NPI, NO_NAME, MALFORMED, OLDER, DUPLICATE = (
    "not a massage therapist", "deactivated", "outside the states asked for", "no valid NPI", "no name",
    "malformed", "older than the store", "duplicate NPI in the file")
KEPT = "kept"  # a row that became a staged listing (the other buckets are the reasons above)


@dataclass
class ImportReport:
    path: Path
    kind: str  # nppes.MONTHLY, WEEKLY or DEACTIVATIONS
    member: str
    scope: str
    crawl_id: int
    rows: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    stored: Counter = field(default_factory=Counter)  # new / changed / unchanged (against the published)
    fields: Counter = field(default_factory=Counter)  # the pipelines' field counts (phone invalid, ...)
    gone: list[str] = field(default_factory=list)  # published listing ids the file says are deactivated
    replaced: int = 0  # undecodable bytes
    seconds: float = 0.0
    kind_reason: str | None = None  # why `kind`, when the file's name does not say it
    newer_imported: str | None = None  # YYYYMMDD: this file's data ends before that of a published import

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def scope_for(states: Collection[str], kind: str) -> str:
    """The crawl scope: stale marking and the publish gate compare imports of the same states only."""
    if kind == DEACTIVATIONS:
        return "nppes deactivations"
    return "nppes bulk " + (",".join(sorted(states)) if states else "all states")


@dataclass(frozen=True)
class _Stored:
    """What the published listing of an NPI says, for the "older than the store" rule."""

    updated: str | None  # profile_updated, ISO
    stale: bool
    state: str | None


@dataclass
class _Choice:
    """The row of an NPI that counts so far in this file, and what it did (undone if a newer row follows)."""

    date: str | None
    bucket: str  # KEPT or the skip reason it was counted under
    outcome: str | None = None  # new / changed / unchanged, when KEPT
    staged: bool = False
    gone: bool = False


def import_bulk(path: str | Path, data_dir: DataDir, *, states: Collection[str] = (), kind: str | None = None,
                watch: Callable[[BulkFile, ImportReport], None] | None = None) -> ImportReport:
    """Read `path` into a new crawl (see the module docstring); returns its report.

    `kind` (nppes.MONTHLY or WEEKLY) is what the user says a data file is, for
    a name that does not say; KindConflict (a BulkFileError) when the name
    says otherwise. Raises BulkFileError before any crawl is begun when the
    file is not a bulk file, and after ending the crawl `failed` when it
    proves damaged while read. `watch` is given the open file (its live
    `counts`) and the report being filled, for a progress display.
    """
    wanted = frozenset(s.upper() for s in states)
    # Commits every 5,000 listings, not a crawl's 200: an import cut short is failed and run again (never
    # resumed), so smaller batches would only buy fsyncs (150 a monthly file).
    with open_bulk(path, kind) as bulk, \
            RecordStore(data_dir.ensure().records_path, commit_every=5000, commit_seconds=60) as store:
        scope = scope_for(wanted, bulk.kind)
        newest = _newest_cutoff(store)
        crawl_id = store.begin_crawl(registry.SOURCE, os.getpid(), scope)
        report = ImportReport(Path(path), bulk.kind, bulk.member, scope, crawl_id, kind_reason=bulk.kind_reason)
        if bulk.cutoff and newest and bulk.cutoff < newest:
            report.newer_imported = newest
        published = {listing["id"]: _Stored(listing.get("profile_updated"), listing["stale"], listing.get("state"))
                     for listing in store.listings(registry.SOURCE)}
        if watch is not None:
            watch(bulk, report)
        started = time.monotonic()
        status = FAILED
        try:
            if bulk.kind == DEACTIVATIONS:
                _read_report(bulk, published, report)
            else:
                _read_rows(bulk, wanted, published, store, data_dir, report)
            status = FINISHED if bulk.kind == MONTHLY and not report.newer_imported else LIMITED
        except KeyboardInterrupt:
            report.fields["import/interrupted"] += 1  # `failed`, not `interrupted`: `knead crawl --resume` must not pick it
            raise
        finally:
            report.seconds = time.monotonic() - started
            report.rows, report.replaced = bulk.counts.rows, bulk.counts.replaced
            if bulk.counts.malformed:
                report.skipped[MALFORMED] = bulk.counts.malformed
            if bulk.kind != DEACTIVATIONS:
                report.skipped[NOT_MASSAGE] += report.rows - report.kept - sum(report.skipped.values())
            store.finish_crawl(crawl_id, status, _stats(report))
    return report


def _newest_cutoff(store: RecordStore) -> str | None:
    """The latest date a published bulk import's data ends on (YYYYMMDD), from its member's name."""
    cutoffs = [cutoff_of(str(crawl["stats"].get("knead/import/member", "")))
               for crawl in store.crawls(registry.SOURCE) if crawl["status"] == PUBLISHED]
    return max((c for c in cutoffs if c), default=None)


def _read_report(bulk: BulkFile, published: dict[str, _Stored], report: ImportReport) -> None:
    for npi, date in bulk.deactivations():
        listing_id = registry.listing_id(npi)
        stored = published.get(listing_id)
        # Updated after this deactivation: the NPI was reactivated since (an older report applied late).
        if stored is not None and _older(registry.iso_date(date), stored.updated):
            report.skipped[OLDER] += 1
            continue
        report.skipped[DEACTIVATED] += 1
        if stored is not None:
            report.gone.append(listing_id)


def _read_rows(bulk: BulkFile, wanted: frozenset[str], published: dict[str, _Stored], store: RecordStore,
               data_dir: DataDir, report: ImportReport) -> None:
    at = bulk.index
    col = {name: at[name] for name in layout.READ}
    sex = next(at[name] for name in layout.SEX_COLUMNS if name in at)
    slots = [tuple(at[c] for c in layout.taxonomy_slot(n)) for n in range(1, layout.TAXONOMY_SLOTS + 1)]
    table = ziptable.load(data_dir.root)
    scraped_at = utc_now()
    chosen: dict[str, _Choice] = {}  # NPI -> the row that counts (see the module docstring)

    def apply(row: list[str], npi: str, gone: bool, date: str | None, codes: list[tuple[str, str, str]]) -> _Choice:
        listing_id = registry.listing_id(npi)
        stored = published.get(listing_id)
        if stored is not None and _older(date, stored.updated):
            report.skipped[OLDER] += 1
            keep = not stored.stale and (not wanted or stored.state in wanted)
            if keep:  # found as stored: a complete import must not mark it stale for this row's age
                store.stage(_as_staged(store.listing(listing_id)), report.crawl_id, scraped_at)
            return _Choice(date, OLDER, staged=keep)
        if gone:
            report.skipped[DEACTIVATED] += 1
            if stored is not None:
                report.gone.append(listing_id)
            return _Choice(date, DEACTIVATED, gone=stored is not None)
        state = row[col["Provider Business Practice Location Address State Name"]].strip().upper()
        if wanted and state not in wanted:
            report.skipped[OTHER_STATE] += 1
            return _Choice(date, OTHER_STATE)
        listing = normalise(_values(row, col, sex, npi, codes), table, report.fields, scraped_at)
        if listing is None:
            report.skipped[NO_NAME] += 1
            return _Choice(date, NO_NAME)
        report.kept += 1
        outcome = store.stage(listing, report.crawl_id, scraped_at)
        report.stored[outcome] += 1
        return _Choice(date, KEPT, outcome=outcome, staged=True)

    for row in child_rows(bulk) if worth_a_child(bulk) else bulk.rows():
        npi = row[col["NPI"]].strip()
        deactivated_on = row[col["NPI Deactivation Date"]]
        gone = bool(deactivated_on.strip()) and registry.is_deactivated(deactivated_on, row[col["NPI Reactivation Date"]])
        codes: list[tuple[str, str, str]] = []
        if gone:
            if registry.listing_id(npi) not in published and npi not in chosen:
                report.skipped[DEACTIVATED] += 1  # an NPI knead never listed: nothing to remember
                continue
            date = registry.iso_date(deactivated_on)  # a deactivated row has no Last Update Date
        else:
            codes = [(row[c], row[n], row[s]) for c, n, s in slots]
            if not any(registry.is_massage_code(code) for code, _, _ in codes):
                continue  # the code text was elsewhere in the row: counted with the other providers
            if not re.fullmatch(r"\d{10}", npi):
                report.skipped[NO_NPI] += 1
                continue
            date = registry.iso_date(row[col["Last Update Date"]])
        earlier = chosen.get(npi)
        if earlier is not None:
            report.skipped[DUPLICATE] += 1
            if _older(date, earlier.date):
                continue
            _take_back(earlier, registry.listing_id(npi), store, report)
        chosen[npi] = apply(row, npi, gone, date, codes)


def _older(date: str | None, than: str | None) -> bool:
    """Provably older: both ISO dates known and `date` before `than` (an undated row is not skipped)."""
    return bool(date and than) and date < than  # type: ignore[operator]


def _take_back(earlier: _Choice, listing_id: str, store: RecordStore, report: ImportReport) -> None:
    """Undo what an NPI's earlier row did in this import: a newer row of the same NPI replaces it."""
    if earlier.bucket == KEPT:
        report.kept -= 1
        report.stored[earlier.outcome] -= 1
    else:
        report.skipped[earlier.bucket] -= 1
    if earlier.staged:
        store.unstage(listing_id, report.crawl_id)
    if earlier.gone:
        report.gone.remove(listing_id)


def _as_staged(listing: dict[str, Any] | None) -> dict[str, Any]:
    """A published listing (RecordStore.listing) as a crawl stages it: without the store's own bookkeeping."""
    assert listing is not None
    return {k: v for k, v in listing.items() if k not in ("first_seen", "last_seen", "stale", "stale_since")}


def _values(row: list[str], col: dict[str, int], sex: int, npi: str, codes: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The row's listing values, by the API spider's mapping (spiders.parse.nppes)."""
    def get(name: str) -> str:
        return row[col[name]]

    organisation = get("Entity Type Code").strip() == "2"
    if organisation:
        legal = registry.organisation_name(get("Provider Organization Name (Legal Business Name)"))
        dba = (registry.organisation_name(get("Provider Other Organization Name"))
               if get("Provider Other Organization Name Type Code").strip() == "3" else None)
        name, business = dba or legal, legal
    else:
        name = registry.person_name(get("Provider First Name"), get("Provider Middle Name"),
                                    get("Provider Last Name (Legal Name)"), get("Provider Name Prefix Text"),
                                    get("Provider Name Suffix Text"))
        business = None
    where = "Provider Business Practice Location Address "
    return registry.listing_values(
        npi=npi, organisation=organisation, name=name, business=business,
        credential=get("Provider Credential Text"), gender=row[sex],
        street_line=registry.street(get("Provider First Line Business Practice Location Address"),
                                    get("Provider Second Line Business Practice Location Address")),
        city=registry.city_name(get(where + "City Name")), state=get(where + "State Name"),
        postal_code=get(where + "Postal Code"), phone=get(where + "Telephone Number"),
        licences=registry.massage_licences(codes), last_updated=get("Last Update Date"),
    )


def _stats(report: ImportReport) -> dict[str, Any]:
    """What the crawl row keeps (knead status shows crawls' stats)."""
    return {
        "knead/import/file": str(report.path), "knead/import/member": report.member, "knead/import/kind": report.kind,
        "knead/import/rows": report.rows, "knead/import/kept": report.kept, "knead/import/gone": len(report.gone),
        "knead/import/seconds": round(report.seconds, 3), "knead/import/replaced_bytes": report.replaced,
        **({"knead/import/kind_reason": report.kind_reason} if report.kind_reason else {}),
        **({"knead/import/newer_imported": report.newer_imported} if report.newer_imported else {}),
        **{f"knead/import/skipped/{reason}": n for reason, n in report.skipped.items()},
        **{f"stored/{outcome}": n for outcome, n in report.stored.items()},
        **{f"listings/{key}": n for key, n in report.fields.items()},
    }
