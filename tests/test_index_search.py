"""index.search on a real on-disk index of 400 synthetic listings, checked against brute force."""

from __future__ import annotations

import math

import pytest

from index.geo.distance import haversine_miles
from index.model import vocabulary
from index.search.engine import SearchRequest, search
from index.search.generations import IndexMissing
from index.search.query import clean_query

HARTFORD = (41.7672, -72.676)  # ZIP 06103
SEATTLE = (47.6114, -122.3305)


def brute(listings, *, techniques=(), insurance=(), accepts_insurance=False, near=None, radius_miles=25.0,
          state=None, city=None, language=None, gender=None, credential=None):
    """The ids a filter should return, computed the obvious way."""
    out = {}
    for item in listings:
        if techniques:
            wanted = {x for t in techniques for x in vocabulary.expand_technique(t)}
            if not wanted & set(item["techniques"]):
                continue
        if insurance and not set(insurance) & set(item["insurance"]):
            continue
        if accepts_insurance and not (item["accepts_insurance"] is True or vocabulary.accepts_insurance(item["insurance"])):
            continue
        if state and item["state"] != state:
            continue
        if city and (item["city"] or "").casefold() != city.casefold():
            continue
        if language and language.casefold() not in {x.casefold() for x in item["languages"]}:
            continue
        if gender and (item["gender"] or "") != gender:
            continue
        if credential and credential.upper() not in item["credentials"]:
            continue
        distance = None
        if near:
            if item["lat"] is None:
                continue
            distance = haversine_miles(near[0], near[1], item["lat"], item["lon"])
            if distance > radius_miles:
                continue
        out[item["id"]] = distance
    return out


FILTERS = [
    {"techniques": ("deep-tissue",)},
    {"techniques": ("acupressure",)},  # includes shiatsu
    {"techniques": ("shiatsu",)},  # shiatsu alone
    {"techniques": ("thai", "cupping")},  # OR'ed
    {"insurance": ("aetna",)},
    {"insurance": ("bcbs", "cigna")},
    {"accepts_insurance": True},
    {"state": "CT"},
    {"city": "west hartford"},
    {"language": "Spanish"},
    {"gender": "female"},
    {"credential": "lmt"},
    {"near": HARTFORD},
    {"near": HARTFORD, "radius_miles": 5.0},
    {"near": HARTFORD, "radius_miles": 120.0},
    {"near": SEATTLE, "radius_miles": 3000.0},
    {"techniques": ("deep-tissue", "swedish"), "insurance": ("aetna", "bcbs"), "state": "CT"},
    {"techniques": ("acupressure",), "near": HARTFORD, "radius_miles": 60.0, "accepts_insurance": True},
    {"insurance": ("health-insurance",), "language": "english", "gender": "male"},
    {"city": "Boston", "credential": "CMT", "techniques": ("sports", "medical")},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_filters_match_brute_force(corpus, filters):
    data_dir, listings = corpus
    expected = brute(listings, **filters)
    result = search(data_dir.index_root, SearchRequest(limit=None, **filters))
    assert result.total == len(expected)
    assert {r["id"] for r in result.results} == set(expected)
    assert expected, "fixture too small: the filter should match something"
    if "near" in filters:
        for row in result.results:
            assert row["distance_miles"] == pytest.approx(expected[row["id"]], abs=0.006)


def test_facets_count_all_matches_not_just_the_page(corpus):
    data_dir, listings = corpus
    result = search(data_dir.index_root, SearchRequest(state="CT", limit=3))
    matches = [x for x in listings if x["state"] == "CT"]
    assert len(result.results) == 3 and result.total == len(matches)
    for tech in vocabulary.TECHNIQUES:
        n = sum(tech in x["techniques"] for x in matches)
        assert result.facets["techniques"].get(tech, 0) == n
    for ins in vocabulary.INSURANCES:
        n = sum(ins in x["insurance"] for x in matches)
        assert result.facets["insurance"].get(ins, 0) == n
    counts = list(result.facets["techniques"].values())
    assert counts == sorted(counts, reverse=True)


def test_distance_sort_is_default_without_query_and_ordered(corpus):
    data_dir, listings = corpus
    result = search(data_dir.index_root, SearchRequest(near=HARTFORD, radius_miles=40, limit=None))
    assert result.sort == "distance"
    distances = [r["distance_miles"] for r in result.results]
    assert distances == sorted(distances)
    for row in result.results:  # the inlined arithmetic of the search gives haversine's miles exactly
        assert row["distance_miles"] == round(haversine_miles(*HARTFORD, row["lat"], row["lon"]), 2)


def test_the_radius_is_exact_at_its_edge(corpus):
    """A listing exactly at the radius is in; a hair beyond it is out."""
    data_dir, listings = corpus
    row = next(x for x in listings if x["lat"] is not None)
    exact = haversine_miles(*HARTFORD, row["lat"], row["lon"])
    ids = lambda radius: {r["id"] for r in search(data_dir.index_root, SearchRequest(
        near=HARTFORD, radius_miles=radius, limit=None)).results}
    assert row["id"] in ids(exact)
    assert row["id"] not in ids(exact * (1 - 1e-12))


def test_listings_without_coordinates_never_match_near(corpus):
    data_dir, listings = corpus
    assert any(x["lat"] is None for x in listings)
    result = search(data_dir.index_root, SearchRequest(near=SEATTLE, radius_miles=5000, limit=None))
    assert result.total == sum(x["lat"] is not None for x in listings)


def test_name_sort_is_default_without_query_or_near(corpus):
    data_dir, listings = corpus
    result = search(data_dir.index_root, SearchRequest(limit=None))
    assert result.sort == "name" and result.total == len(listings)
    # Name order, a listing without a name under its business, nameless last.
    names = [(r["name"] or r["business"] or "").casefold() for r in result.results]
    keys = [(n == "", n, r["id"]) for n, r in zip(names, result.results)]
    assert keys == sorted(keys)
    assert all(r["score"] is None for r in result.results)


def test_limit_and_all(corpus):
    data_dir, listings = corpus
    assert len(search(data_dir.index_root, SearchRequest()).results) == 20
    assert len(search(data_dir.index_root, SearchRequest(limit=5)).results) == 5
    assert len(search(data_dir.index_root, SearchRequest(limit=None)).results) == len(listings)


def _ids(data_dir, **kwargs):
    return {r["id"] for r in search(data_dir.index_root, SearchRequest(limit=None, **kwargs)).results}


def test_stemming_headache_finds_headaches(corpus):
    data_dir, listings = corpus
    expected = {x["id"] for x in listings if "headaches" in x["conditions"]}
    assert expected
    assert expected <= _ids(data_dir, query="headache")
    assert _ids(data_dir, query="headache") == _ids(data_dir, query="HEADACHES")


@pytest.mark.parametrize("query", ["cranio sacral", "CST", "craniosacral", "Upledger", '"cranio sacral"'])
def test_technique_synonyms(corpus, query):
    data_dir, listings = corpus
    expected = {x["id"] for x in listings if "craniosacral" in x["techniques"]}
    assert expected and _ids(data_dir, query=query) == expected


def test_insurance_spellings_as_text(corpus):
    data_dir, listings = corpus
    expected = {x["id"] for x in listings if "bcbs" in x["insurance"]}
    assert expected and _ids(data_dir, query="Anthem") == expected


def test_phrase_is_stricter_than_words(corpus):
    data_dir, listings = corpus
    phrase = _ids(data_dir, query='"low back pain"')
    assert phrase == {x["id"] for x in listings if "low back pain" in x["conditions"]}
    assert phrase <= _ids(data_dir, query="low back pain")


def test_text_and_filters_are_anded(corpus):
    data_dir, listings = corpus
    got = _ids(data_dir, query="sciatica", state="CT", techniques=("deep-tissue",))
    expected = {x["id"] for x in listings if "sciatica" in x["conditions"] and x["state"] == "CT"
                and "deep-tissue" in x["techniques"]}
    assert got == expected


def test_relevance_ranks_by_score(corpus):
    data_dir, _ = corpus
    result = search(data_dir.index_root, SearchRequest(query="neck pain", limit=None))
    assert result.sort == "relevance" and result.total > 0
    scores = [r["score"] for r in result.results]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_words_are_anded_then_relaxed_to_or(corpus):
    data_dir, listings = corpus
    both = search(data_dir.index_root, SearchRequest(query="sciatica whiplash", limit=None))
    assert not both.relaxed
    assert {r["id"] for r in both.results} == {
        x["id"] for x in listings if {"sciatica", "whiplash"} <= set(x["conditions"])}
    # Each word matches listings, never the same one (a listing is in one city): relaxed to OR.
    relaxed = search(data_dir.index_root, SearchRequest(query="boston denver", limit=None))
    assert relaxed.relaxed and relaxed.unmatched == []
    assert relaxed.total == sum(x["city"] in ("Boston", "Denver") for x in listings) > 0
    # A word no listing mentions is no reason to widen: no results, and the word is named.
    typo = search(data_dir.index_root, SearchRequest(query="sciatica zzyzx", limit=None))
    assert (typo.total, typo.relaxed, typo.unmatched) == (0, False, ["zzyzx"])


@pytest.mark.parametrize("query,suggestion", [("shiatzu", "shiatsu"), ("reflexolgy", "reflexology"),
                                              ("fibromyalgai", "fibromyalgia")])
def test_spelling_suggestions(corpus, query, suggestion):
    data_dir, _ = corpus
    result = search(data_dir.index_root, SearchRequest(query=query))
    assert result.total == 0 and result.suggestions == [suggestion]


def test_no_suggestion_for_matching_query(corpus):
    data_dir, _ = corpus
    assert search(data_dir.index_root, SearchRequest(query="shiatsu")).suggestions == []


HOSTILE = [
    '"unbalanced quote', "AND", "OR NOT", "*", "massage*", "text:massage", "name:[a TO z]", "bio:[abc TO 5]",
    "(((((", ")))", "^2 ~3", "a" * 10_000, "pain " * 2_000, "caf\udce9 \ud800", "\x00\x01\x1b[31mred",
    "*:*", "NOT massage", "massage~", "'single quotes'", "{a TO b}", "<script>", "\u202e\u200b", "-",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_hostile_queries_return_or_raise_query_error(corpus, query):
    from index.search.query import QueryError

    data_dir, listings = corpus
    try:
        result = search(data_dir.index_root, SearchRequest(query=query))
    except QueryError as exc:
        assert "Nothing to search for" in str(exc)
    else:
        assert 0 <= result.total <= len(listings)


def test_wildcards_and_fields_are_plain_text(corpus):
    data_dir, _ = corpus
    # `*` is not a wildcard: "sci*" is the word "sci", which no listing has.
    assert search(data_dir.index_root, SearchRequest(query="sciatica")).total > 0
    assert search(data_dir.index_root, SearchRequest(query="sci*")).total == 0
    assert _ids(data_dir, query="state:CT headaches") == _ids(data_dir, query="state CT headaches")


def test_clean_query_bounds():
    text = clean_query("x" * 100_000 + " " + "word " * 1000)
    assert len(text) <= 500 and len(text.split()) <= 32
    assert clean_query("a\x00b\udce9c") == "a b c"
    assert clean_query(None) == ""


def test_search_without_index_raises(tmp_path):
    with pytest.raises(IndexMissing):
        search(tmp_path / "index", SearchRequest())


def test_sort_distance_needs_near(corpus):
    with pytest.raises(ValueError):
        search(corpus[0].index_root, SearchRequest(sort="distance"))


def test_every_result_holds_all_listing_fields(corpus):
    from index.model.listing import FIELD_NAMES

    data_dir, listings = corpus
    result = search(data_dir.index_root, SearchRequest(query="pain", near=HARTFORD, radius_miles=500, limit=3))
    by_id = {x["id"]: x for x in listings}
    for row in result.results:
        assert set(row) == set(FIELD_NAMES) | {"first_seen", "last_seen", "stale", "stale_since", "score", "distance_miles"}
        assert {k: v for k, v in row.items() if k not in ("score", "distance_miles")} == by_id[row["id"]]
        assert not math.isnan(row["distance_miles"])


EVALUATED = ["pain", "low back pain", '"low back pain"', '"neck pain"', "deep tissue massage", "massage therapy",
             "cranio sacral", '"cranio sacral"', "CST headaches", "Anthem OR Aetna", "(neck OR back) pain",
             '"pain pain"', "sciatica whiplash", "zzyzx", '"zzyzx pain"', "Hartford", "hot stone OR reiki"]


@pytest.mark.parametrize("text", EVALUATED)
def test_posting_list_evaluation_equals_whoosh(corpus, text):
    """index.search.whoosh_private.evaluate finds what Whoosh's matchers find, with the same scores."""
    from index.search.engine import WEIGHTING
    from index.search.generations import open_generation
    from index.search.query import parse_query
    from index.search.whoosh_private import evaluate

    q = parse_query(text)
    generation = open_generation(corpus[0].index_root)
    with generation.index.searcher(weighting=WEIGHTING) as searcher:
        ours = evaluate.scored_matches(searcher, q)
        theirs = dict(searcher.search(q, limit=None, terms=False).items())
    assert ours is not None, q
    assert ours.keys() == theirs.keys()
    assert all(ours[d] == pytest.approx(theirs[d], rel=1e-9) for d in ours)


def test_unsupported_shapes_fall_back_to_whoosh(corpus):
    from index.search.engine import WEIGHTING
    from index.search.generations import open_generation
    from index.search.query import parse_query
    from index.search.whoosh_private import evaluate

    generation = open_generation(corpus[0].index_root)
    with generation.index.searcher(weighting=WEIGHTING) as searcher:
        assert evaluate.scored_matches(searcher, parse_query("pain NOT neck")) is None
        assert evaluate.scored_matches(searcher, parse_query("sciatica zzyzx", "or")) is None
    assert _ids(corpus[0], query="pain NOT neck") == {
        x["id"] for x in corpus[1] if "neck" not in " ".join(x["conditions"]).lower()} & _ids(corpus[0], query="pain")
