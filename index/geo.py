"""Geography for `--near`: resolving a place, great-circle distance, and grid cells.

Distance filtering is two steps, because a float `NumericRange` box on lat/lon
is the slowest Whoosh filter there is (traps.md):

1. Every document carries pre-computed *cell terms*: the cells of a lat/lon
   grid that contain it, at several resolutions (`cell_terms`). A `--near`
   search picks the finest resolution whose cells cover the circle's bounding
   box in at most `MAX_COVER_CELLS` cells (`covering_cells`), and the filter
   is a keyword `Or` of those few terms: cheap posting lists, no ranges.
2. The candidates the cells let through (a superset: cells are squares) get
   their exact great-circle distance from `haversine_miles`, and those beyond
   the radius are dropped.

The ZIP table is loaded only inside `resolve_near`, i.e. only when someone
actually asks for `--near`, and from a compact cache (index.ziptable).
"""

from __future__ import annotations

import math
import os
import re

EARTH_RADIUS_MILES = 3958.7613
MILES_PER_DEGREE_LAT = 69.0934  # 2*pi*R/360

# Grid resolutions, in degrees, finest first. 0.05 deg is ~3.5 miles of
# latitude: a 5-mile radius covers ~16 cells; 0.2 deg suits 10-40 miles;
# 1 deg suits 40-200 miles; 5 deg suits anything up to ~1000 miles.
CELL_SIZES: tuple[float, ...] = (0.05, 0.2, 1.0, 5.0)
# Above this many cells at the coarsest level we do not filter by cells at all
# (the radius is continental): every document with coordinates is a candidate.
MAX_COVER_CELLS = 64
# The term every located document carries, for the "no cell filter" case.
ANY_CELL = "any"

_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_CITY_STATE = re.compile(r"^\s*(.+?)\s*,\s*([A-Za-z]{2})\s*$")


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in statute miles between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return miles_from_term(a)


def miles_from_term(a: float) -> float:
    """The distance in miles for haversine's intermediate term `a` (distance grows with it)."""
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def term_bound(radius_miles: float) -> float:
    """The largest haversine term `a` of a point within `radius_miles` (up to rounding)."""
    return math.sin(min(math.pi / 2, radius_miles / (2 * EARTH_RADIUS_MILES))) ** 2


def valid_coordinates(lat: object, lon: object) -> bool:
    """True for a finite (lat, lon) pair on the globe (bools are not numbers here)."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return False
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def _cell(level: int, lat: float, lon: float) -> str:
    size = CELL_SIZES[level]
    return f"{level}:{math.floor(lat / size)}:{math.floor(lon / size)}"


def cell_terms(lat: float, lon: float) -> list[str]:
    """The cell terms of one point, one per resolution, plus `ANY_CELL`."""
    return [_cell(level, lat, lon) for level in range(len(CELL_SIZES))] + [ANY_CELL]


def covering_cells(lat: float, lon: float, radius_miles: float) -> list[str]:
    """Cell terms whose union contains every point within `radius_miles` of (lat, lon).

    Uses the circle's bounding box (widened in longitude by the cosine of the
    latitude nearest the pole); returns `[ANY_CELL]` when the box is too large
    for `MAX_COVER_CELLS` cells even at the coarsest level, or crosses a pole or
    the antimeridian (rare for US listings, and `ANY_CELL` is always correct).
    """
    dlat = radius_miles / MILES_PER_DEGREE_LAT
    lat_lo, lat_hi = lat - dlat, lat + dlat
    if lat_lo <= -90 or lat_hi >= 90:
        return [ANY_CELL]
    cos_min = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlon = radius_miles / (MILES_PER_DEGREE_LAT * cos_min)
    lon_lo, lon_hi = lon - dlon, lon + dlon
    if lon_lo < -180 or lon_hi > 180:
        return [ANY_CELL]
    for level, size in enumerate(CELL_SIZES):
        i_lo, i_hi = math.floor(lat_lo / size), math.floor(lat_hi / size)
        j_lo, j_hi = math.floor(lon_lo / size), math.floor(lon_hi / size)
        if (i_hi - i_lo + 1) * (j_hi - j_lo + 1) <= MAX_COVER_CELLS:
            return [f"{level}:{i}:{j}" for i in range(i_lo, i_hi + 1) for j in range(j_lo, j_hi + 1)]
    return [ANY_CELL]


def resolve_near(text: str, cache_dir: str | os.PathLike[str] | None = None) -> tuple[float, float, str]:
    """Turn a `--near` value into (lat, lon, label).

    Accepts a 5-digit ZIP (or ZIP+4), "City, ST" (the mean of that city's ZIP
    centroids, any case) or "lat,lon". Raises ValueError naming the value when
    it is malformed or names no known place. With `cache_dir` (the data
    directory) the ZIP table is read from its compact cache (index.ziptable).
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
    from index import ziptable

    return ziptable.CachedLookup(cache_dir) if cache_dir else ziptable.load()


def _title(city: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in city.split())
