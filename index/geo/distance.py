"""Great-circle distance: haversine in statute miles, and the cheap bounds `--near` uses.

`index.search` filters by the haversine's intermediate term `a` (distance grows
with it) and turns only the page's terms into miles, so the term is public
here beside the distance itself.
"""

from __future__ import annotations

import math

EARTH_RADIUS_MILES = 3958.7613
MILES_PER_DEGREE_LAT = 69.0934  # 2*pi*R/360


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

