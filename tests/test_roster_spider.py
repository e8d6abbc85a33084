"""`knead crawl roster` (and `scrapy crawl roster`) against the SODA stand-in on 127.0.0.1.

The stand-in (spiders.sample_site.soda) answers SoQL as a Socrata portal does
and can leave a column out, over-count, or answer 429 first. Checked as a user
sees it: the summary, the exit code and error text, what `knead search` finds
afterwards; and, from the server's side, what was asked.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from knead_proc import run_knead, search_ids

from spiders.rosters.boards import BOARDS
from spiders.sample_site.soda import SodaSite

REPO = Path(__file__).resolve().parents[1]
TX = BOARDS["tx"]
TX_COLUMNS = ["license_type", "license_number", "owner_name", "business_name", "business_address_line1",
              "business_address_line2", "business_city_state_zip", "business_telephone",
              "mailing_address_line1", "mailing_address_city_state_zip", "license_expiration_date_mmddccyy"]


def tx_rows(n: int, *, start: int = 0) -> list[dict]:
    """`n` massage therapists in Austin, written TDLR's way, and one licence that is not massage."""
    rows = [{"license_type": "Massage Therapist", "license_number": f"MT{500000 + i}",
             "owner_name": f"LASTNAME{chr(65 + i % 26)}{i}, FIRST{i}",
             "mailing_address_line1": f"{100 + i} CONGRESS AVE",
             "mailing_address_city_state_zip": "AUSTIN TX 78701", "license_expiration_date_mmddccyy": "12/31/2099"}
            for i in range(start, start + n)]
    rows.append({"license_type": "A/C Technician", "license_number": "TACLA12345", "owner_name": "BOBS, BOBBY",
                 "mailing_address_city_state_zip": "AUSTIN TX 78704", "license_expiration_date_mmddccyy": "12/31/2099"})
    return rows


def tx_site(rows: list[dict], columns: list[str] = TX_COLUMNS, **kwargs) -> SodaSite:
    """The stand-in serving TDLR's dataset with `rows` and TDLR's columns (a null value is no key)."""
    return SodaSite({TX.dataset: rows}, columns={TX.dataset: columns}, **kwargs)


def scrapy_crawl(data_dir: Path, url: str, page_size: int, token: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KNEAD_DATA_DIR": str(data_dir)}
    env.pop("KNEAD_SOCRATA_TOKEN", None)
    if token:
        env["KNEAD_SOCRATA_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "roster", "-a", "board=tx", "-a", f"url={url}",
         "-s", f"KNEAD_ROSTER_PAGE_SIZE={page_size}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)


def crawl(data_dir: Path, url: str, *more: str) -> subprocess.CompletedProcess:
    return run_knead("crawl", "roster", "--board", "tx", "--url", url, "--delay", "0", *more, data_dir=data_dir)


def queries(site: SodaSite) -> list[dict]:
    return [dict(parse_qsl(urlsplit(path).query)) for path, _ in site.served if path.startswith("/resource/")]


def test_pages_end_at_the_first_short_page_even_at_an_exact_boundary(tmp_path):
    for n, offsets in ((30, ["0", "10", "20", "30"]), (25, ["0", "10", "20"])):
        data_dir = tmp_path / str(n)
        with tx_site(tx_rows(n)) as site:
            result = scrapy_crawl(data_dir, site.url, page_size=10, token="tok-123")
            asked = queries(site)
            headers = site.request_headers
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Published crawl 1:" in result.stderr
        assert asked[0]["$select"] == "count(*) AS n"
        pages = asked[1:]
        assert [q["$offset"] for q in pages] == offsets
        assert {q["$order"] for q in pages} == {"license_number, :id"} and {q["$limit"] for q in pages} == {"10"}
        ids = search_ids(data_dir, "--source", "roster:tx")
        assert len(ids) == len(set(ids)) == n  # every row once; the A/C technician left out by $where
        # The app token from KNEAD_SOCRATA_TOKEN went with every API request.
        assert [h.get("X-App-Token") for h, (p, _) in zip(headers, site.served) if p.startswith("/resource/")] \
            == ["tok-123"] * (len(offsets) + 1)


def test_without_a_token_none_is_sent(tmp_path):
    with tx_site(tx_rows(3)) as site:
        result = scrapy_crawl(tmp_path, site.url, page_size=10)
        sent = [h.get("X-App-Token") for h in site.request_headers]
    assert result.returncode == 0, result.stderr[-3000:]
    assert sent and set(sent) == {None}


def test_a_count_mismatch_is_reported_and_marks_nothing_stale(tmp_path):
    with tx_site(tx_rows(12)) as site:
        first = crawl(tmp_path, site.url)
    assert first.returncode == 0, first.stderr
    assert "roster rows:          12 read, as the portal counted" in first.stdout
    # One licence is gone from the roster, but the portal still counts 12: the rows read cannot be trusted.
    with tx_site(tx_rows(11, start=1), count_extra={TX.dataset: 1}) as site:
        second = crawl(tmp_path, site.url)
    assert second.returncode == 0, second.stderr
    assert "roster rows:          11 read, but the portal counted 12" in second.stdout
    assert "nothing is marked stale" in second.stdout
    assert "roster:tx:MT500000" in search_ids(tmp_path, "--source", "roster:tx")
    # The same answer with an honest count: now the missing licence is gone.
    with tx_site(tx_rows(11, start=1)) as site:
        third = crawl(tmp_path, site.url)
    assert third.returncode == 0, third.stderr
    assert "1 gone" in third.stdout
    assert "roster:tx:MT500000" not in search_ids(tmp_path, "--source", "roster:tx")


def test_a_429_with_retry_after_is_waited_for_and_retried(tmp_path):
    busy = (429, {"Retry-After": "1"}, {"message": "Too many requests", "errorCode": "throttled"})
    with tx_site(tx_rows(5), faults=[busy]) as site:
        result = crawl(tmp_path, site.url)
        served = [(urlsplit(p).query, status) for p, status in site.served if p.startswith("/resource/")]
    assert result.returncode == 0, result.stderr
    # The count query was throttled once, then asked again and answered.
    assert [s for _, s in served] == [429, 200, 200]
    assert served[0][0] == served[1][0]
    assert "listings stored:      5 (5 new" in result.stdout and "URLs failed:          0" in result.stdout


def test_an_empty_roster_stores_nothing_and_says_so(tmp_path):
    with tx_site(tx_rows(0)) as site:  # only the A/C technician
        result = crawl(tmp_path, site.url)
    assert result.returncode == 1
    assert "roster rows:          0 read, as the portal counted" in result.stdout
    assert "Error: The crawl stored no listings; the index was left as it was." in result.stderr


def test_a_column_the_dataset_lacks_is_named_and_nothing_is_published(tmp_path):
    without_owner = [c for c in TX_COLUMNS if c != "owner_name"]
    with tx_site(tx_rows(5), without_owner) as site:
        result = crawl(tmp_path, site.url)
        dataset = f"{site.url}/resource/{TX.dataset}.json"
    assert result.returncode == 1
    assert f"Error: The roster at {dataset} has no column 'owner_name'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert "query.soql.no-such-column: No such column: owner_name" in result.stdout  # the portal's own words
    status = run_knead("status", "--format", "json", data_dir=tmp_path)
    assert [s["listings"] for s in json.loads(status.stdout)["sources"]] == [0]
    assert run_knead("search", "--source", "roster:tx", data_dir=tmp_path).returncode == 1  # no index at all


def test_a_column_missing_from_x_soda2_fields_is_named_too(tmp_path):
    # A portal that leaves an unknown column out of the answer instead of refusing it: the header tells.
    without_owner = [c for c in TX_COLUMNS if c != "owner_name"]
    with tx_site(tx_rows(5), without_owner, lenient_select=True) as site:
        result = crawl(tmp_path, site.url)
    assert result.returncode == 1
    assert "has no column 'owner_name'" in " ".join(result.stderr.split())
    assert "listings stored:      0" in result.stdout


def _write_export(path: Path, rows: list[dict], columns: list[str]) -> None:
    """The portal's bulk CSV: human column names (upper case, spaces), null as an empty field."""
    human = {c: c.upper().replace("_", " ") for c in columns}
    human["business_city_state_zip"] = "BUSINESS CITY, STATE ZIP"
    human["license_expiration_date_mmddccyy"] = "LICENSE EXPIRATION DATE (MMDDCCYY)"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([human[c] for c in columns])
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])


def test_the_bulk_csv_export_is_read_by_the_same_mapping(tmp_path):
    export = tmp_path / "tdlr.csv"
    _write_export(export, tx_rows(7), TX_COLUMNS + ["continuing_education_flag"])
    result = run_knead("crawl", "roster", "--board", "tx", "--file", str(export), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "listings stored:      7 (7 new" in result.stdout and "roster rows:          8 read" in result.stdout
    assert "1 not massage" in result.stdout
    found = json.loads(run_knead("search", "--all", "--format", "json", "--source", "roster:tx",
                                 data_dir=tmp_path / "data").stdout)["results"]
    assert {(r["city"], r["zip"]) for r in found} == {("Austin", "78701")}
    assert found[0]["licenses"][0]["expires"] == "2099-12-31"


def test_a_bulk_csv_without_a_mapped_column_is_named(tmp_path):
    export = tmp_path / "tdlr.csv"
    _write_export(export, tx_rows(3), [c for c in TX_COLUMNS if c != "license_expiration_date_mmddccyy"])
    result = run_knead("crawl", "roster", "--board", "tx", "--file", str(export), data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "has no column 'license_expiration_date_mmddccyy'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_roster_options_are_usage_errors_naming_the_closest_board(tmp_path):
    result = run_knead("crawl", "roster", "--board", "tz", data_dir=tmp_path)
    assert result.returncode == 2 and "Unknown board 'tz'; did you mean 'tx'?" in result.stderr
    result = run_knead("crawl", "roster", data_dir=tmp_path)
    assert result.returncode == 2 and "`knead crawl roster` needs a board: --board il|tx|wa|ct|co." in result.stderr
    result = run_knead("crawl", "amta", "--board", "tx", data_dir=tmp_path)
    assert result.returncode == 2 and "--board, --url and --file are for `knead crawl roster`" in result.stderr
