"""GeoJSON (RFC 7946): a FeatureCollection with one Point Feature per listing.

Coordinates are `[longitude, latitude]` (WGS 84, as the spec requires), the
Feature `id` is the listing id, and `properties` hold the whole listing object
as the JSON export has it, so any map tool (QGIS, geojson.io, Leaflet, kepler)
can show and filter it. Listings without coordinates cannot be placed: they
are left out and counted in a note for stderr.
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO


def point(row: dict[str, Any]) -> list[float] | None:
    """[lon, lat] when the listing has valid coordinates, else None."""
    lat, lon = row.get("lat"), row.get("lon")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lat, lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return [lon, lat]


def write(export, out: TextIO) -> list[str]:
    features, left_out = [], 0
    for row in export.results:
        coordinates = point(row)
        if coordinates is None:
            left_out += 1
            continue
        features.append({"type": "Feature", "id": row.get("id"),
                         "geometry": {"type": "Point", "coordinates": coordinates}, "properties": row})
    out.write('{"type": "FeatureCollection", "features": [')
    for i, feature in enumerate(features):  # one feature per line: diffable, streamable
        out.write(("," if i else "") + "\n" + json.dumps(feature, ensure_ascii=False))
    out.write("\n]}\n")
    if left_out:
        noun = "listing" if left_out == 1 else "listings"
        return [f"Left out {left_out} {noun} without coordinates from the GeoJSON."]
    return []
