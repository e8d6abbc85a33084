"""Where each label goes on the SVG map: beside its marker, clear of every other label and marker.

The usual greedy heuristic for labelling point features: labels are placed in
priority order (the `--near` origin, then the table's order), each trying the
eight spots around its marker (right of it first, as maps usually set names),
then spots further out on widening rings, tied to the marker by a leader line.
The first spot that stays inside the map and touches no placed label, no
marker and no reserved area (the origin, the scale bar) wins. A label with no
room is tried again as its row numbers alone, and otherwise left out: the
caption says how many, and the marker's tooltip and the table still name them.

Nothing measures text here, so a label's width is estimated from the advance
widths of DejaVu Sans Bold (what Chromium on Linux draws for weight 600):
wider than the sans-serif fonts browsers usually pick, and than DejaVu's
regular weight that labels use on Linux, so the room reserved is at least
the room the text takes. Boxes are in the SVG's own
units; the page may scale the drawing, which scales every box alike.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

FONT_PX = 11  # svg text in html_page.STYLE
ASCENT, DESCENT = 0.95, 0.3  # of the font size, above and below the baseline (DejaVu Sans: 0.93, 0.24)
MARGIN = 2.0  # kept clear around every label: the white halo (stroke 3px) and a hair more
MARKER_HALO = 1.5  # reserved around a marker's radius: its white outline
# DejaVu Sans at weight 600 (its Bold): advance widths of ASCII 32..126 in hundredths of an em, measured in Chromium.
_ASCII_WIDTHS = (
    35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70,
    40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100, 84, 85, 73, 85, 77,
    72, 68, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72, 68, 44, 72, 71, 34, 34, 67, 34,
    104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71, 37, 71, 84,
)
_WIDE = 110  # East Asian wide and full-width characters (1 em) and emoji, with room to spare
_OTHER = 85  # any other character: about a capital letter
RINGS = (14, 28, 44, 62, 84, 110)  # extra distances tried beyond the adjacent spots, with a leader line
RING_ANGLES = 16
GRID = 48  # cell size of the spatial index


def text_width(text: str, font_px: float = FONT_PX) -> float:
    """An upper estimate of `text`'s advance width in pixels at `font_px`."""
    total = 0
    for char in text:
        code = ord(char)
        if 32 <= code < 127:
            total += _ASCII_WIDTHS[code - 32]
        elif unicodedata.combining(char):
            continue
        elif unicodedata.east_asian_width(char) in "WF" or code >= 0x1F000:
            total += _WIDE
        else:
            base = ord(unicodedata.normalize("NFD", char)[0])  # é -> e, Ł stays Ł
            total += _ASCII_WIDTHS[base - 32] if 32 <= base < 127 else _OTHER
    return total * font_px / 100


Box = tuple[float, float, float, float]  # left, top, right, bottom


def marker_box(x: float, y: float, r: float) -> Box:
    """The box a marker of radius `r` reserves, its outline included."""
    r += MARKER_HALO
    return (x - r, y - r, x + r, y + r)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _distance(box: Box, x: float, y: float) -> float:
    """From the point (x, y) to the nearest point of `box`."""
    return math.hypot(x - min(max(x, box[0]), box[2]), y - min(max(y, box[1]), box[3]))


def _along(leader: tuple[float, float, float, float], step: float = 3.0):
    """Small boxes every `step` pixels along a leader line, for collision tests."""
    x1, y1, x2, y2 = leader
    count = max(1, int(math.hypot(x2 - x1, y2 - y1) / step))
    for k in range(count):  # the last stretch ends at the label, whose own box is checked apart
        x, y = x1 + (x2 - x1) * k / count, y1 + (y2 - y1) * k / count
        yield (x - 0.75, y - 0.75, x + 0.75, y + 0.75)


class Occupied:
    """Boxes already taken, bucketed in a grid so each test looks only at its neighbours."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box):
        for i in range(math.floor(box[0] / GRID), math.floor(box[2] / GRID) + 1):
            for j in range(math.floor(box[1] / GRID), math.floor(box[3] / GRID) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)

    def hits(self, box: Box) -> bool:
        return any(_overlaps(box, other) for key in self._keys(box) for other in self._cells.get(key, ()))


@dataclass(frozen=True)
class Placed:
    text: str
    x: float  # start of the text (text-anchor start)
    y: float  # baseline
    box: Box
    leader: tuple[float, float, float, float] | None  # marker edge -> label, when set apart


class LabelPlacer:
    """Places labels one by one inside `bounds`, clear of `obstacles`, of the markers and of every
    label and leader line placed before; each label nearer its own marker than any other."""

    def __init__(self, bounds: Box, obstacles: list[Box], markers: list[tuple[float, float, float]]):
        self.bounds = bounds
        self.taken = Occupied()
        for box in obstacles:
            self.taken.add(box)
        self.markers: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
        for marker in markers:
            x, y, r = marker
            self.taken.add(marker_box(x, y, r))
            self.markers.setdefault((math.floor(x / GRID), math.floor(y / GRID)), []).append(marker)

    def place(self, x: float, y: float, r: float, texts: list[str], font_px: float = FONT_PX) -> Placed | None:
        """The first free spot for the first of `texts` that fits, beside the marker at (x, y) of radius r."""
        enclosing = [box for box in (marker_box(*m) for m in self._markers_near(x, y, 1)) if _distance(box, x, y) == 0]
        for text in texts:
            width = text_width(text, font_px)
            height = (ASCENT + DESCENT) * font_px
            for left, top, leader in self._spots(x, y, r, width, height):
                box = (left, top, left + width, top + height)
                padded = (box[0] - MARGIN, box[1] - MARGIN, box[2] + MARGIN, box[3] + MARGIN)
                if not self._inside(padded) or self.taken.hits(padded) or self._nearer_another(box, x, y, r):
                    continue
                # Trail samples inside a marker that encloses this one (the origin's ring) cannot be helped.
                trail = [dot for dot in _along(leader) if not any(_overlaps(dot, e) for e in enclosing)] \
                    if leader else []
                if any(self.taken.hits(dot) for dot in trail):
                    continue  # the leader would cross a label, a marker or another leader
                self.taken.add(padded)
                for dot in trail:
                    self.taken.add(dot)
                return Placed(text, left, top + ASCENT * font_px, box, leader)
        return None

    def _markers_near(self, x: float, y: float, reach: int):
        ci, cj = math.floor(x / GRID), math.floor(y / GRID)
        for i in range(ci - reach, ci + reach + 1):
            for j in range(cj - reach, cj + reach + 1):
                yield from self.markers.get((i, j), ())

    def _nearer_another(self, box: Box, x: float, y: float, r: float) -> bool:
        """Whether some other marker's edge is nearer `box` than this marker's: the label would seem its.
        A marker enclosing this one (the origin's ring around it) does not count."""
        own = _distance(box, x, y) - r
        reach = math.floor((own + 20) / GRID) + 1  # markers are at most 16 px in radius
        for mx, my, mr in self._markers_near(x, y, reach):
            if (mx, my) != (x, y) and _distance(box, mx, my) - mr < own and math.hypot(mx - x, my - y) > mr:
                return True
        return False

    def _inside(self, box: Box) -> bool:
        b = self.bounds
        return b[0] <= box[0] and b[1] <= box[1] and box[2] <= b[2] and box[3] <= b[3]

    @staticmethod
    def _spots(x: float, y: float, r: float, w: float, h: float):
        gap = r + MARKER_HALO + MARGIN + 0.5  # just clear of the marker's reserved box
        d = r * 0.6
        # Adjacent: right, left, the four corners (above or below, set off to one side), above, below.
        for left, top in ((x + gap, y - h / 2), (x - gap - w, y - h / 2),
                          (x + d, y - gap - h), (x + d, y + gap), (x - d - w, y - gap - h), (x - d - w, y + gap),
                          (x - w / 2, y - gap - h), (x - w / 2, y + gap)):
            yield left, top, None
        for extra in RINGS:
            reach = gap + extra
            for k in range(RING_ANGLES):
                # 0, +1, -1, +2, -2 ... steps from east: nearer the usual right-hand spot first
                step = (k + 1) // 2 * (1 if k % 2 else -1)
                angle = 2 * math.pi * step / RING_ANGLES
                cos, sin = math.cos(angle), math.sin(angle)
                px, py = x + reach * cos, y + reach * sin
                left = px if cos > 0.3 else px - w if cos < -0.3 else px - w / 2
                top = py if sin > 0.3 else py - h if sin < -0.3 else py - h / 2
                # the leader runs from the marker's edge to the nearest point of the label's box
                nx, ny = min(max(x, left), left + w), min(max(y, top), top + h)
                length = math.hypot(nx - x, ny - y) or 1.0
                start = r + MARKER_HALO * 2 + 0.5  # clear of the marker's reserved box (checked by _along)
                yield left, top, (x + (nx - x) / length * start, y + (ny - y) / length * start, nx, ny)
