"""Several sources in one index: `--source`, and the registry's fields (npi, licenses, practice) in every output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search import document
from index.search.generations import build_index
from search_cli.main import cli

LICENSES = [{"state": "CT", "number": "012345", "source": "nppes"}, {"state": "NY", "number": "NY-99", "source": "nppes"}]


def listings() -> list[dict]:
    base = dict(city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676, techniques=["swedish"])
    return [
        TherapistListing(id="amta:ana-silva", source="amta", name="Ana Silva", **base).to_dict(),
        TherapistListing(id="nppes:1234567893", source="nppes", name="Ana Silva", npi="1234567893",
                         licenses=LICENSES, **base).to_dict(),
        TherapistListing(id="nppes:1999999984", source="nppes", business="Hartford Bodywork LLC", practice=True,
                         npi="1999999984", **base).to_dict(),
        TherapistListing(id="roster:tx:MT1", source="roster:tx", name="Bo Reyes", city="Austin", state="TX").to_dict(),
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("sources") / "data").ensure()
    build_index(store_listings(data_dir, listings()), data_dir.index_root)
    return data_dir


def run(data_dir: DataDir, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), *args])


def ids(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)["results"]]


def test_source_keeps_the_listings_of_those_sources(index):
    assert ids(run(index, "search", "--source", "nppes", "--format", "json")) == ["nppes:1234567893", "nppes:1999999984"]
    assert ids(run(index, "search", "--source", "AMTA", "--format", "json")) == ["amta:ana-silva"]
    both = ids(run(index, "search", "--source", "amta,roster:tx", "--format", "json"))
    assert sorted(both) == ["amta:ana-silva", "roster:tx:MT1"]
    assert ids(run(index, "search", "Silva", "--source", "nppes", "--format", "json")) == ["nppes:1234567893"]


def test_an_unknown_source_is_a_usage_error_naming_the_closest(index):
    result = run(index, "search", "--source", "npes")
    assert result.exit_code == 2
    assert "No listing has source 'npes'; did you mean 'nppes'?" in result.stderr


def test_json_carries_npi_licenses_and_practice(index):
    rows = {row["id"]: row for row in json.loads(run(index, "search", "--all", "--format", "json").stdout)["results"]}
    person, practice = rows["nppes:1234567893"], rows["nppes:1999999984"]
    assert (person["npi"], person["licenses"], person["practice"]) == ("1234567893", LICENSES, None)
    assert (practice["practice"], practice["licenses"]) == (True, [])
    assert rows["amta:ana-silva"]["licenses"] == [] and rows["amta:ana-silva"]["npi"] is None


def test_csv_writes_each_licence_as_people_read_it(index):
    result = run(index, "search", "--source", "nppes", "--format", "csv", "--all")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["nppes:1234567893"]["licenses"] == "CT 012345 (nppes); NY NY-99 (nppes)"
    assert rows["nppes:1234567893"]["npi"] == "1234567893"
    assert rows["nppes:1999999984"]["practice"] == "true"


def test_show_lists_the_licences_and_the_npi(index):
    result = run(index, "show", "nppes:1234567893", "--format", "text")
    assert result.exit_code == 0, result.output
    assert "CT 012345 (nppes)" in result.output and "NY NY-99 (nppes)" in result.output
    assert "1234567893" in result.output


def test_the_npi_is_searchable_as_text(index):
    assert ids(run(index, "search", "1234567893", "--format", "json")) == ["nppes:1234567893"]


def test_licence_records_are_cleaned_not_dropped_or_trusted():
    raw = {"id": "nppes:1", "licenses": [
        {"state": "CT", "number": " 012345 ", "source": "nppes"}, {"state": "CT", "number": "012345", "source": "nppes"},
        "CT 1", {"state": None, "number": "x" * 5_000}, 7]}
    cleaned = document.clean_listing(raw)["licenses"]
    assert cleaned[0] == {"state": "CT", "number": "012345", "source": "nppes"}
    assert len(cleaned) == 2 and set(cleaned[1]) == {"number"} and len(cleaned[1]["number"]) == 500
