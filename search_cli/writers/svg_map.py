"""An inline SVG map of the results: a dot per listing, and the `--near` origin and radius.

No tiles, no network: a plain equirectangular projection (x = longitude x
cos(middle latitude), y = latitude) fitted to the bounding box of the dots,
the origin and the ring, with a scale bar in miles. Over a few hundred miles
this keeps distances and shapes right to within a few per cent, which is all a
"who is near me" map needs. Each dot links to its table row (`#listing-N`)
and carries the listing's name as a tooltip; every string is XML-escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH = 800  # the viewBox; the page scales it to the window
MAX_HEIGHT = 560
PAD = 36
MIN_SPAN_DEGREES = 0.02  # about a mile: one dot alone still gets a map
NAMED_DOTS = 40  # more dots than this are labelled with their row number only
MILES_PER_DEGREE_LAT = 69.05
MILES_PER_DEGREE_LON_EQUATOR = 69.17


@dataclass(frozen=True)
class Dot:
    number: int  # row number in the table
    lat: float
    lon: float
    label: str
    title: str


class Projection:
    """Longitude/latitude -> SVG x/y, fitted to a bounding box with padding."""

    def __init__(self, lats: list[float], lons: list[float]):
        lat_min, lat_max = min(lats), max(lats)
        lon_min, lon_max = min(lons), max(lons)
        self.k = math.cos(math.radians((lat_min + lat_max) / 2))
        span_y = max(lat_max - lat_min, MIN_SPAN_DEGREES)
        span_x = max((lon_max - lon_min) * self.k, MIN_SPAN_DEGREES * self.k)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
        self.height = round(span_y * self.scale + 2 * PAD)
        # Centre the drawing in the box when one axis has room to spare.
        self.x0 = (WIDTH - (lon_max - lon_min) * self.k * self.scale) / 2
        self.y0 = (self.height - (lat_max - lat_min) * self.scale) / 2
        self.lon_min, self.lat_max = lon_min, lat_max

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.x0 + (lon - self.lon_min) * self.k * self.scale,
                self.y0 + (self.lat_max - lat) * self.scale)

    def miles_to_px(self, miles: float) -> float:
        return miles / MILES_PER_DEGREE_LAT * self.scale


def ring_degrees(lat: float, miles: float) -> tuple[float, float]:
    """The half-extent of a `miles` radius around latitude `lat`, in degrees (lat, lon)."""
    return miles / MILES_PER_DEGREE_LAT, miles / (MILES_PER_DEGREE_LON_EQUATOR * max(math.cos(math.radians(lat)), 0.01))


def nice_miles(target: float) -> float:
    """The 1-2-5 step closest below `target` miles, for the scale bar."""
    if target <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def render(dots: list[Dot], near: tuple[float, float, str] | None = None, radius_miles: float | None = None) -> str:
    """The `<svg>` element (empty string when there is nothing to place)."""
    if not dots and near is None:
        return ""
    lats = [d.lat for d in dots]
    lons = [d.lon for d in dots]
    if near is not None:
        dlat, dlon = ring_degrees(near[0], radius_miles or 0)
        lats += [near[0] - dlat, near[0] + dlat]
        lons += [near[1] - dlon, near[1] + dlon]
    p = Projection(lats, lons)
    n = len(dots)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {p.height}" class="map" role="img" '
              f'aria-label="Map of {n} listing{"s" if n != 1 else ""}">'),
             f'<rect class="ground" x="0" y="0" width="{WIDTH}" height="{p.height}"/>']
    if near is not None:
        x, y = p.xy(near[0], near[1])
        if radius_miles:
            dlat, dlon = ring_degrees(near[0], radius_miles)
            parts.append(f'<ellipse class="ring" cx="{x:.1f}" cy="{y:.1f}" rx="{dlon * p.k * p.scale:.1f}" '
                         f'ry="{dlat * p.scale:.1f}"><title>{escape(f"{radius_miles:g} miles")}</title></ellipse>')
    for dot in dots:
        x, y = p.xy(dot.lat, dot.lon)
        label = dot.label if n <= NAMED_DOTS else str(dot.number)
        parts.append(f'<a href="#listing-{dot.number}" class="listing"><circle class="dot" cx="{x:.1f}" cy="{y:.1f}" '
                     f'r="5" data-row="{dot.number}"><title>{escape(dot.title)}</title></circle>'
                     f'<text x="{x + 7:.1f}" y="{y + 4:.1f}">{escape(label)}</text></a>')
    if near is not None:  # drawn last: on top of the dots around it
        x, y = p.xy(near[0], near[1])
        parts.append(f'<circle class="origin" cx="{x:.1f}" cy="{y:.1f}" r="6"><title>{escape(near[2])}</title></circle>'
                     f'<text class="origin-label" x="{x + 9:.1f}" y="{y - 9:.1f}">{escape(near[2])}</text>')
    bar = nice_miles((WIDTH / 5) / p.miles_to_px(1))  # about a fifth of the width
    bar_px = p.miles_to_px(bar)
    yb = p.height - 14
    parts.append(f'<g class="scale"><line x1="14" y1="{yb}" x2="{14 + bar_px:.1f}" y2="{yb}"/>'
                 f'<text x="14" y="{yb - 5}">{bar:g} mi</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
