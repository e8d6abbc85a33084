"""The HTML export opened in headless Chromium, offline: its SVG map and its table render.

Chromium runs with networking switched off (no proxy reachable, every host
unresolvable, background services disabled, and in a network namespace of its
own when `unshare` allows); the page's own Content-Security-Policy forbids any
fetch too. The test checks the DOM Chromium built (SVG circles, the ring, the
table rows, hostile text as text) and the pixels of a screenshot (the map's
dots are drawn). Skipped when Chromium is not installed (`.ci/run` installs
Debian's `chromium` package).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_export import hostile  # noqa: F401  (a fixture, shared)

from search_cli.main import cli

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

DOT_BLUE = (0x22, 0x71, 0xB1)  # svg .dot fill in html_page.STYLE
ORIGIN_RED = (0xD6, 0x36, 0x38)  # svg .origin fill


def _offline_prefix() -> list[str]:
    """`unshare -rn` (no network at all) when this machine allows it, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


def chromium(page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess:
    args = [*_offline_prefix(), CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", "--window-size=1200,1600",
            *mode, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def png_pixels(data: bytes) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
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
    prev, colours, i = bytearray(stride), set(), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
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
        colours.update(tuple(line[x:x + 3]) for x in range(0, stride, bpp))
        prev = line
    return colours


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
