"""US state outlines for the HTML export's map, from the boundaries mapcraft ships in its wheel.

mapcraft bundles the us-atlas "states-10m" TopoJSON (US Census TIGER,
public domain) and decodes it into rings of longitude/latitude; nothing is
fetched. knead keeps the states whose bounding box meets the map's, projects
them with the map's own projection and drops points less than a pixel from
the last one kept, so a city-wide map carries a few hundred points of
border, not the whole country's fourteen thousand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

PACK = "us-states-2024"  # mapcraft's pack of state boundaries (TIGER via us-atlas, 2024 vintage)
MIN_STEP_PX = 1.0  # a point nearer than this to the previous one adds nothing visible


@dataclass(frozen=True)
class State:
    name: str
    box: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
    rings: tuple[tuple[tuple[float, float], ...], ...]  # (lon, lat) points, each ring closed by the path


@lru_cache(maxsize=1)
def states() -> tuple[State, ...]:
    """Every state, DC and territory in the pack (decoded once per process, about 35 ms)."""
    import mapcraft
    from mapcraft import topology

    pack = mapcraft.load(PACK)
    out = []
    for shape in topology.shapes(pack.topology, pack.object_name, lambda geometry: geometry.get("id")):
        # Alaska's western Aleutians lie past 180°: written as west longitudes, so that no ring
        # jumps across the whole map (and Guam's east longitudes stay far off any US map).
        rings = tuple(tuple((lon - 360 if lon > 0 else lon, lat) for lon, lat in ring) for ring in shape.rings)
        lons = [lon for ring in rings for lon, _ in ring]
        lats = [lat for ring in rings for _, lat in ring]
        region = pack.regions.get(shape.region_id)
        out.append(State(region.name if region else shape.region_id, (min(lons), min(lats), max(lons), max(lats)),
                         rings))
    return tuple(out)


def outline_paths(view: tuple[float, float, float, float],
                  xy: Callable[[float, float], tuple[float, float]]) -> list[tuple[str, str]]:
    """(state name, SVG path data) for each state whose box meets `view` (lon_min, lat_min, lon_max,
    lat_max), in map coordinates by `xy(lat, lon)`."""
    paths = []
    for state in states():
        box = state.box
        if box[0] > view[2] or box[2] < view[0] or box[1] > view[3] or box[3] < view[1]:
            continue
        rings = []
        for ring in state.rings:
            points: list[tuple[float, float]] = []
            for lon, lat in ring:
                x, y = xy(lat, lon)
                if not points or math.hypot(x - points[-1][0], y - points[-1][1]) >= MIN_STEP_PX:
                    points.append((x, y))
            if len(points) >= 3:
                rings.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        if rings:
            paths.append((state.name, "".join(rings)))
    return paths
