"""`knead search` holding up to everyday input: accents, typos, AND/OR, checked filters, near me first.

Every test drives the CLI (click's CliRunner) against a small real index and
asserts what a user sees: the JSON on stdout, the message on stderr, the exit code.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

HARTFORD = (41.7672, -72.676)


def _listing(id_: str, name: str, **fields) -> dict:
    base = dict(source="test", url=f"https://d.example/{id_}", city="Hartford", state="CT", zip="06103",
                lat=HARTFORD[0], lon=HARTFORD[1])
    base.update(fields)
    return TherapistListing(id=id_, name=name, **base).to_dict()


def listings() -> list[dict]:
    return [
        _listing("a:zoe", "Zoë Tanaka", bio="Shiatsu for neck pain and low back pain.", techniques=["shiatsu"],
                 credentials=["LMT"], languages=["Português", "English"], gender="female",
                 accepting_new_clients=True, lat=HARTFORD[0] + 0.01),  # under a mile from 06103
        _listing("a:nunez", "Miguel Núñez", business="Casa São Paulo", city="Cañon City", state="CO", zip="81212",
                 lat=38.4411, lon=-105.2275, bio="Sports massage.", techniques=["sports"], credentials=["CMT"],
                 languages=["Spanish"], gender="male", accepting_new_clients=False),
        _listing("a:muller", "Anna Müller", business="Comfort Zone Massage", city="New Haven", zip="06511",
                 lat=41.3123, lon=-72.9289, bio="Deep tissue work.", techniques=["deep-tissue"],
                 credentials=["BCTMB"], gender="non-binary"),
        # Springfield, MA: about 24 miles from 06103, and the strongest text match for low back pain.
        _listing("a:far", "Ruth Garcia", city="Springfield", state="MA", zip="01103", lat=42.1029, lon=-72.5887,
                 bio="Low back pain, low back pain, low back pain: all I treat is low back pain.",
                 techniques=["deep-tissue"], accepting_new_clients=True),
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("input") / "data").ensure()
    build_index(store_listings(data_dir, listings()), data_dir.index_root)
    return data_dir


def run(data_dir: DataDir, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "search", *args], catch_exceptions=False)


def ids(data_dir: DataDir, *args: str) -> list[str]:
    result = run(data_dir, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)["results"]]


def error(data_dir: DataDir, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "search", *args])
    assert result.stdout == ""
    return result.exit_code, result.stderr.splitlines()[-1]


# Accents and case never matter; output keeps the original spelling.

@pytest.mark.parametrize("query,expected", [
    ("Garcia", ["a:far"]), ("Nunez", ["a:nunez"]), ("muller", ["a:muller"]), ("Sao Paulo", ["a:nunez"]),
    ("zoe", ["a:zoe"]), ("ZOË", ["a:zoe"]), ("Zoe\u0308", ["a:zoe"]), ("núñez", ["a:nunez"]), ('"casa sao"', ["a:nunez"]),
])
def test_text_search_folds_accents_and_case(index, query, expected):
    result = run(index, query)
    assert result.exit_code == 0 and result.stderr == ""
    out = json.loads(result.stdout)
    assert [row["id"] for row in out["results"]] == expected and out["suggestions"] == []


def test_output_keeps_the_original_spelling(index):
    out = json.loads(run(index, "nunez sao paulo", "--format", "json").stdout)
    row = out["results"][0]
    assert (row["name"], row["business"], row["city"]) == ("Miguel Núñez", "Casa São Paulo", "Cañon City")


def test_zoe_finds_zoe_and_is_not_corrected_to_zone(index):
    # "zone" is an indexed word ("Comfort Zone Massage") one letter away.
    result = run(index, "zoe")
    assert json.loads(result.stdout)["suggestions"] == [] and result.stderr == ""


def test_suggestions_work_over_folded_words(index):
    result = run(index, "Garcai")
    assert result.stderr == "No listing mentions 'Garcai'. Did you mean 'garcia'?\n"


@pytest.mark.parametrize("args,expected", [
    (("--city", "canon city"), ["a:nunez"]), (("--city", "CAÑON CITY"), ["a:nunez"]),
    (("--language", "portugues"), ["a:zoe"]), (("--language", "PORTUGUÊS"), ["a:zoe"]),
    (("--credential", "bctmb"), ["a:muller"]),
])
def test_free_form_filters_fold_accents_and_case(index, args, expected):
    assert ids(index, *args) == expected


# Words are AND'ed, and the output says so when it is not.

def test_a_word_no_listing_mentions_gives_no_results_and_a_suggestion(index):
    result = run(index, "neck shiatzu")
    assert result.exit_code == 0
    assert result.stderr == "No listing mentions 'shiatzu'. Did you mean 'neck shiatsu'?\n"
    out = json.loads(result.stdout)
    assert (out["total"], out["results"], out["suggestions"]) == (0, [], ["neck shiatsu"])


def test_every_unmatched_word_is_named(index):
    result = run(index, "qwxz neck vbnm")
    assert result.stderr == "No listing mentions 'qwxz' or 'vbnm'.\n"
    assert json.loads(result.stdout)["total"] == 0


def test_words_must_all_match(index):
    assert ids(index, "neck pain") == ["a:zoe"]
    assert ids(index, "back pain", "--sort", "name") == ["a:far", "a:zoe"]


def test_or_not_and_phrases_as_the_help_says(index):
    assert ids(index, "sports OR deep", "--sort", "name") == ["a:muller", "a:nunez", "a:far"]
    assert ids(index, "pain NOT neck") == ["a:far"]
    assert ids(index, "pain NOT qwxz", "--sort", "name") == ["a:far", "a:zoe"]  # a NOT word may match nothing
    assert ids(index, "qwxz OR sports") == ["a:nunez"]  # one side of an OR may match nothing
    assert ids(index, '"tissue work"') == ["a:muller"]
    assert ids(index, '"work tissue"') == []  # both words, but not in that order
    help_text = CliRunner().invoke(cli, ["search", "--help"]).output
    assert 'OR matches either side' in help_text and '("pain NOT neck")' in help_text


# Every filter is checked.

@pytest.mark.parametrize("value,expected", [("female", ["a:zoe"]), ("F", ["a:zoe"]), ("Woman", ["a:zoe"]),
                                            ("m", ["a:nunez"]), ("man", ["a:nunez"]),
                                            ("Non-Binary", ["a:muller"]), ("nonbinary", ["a:muller"])])
def test_gender_takes_the_usual_spellings(index, value, expected):
    assert ids(index, "--gender", value) == expected


@pytest.mark.parametrize("args,message", [
    (("--gender", "femal"), "Invalid value for '--gender': 'femal' is not a gender; did you mean 'female'?"),
    (("--gender", "x"), "Invalid value for '--gender': 'x' is not a gender; use female, male or non-binary."),
    (("--city", "Hartfrod"), "Invalid value for '--city': No listing has city 'Hartfrod'; did you mean 'Hartford'?"),
    (("--city", "Hartford,Atlantis"), "Invalid value for '--city': No listing has city 'Atlantis'."),
    (("--language", "Portugese"), "Invalid value for '--language': No listing has language 'Portugese'; "
                                  "did you mean 'Portugues'?"),
    (("--credential", "LMTT"), "Invalid value for '--credential': No listing has credential 'LMTT'; "
                               "did you mean 'LMT'?"),
    (("--state", "CT,XX"), "Invalid value for '--state': 'XX' is not a US state code (for example CT, NY or CA)."),
    (("--state", "Conecticut"), "Invalid value for '--state': 'Conecticut' is not a US state; did you mean "
                                "'Connecticut'?"),
    (("--near", "Hartford, Conecticut"), "Invalid value for '--near': 'Conecticut' is not a US state; did you "
                                         "mean 'Hartford, Connecticut'?"),
    (("--technique", "shiatsu,deep tisue"),
     "Invalid value for '--technique' / '-t': Unknown technique 'deep tisue'; did you mean 'deep-tissue'?"),
    (("--near", "Hartfrod, CT"), "Invalid value for '--near': No US city named 'Hartfrod, CT'. "
                                 "Did you mean 'Hartford, CT'?"),
    (("--near", "Hartford, XY"), "Invalid value for '--near': 'Hartford, XY' is not a ZIP code, \"City, ST\" "
                                 "or \"lat,lon\"."),
])
def test_bad_filter_values_are_usage_errors_with_the_closest_value(index, args, message):
    assert error(index, *args) == (2, f"Error: {message}")


def test_checked_filters_without_an_index_say_to_crawl(tmp_path):
    code, line = error(DataDir(tmp_path / "empty"), "--city", "Hartford")
    assert (code, line) == (1, f"Error: No index yet in {tmp_path / 'empty'}: run `knead crawl` first.")


@pytest.mark.parametrize("place", ["Hartford, CT", "Hartford CT", "Hartford, Connecticut", "hartford connecticut"])
def test_near_takes_a_city_and_state_written_every_which_way(index, place):
    assert ids(index, "--near", place, "--radius", "5") == ["a:zoe"]


# Repeatable options are repeatable (OR), and take comma-separated lists.

@pytest.mark.parametrize("args,expected", [
    (("--state", "CO", "--state", "MA"), ["a:nunez", "a:far"]),
    (("--state", "CO,Massachusetts"), ["a:nunez", "a:far"]),
    (("--city", "New Haven", "--city", "springfield"), ["a:muller", "a:far"]),
    (("--city", "New Haven, Springfield"), ["a:muller", "a:far"]),
    (("--language", "spanish,portugues"), ["a:nunez", "a:zoe"]),
    (("--credential", "LMT", "--credential", "cmt"), ["a:nunez", "a:zoe"]),
    (("--technique", "shiatsu,sports"), ["a:nunez", "a:zoe"]),
    (("-t", "sports", "-t", "deep-tissue,shiatsu"), ["a:muller", "a:nunez", "a:far", "a:zoe"]),
    (("--state", "CT", "--city", "Hartford,New Haven", "--credential", "LMT,BCTMB"), ["a:muller", "a:zoe"]),
])
def test_repeated_and_comma_separated_values_are_ored(index, args, expected):
    assert ids(index, *args) == expected


def test_export_takes_the_same_repeated_filters(index):
    result = CliRunner().invoke(cli, ["--data-dir", str(index.root), "export", "-", "--format", "jsonl",
                                      "--state", "CO,MA", "--accepting-new-clients"], catch_exceptions=False)
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a:far"]


def test_accepting_new_clients_keeps_only_listings_that_say_yes(index):
    assert ids(index, "--accepting-new-clients") == ["a:far", "a:zoe"]  # not false, not unknown
    assert ids(index, "pain", "--accepting-new-clients", "--state", "CT") == ["a:zoe"]


# Near me, nearest first.

def test_near_with_a_query_puts_the_nearest_band_first(index):
    # Without --near the Springfield listing, 24 miles away, is the best text match...
    assert ids(index, "low back pain") == ["a:far", "a:zoe"]
    # ...with --near 06103 the listing under a mile away comes first, then the far one.
    result = run(index, "low back pain", "--near", "06103", "--format", "json")
    rows = json.loads(result.stdout)["results"]
    assert [(r["id"], r["distance_miles"] < 2) for r in rows] == [("a:zoe", True), ("a:far", False)]
    assert rows[0]["score"] < rows[1]["score"]
    assert ids(index, "low back pain", "--near", "06103", "--sort", "relevance") == ["a:zoe", "a:far"]


def test_help_documents_the_nearest_first_rule():
    help_text = " ".join(CliRunner().invoke(cli, ["search", "--help"]).output.split())
    assert "nearest distance band first, best match first within it" in help_text
    assert "by distance band (within 2, 5, 10, 25 miles, farther)" in help_text


def test_the_index_holds_folded_terms_exactly_as_whoosh_would():
    """The fold is in the analyzer, so the fast indexing path and Whoosh's own agree on accented text."""
    from whoosh import fields

    from index.search.schema import ANALYZER, SCHEMA

    plain = fields.TEXT(analyzer=ANALYZER, phrase=True)
    text = "Zoë Núñez, São Paulo\nMüller-Łukasz Straße CAFÉ cafe\u0301"
    assert sorted(SCHEMA["text"].index(text)) == sorted(plain.index(text))
    assert [t.text for t in ANALYZER("Zoë Núñez São Müller Łódź")] == ["zoe", "nunez", "sao", "muller", "lodz"]
