"""An inline SVG map of the results: a marker per place, and the `--near` origin and radius.

No tiles, no network: a plain equirectangular projection (x = longitude x
cos(middle latitude), y = latitude) fitted to the bounding box of the dots,
the origin and the ring, with a scale bar in miles. Over a few hundred miles
this keeps distances and shapes right to within a few per cent, which is all a
"who is near me" map needs.

Listings at one place (a shared office, a ZIP's centroid, or just too close
to tell apart at the map's scale) are one marker carrying their count, so no
marker hides another; each marker links to its first table row
(`#listing-N`) and lists every listing there in its tooltip. Labels are set
by `map_labels` so that none covers another label, a marker or the origin;
the origin is a ring drawn under the markers, so a marker standing on it
still shows. Every string is XML-escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from search_cli.writers import map_labels

WIDTH = 800  # the viewBox; the page scales it to the window
MAX_HEIGHT = 560
PAD = 44  # room for the largest marker and, at the bottom, the scale bar below it
MIN_SPAN_DEGREES = 0.02  # about a mile: one dot alone still gets a map
MERGE_CELL = 40  # grid cell for finding touching markers: more than two of the largest radii, and halos
NAMED_DOTS = 40  # more points than this are labelled with their row numbers only
LABEL_NAME_CHARS = 28  # a longer name is cut (with an ellipsis) in its label; the tooltip has it whole
LABELLED_POINTS = 400  # points beyond this get no label: the map has no room for more, and placing costs time
ORIGIN_RADIUS = 13  # the --near ring, wide enough to show around a marker standing on it
MILES_PER_DEGREE_LAT = 69.05
MILES_PER_DEGREE_LON_EQUATOR = 69.17


@dataclass(frozen=True)
class Dot:
    number: int  # row number in the table
    lat: float
    lon: float
    name: str  # what its label says after the row number
    title: str  # its line in the marker's tooltip


def marker_radius(count: int) -> float:
    """A lone listing's dot, or a disc wide enough for the count it carries."""
    for below, radius in ((2, 5.0), (10, 8.0), (100, 9.0), (1000, 11.0), (10000, 13.0)):
        if count < below:
            return radius
    return 16.0


@dataclass
class Point:
    """One marker, at (x, y) on the map: the listings there, in table order."""

    x: float
    y: float
    dots: list[Dot]

    @property
    def radius(self) -> float:
        return marker_radius(len(self.dots))


@dataclass(frozen=True)
class MapDrawing:
    svg: str
    listings: int  # dots drawn
    points: int  # markers drawn
    stacked: int  # markers standing for more than one listing
    unlabelled: int  # markers whose label found no room (their tooltip and the table still name them)


def merge_touching(dots: list[Dot], p: Projection) -> list[Point]:
    """One marker per place: listings whose markers would touch or cover each other on this map (the
    same address, a ZIP's centroid, the next building) join the marker of the first of them, which
    then counts them. Repeated until no two markers touch, since a marker grows with its count."""
    points = [Point(*p.xy(d.lat, d.lon), [d]) for d in dots]
    while True:
        kept: list[Point] = []
        grid: dict[tuple[int, int], list[Point]] = {}
        for pt in points:
            cx, cy = int(pt.x // MERGE_CELL), int(pt.y // MERGE_CELL)
            near = (other for i in (-1, 0, 1) for j in (-1, 0, 1) for other in grid.get((cx + i, cy + j), ()))
            into = next((o for o in near if math.hypot(o.x - pt.x, o.y - pt.y)
                         < o.radius + pt.radius + 2 * map_labels.MARKER_HALO), None)
            if into is None:
                kept.append(pt)
                grid.setdefault((cx, cy), []).append(pt)
            else:
                into.dots.extend(pt.dots)
        if len(kept) == len(points):
            for pt in kept:
                pt.dots.sort(key=lambda d: d.number)
            return kept
        points = kept


def row_numbers(dots: list[Dot], shown: int = 3) -> str:
    """"1\u20135, 9, 12" (runs as ranges; the first `shown` runs, then an ellipsis)."""
    runs: list[list[int]] = []
    for number in (d.number for d in dots):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    text = ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}\u2013{b}" for a, b in runs[:shown])
    return text + (", \u2026" if len(runs) > shown else "")


def label_texts(point: Point, named: bool) -> list[str]:
    """What a point's label says, most telling first: "1. Ana Lopez" or "1, 5, 9: Ana Lopez +2",
    then the row numbers alone for a tight spot."""
    rows = row_numbers(point.dots)
    if not named:
        return [rows]
    first = point.dots[0]
    name = first.name if len(first.name) <= LABEL_NAME_CHARS else first.name[:LABEL_NAME_CHARS - 1].rstrip() + "\u2026"
    if len(point.dots) == 1:
        return [f"{first.number}. {name}", rows]
    return [f"{rows}: {name} +{len(point.dots) - 1}", rows]


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

    def view(self) -> tuple[float, float, float, float]:
        """The longitude/latitude box the whole drawing shows: lon_min, lat_min, lon_max, lat_max."""
        return (self.lon_min - self.x0 / (self.k * self.scale), self.lat_max - (self.height - self.y0) / self.scale,
                self.lon_min + (WIDTH - self.x0) / (self.k * self.scale), self.lat_max + self.y0 / self.scale)

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


def place_labels(p: Projection, points: list[Point], origin: tuple[float, float] | None, origin_text: str,
                 scale_box: map_labels.Box) -> tuple[map_labels.Placed | None, list[map_labels.Placed | None]]:
    """The origin's label, then each point's in table order (None: no room, or past LABELLED_POINTS)."""
    markers = [(pt.x, pt.y, pt.radius) for pt in points]
    if origin is not None:
        markers.append((*origin, ORIGIN_RADIUS + 1))  # the ring's stroke is 3
    placer = map_labels.LabelPlacer((2.0, 2.0, WIDTH - 2.0, p.height - 2.0), [scale_box], markers)
    origin_label = placer.place(*origin, ORIGIN_RADIUS + 1, [origin_text]) if origin is not None else None
    named = len(points) <= NAMED_DOTS
    labels = [placer.place(pt.x, pt.y, pt.radius, label_texts(pt, named)) if i < LABELLED_POINTS else None
              for i, pt in enumerate(points)]
    return origin_label, labels


def render(dots: list[Dot], near: tuple[float, float, str] | None = None,
           radius_miles: float | None = None) -> MapDrawing | None:
    """The `<svg>` map and what it shows (None when there is nothing to place)."""
    if not dots and near is None:
        return None
    lats = [d.lat for d in dots]
    lons = [d.lon for d in dots]
    if near is not None:
        dlat, dlon = ring_degrees(near[0], radius_miles or 0)
        lats += [near[0] - dlat, near[0] + dlat]
        lons += [near[1] - dlon, near[1] + dlon]
    p = Projection(lats, lons)
    points = merge_touching(dots, p)
    at = [(pt.x, pt.y) for pt in points]
    origin = p.xy(near[0], near[1]) if near is not None else None
    bar = nice_miles((WIDTH / 5) / p.miles_to_px(1))  # about a fifth of the width
    bar_px, yb = p.miles_to_px(bar), p.height - 12
    scale_label = f"{bar:g} mi"
    scale_box = (14.0, yb - 5 - map_labels.ASCENT * map_labels.FONT_PX,
                 14 + max(bar_px, map_labels.text_width(scale_label)), yb + 2.0)
    origin_label, labels = place_labels(p, points, origin, near[2] if near else "", scale_box)

    n = len(dots)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {p.height}" class="map" role="img" '
              f'aria-label="Map of {n} listing{"s" if n != 1 else ""} at {len(points)} '
              f'point{"s" if len(points) != 1 else ""}">'),
             f'<rect class="ground" x="0" y="0" width="{WIDTH}" height="{p.height}"/>']
    if origin is not None and radius_miles:
        dlat, dlon = ring_degrees(near[0], radius_miles)
        parts.append(f'<ellipse class="ring" cx="{origin[0]:.1f}" cy="{origin[1]:.1f}" rx="{dlon * p.k * p.scale:.1f}" '
                     f'ry="{dlat * p.scale:.1f}"><title>{escape(f"{radius_miles:g} miles")}</title></ellipse>')
    for placed in (origin_label, *labels):  # leaders first: under every marker and label
        if placed is not None and placed.leader is not None:
            x1, y1, x2, y2 = placed.leader
            parts.append(f'<line class="leader" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>')
    if origin is not None:  # under the markers: a marker standing on the origin shows inside its ring
        parts.append(f'<circle class="origin" cx="{origin[0]:.1f}" cy="{origin[1]:.1f}" r="{ORIGIN_RADIUS}">'
                     f'<title>{escape(near[2])}</title></circle>'
                     f'<circle class="origin-centre" cx="{origin[0]:.1f}" cy="{origin[1]:.1f}" r="3"/>')
    for (x, y), pt in zip(at, points):
        rows = " ".join(str(d.number) for d in pt.dots)
        title = "\n".join(d.title for d in pt.dots)
        count = (f'<text class="count" x="{x:.1f}" y="{y + 3.2:.1f}" text-anchor="middle">{len(pt.dots)}</text>'
                 if len(pt.dots) > 1 else "")
        parts.append(f'<a href="#listing-{pt.dots[0].number}" class="listing"><circle class="dot" cx="{x:.1f}" '
                     f'cy="{y:.1f}" r="{pt.radius:g}" data-rows="{rows}"><title>{escape(title)}</title></circle>'
                     f'{count}</a>')
    for placed, pt in zip(labels, points):
        if placed is not None:
            parts.append(f'<a href="#listing-{pt.dots[0].number}" class="listing"><text class="label" '
                         f'x="{placed.x:.1f}" y="{placed.y:.1f}">{escape(placed.text)}</text></a>')
    if origin_label is not None:
        parts.append(f'<text class="origin-label" x="{origin_label.x:.1f}" y="{origin_label.y:.1f}">'
                     f'{escape(origin_label.text)}</text>')
    parts.append(f'<g class="scale"><line x1="14" y1="{yb}" x2="{14 + bar_px:.1f}" y2="{yb}"/>'
                 f'<text x="14" y="{yb - 5}">{escape(scale_label)}</text></g>')
    parts.append("</svg>")
    return MapDrawing("\n".join(parts), n, len(points), sum(len(pt.dots) > 1 for pt in points),
                      sum(placed is None for placed in labels))
