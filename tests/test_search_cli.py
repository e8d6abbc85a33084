"""`knead search`, `reindex` and `vocab` through click's CliRunner, with exact expected output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

REPO = Path(__file__).resolve().parent.parent


def tiny_listings() -> list[dict]:
    return [
        TherapistListing(
            id="t:1", source="test", url="https://d.example/1", name="Ana Silva", credentials=["LMT"],
            business="Hartford Bodywork", city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676,
            phone="+18605550101", bio="Deep tissue work for low back pain and headaches.",
            techniques=["deep-tissue", "craniosacral"], insurance=["aetna"], accepts_insurance=True,
            conditions=["low back pain", "headaches"], languages=["English"], gender="female",
        ).to_dict(),
        TherapistListing(
            id="t:2", source="test", url="https://d.example/2", name="Ben Okafor", credentials=["CMT", "BCTMB"],
            city="New Haven", state="CT", zip="06511", lat=41.3123, lon=-72.9289, phone="+12035550102",
            bio="Shiatsu and sports massage.", techniques=["shiatsu", "sports"], insurance=["hsa-fsa"],
            accepts_insurance=False, conditions=["neck pain"], languages=["English", "Spanish"], gender="male",
        ).to_dict(),
    ]


@pytest.fixture
def tiny(tmp_path) -> DataDir:
    data_dir = DataDir(tmp_path / "data").ensure()
    build_index(store_listings(data_dir, tiny_listings()), data_dir.index_root)
    return data_dir


def run(data_dir: DataDir, *args: str, catch: bool = False):
    runner = CliRunner()
    return runner.invoke(cli, ["--data-dir", str(data_dir.root), *args], catch_exceptions=catch)


def listing_row(i: int, **extra) -> dict:
    """A tiny listing as every output format shows it: all fields in field order, then extras."""
    row = dict(tiny_listings()[i - 1])
    row["first_seen"] = row["last_seen"] = "2025-01-02T03:04:05+00:00"
    row["stale"], row["stale_since"] = False, None
    row.update(extra)
    return row


FACETS_BOTH = {"techniques": {"craniosacral": 1, "deep-tissue": 1, "shiatsu": 1, "sports": 1},
               "insurance": {"aetna": 1, "hsa-fsa": 1}}


def test_json_is_the_default_off_a_terminal(tiny):
    result = run(tiny, "search")
    assert result.exit_code == 0
    expected = {"query": None, "filters": {}, "relaxed": False, "unmatched": [], "total": 2, "without_hours": None,
                "results": [listing_row(1, score=None), listing_row(2, score=None)],
                "facets": FACETS_BOTH, "suggestions": []}
    assert result.output == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_json_with_query_and_near(tiny):
    result = run(tiny, "search", "back pain", "--near", "06103", "--format", "json")
    assert result.exit_code == 0
    expected = {"query": "back pain", "filters": {"near": {"lat": 41.7672, "lon": -72.676, "label": "06103 (Hartford, CT)"},
                                                  "radius_miles": 25.0},
                "relaxed": False, "unmatched": [], "total": 1, "without_hours": None,
                "results": [listing_row(1, score=json.loads(result.output)["results"][0]["score"], distance_miles=0.0)],
                "facets": {"techniques": {"craniosacral": 1, "deep-tissue": 1}, "insurance": {"aetna": 1}},
                "suggestions": []}
    assert result.output == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    assert expected["results"][0]["score"] > 0


def test_jsonl_one_listing_per_line(tiny):
    result = run(tiny, "search", "--format", "jsonl", "--sort", "name")
    search = {"query": None, "filters": {"sort": "name"}}  # on every line: what produced it
    assert result.output == "".join(json.dumps(listing_row(i, score=None) | search, ensure_ascii=False) + "\n"
                                    for i in (1, 2))


def test_csv(tiny):
    # The phone starts with "+": a spreadsheet would read it as a formula, so it gets a leading quote (OWASP).
    result = run(tiny, "search", "--format", "csv", "--technique", "shiatsu", "--near", "New Haven, CT")
    assert result.output == (
        "id,source,url,scraped_at,name,credentials,credentials_raw,business,license,licenses,npi,practice,practice_id,"
        "verification_only,"
        "gender,gender_raw,languages,"
        "address_raw,street,city,state,zip,lat,lon,phone,phone_raw,email,website,bio,techniques,techniques_raw,"
        "insurance,insurance_raw,accepts_insurance,conditions,settings,accepting_new_clients,"
        "accepting_new_clients_raw,hours,hours_raw,price_range,profile_updated,profile_updated_raw,first_seen,last_seen,"
        "stale,stale_since,score,"
        "distance_miles\n"
        "t:2,test,https://d.example/2,,Ben Okafor,CMT; BCTMB,,,,,,,,,male,,English; Spanish,,,New Haven,CT,06511,"
        "41.3123,-72.9289,'+12035550102,,,,Shiatsu and sports massage.,shiatsu; sports,,hsa-fsa,,false,neck pain,"
        ",,,,,,,,2025-01-02T03:04:05+00:00,2025-01-02T03:04:05+00:00,false,,,"
        + str(json.loads(run(tiny, "search", "--near", "New Haven, CT", "--technique", "shiatsu")
                         .output)["results"][0]["distance_miles"]) + "\n"
    )


TABLE = """\
Name                 Where         Techniques                 Insurance
───────────────────────────────────────────────────────────────────────
Ana Silva, LMT       Hartford, CT  deep-tissue, craniosacral  aetna
  Hartford Bodywork  0.0 mi
                     860-555-0101
t:1

Showing 1 of 1 listings within 25 miles of 06103 (Hartford, CT).
`knead show ID` shows a listing in full.
Techniques: craniosacral 1, deep-tissue 1
Insurance: aetna 1
"""


def test_table_at_80_columns_with_facets(tiny):
    result = CliRunner().invoke(cli, ["--data-dir", str(tiny.root), "search", "--near", "06103", "--format", "table"],
                                env={"COLUMNS": "80"}, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output == TABLE
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_output_file_is_written_atomically(tiny, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    result = run(tiny, "search", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"Wrote 2 listings to {target}.\n"
    assert json.loads(target.read_text())["total"] == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []


def test_suggestion_message_on_stderr_and_in_json(tiny):
    result = CliRunner().invoke(cli, ["--data-dir", str(tiny.root), "search", "shiatzu"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == "No listing mentions 'shiatzu'. Did you mean 'shiatsu'?\n"
    assert json.loads(result.stdout)["suggestions"] == ["shiatsu"]


def test_relaxed_query_note_on_stderr(tiny):
    # Each word matches one listing, never both together: widened to OR, and said so.
    result = run(tiny, "search", "hartford haven")
    assert result.stderr == ("No listing matches every word of 'hartford haven'; "
                             "showing listings that match some.\n")
    assert json.loads(result.stdout)["total"] == 2


@pytest.mark.parametrize("args,code,message", [
    (["--technique", "deep tisue"], 2,
     "Invalid value for '--technique' / '-t': Unknown technique 'deep tisue'; did you mean 'deep-tissue'?"),
    (["--insurance", "aetnna"], 2, "Invalid value for '--insurance' / '-i': Unknown insurance 'aetnna'; did you mean 'aetna'?"),
    (["--technique", "qqqqqq"], 2,
     "Invalid value for '--technique' / '-t': Unknown technique 'qqqqqq'; see `knead vocab techniques`."),
    (["--near", "00000"], 2, "Invalid value for '--near': ZIP code '00000' does not exist."),
    (["--near", "Atlantis, CT"], 2, "Invalid value for '--near': No US city named 'Atlantis, CT'."),
    (["--near", "north"], 2, "Invalid value for '--near': 'north' is not a ZIP code, \"City, ST\" or \"lat,lon\"."),
    (["--near", "06103", "--radius", "-3"], 2, "Invalid value for '--radius': '-3' is not a positive number of miles."),
    (["--near", "06103", "--radius", "ten"], 2, "Invalid value for '--radius': 'ten' is not a positive number of miles."),
    (["--radius", "10"], 2, "--radius needs --near."),
    (["--sort", "distance"], 2, "--sort distance needs --near."),
    (["--sort", "price"], 2, "Invalid value for '--sort': 'price' is not one of 'relevance', 'distance', 'name'."),
    (["--state", "XX"], 2, "Invalid value for '--state': 'XX' is not a US state code (for example CT, NY or CA)."),
    (["--limit", "0"], 2, "Invalid value for '--limit': 0 is not in the range x>=1."),
    (["--limit", "5", "--all"], 2, "--limit and --all cannot be used together."),
    (["--format", "xml"], 2, "Invalid value for '--format': 'xml' is not one of 'table', 'json', 'jsonl', 'csv', 'geojson', 'vcf', 'md', "
     "'html'."),
    (["*"], 2, "Nothing to search for in '*': use words or \"quoted phrases\"."),
])
def test_bad_input_errors(tiny, args, code, message):
    result = run(tiny, "search", *args, catch=True)
    assert result.exit_code == code
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert result.stdout == ""


def test_search_before_any_crawl(tmp_path):
    result = run(DataDir(tmp_path / "empty"), "search", "massage")
    assert result.exit_code == 1
    assert result.stderr == f"Error: No index yet in {tmp_path / 'empty'}: run `knead crawl` first.\n"


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "text:massage", "a" * 10_000, "caf\udce9",
                                   "x\x00y", "name:[a TO 5]", "(((", "NOT"])
def test_hostile_queries_never_traceback(tiny, query):
    result = run(tiny, "search", query, catch=True)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_filters_and_technique_spellings(tiny):
    def ids(*args):
        return [r["id"] for r in json.loads(run(tiny, "search", *args).output)["results"]]

    assert ids("--technique", "ACUPRESSURE") == ["t:2"]  # acupressure includes shiatsu
    assert ids("--technique", "Cranio-Sacral", "--technique", "sports") == ["t:1", "t:2"]
    assert ids("--insurance", "Meritain Health") == ["t:1"]
    assert ids("--accepts-insurance") == ["t:1"]
    assert ids("--state", "connecticut", "--city", "NEW HAVEN", "--language", "spanish") == ["t:2"]
    assert ids("--gender", "Female", "--credential", "lmt") == ["t:1"]
    assert ids("CST") == ["t:1"] and ids("--all") == ["t:1", "t:2"]


def test_reindex(tiny):
    result = run(tiny, "reindex")
    assert result.exit_code == 0
    assert result.output.startswith("Indexed 2 therapists and practices: generation 2 (")


def test_reindex_before_any_crawl(tmp_path):
    result = run(DataDir(tmp_path / "empty"), "reindex")
    assert result.exit_code == 1
    assert result.stderr == f"Error: Nothing crawled yet in {tmp_path / 'empty'}: run `knead crawl` first.\n"


def test_vocab_json_and_csv(tmp_path):
    data_dir = DataDir(tmp_path)
    rows = json.loads(run(data_dir, "vocab", "techniques").output)
    assert rows[0] == {"id": "swedish", "label": "Swedish massage", "spellings": [
        "Swedish", "classic massage", "classical massage", "relaxation massage", "European massage"]}
    assert len(rows) == 28
    csv_out = run(data_dir, "vocab", "insurance", "--format", "csv").output.splitlines()
    assert csv_out[0] == "id,label,spellings,group"
    assert csv_out[-1] == "multiplan,MultiPlan,PHCS,carrier"


@pytest.mark.parametrize("command", [["search"], ["reindex"], ["vocab"]])
def test_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: cli {command[0]} ")


def test_search_path_imports_neither_scrapy_nor_zipcodes_nor_the_builder(tiny):
    code = ("import sys; from search_cli.main import cli\n"
            "try:\n    cli(['--data-dir', sys.argv[1], 'search', 'pain', '--state', 'CT'])\n"
            "except SystemExit:\n    pass\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted', 'zipcodes', 'multiprocessing')"
            " or m in ('index.search.build', 'index.search.whoosh_private.writer'))\n"
            "print('LOADED', bad, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(tiny.root)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 2
    assert "LOADED []" in proc.stderr


def test_table_lists_the_asked_for_ids_first_and_counts_the_rest():
    from search_cli.table import first_ids

    ids = ["swedish", "cupping", "deep-tissue", "reiki", "thai"]
    assert first_ids(ids, ("deep-tissue",)) == "deep-tissue, swedish, cupping +2"
    assert first_ids(ids[:3], ()) == "swedish, cupping, deep-tissue"


def test_an_index_from_another_knead_version_asks_for_reindex(tiny):
    from index.search.generations import current_generation
    from index.search.sidecars import META

    meta_path = tiny.index_root / f"gen-{current_generation(tiny.index_root):06d}" / META
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "schema_version": -1}))
    result = run(tiny, "search", "massage")
    assert result.exit_code == 1
    assert result.stderr == f"Error: The index in {tiny.index_root} was built by another version of knead: run `knead reindex`.\n"
    assert run(tiny, "reindex").exit_code == 0
    assert run(tiny, "search", "massage").exit_code == 0
