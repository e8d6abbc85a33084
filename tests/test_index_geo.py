"""index.geo: place resolution, distances and the cell prefilter's coverage."""

from __future__ import annotations

import math
import random

import pytest

from index.geo import cells, distance
from index.geo import places as geo


def test_resolve_zip_city_and_latlon():
    lat, lon, label = geo.resolve_near("06103")
    assert (round(lat, 4), round(lon, 3), label) == (41.7672, -72.676, "06103 (Hartford, CT)")
    lat, lon, label = geo.resolve_near("  hartford,  ct ")
    assert label == "Hartford, CT" and abs(lat - 41.76) < 0.1 and abs(lon + 72.68) < 0.1
    assert geo.resolve_near("41.5,-72.25") == (41.5, -72.25, "41.5000,-72.2500")


@pytest.mark.parametrize("value,message", [
    ("00000", "ZIP code '00000' does not exist."),
    ("Nowhereville, CT", "No US city named 'Nowhereville, CT'."),
    ("91,200", "'91,200' is not a valid latitude,longitude (latitude -90..90, longitude -180..180)."),
    ("hartford", "'hartford' is not a ZIP code, \"City, ST\" or \"lat,lon\"."),
    ("", "'' is not a ZIP code, \"City, ST\" or \"lat,lon\"."),
])
def test_resolve_errors(value, message):
    with pytest.raises(ValueError) as info:
        geo.resolve_near(value)
    assert str(info.value) == message


def test_haversine_known_distance():
    # Hartford to Boston, about 92 miles as the crow flies.
    assert distance.haversine_miles(41.7672, -72.676, 42.3601, -71.0589) == pytest.approx(92.5, abs=0.5)
    assert distance.haversine_miles(10, 10, 10, 10) == 0


@pytest.mark.parametrize("radius", [0.5, 3, 10, 25, 60, 150, 400, 900, 2500])
def test_covering_cells_contain_every_point_within_radius(radius):
    rng = random.Random(radius)
    for _ in range(40):
        lat0, lon0 = rng.uniform(20, 65), rng.uniform(-160, -65)
        cover = set(cells.covering_cells(lat0, lon0, radius))
        assert len(cover) <= cells.MAX_COVER_CELLS
        for _ in range(40):
            # a random point inside the circle
            bearing, dist = rng.uniform(0, 2 * math.pi), radius * math.sqrt(rng.random()) * 0.999
            lat = lat0 + dist / distance.MILES_PER_DEGREE_LAT * math.cos(bearing)
            lon = lon0 + dist / (distance.MILES_PER_DEGREE_LAT * math.cos(math.radians(lat))) * math.sin(bearing)
            if distance.haversine_miles(lat0, lon0, lat, lon) <= radius:
                assert cover & set(cells.cell_terms(lat, lon))


def test_a_new_data_directory_gets_its_zip_cache_built_from_zipcodes(tmp_path, monkeypatch):
    """Without the test run's copy (conftest.py), the first bulk lookup builds the cache in a child
    process from `zipcodes`; a later process answers single lookups from that file."""
    from index.geo import ziptable

    monkeypatch.delenv(ziptable.TEST_SEED_ENV)
    table = ziptable.load(tmp_path)
    assert table.zip_info("06103") == ziptable.ZipInfo("06103", 41.7672, -72.676, "Hartford", "CT")
    assert (tmp_path / ziptable.CACHE_NAME).read_text(encoding="utf-8").startswith("knead-zips v1\n")
    assert ziptable.CachedLookup(tmp_path).zip_info("06103") == table.zip_info("06103")
    assert ziptable.CachedLookup(tmp_path).city_centroid("west hartford", "ct") == table.city_centroid("West Hartford", "CT")
