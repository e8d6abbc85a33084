"""ZIP to latitude/longitude, offline, from the `zipcodes` table (index.geo.ziptable).

The ZIP's centroid is the listing's position (a directory rarely gives more).
Without a ZIP, the centroid of the city's ZIPs stands in, so "West Hartford, CT"
still answers a `--near` search. A ZIP that does not exist, or lies in another
state than the address says, is counted as invalid and not used. Loading the
table also writes the data directory's ZIP cache that `knead search --near` reads.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from itemadapter import ItemAdapter

from index.geo import ziptable
from index.records.datadir import DataDir
from spiders.pipelines import StatsPipeline


class Located(NamedTuple):
    lat: float | None
    lon: float | None
    state: str | None
    zip: str | None  # None when the ZIP does not exist or lies in another state
    counts: tuple[str, ...]  # what to count: field/zip/invalid, geocode/city_centroid, geocode/missing


def locate(table: ziptable.ZipTable, zip5: str | None, state: str | None, city: str | None) -> Located:
    """Where a listing is, from its ZIP or else its city: the pipeline's rule as a plain function
    (the bulk import calls it too)."""
    counts: tuple[str, ...] = ()
    if zip5:
        found = table.zip_info(zip5)
        if found and (not state or found.state == state):
            return Located(found.lat, found.lon, state or found.state, zip5, counts)
        counts, zip5 = ("field/zip/invalid",), None
    if city and state:
        position = table.city_centroid(city, state)
        if position:
            return Located(*position, state, zip5, (*counts, "geocode/city_centroid"))
    return Located(None, None, state, zip5, (*counts, "geocode/missing"))


class GeocodePipeline(StatsPipeline):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.cache_dir = DataDir.resolve(crawler.settings.get("KNEAD_DATA_DIR")).root
        self.table: ziptable.ZipTable | None = None

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("lat") is not None and adapter.get("lon") is not None:
            return item
        if self.table is None:
            self.table = ziptable.load(self.cache_dir)
        had_zip = adapter.get("zip")
        found = locate(self.table, had_zip, adapter.get("state"), adapter.get("city"))
        for key in found.counts:
            self.inc(key)
        if had_zip and found.zip is None:
            adapter["zip"] = None
        if found.lat is not None:
            adapter["lat"], adapter["lon"] = found.lat, found.lon
            adapter["state"] = found.state
        return item
