"""What search output says about itself: the filters and a relaxed query in JSON and JSON Lines,
what `search -o` wrote, `vocab -o` refusing a format it cannot write, the id in every export."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from conftest import store_listings
from test_search_cli import tiny_listings

from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("output") / "data").ensure()
    build_index(store_listings(data_dir, tiny_listings()), data_dir.index_root)
    return data_dir


def run(data_dir: DataDir, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), *args], env={"COLUMNS": None})


def test_json_carries_the_filters_that_produced_it(tiny):
    result = run(tiny, "search", "--technique", "Cranio-Sacral", "--technique", "sports", "--accepts-insurance",
                 "--near", "06103", "--radius", "50", "--state", "CT", "--format", "json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["filters"] == {"techniques": ["craniosacral", "sports"], "accepts_insurance": True,
                              "near": {"lat": 41.7672, "lon": -72.676, "label": "06103 (Hartford, CT)"},
                              "radius_miles": 50.0, "state": out["filters"]["state"]}
    assert out["filters"]["state"] in ("CT", ["CT"])
    assert out["relaxed"] is False and [r["id"] for r in out["results"]] == ["t:1"]


def test_a_relaxed_search_and_an_unmatched_word_say_so_in_json(tiny):
    # "shiatsu" and "headaches" each match a listing, never the same one: the words are OR'ed.
    out = json.loads(run(tiny, "search", "shiatsu headaches", "--format", "json").stdout)
    assert out["relaxed"] is True and out["total"] == 2
    assert json.loads(run(tiny, "search", "shiatsu", "--format", "json").stdout)["relaxed"] is False
    typo = json.loads(run(tiny, "search", "shiatzu", "--format", "json").stdout)
    assert (typo["total"], typo["unmatched"], typo["suggestions"]) == (0, ["shiatzu"], ["shiatsu"])


def test_every_json_line_carries_the_query_and_filters(tiny, tmp_path):
    target = tmp_path / "out.jsonl"
    result = run(tiny, "export", str(target), "pain", "--state", "CT")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["t:1", "t:2"]
    for line in lines:
        assert line["query"] == "pain"
        assert line["filters"]["state"] in ("CT", ["CT"])


def test_search_output_file_says_what_it_wrote(tiny, tmp_path):
    page = tmp_path / "page.csv"
    result = run(tiny, "search", "--limit", "1", "--sort", "name", "-o", str(page))
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"Wrote 1 of 2 listings to {page}; --all or `knead export` writes every match.\n"
    with page.open(encoding="utf-8", newline="") as fh:
        assert [row["id"] for row in csv.DictReader(fh)] == ["t:1"]
    every = tmp_path / "all.md"
    result = run(tiny, "search", "--all", "-o", str(every))
    assert result.stderr == f"Wrote 2 listings to {every}.\n"
    one = run(tiny, "search", "--technique", "shiatsu", "-o", str(tmp_path / "one.json"))
    assert one.stderr == f"Wrote 1 listing to {tmp_path / 'one.json'}.\n"


def test_vocab_output_refuses_an_extension_it_cannot_write(tmp_path):
    target = tmp_path / "techniques.md"
    result = run(DataDir(tmp_path), "vocab", "techniques", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Cannot tell the format of '{target}' from its extension: name it with one of these "
        "extensions or pass --format: json (.json), jsonl (.jsonl, .ndjson), csv (.csv).")
    assert not target.exists()
    ok = run(DataDir(tmp_path), "vocab", "insurance", "-o", str(tmp_path / "insurance.csv"))
    assert ok.exit_code == 0
    assert (tmp_path / "insurance.csv").read_text(encoding="utf-8").startswith("id,label,spellings,group\n")


@pytest.mark.parametrize("ext", ["json", "jsonl", "csv", "geojson", "vcf", "md", "html"])
def test_every_export_carries_the_id_show_takes(tiny, tmp_path, ext):
    target = tmp_path / f"out.{ext}"
    assert run(tiny, "export", str(target)).exit_code == 0
    text = target.read_text(encoding="utf-8")
    for listing_id in ("t:1", "t:2"):
        assert listing_id in text
        shown = run(tiny, "show", listing_id, "--format", "json")
        assert json.loads(shown.stdout)["id"] == listing_id


def test_markdown_has_an_id_column(tiny, tmp_path):
    target = tmp_path / "out.md"
    run(tiny, "export", str(target), "--sort", "name")
    rows = [line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert rows[0].endswith("| First seen | Id |")
    assert rows[2].endswith("| t:1 |") and rows[3].endswith("| t:2 |")
