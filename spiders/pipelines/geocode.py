"""ZIP to latitude/longitude, offline, from the `zipcodes` table (index.geo.ziptable).

The ZIP's centroid is the listing's position (a directory rarely gives more).
Without a ZIP, the centroid of the city's ZIPs stands in, so "West Hartford, CT"
still answers a `--near` search. A ZIP that does not exist, or lies in another
state than the address says, is counted as invalid and not used. Loading the
table also writes the data directory's ZIP cache that `knead search --near` reads.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from index.geo import ziptable
from index.records.datadir import DataDir
from spiders.pipelines import StatsPipeline


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
        zip5, state = adapter.get("zip"), adapter.get("state")
        if zip5:
            found = self.table.zip_info(zip5)
            if found and (not state or found.state == state):
                adapter["lat"], adapter["lon"] = found.lat, found.lon
                adapter["state"] = state or found.state
                return item
            self.inc("field/zip/invalid")
            adapter["zip"] = None
        if adapter.get("city") and state:
            position = self.table.city_centroid(adapter["city"], state)
            if position:
                adapter["lat"], adapter["lon"] = position
                self.inc("geocode/city_centroid")
                return item
        self.inc("geocode/missing")
        return item
