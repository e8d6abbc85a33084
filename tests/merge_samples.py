"""The four bundled samples' listings with their truth, crawled once per test session (helper for tests).

`bundled(size)` runs `knead crawl --sample-size SIZE` (the AMTA-style
directory, the registry, the practice sites and the TX/WA rosters, served on
loopback by knead itself) into a temporary data directory the first time a
test asks for that size, and returns `Crawled`: the listings exactly as the
store of record yields them (what `merge_listings` gets when publishing) and,
for each, the key of the person it is in the generator's truth table
(spiders.sample_site.people), or None for a listing the truth does not know (a
practice site's business node). Later calls in the same process reuse it, so
a module-scoped fixture costs one crawl per session, whichever module asks first:

    @pytest.fixture(scope="module")
    def crawled():
        return merge_samples.bundled()
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def person_key(people: People, listing: dict[str, Any]) -> str | None:
    """The truth's key for a listing ("sites:127.0.0.10/#therapist" -> its person), or None."""
    source = listing["source"]
    found = people.find(source, listing["id"].removeprefix(f"{source}:"))
    return found.key if found else None


@functools.lru_cache(maxsize=2)
def bundled(size: int = SIZE) -> Crawled:
    data_dir = Path(tempfile.mkdtemp(prefix="knead-merge-samples-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    result = run_knead("crawl", "--sample-size", str(size), data_dir=data_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("Published: ") == 4, result.stdout[-3000:]
    with RecordStore(DataDir(data_dir).records_path) as store:
        listings = list(store.listings())
    data = BundledData(generate(size))
    people = data.people
    bundled_sites(data)  # links the sites' listings to their people
    return Crawled(data_dir, listings, people, [person_key(people, row) for row in listings])
