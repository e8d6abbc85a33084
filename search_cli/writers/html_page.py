"""HTML: one self-contained page to open, print or mail: heading, SVG map, results table.

No script, no external file, no font or tile to fetch: the page works offline
and its Content-Security-Policy forbids any network request or script even if
a value slipped through. Every value is HTML-escaped (`html.escape`, quotes
included); links are made only for http(s) websites and profile pages and for
plain e-mail addresses, so a `javascript:` URL in a listing stays text.

Table cells break between words only: list values (techniques, insurance,
credentials) wrap after a comma and keep each id whole ("deep-tissue"), and
web and e-mail addresses may break only at their punctuation (after "/",
"?", "&" or "=", before "." or "@"). A cell never splits a word to fit: a narrow window scrolls
sideways instead, and so does the map, which keeps its labels legible.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any, TextIO
from urllib.parse import urlsplit

from search_cli.writers import display, svg_map

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_CELL_CLASS = {"Miles": "num", "Phone": "nowrap", "First seen": "nowrap", "Id": "nowrap"}
_LIST_FIELDS = {"Credentials": "credentials", "Techniques": "techniques", "Insurance": "insurance"}
_ADDRESS_BREAKS = re.compile(r"(?<=[/?&=])(?!/)|(?=[.@])")  # after / ? & =, before . @ (never inside //)
_EMAIL = re.compile(r"[^\s@<>\"'()\[\],;:\\]+@[^\s@<>\"'()\[\],;:\\]+\.[A-Za-z]{2,}")

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem auto;max-width:72rem;
padding:0 1rem;color:#1d2327;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}p.meta{color:#50575e;margin:0 0 1rem}
figure{margin:0 0 1.25rem}.map-frame{overflow-x:auto}
svg.map{box-sizing:border-box;width:100%;min-width:800px;height:auto;border:1px solid #dcdcde;border-radius:6px}
svg .ground{fill:#eef0f1}
svg .ring{fill:#2271b1;fill-opacity:.06;stroke:#2271b1;stroke-dasharray:6 4}
svg .origin{fill:none;stroke:#d63638;stroke-width:3}svg .origin-centre{fill:#d63638}
svg .dot{fill:#2271b1;stroke:#fff;stroke-width:1.5}svg .leader{stroke:#8c8f94;stroke-width:1}
svg text{font:11px system-ui,sans-serif;fill:#1d2327;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg text.count{font:600 9px system-ui,sans-serif;fill:#fff;stroke:none}
svg .origin-label{font-weight:600}svg .scale line{stroke:#1d2327;stroke-width:2}
figcaption{color:#50575e;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;vertical-align:top;
padding:.35rem .5rem;border-bottom:1px solid #dcdcde}th{background:#f0f0f1;position:sticky;top:0}
td{overflow-wrap:normal;word-break:normal;hyphens:manual}.item{white-space:nowrap}
td.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap}tr:target{background:#fcf9e8}
@media print{th{position:static}svg.map{min-width:0}}
"""


def _web_link(url: Any) -> str | None:
    """`url` when it is an absolute http(s) URL, else None (no javascript:, data:, ...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _text(value: str) -> str:
    """Escaped text, line breaks kept as <br>."""
    return "<br>".join(escape(line) for line in value.splitlines()) if value else ""


def _address(value: str) -> str:
    """A web or e-mail address, escaped, with break opportunities only at its punctuation."""
    return "<wbr>".join(escape(piece) for piece in _ADDRESS_BREAKS.split(value))


def _cell(title: str, row: dict[str, Any], value: str) -> str:
    if title in _LIST_FIELDS and isinstance(row.get(_LIST_FIELDS[title]), list):
        return ", ".join(f'<span class="item">{_text(str(v))}</span>' for v in row[_LIST_FIELDS[title]])
    if title == "Name":
        shown = _text(value) or "(no name)"
        link = _web_link(row.get("url"))
        return f'<a href="{escape(link)}" rel="noopener noreferrer nofollow">{shown}</a>' if link else shown
    if title == "Website":
        link = _web_link(value)
        if not link:
            return _text(value)
        return f'<a href="{escape(link)}" rel="noopener noreferrer nofollow">{_address(value)}</a>'
    if title == "Email" and _EMAIL.fullmatch(value.strip() or "-"):
        return f'<a href="mailto:{escape(value.strip())}">{_address(value)}</a>'
    return _text(value)


def dots(results: list[dict[str, Any]]) -> list[svg_map.Dot]:
    out = []
    for number, row in enumerate(results, 1):
        lat, lon = row.get("lat"), row.get("lon")
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            name = " ".join(str(row.get("name") or row.get("business") or row.get("id") or "").split())
            where = ", ".join(filter(None, (row.get("city"), row.get("state"))))
            out.append(svg_map.Dot(number, float(lat), float(lon), name,
                                   " \u2013 ".join(filter(None, (f"{number}. {name}", row.get("business"), where)))))
    return out


def map_caption(drawing: svg_map.MapDrawing, export) -> str:
    """"16 of 18 listings on the map around 06103 (Hartford, CT), at 11 points (...). 2 without ..."."""
    total = len(export.results)
    text = f"{drawing.listings} of {total} listing{'s' if total != 1 else ''} on the map"
    if export.near:
        text += f" around {export.near[2]}"
    text += f", at {drawing.points} point{'s' if drawing.points != 1 else ''}"
    if drawing.stacked:
        text += " (the number on a dot counts the listings there)"
    text += "."
    if drawing.unlabelled:
        text += (f" {drawing.unlabelled} point{'s are' if drawing.unlabelled != 1 else ' is'} left unlabelled "
                 "for want of room: point at a dot to see who is there.")
    unplaced = total - drawing.listings
    if unplaced:
        text += f" {unplaced} without coordinates not shown."
    return text


def write(export, out: TextIO) -> list[str]:
    columns = display.columns(export.near is not None, with_id=True)  # the id `knead show` takes
    title = f"Massage therapists: {export.query}" if export.query else "Massage therapists"
    placed = dots(export.results)
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    out.write(f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">\n')
    out.write('<meta name="viewport" content="width=device-width, initial-scale=1">\n'
              '<meta name="generator" content="knead">\n')
    out.write(f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n")
    out.write(f'<header>\n<h1>{escape(title)}</h1>\n<p class="meta">{escape(display.caption(export))}</p>\n</header>\n')
    drawing = svg_map.render(placed, export.near, export.radius_miles)
    if drawing:
        out.write(f'<figure>\n<div class="map-frame">\n{drawing.svg}\n</div>\n'
                  f'<figcaption>{escape(map_caption(drawing, export))}</figcaption>\n</figure>\n')
    else:
        out.write('<p class="meta">No listing has coordinates to map.</p>\n')
    out.write('<table id="results">\n<thead><tr><th scope="col">#</th>')
    out.write("".join(f'<th scope="col">{escape(t)}</th>' for t, _ in columns) + "</tr></thead>\n<tbody>\n")
    for number, row in enumerate(export.results, 1):
        cells = "".join(
            f'<td class="{_CELL_CLASS[t]}">{_cell(t, row, value(row))}</td>' if t in _CELL_CLASS
            else f"<td>{_cell(t, row, value(row))}</td>" for t, value in columns)
        out.write(f'<tr id="listing-{number}" data-id="{escape(str(row.get("id") or ""))}">'
                  f'<td class="num">{number}</td>{cells}</tr>\n')
    out.write("</tbody>\n</table>\n<footer><p class=\"meta\">Made by knead from public directory listings."
              "</p></footer>\n</body>\n</html>\n")
    return []
