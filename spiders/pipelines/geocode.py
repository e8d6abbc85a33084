"""ZIP to latitude/longitude, offline, with the `zipcodes` package.

The ZIP's centroid is the listing's position (a directory rarely gives more).
Without a ZIP, the centroid of the city's ZIPs stands in, so "West Hartford, CT"
still answers a `--near` search. A ZIP that does not exist, or lies in another
state than the address says, is counted as invalid and not used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from itemadapter import ItemAdapter

from spiders.pipelines import StatsPipeline


@lru_cache(maxsize=65536)
def zip_position(zip5: str) -> tuple[float, float, str] | None:
    import zipcodes

    try:
        found = zipcodes.matching(zip5)
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    return float(found[0]["lat"]), float(found[0]["long"]), found[0]["state"]


@lru_cache(maxsize=16384)
def city_position(city: str, state: str) -> tuple[float, float] | None:
    import zipcodes

    found = [z for z in zipcodes.filter_by(state=state) if z["city"].lower() == city.lower() and z["lat"]]
    if not found:
        return None
    lat = sum(float(z["lat"]) for z in found) / len(found)
    lon = sum(float(z["long"]) for z in found) / len(found)
    return round(lat, 5), round(lon, 5)


class GeocodePipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("lat") is not None and adapter.get("lon") is not None:
            return item
        zip5, state = adapter.get("zip"), adapter.get("state")
        if zip5:
            found = zip_position(zip5)
            if found and (not state or found[2] == state):
                adapter["lat"], adapter["lon"] = found[0], found[1]
                adapter["state"] = state or found[2]
                return item
            self.inc("field/zip/invalid")
            adapter["zip"] = None
        if adapter.get("city") and state:
            position = city_position(adapter["city"], state)
            if position:
                adapter["lat"], adapter["lon"] = position
                self.inc("geocode/city_centroid")
                return item
        self.inc("geocode/missing")
        return item
