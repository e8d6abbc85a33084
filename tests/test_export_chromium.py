"""The HTML export opened in headless Chromium, offline: its SVG map and its table render.

Chromium runs with networking switched off (no proxy reachable, every host
unresolvable, background services disabled, and in a network namespace of its
own when `unshare` allows); the page's own Content-Security-Policy forbids any
fetch too. The test checks the DOM Chromium built (SVG circles, the ring, the
table rows, hostile text as text) and the pixels of a screenshot (the map's
dots are drawn).

The map's layout is measured in Chromium itself (DevTools protocol, see
`chromium_devtools`): with listings stacked at one point, clustered around
the `--near` origin and crowded by the dozen, every label's box must stay
clear of every other label, of every marker and of the origin, inside the
map; stacked listings are one marker with their count. The table is measured
too, at a desktop and a phone width: no word in a cell is split over two
lines. Skipped when Chromium is not installed (`.ci/run` installs Debian's
`chromium` package).
"""

from __future__ import annotations

import math
import random
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from chromium_devtools import CHROMIUM, DevToolsPage, offline_chromium_args
from click.testing import CliRunner
from conftest import store_listings
from test_export import hostile  # noqa: F401  (a fixture, shared)

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

DOT_BLUE = (0x22, 0x71, 0xB1)  # svg .dot fill in html_page.STYLE
ORIGIN_RED = (0xD6, 0x36, 0x38)  # svg .origin fill


def chromium(page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess:
    args = [*offline_chromium_args(profile, "--window-size=1200,1600", *mode), page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)


def png_rows(data: bytes) -> list[list[tuple[int, int, int]]]:
    """The RGB pixels, row by row, of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride if kind else 0):  # filter 0: the bytes as they are
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(list(zip(line[0::bpp], line[1::bpp], line[2::bpp])))
        prev = line
    return rows


def png_pixels(data: bytes) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of a PNG."""
    return {pixel for row in png_rows(data) for pixel in row}


@pytest.fixture
def page(hostile, tmp_path) -> Path:  # noqa: F811
    target = tmp_path / "near.html"
    result = CliRunner().invoke(cli, ["--data-dir", str(hostile.root), "export", str(target), "--near", "06103",
                                      "--radius", "5"], catch_exceptions=False)
    assert result.exit_code == 0
    return target


def test_chromium_renders_the_map_and_the_table_offline(page, tmp_path):
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert html.count('<circle class="dot"') == 2  # h:1 and h:2; h:3 has no coordinates
    assert html.count('<circle class="origin"') == 1 and html.count('<ellipse class="ring"') == 1
    assert html.count('<tr id="listing-') == 2
    assert '<tr id="listing-1" data-id="h:1">' in html or '<tr id="listing-1" data-id="h:2">' in html
    assert "<script" not in html and "&lt;script&gt;alert" in html  # the hostile business, as text
    assert "=HYPERLINK(" in html and "山田" in html

    shot = tmp_path / "page.png"
    result = chromium(page, tmp_path / "profile2", f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    colours = png_pixels(shot.read_bytes())
    assert DOT_BLUE in colours and ORIGIN_RED in colours  # the SVG was drawn, dots and origin


# -- the map's layout, measured in Chromium ------------------------------------

ORIGIN = (41.7672, -72.676)  # 06103's centroid, the --near origin below
STACK_NAMES = ("Anh St. James", "Maria de la Cruz", "Pieter van Dijk", "Zoë Tanaka", "Ashley García")


def _listing(number: int, name: str, lat: float | None, lon: float | None) -> dict:
    return TherapistListing(
        id=f"map:{number:03d}", source="map", url=f"https://d.example/famt/{number}", name=name,
        business=f"Studio {number}", city="Hartford", state="CT", zip="06103", lat=lat, lon=lon,
        techniques=["deep-tissue"], insurance=["aetna"], accepts_insurance=True,
        website=f"https://studio-{number}.example/booking/online-appointments?ref=knead&n={number}",
        email=f"front.desk.{number}@a-rather-long-domain-name.example",
    ).to_dict()


def stacked_listings() -> list[dict]:
    """Five listings at the origin itself, three at one point 300 m away, a long name beside them,
    eight more within a mile, one without coordinates: 18 listings, 17 on the map at 11 places."""
    rng = random.Random(11)
    lat, lon = ORIGIN
    rows = [_listing(i, name, lat, lon) for i, name in enumerate(STACK_NAMES)]
    rows += [_listing(5 + i, f"Kai Okafor {i}", lat + 0.002, lon + 0.003) for i in range(3)]
    rows.append(_listing(8, "Bartholomew Alexander Montgomery-Fitzwilliam III", lat - 0.001, lon + 0.001))
    rows += [_listing(9 + i, f"Lena Levin {i}", lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.012, 0.012))
             for i in range(8)]
    rows.append(_listing(17, "No Coordinates", None, None))
    return rows


def scattered(count: int, places: int, spread: float) -> list[dict]:
    """`count` listings at `places` random places within `spread` degrees of the origin (some share one)."""
    rng = random.Random(5)
    lat, lon = ORIGIN
    points = [(lat + rng.uniform(-spread, spread), lon + rng.uniform(-spread * 4 / 3, spread * 4 / 3))
              for _ in range(places)]
    return [_listing(i, f"Sam Park {i}", *points[i % places]) for i in range(count)]


LAYOUTS = {  # (listings, on the map, distinct places)
    "stacked": (stacked_listings, 17, 11),
    "crowded": (lambda: scattered(60, 45, 0.006), 60, 45),  # half a mile: named labels, some find no room
    "many": (lambda: scattered(90, 70, 0.012), 90, 70),  # more markers than the map names: row numbers
}


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def map_export(request, tmp_path_factory) -> tuple[Path, int, int]:
    make, on_map, points = LAYOUTS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    data_dir = DataDir(root / "data").ensure()
    build_index(store_listings(data_dir, make()), data_dir.index_root)
    target = root / "map.html"
    near = ["--near", "06103", "--radius", "1"] if request.param == "stacked" else []
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "export", str(target), *near],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return target, on_map, points


MEASURE_MAP = """(() => {
  const svg = document.querySelector('svg.map');
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {
    svg: box(svg),
    texts: [...svg.querySelectorAll('text')].map(e => ({text: e.textContent, box: box(e)})),
    circles: [...svg.querySelectorAll('circle')].map(e => ({
      cls: e.getAttribute('class'), box: box(e), title: (e.querySelector('title') || {}).textContent || ''})),
    caption: document.querySelector('figcaption').textContent,
  };
})()"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _circles_overlap(a, b) -> bool:
    """Whether the circles drawn in boxes `a` and `b` overlap."""
    (ax, ay, ar), (bx, by, br) = (((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2) for x0, y0, x1, y1 in (a, b))
    return math.hypot(ax - bx, ay - by) < ar + br


def _inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _counts_and_labels(drawn: dict) -> tuple[dict[int, dict], list[dict]]:
    """A number drawn inside a dot is that dot's count; every other text is a label to read."""
    dots = [c for c in drawn["circles"] if c["cls"] == "dot"]
    counts = {i: t for i, t in enumerate(drawn["texts"]) for d in dots if _inside(t["box"], d["box"])}
    return counts, [t for i, t in enumerate(drawn["texts"]) if i not in counts]


def test_map_labels_never_overlap_and_stacks_are_counted(map_export, tmp_path):
    page, on_map, points = map_export  # points: distinct coordinates
    with DevToolsPage(tmp_path / "profile", width=1200, height=1600) as chromium_page:
        chromium_page.load(page)
        drawn = chromium_page.evaluate(MEASURE_MAP)
        clip = [round(v) for v in drawn["svg"]]  # the map alone: a smaller picture to decode
        shot = chromium_page.screenshot(tmp_path / "map.png", clip)  # kept for a person to look at if this fails
        chromium_page.resize(420, 900)  # a phone: the map keeps a legible scale and scrolls sideways
        chromium_page.load(page)
        on_phone = chromium_page.evaluate(MEASURE_MAP)
    dots = [c for c in drawn["circles"] if c["cls"] == "dot"]
    others = [c for c in drawn["circles"] if c["cls"] != "dot"]  # the origin's marks
    counts, labels = _counts_and_labels(drawn)

    for i, one in enumerate(labels):
        assert _inside(one["box"], drawn["svg"]), f"label {one['text']!r} leaves the map"
        for other in labels[i + 1:]:
            assert not _overlap(one["box"], other["box"]), f"labels {one['text']!r} and {other['text']!r} overlap"
        for circle in drawn["circles"]:
            assert not _overlap(one["box"], circle["box"]), f"label {one['text']!r} overlaps a {circle['cls']} marker"
    assert min(t["box"][3] - t["box"][1] for t in _counts_and_labels(on_phone)[1]) >= 12  # 11 px type, legible

    # One marker per place, however many listings stand there; markers too close to tell apart are one
    # too, so no marker covers another (or the count it carries).
    assert len(dots) <= points
    for i, one in enumerate(dots):
        for other in dots[i + 1:]:
            assert not _circles_overlap(one["box"], other["box"]), f"markers {one['title']!r} and {other['title']!r}"
    stacked = sum(int(t["text"]) for t in counts.values())
    assert stacked + (len(dots) - len(counts)) == on_map  # the counts add up to every mapped listing
    assert all(int(t["text"]) > 1 for t in counts.values())
    assert sum(len(d["title"].splitlines()) for d in dots) == on_map  # each tooltip names every listing there
    assert f"{on_map} of {on_map} listings" in drawn["caption"] and f"at {len(dots)} points" in drawn["caption"]
    unlabelled = re.search(r"(\d+) points? (?:are|is) left unlabelled", drawn["caption"])
    assert len(labels) - 1 - bool(others) + (int(unlabelled.group(1)) if unlabelled else 0) == len(dots)
    if others:  # the stacked map: the origin is drawn and named, and the stack at the origin still shows its count
        assert "unlabelled" not in drawn["caption"]
        assert len(labels) == len(dots) + 2  # a label for every marker, the origin's and the scale's
        assert any("06103" in t["text"] for t in labels)
        assert any(t["text"] == "5" for t in counts.values())
        at_origin = next(d for d in dots if "Anh St. James" in d["title"])
        assert all(name in at_origin["title"] for name in STACK_NAMES)  # the tooltip names every stacked listing
        assert len({d["title"] for d in dots if "Kai Okafor" in d["title"]}) == 1  # the other stack, one marker
    rows = png_rows(shot)
    colours = {pixel for row in rows for pixel in row}
    assert DOT_BLUE in colours and (not others or ORIGIN_RED in colours)
    for label in labels:  # every label shows on the screenshot: dark text pixels inside its box
        left, top, right, bottom = (round(v) - clip[i % 2] for i, v in enumerate(label["box"]))
        ink = sum(max(px) < 0x60 for row in rows[top:bottom] for px in row[left:right])
        assert ink >= len(label["text"].strip()), f"label {label['text']!r} does not show"


MEASURE_WORDS = r"""(() => {
  const broken = [];
  for (const td of document.querySelectorAll('#results td')) {
    // The cell's text as one string (a <br> is a line break, any other tag joins its neighbours),
    // so a word cut by markup, say a <wbr> inside it, is still one word here.
    const nodes = [], walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let text = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.ELEMENT_NODE) { if (node.tagName === 'BR') text += '\n'; continue; }
      nodes.push([text.length, node]); text += node.data;
    }
    const at = offset => {  // the text node and the offset in it of a position in the cell's text
      let i = nodes.length - 1;
      while (i > 0 && nodes[i][0] > offset) i--;
      return [nodes[i][1], offset - nodes[i][0]];
    };
    for (const m of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
      const range = document.createRange();
      range.setStart(...at(m.index));
      range.setEnd(...at(m.index + m[0].length - 1));
      range.setEnd(range.endContainer, range.endOffset + 1);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return {broken, cells: document.querySelectorAll('#results td').length};
})()"""


@pytest.mark.parametrize("width", [1200, 420])
def test_table_cells_break_between_words_only(map_export, hostile, tmp_path, width):  # noqa: F811
    page, _, _ = map_export
    hostile_page = tmp_path / "hostile.html"
    CliRunner().invoke(cli, ["--data-dir", str(hostile.root), "export", str(hostile_page)], catch_exceptions=False)
    with DevToolsPage(tmp_path / "profile", width=width, height=900) as chromium_page:
        for one in (page, hostile_page):
            chromium_page.load(one)
            measured = chromium_page.evaluate(MEASURE_WORDS)
            assert measured["cells"] > 0
            assert measured["broken"] == [], f"{one.name} at {width}px splits words over lines"
