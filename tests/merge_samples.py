"""The four bundled samples' listings with their truth, crawled once per test run (helper for tests).

`bundled(size)` runs `knead crawl --sample-size SIZE` (the AMTA-style
directory, the registry, the practice sites and the TX/WA rosters, served on
loopback by knead itself) into a temporary data directory the first time a
test asks for that size, and returns `Crawled`: what the command printed, the listings exactly as the
store of record yields them (what `merge_listings` gets when publishing) and,
for each, the key of the person it is in the generator's truth table
(spiders.sample_site.people), or None for a listing the truth does not know (a
practice site's business node). Later calls reuse it, so a module-scoped
fixture costs one crawl per test run, whichever module asks first, in whichever
xdist worker (tests/run_once.py; the data directory is read-only: copy it to write):

    @pytest.fixture(scope="module")
    def crawled():
        return merge_samples.bundled()
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import run_once
from knead_proc import run_knead

from index.records.datadir import DataDir
from index.records.store import RecordStore
from spiders.sample_site import generate
from spiders.sample_site.bundled import BundledData
from spiders.sample_site.people import People
from spiders.sample_site.practice_sites import bundled_sites

SIZE = 300  # every hard case of the samples (same-surname twins, rosters of both states) in a ~15 s crawl


@dataclass(frozen=True)
class Crawled:
    data_dir: Path
    listings: list[dict[str, Any]]  # as RecordStore.listings() yields them
    people: People  # the truth table, with the sites' and rosters' ids linked
    keys: list[str | None]  # listings[i]'s person key, None when the truth does not know it
    stdout: str  # what `knead crawl` printed (its summaries)
    stderr: str  # and its progress messages


def person_key(people: People, listing: dict[str, Any]) -> str | None:
    """The truth's key for a listing ("sites:127.0.0.10/#therapist" -> its person), or None."""
    source = listing["source"]
    found = people.find(source, listing["id"].removeprefix(f"{source}:"))
    return found.key if found else None


@functools.lru_cache(maxsize=2)
def bundled(size: int = SIZE) -> Crawled:
    shared = run_once.once(f"bundled-samples-{size}", functools.partial(_crawl, size=size))
    data_dir = shared / "data"
    with RecordStore(DataDir(data_dir).records_path) as store:
        listings = list(store.listings())
    data = BundledData(generate(size))
    people = data.people
    bundled_sites(data)  # links the sites' listings to their people
    return Crawled(data_dir, listings, people, [person_key(people, row) for row in listings],
                   (shared / "crawl.stdout").read_text(encoding="utf-8"),
                   (shared / "crawl.stderr").read_text(encoding="utf-8"))


def _crawl(shared: Path, size: int) -> None:
    result = run_knead("crawl", "--sample-size", str(size), data_dir=shared / "data")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("Published: ") == 4, result.stdout[-3000:]
    (shared / "crawl.stdout").write_text(result.stdout, encoding="utf-8")
    (shared / "crawl.stderr").write_text(result.stderr, encoding="utf-8")
