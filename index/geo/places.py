"""Places for `--near`: a ZIP code, "City, ST" or "lat,lon" resolved to a point.

The ZIP table is loaded only inside `resolve_near`, i.e. only when someone
actually asks for `--near`, and from a compact cache (index.geo.ziptable).
"""

from __future__ import annotations

import os
import re

from index.geo.distance import valid_coordinates

# The radius of a `--near` search when none is given.
DEFAULT_RADIUS_MILES = 25.0

_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_CITY_STATE = re.compile(r"^\s*(.+?)\s*,\s*([A-Za-z]{2})\s*$")


def resolve_near(text: str, cache_dir: str | os.PathLike[str] | None = None) -> tuple[float, float, str]:
    """Turn a `--near` value into (lat, lon, label).

    Accepts a 5-digit ZIP (or ZIP+4), "City, ST" (the mean of that city's ZIP
    centroids, any case) or "lat,lon". Raises ValueError naming the value when
    it is malformed or names no known place. With `cache_dir` (the data
    directory) the ZIP table is read from its compact cache (index.geo.ziptable).
    """
    value = (text or "").strip()
    m = _LATLON.match(value)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not valid_coordinates(lat, lon):
            raise ValueError(f"'{value}' is not a valid latitude,longitude (latitude -90..90, longitude -180..180).")
        return lat, lon, f"{lat:.4f},{lon:.4f}"
    m = _ZIP.match(value)
    if m:
        info = _zip_table(cache_dir).zip_info(m.group(1))
        if info is None:
            raise ValueError(f"ZIP code '{m.group(1)}' does not exist.")
        return info.lat, info.lon, f"{m.group(1)} ({info.city}, {info.state})"
    m = _CITY_STATE.match(value)
    if m:
        city, state = m.group(1), m.group(2).upper()
        position = _zip_table(cache_dir).city_centroid(city, state)
        if position is None:
            raise ValueError(f"No US city named '{city}, {state}'.")
        return position[0], position[1], f"{_title(city)}, {state}"
    raise ValueError(f"'{value}' is not a ZIP code, \"City, ST\" or \"lat,lon\".")


def _zip_table(cache_dir: str | os.PathLike[str] | None):
    # Imported here: only `--near` needs ZIP positions.
    from index.geo import ziptable

    return ziptable.CachedLookup(cache_dir) if cache_dir else ziptable.load()


def _title(city: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in city.split())
