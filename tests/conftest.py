"""Shared fixtures: varied synthetic listings, a store of record and a built index.

`make_listings(n, seed)` produces realistic, varied `TherapistListing` dicts
(real ZIPs with their `zipcodes` centroids, vocabulary ids, bios mentioning
conditions, some listings missing coordinates, names or insurance) so tests can
compare the index against a brute-force filter over the very same listings.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.records.store import RecordStore

# (ZIP, city, state): clusters a few miles apart and far apart.
PLACES = (
    ("06103", "Hartford", "CT"), ("06106", "Hartford", "CT"), ("06119", "West Hartford", "CT"),
    ("06511", "New Haven", "CT"), ("06510", "New Haven", "CT"), ("06902", "Stamford", "CT"),
    ("02116", "Boston", "MA"), ("02139", "Cambridge", "MA"), ("01103", "Springfield", "MA"),
    ("10001", "New York", "NY"), ("11201", "Brooklyn", "NY"), ("12207", "Albany", "NY"),
    ("98101", "Seattle", "WA"), ("98052", "Redmond", "WA"), ("97205", "Portland", "OR"),
    ("78701", "Austin", "TX"), ("77002", "Houston", "TX"), ("80202", "Denver", "CO"),
    ("60601", "Chicago", "IL"), ("33130", "Miami", "FL"), ("94110", "San Francisco", "CA"),
)
FIRST = ("Jane", "Maria", "Ana", "Olivia", "Sam", "Alex", "Chris", "Priya", "Kenji", "Lena", "Omar", "Grace", "Diego", "Hana")
LAST = ("Doe", "Smith", "Garcia", "Nguyen", "O'Brien", "Kowalski", "Tanaka", "Okafor", "Rossi", "Levin", "Park", "Silva")
CONDITIONS = (
    "low back pain", "neck pain", "headaches", "migraines", "sciatica", "fibromyalgia",
    "TMJ", "plantar fasciitis", "anxiety", "carpal tunnel", "frozen shoulder", "whiplash",
)
TECHNIQUES = (
    "swedish", "deep-tissue", "sports", "trigger-point", "neuromuscular", "myofascial-release",
    "craniosacral", "lymphatic-drainage", "prenatal", "hot-stone", "reflexology", "acupressure",
    "shiatsu", "thai", "medical", "cupping",
)
INSURANCE = ("health-insurance", "aetna", "bcbs", "cigna", "auto-pip", "workers-comp", "hsa-fsa", "medicare", "sliding-scale")
LANGUAGES = ("English", "Spanish", "Portuguese", "Japanese", "Mandarin")
GENDERS = ("female", "male", "non-binary", None)
CREDENTIALS = ("LMT", "CMT", "BCTMB", "NCTMB", "RMT")


def zip_coordinates() -> dict[str, tuple[float, float]]:
    import zipcodes

    out = {}
    for zip_code, _, _ in PLACES:
        row = zipcodes.matching(zip_code)[0]
        out[zip_code] = (float(row["lat"]), float(row["long"]))
    return out


def make_listings(n: int, seed: int = 1) -> list[dict]:
    """`n` varied listing dicts (TherapistListing field names), deterministic for a seed."""
    rng = random.Random(seed)
    coords = zip_coordinates()
    out = []
    for i in range(n):
        zip_code, city, state = rng.choice(PLACES)
        lat, lon = coords[zip_code]
        if rng.random() < 0.07:
            lat = lon = None  # no coordinates: never matches --near
        else:  # spread within a few miles of the ZIP centroid
            lat, lon = lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)
        techniques = rng.sample(TECHNIQUES, rng.randint(0, 4))
        insurance = rng.sample(INSURANCE, rng.choice((0, 0, 1, 2, 3)))
        conditions = rng.sample(CONDITIONS, rng.randint(0, 3))
        name = None if rng.random() < 0.03 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        bio = " ".join((
            f"I have practised massage in {city} for {rng.randint(1, 30)} years.",
            f"Clients come to me for {', '.join(conditions)}." if conditions else "Relaxation is my focus.",
            rng.choice(("I love helping athletes recover.", "Every session is tailored to you.", "Gentle and attentive work.")),
        ))
        listing = TherapistListing(
            id=f"test:{i:05d}", source="test", url=f"https://directory.example/t/{i}",
            scraped_at="2025-01-01T00:00:00+00:00", name=name,
            credentials=rng.sample(CREDENTIALS, rng.randint(0, 2)),
            business=rng.choice((None, f"{city} Bodywork", "Healing Hands Studio", "Restore Massage")),
            gender=rng.choice(GENDERS), languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
            street=f"{rng.randint(1, 999)} Main St", city=city, state=state, zip=zip_code, lat=lat, lon=lon,
            phone=f"+1860555{i:04d}", bio=bio, techniques=techniques, insurance=insurance,
            conditions=conditions, accepting_new_clients=rng.choice((True, False, None)),
        ).to_dict()
        listing["accepts_insurance"] = any(x in ("health-insurance", "aetna", "bcbs", "cigna", "medicare") for x in insurance)
        out.append(listing)
    return out


def store_listings(data_dir: DataDir, listings: list[dict]) -> list[dict]:
    """Write through the store of record; returns the listings as the store gives them back."""
    with RecordStore(data_dir.records_path) as store:
        for listing in listings:
            store.upsert(listing, crawl_id=None, seen_at="2025-01-02T03:04:05+00:00")
        store.commit()
        return list(store.listings())


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[DataDir, list[dict]]:
    """A built index of 400 synthetic listings (read-only: do not rebuild it)."""
    from index.search.generations import build_index

    data_dir = DataDir(tmp_path_factory.mktemp("corpus")).ensure()
    stored = store_listings(data_dir, make_listings(400, seed=3))
    build_index(stored, data_dir.index_root)
    return data_dir, stored


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data").ensure()


# --- One test run, several xdist workers: things built once for the run (tests/run_once.py) ---

@pytest.fixture(scope="session", autouse=True)
def _zip_cache_built_once(tmp_path_factory):
    """The ZIP table's cache file, built once per run (as a crawl builds it) and copied into each new
    data directory (index.geo.ziptable's test hook) instead of built again by every crawl."""
    import os

    import run_once

    from index.geo import ziptable

    run_once.ROOT = run_once.run_root(tmp_path_factory)
    os.environ.pop(ziptable.TEST_SEED_ENV, None)
    seed = run_once.once("zip-cache", ziptable.load) / ziptable.CACHE_NAME
    assert seed.is_file()
    os.environ[ziptable.TEST_SEED_ENV] = str(seed)
    yield
    os.environ.pop(ziptable.TEST_SEED_ENV, None)


@pytest.fixture(autouse=True)
def _no_columns_from_the_shell(monkeypatch):
    """Output widths come from COLUMNS when it is set: a shell that exports it must not change
    what tests see (tests that want a width set it themselves)."""
    monkeypatch.delenv("COLUMNS", raising=False)


# --- Shared sample crawls (one crawl read by several modules: test_refresh, test_rollback_history) ---

@pytest.fixture(scope="session")
def amta_sites():
    """Three sample directories on loopback that share their first therapists: `big` (60),
    `smaller` (54: big less its last 6) and `tiny` (20: held by the publish gate after big)."""
    from spiders.sample_site import SampleSite

    with SampleSite(size=60) as big, SampleSite(size=54) as smaller, SampleSite(size=20) as tiny:
        yield {"big": big, "smaller": smaller, "tiny": tiny}


@pytest.fixture(scope="session")
def published_big(amta_sites, tmp_path_factory) -> Path:
    """A data directory with `big` crawled by `knead crawl amta` and published (generation 1).
    Read-only: a test that crawls, rebuilds or rolls back works on a copy (shutil.copytree)."""
    from knead_proc import run_knead

    data_dir = tmp_path_factory.mktemp("published-big")
    result = run_knead("crawl", "amta", "--start-url", amta_sites["big"].start_url, "--delay", "0",
                       "--concurrency", "4", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return data_dir
