"""Grid cells: the pre-computed terms that make `--near` a cheap keyword filter.

A float `NumericRange` box on lat/lon is the slowest Whoosh filter there is
(traps.md), so every located document carries the cells of a lat/lon grid
that contain it, at several resolutions (`cell_terms`). A `--near` search
picks the finest resolution whose cells cover the circle's bounding box in at
most `MAX_COVER_CELLS` cells (`covering_cells`), and the filter is a keyword
`Or` of those few terms. The candidates are a superset (cells are squares);
the exact distance (index.geo.distance) decides.
"""

from __future__ import annotations

import math

from index.geo.distance import MILES_PER_DEGREE_LAT

# Grid resolutions, in degrees, finest first. 0.05 deg is ~3.5 miles of
# latitude: a 5-mile radius covers ~16 cells; 0.2 deg suits 10-40 miles;
# 1 deg suits 40-200 miles; 5 deg suits anything up to ~1000 miles.
CELL_SIZES: tuple[float, ...] = (0.05, 0.2, 1.0, 5.0)
# Above this many cells at the coarsest level we do not filter by cells at all
# (the radius is continental): every document with coordinates is a candidate.
MAX_COVER_CELLS = 64
# The term every located document carries, for the "no cell filter" case.
ANY_CELL = "any"


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

