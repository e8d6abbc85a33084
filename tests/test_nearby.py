"""`--near` without every exact distance (index.search.nearby): the same matches, the same nearest page.

A search ordered by distance shows one page: matches well inside the radius
are kept on a bound without trigonometry, and only the few that can be on the
page get exact distances. Checked against the exhaustive rule (every
candidate's haversine, sorted) on random points, including the rim of the
radius, the antimeridian, high latitudes and exact ties.
"""

from __future__ import annotations

import math
import random
from array import array

import pytest

from index.geo.distance import haversine_miles
from index.search import nearby


def _points(rng: random.Random, centre: tuple[float, float], spread: float, n: int):
    lats, lons = array("d"), array("d")
    for _ in range(n):
        lat = max(-90.0, min(90.0, centre[0] + rng.uniform(-spread, spread)))
        lon = centre[1] + rng.uniform(-spread * 2, spread * 2)
        lon = (lon + 180) % 360 - 180
        lats.append(lat)
        lons.append(lon)
    lats.append(math.nan)  # a listing without coordinates is never near anything
    lons.append(math.nan)
    return lats, lons


def _exhaustive(coords, near, radius):
    lats, lons = coords
    inside = [d for d in range(len(lats)) if not math.isnan(lats[d])
              and haversine_miles(near[0], near[1], lats[d], lons[d]) <= radius]
    return sorted(inside, key=lambda d: (haversine_miles(near[0], near[1], lats[d], lons[d]), d))


@pytest.mark.parametrize("centre", [(40.75, -74.0), (47.6, -122.3), (64.8, -147.7), (-33.9, 151.2),
                                    (0.2, 32.6), (51.0, 179.9), (-41.3, -179.95)])
def test_the_nearest_page_and_the_matches_are_the_exhaustive_ones(centre):
    rng = random.Random(hash(centre) & 0xFFFF)
    coords = _points(rng, centre, 1.5, 3000)
    docs = list(range(len(coords[0])))
    for radius in (1.0, 10.0, 25.0, 60.0):
        expected = _exhaustive(coords, centre, radius)
        found = nearby.within(coords, docs, centre, radius, every_term=False)
        assert sorted(found.docs) == sorted(expected)
        for limit in (0, 1, 20, 100):
            page, terms = nearby.nearest(coords, found, centre, limit)
            assert page == expected[:limit], (radius, limit)
            for d in page:  # the distances shown are the haversine's
                lat, lon = coords[0][d], coords[1][d]
                assert math.isclose(nearby.distance.miles_from_term(terms[d]),
                                    haversine_miles(centre[0], centre[1], lat, lon), rel_tol=1e-9, abs_tol=1e-9)
        assert nearby.within(coords, docs, centre, radius).docs == found.docs  # the exact rule keeps the same


def test_points_on_the_rim_and_tied_distances():
    centre, radius = (40.0, -75.0), 10.0
    lats, lons = array("d"), array("d")
    for k in range(720):  # a ring exactly at the radius and at a hair inside and outside it
        bearing = math.radians(k / 2)
        for miles in (radius * (1 - 1e-7), radius, radius * (1 + 1e-7), 3.0, 3.0):
            angle = miles / nearby.distance.EARTH_RADIUS_MILES
            lat1, lon1 = math.radians(centre[0]), math.radians(centre[1])
            lat = math.asin(math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing))
            lon = lon1 + math.atan2(math.sin(bearing) * math.sin(angle) * math.cos(lat1),
                                    math.cos(angle) - math.sin(lat1) * math.sin(lat))
            lats.append(math.degrees(lat))
            lons.append(math.degrees(lon))
    coords = (lats, lons)
    docs = list(range(len(lats)))
    found = nearby.within(coords, docs, centre, radius, every_term=False)
    assert found.docs == nearby.within(coords, docs, centre, radius).docs
    assert sorted(found.docs) == sorted(_exhaustive(coords, centre, radius))
    page, _ = nearby.nearest(coords, found, centre, 20)
    assert page == _exhaustive(coords, centre, radius)[:20]  # the 3-mile pairs tie: document order
