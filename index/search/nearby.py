"""`--near`: which matches lie within the radius, and the nearest of them, exactly and cheaply.

The distance is `index.geo.distance.haversine_miles`, compared through the
haversine's intermediate term `a` (distance grows with it; only a term within
rounding of the radius's is turned into miles to decide), inlined here: a
function call per candidate was two thirds of a `--near` search at 100,000
listings.

When not every match needs its exact term (a search ordered by distance shows
a page of them; one ordered by name, none), each candidate is first tested
without trigonometry against an upper bound of its term: `sin x <= x`, and its
latitude's cosine at most the largest in the band the radius allows. One well
inside the circle is kept on that alone; only those near the rim take the
exact test. The nearest page is then exact too: a lower bound of each term is
a fixed fraction of its upper bound (`sin x >= x (1 - x^2 / 6)` and the
band's smallest cosine), so only the matches whose lower bound is within the
page's farthest upper bound can be on the page, and just those get their
exact terms. At 500,000 listings a `--near` New York search has 37,000
matches and computes about twenty exact distances for its page.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from index.geo import distance


@dataclass
class Nearby:
    """The matches within the radius, in the order given; `terms`: exact terms (all of them when
    asked for, else those the rim test computed); `upper`: per match, an upper bound of its
    term (its exact term where computed); a match's term is at least `ratio` x its bound."""

    docs: list[int]
    terms: dict[int, float] = field(default_factory=dict)
    upper: list[float] = field(default_factory=list)
    ratio: float = 0.0


def within(coords, docs: list[int], near: tuple[float, float], radius: float, every_term: bool = True) -> Nearby:
    """The documents of `docs` within `radius` miles of `near` (`coords`: the generation's lats, lons)."""
    lats, lons = coords
    lat0, lon0 = near
    # A great-circle distance is at least the latitude difference along a
    # meridian: candidates the cells let through that are too far north or
    # south are dropped without the trigonometry (NaN fails the test too).
    lat_lo, lat_hi = lat0 - radius / distance.MILES_PER_DEGREE_LAT, lat0 + radius / distance.MILES_PER_DEGREE_LAT
    rad = math.pi / 180  # math.radians multiplies by exactly this
    p1 = lat0 * rad
    cos1 = math.cos(p1)
    sin, cos, miles = math.sin, math.cos, distance.miles_from_term
    bound = distance.term_bound(radius)
    sure, unsure = bound * (1 - 1e-9), bound * (1 + 1e-9)
    found = Nearby([])
    kept, terms = found.docs, found.terms
    if every_term:
        for docnum in docs:
            lat = lats[docnum]
            if not lat_lo <= lat <= lat_hi:
                continue
            p2 = lat * rad
            a = sin((p2 - p1) / 2) ** 2 + cos1 * cos(p2) * sin((lons[docnum] - lon0) * rad / 2) ** 2
            if a > sure and (a > unsure or miles(a) > radius):
                continue
            kept.append(docnum)
            terms[docnum] = a
        return found
    band_lo, band_hi = max(lat_lo, -90.0) * rad, min(lat_hi, 90.0) * rad
    cos_max = 1.0 if band_lo <= 0 <= band_hi else max(cos(band_lo), cos(band_hi))
    cos_min = min(cos(band_lo), cos(band_hi))
    half = rad / 2
    k_lat, k_lon = half * half, cos1 * cos_max * half * half
    inside = sure * (1 - 1e-6)  # room for the bound's own rounding
    # The largest half-angle of a match (radians), for the sine's lower bound.
    widest = max(radius / (2 * distance.EARTH_RADIUS_MILES),
                 math.sqrt(bound / (cos1 * cos_min)) if cos1 * cos_min > 0 else math.inf)
    if widest < 1 and cos_max > 0:
        found.ratio = (1 - widest * widest / 3) * (cos_min / cos_max) * (1 - 1e-9)
    append, upper = kept.append, found.upper.append
    for docnum in docs:
        lat = lats[docnum]
        if not lat_lo <= lat <= lat_hi:
            continue
        d_lat, d_lon = lat - lat0, lons[docnum] - lon0
        u = k_lat * d_lat * d_lat + k_lon * d_lon * d_lon
        if u <= inside:
            append(docnum)
            upper(u)
            continue
        p2 = lat * rad
        a = sin((p2 - p1) / 2) ** 2 + cos1 * cos(p2) * sin(d_lon * rad / 2) ** 2
        if a > sure and (a > unsure or miles(a) > radius):
            continue
        append(docnum)
        upper(a)
        terms[docnum] = a
    return found


def terms_of(coords, docs: list[int], near: tuple[float, float]) -> dict[int, float]:
    """The exact haversine terms of `docs` from `near`."""
    return within(coords, docs, near, math.inf).terms


def nearest(coords, found: Nearby, near: tuple[float, float], limit: int | None) -> tuple[list[int], dict[int, float]]:
    """The `limit` matches nearest `near` (all of them when None), ties in document order, and
    their exact terms."""
    docs = found.docs
    if limit is None or len(docs) <= limit or limit < 1 or found.ratio <= 0:
        terms = found.terms if len(found.terms) == len(docs) else terms_of(coords, docs, near)
        return sorted(docs, key=lambda d: (terms[d], d))[:limit], terms
    farthest = heapq.nsmallest(limit, found.upper)[-1]  # the page's farthest is no farther than this
    cut = farthest / found.ratio
    candidates = [d for d, u in zip(docs, found.upper) if u <= cut]
    terms = terms_of(coords, candidates, near)
    return sorted(candidates, key=lambda d: (terms[d], d))[:limit], terms
