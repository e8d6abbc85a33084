"""The fence (index.search.whoosh_private) against Whoosh's own answers, in the configuration that ships.

Everything behind the fence reads or writes whoosh3's private formats: the
gathering writer's segments, the hot-postings sidecar, the posting-list
evaluator. Here an index is built exactly as `knead crawl` builds one at
national scale (the parallel build: several segments, one per process, and
the hot sidecar with the shipped `HOT_MIN`, so frequent terms really are
read from it), and every answer is compared with what Whoosh itself finds
in the very same index: its matchers, its scorer, its postings. Run this
before any whoosh3 bump.
"""

from __future__ import annotations

import pytest
from conftest import make_listings
from whoosh.index import open_dir

from index.geo.distance import haversine_miles
from index.search.build import PARALLEL_MIN_LISTINGS
from index.search.engine import WEIGHTING, SearchRequest, build_filter, search
from index.search.generations import build_index, open_generation
from index.search.query import parse_query
from index.search.whoosh_private import evaluate, hot

HARTFORD = (41.7672, -72.676)
LISTINGS = PARALLEL_MIN_LISTINGS + 200  # the smallest build the parallel path takes
WORKERS = 3

# (query text, filters): terms, frequent terms, phrases (of frequent and rare
# words), synonyms, AND, OR, NOT, a relaxed OR, and each with filters.
SHAPES = [
    ("massage", {}),
    ("pain", {}),
    ("low back pain", {}),
    ('"practised massage"', {}),
    ('"low back pain" OR "neck pain"', {}),
    ("cranio sacral headaches", {}),
    ("Anthem OR Aetna", {}),
    ("pain NOT neck", {}),
    ("massage NOT (sciatica OR headaches)", {}),
    ("sciatica whiplash", {}),  # words that each match, but rarely together
    ("massage", {"techniques": ("deep-tissue",), "insurance": ("aetna", "bcbs")}),
    ('"neck pain"', {"state": "CT"}),
    ("pain NOT migraines", {"accepts_insurance": True}),
    ("athletes", {"near": HARTFORD, "radius_miles": 40.0}),
    ("", {"techniques": ("acupressure",)}),
    ("", {"state": "NY", "language": "spanish"}),
]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    root = tmp_path_factory.mktemp("shipped") / "index"
    result = build_index(make_listings(LISTINGS, seed=11), root, workers=WORKERS)
    assert result.doc_count == LISTINGS
    gen = open_generation(root)
    ix = open_dir(str(gen.path), readonly=True)  # Whoosh's own view of the same files
    return gen, ix


def _ids(gen, docnums) -> list[str]:
    return [row["id"] for row in gen.listings(docnums)]


def test_the_index_is_in_the_shipped_configuration(shipped):
    gen, ix = shipped
    with ix.searcher() as searcher:
        leaves = searcher.reader().leaf_readers()
        assert len(leaves) == WORKERS  # several segments
        hot_terms = 0
        for reader, _ in leaves:
            table = hot.HotPostings(gen.path, reader.segment().segment_id())
            text_terms = table.terms.get("text", {})
            assert {"massag", "practis"} <= set(text_terms)  # words of every bio are hot
            hot_terms += sum(len(terms) for terms in table.terms.values())
            for fieldname, terms in table.terms.items():
                for text in terms:
                    assert reader.doc_frequency(fieldname, text) >= hot.HOT_MIN
        assert hot_terms > 20


def test_hot_postings_are_whoosh_postings(shipped):
    """Every hot term's arrays hold exactly Whoosh's postings: documents, weights, positions."""
    gen, ix = shipped
    with ix.searcher() as searcher:
        for reader, _ in searcher.reader().leaf_readers():
            segment_id = reader.segment().segment_id()
            for fieldname, terms in hot.HotPostings(gen.path, segment_id).terms.items():
                for text in terms:
                    docnums, heavy_docs, heavy_weights = gen.hot_postings(segment_id, fieldname, text)
                    items = list(reader.postings(fieldname, text).items_as("weight"))
                    assert list(docnums) == [d for d, _ in items], (fieldname, text)
                    assert list(zip(heavy_docs, heavy_weights)) == [(d, w) for d, w in items if w != 1.0]
                    if fieldname == "text":
                        expected = [d << hot.POSITION_BITS | p
                                    for d, ps in reader.postings(fieldname, text).items_as("positions") for p in ps]
                        assert list(gen.hot_occurrences(segment_id, fieldname, text)) == expected


def _whoosh_scores(searcher, q, fq) -> dict[int, float]:
    return dict(searcher.search(q, filter=fq, limit=None, terms=False).items())


@pytest.mark.parametrize("text,filters", SHAPES, ids=[t or ",".join(f) for t, f in SHAPES])
def test_the_evaluator_finds_and_scores_what_whoosh_does(shipped, text, filters):
    gen, ix = shipped
    request = SearchRequest(query=text or None, limit=None, **filters)
    fq = build_filter(request)
    with ix.searcher(weighting=WEIGHTING) as searcher:
        if fq is not None:
            allowed = evaluate.matching_docs(searcher, fq, gen)
            assert allowed == set(searcher.docs_for_query(fq))
        if not text:
            return
        q = parse_query(text)
        theirs = _whoosh_scores(searcher, q, fq)
        ours = evaluate.scored_matches(searcher, q, None if fq is None else sorted(allowed), gen)
        if ours is None:  # NOT and friends: the caller asks Whoosh (the test below covers them)
            assert "NOT" in text
            return
        if fq is not None:
            ours = {d: s for d, s in ours.items() if d in allowed}
        assert set(ours) == set(theirs)
        assert ours == pytest.approx(theirs, rel=1e-6)


def test_plain_text_shapes_are_answered_by_the_evaluator_not_whoosh(shipped):
    """So the comparison above is not vacuous: every shape without NOT goes through the fence."""
    gen, ix = shipped
    with ix.searcher(weighting=WEIGHTING) as searcher:
        for text, _ in SHAPES:
            if text and "NOT" not in text:
                assert evaluate.scored_matches(searcher, parse_query(text), None, gen) is not None, text


@pytest.mark.parametrize("text,filters", SHAPES, ids=[t or ",".join(f) for t, f in SHAPES])
def test_a_search_answers_what_whoosh_answers(shipped, text, filters):
    """The whole search (hot arrays, evaluator, filters, relaxed OR) against Whoosh's own search."""
    gen, ix = shipped
    request = SearchRequest(query=text or None, limit=None, **filters)
    result = search(gen.path.parent, request)
    fq = build_filter(request)
    with ix.searcher(weighting=WEIGHTING) as searcher:
        if text:
            q = parse_query(text, "or") if result.relaxed else parse_query(text)
            theirs = _whoosh_scores(searcher, q, fq)
        else:
            theirs = dict.fromkeys(searcher.docs_for_query(fq), None)
    if request.near is not None:  # the cells let a square through; the radius is a circle
        lats, lons = gen.coords
        theirs = {d: s for d, s in theirs.items()
                  if haversine_miles(*request.near, lats[d], lons[d]) <= request.radius_miles}
    assert result.total == len(theirs) > 0
    assert sorted(row["id"] for row in result.results) == sorted(_ids(gen, sorted(theirs)))
    if text:
        by_id = dict(zip(_ids(gen, list(theirs)), theirs.values()))
        assert {row["id"]: row["score"] for row in result.results} == pytest.approx(
            {i: round(s, 4) for i, s in by_id.items()}, abs=1e-4)
