"""`knead show ID|URL` as a user runs it: the text view, JSON, finding by URL, and the errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import FIELD_NAMES, TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

ANA = TherapistListing(
    id="amta:ana-silva-hartford", source="amta", url="http://127.0.0.1:41234/famt/ana-silva-hartford",
    name="Ana Silva", credentials=["LMT"], business="Hartford Bodywork", license="CT LMT #012345",
    street="12 Main St", city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676,
    phone="+18605550101", phone_raw="(860) 555-0101", email="ana@bodywork.example",
    website="https://bodywork.example/", bio="Deep tissue work for low back pain and headaches.",
    techniques=["deep-tissue", "craniosacral"], techniques_raw=["Deep Tissue Massage", "Cranio-Sacral", "Watsu"],
    insurance=["aetna"], insurance_raw=["Aetna Health", "Venmo"], accepts_insurance=True,
    accepting_new_clients=False, accepting_new_clients_raw="Not accepting new clients",
    hours="Mo 09:00-18:00; Sa 18:00-01:00; Su off",
    hours_raw=["Monday: 9:00 AM – 6:00 PM", "Tuesday: By appointment only", "Saturday: 6 PM – 1 AM", "Sunday: Closed"],
    languages=["English", "Portuguese"],
    conditions=["low back pain"],
).to_dict()
BEN = TherapistListing(
    id="amta:ben-okafor-new-haven", source="amta", url="http://127.0.0.1:41234/famt/ben-okafor-new-haven",
    name="Ben Okafor", city="New Haven", state="CT", phone="+12035550102", techniques=["shiatsu"],
).to_dict()


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("show") / "data").ensure()
    build_index(store_listings(data_dir, [ANA, BEN]), data_dir.index_root)
    return data_dir


def show(data_dir: DataDir, *args: str, columns: str = "80"):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "show", *args], env={"COLUMNS": columns})


def test_text_shows_the_listing_in_full(shop):
    result = show(shop, "amta:ana-silva-hartford", "--format", "text")
    assert result.exit_code == 0, result.output
    assert result.stdout == """\
Ana Silva, LMT
  Hartford Bodywork
amta:ana-silva-hartford

Address      12 Main St, Hartford, CT 06103
Phone        860-555-0101
Email        ana@bodywork.example
Website      https://bodywork.example/
Hours        Mon 9:00–18:00
             Sat 18:00–1:00 (next day)
             Sun closed
New clients  not accepting (as written: “Not accepting new clients”)
Techniques   deep-tissue, craniosacral
             “Deep Tissue Massage” → deep-tissue
             “Cranio-Sacral” → craniosacral
             “Watsu” → no knead id
Insurance    takes health insurance
             aetna
             “Aetna Health” → aetna
             “Venmo” → a way to pay, not insurance
Conditions   low back pain
Languages    English, Portuguese
License      CT LMT #012345
Bio          Deep tissue work for low back pain and headaches.
First seen   2025-01-02 03:04 UTC
Last seen    2025-01-02 03:04 UTC
Source       amta http://127.0.0.1:41234/famt/ana-silva-hartford
"""


def test_json_is_the_stored_listing_in_field_order(shop):
    result = show(shop, "amta:ben-okafor-new-haven")  # not a terminal: JSON, as `knead search` does
    assert result.exit_code == 0
    row = json.loads(result.stdout)
    assert list(row)[: len(FIELD_NAMES)] == list(FIELD_NAMES)
    assert row == {**BEN, "first_seen": "2025-01-02T03:04:05+00:00", "last_seen": "2025-01-02T03:04:05+00:00",
                   "stale": False, "stale_since": None}


def test_the_id_every_search_output_carries_is_the_one_show_takes(shop):
    ids = [r["id"] for r in json.loads(CliRunner().invoke(
        cli, ["--data-dir", str(shop.root), "search", "--all"]).stdout)["results"]]
    table = CliRunner().invoke(cli, ["--data-dir", str(shop.root), "search", "--format", "table"],
                               env={"COLUMNS": "80"}).stdout
    for listing_id in ids:
        assert listing_id in table.splitlines()
        assert json.loads(show(shop, listing_id, "--format", "json").stdout)["id"] == listing_id


@pytest.mark.parametrize("given", [
    "http://127.0.0.1:41234/famt/ana-silva-hartford",
    "https://directory.example:8080/famt/ana-silva-hartford",  # another host or port: the same page
    "ana-silva-hartford",  # without its source
    "  amta:ana-silva-hartford ",
])
def test_found_by_url_and_by_key(shop, given):
    result = show(shop, given, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "amta:ana-silva-hartford"


def test_unknown_id_suggests_the_closest(shop):
    result = show(shop, "amta:ana-silva-hartfrod", columns="200")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: No listing 'amta:ana-silva-hartfrod' in {shop.root}; "
                             "did you mean 'amta:ana-silva-hartford'?\n")


def test_unknown_id_with_nothing_close(shop):
    result = show(shop, "qqqq", columns="200")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: No listing 'qqqq' in {shop.root}: "
                             "`knead search` shows each listing's id under it.\n")


def test_unknown_url(shop):
    result = show(shop, "http://127.0.0.1:41234/famt/nobody", columns="200")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No listing 'http://127.0.0.1:41234/famt/nobody' in ")


def test_before_any_crawl(tmp_path):
    result = show(DataDir(tmp_path / "empty"), "amta:x", columns="200")
    assert result.exit_code == 1
    assert result.stderr == f"Error: Nothing crawled yet in {tmp_path / 'empty'}: run `knead crawl` first.\n"
    assert not (tmp_path / "empty").exists()  # looking creates nothing


def test_bad_format_is_a_usage_error(shop):
    result = show(shop, "amta:ana-silva-hartford", "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'text', 'json'." in result.stderr


def test_help():
    result = CliRunner().invoke(cli, ["show", "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: cli show [OPTIONS] ID|URL")
