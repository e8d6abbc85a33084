"""A quoted phrase among a filter's few candidates: checked document by document, same answer.

When a filter or `--near` leaves few documents with every word of a phrase,
the evaluator checks the phrase in each of them (binary search in the words'
occurrence arrays) instead of intersecting the whole country's occurrences.
Both ways must find the same documents, and the whole search must answer what
Whoosh's own searcher answers.
"""

from __future__ import annotations

import pytest
from conftest import make_listings
from whoosh.index import open_dir

from index.search.engine import WEIGHTING, SearchRequest, build_filter, search
from index.search.generations import build_index, open_generation
from index.search.query import parse_query
from index.search.whoosh_private import evaluate, hot

PHRASE = ("practis", "massag")  # "practised massage": in every bio, analysed
HARTFORD = (41.7672, -72.676)


@pytest.fixture(scope="module")
def generation(tmp_path_factory):
    root = tmp_path_factory.mktemp("phrase") / "index"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hot, "HOT_MIN", 20)  # so 400 listings have frequent terms with occurrence arrays
        build_index(make_listings(400, seed=7), root)
    return open_generation(root)


def test_few_candidates_are_checked_one_by_one_with_the_whole_lists_answer(generation):
    with generation.index.searcher(weighting=WEIGHTING) as searcher:
        everywhere = evaluate._phrase_from_occurrences(searcher, "text", list(PHRASE), generation)
        assert everywhere is not None and len(everywhere) > 300
        occurrences = sum(len(generation.hot_occurrences(reader.segment().segment_id(), "text", word))
                          for reader, _ in searcher.reader().leaf_readers() for word in PHRASE)
        few = set(range(0, 400, 37))
        assert len(few) * len(PHRASE) * evaluate.OCCURRENCES_PER_CANDIDATE < occurrences  # the one-by-one path
        found = evaluate._phrase_from_occurrences(searcher, "text", list(PHRASE), generation, few)
        assert found & few == everywhere & few
        backwards = ["massag", "practis"]  # rarer: the words meet the other way round only across fields
        assert (evaluate._phrase_from_occurrences(searcher, "text", backwards, generation, few) & few
                == evaluate._phrase_from_occurrences(searcher, "text", backwards, generation) & few)


@pytest.mark.parametrize("filters", [{"near": HARTFORD, "radius_miles": 10.0}, {"state": "CT"},
                                     {"techniques": ("thai",)}])
def test_a_phrase_search_among_few_answers_what_whoosh_does(generation, filters):
    request = SearchRequest(query='"practised massage"', limit=None, **filters)
    result = search(generation.path.parent, request)
    fq = build_filter(request)
    ix = open_dir(str(generation.path), readonly=True)
    with ix.searcher(weighting=WEIGHTING) as searcher:
        hits = searcher.search(parse_query(request.query), filter=fq, limit=None, terms=False)
        theirs = {docnum for docnum, _ in hits.items()}
    if request.near is None:  # with --near the cells let a square through, the radius keeps a circle
        assert result.total == len(theirs) > 0
    ids = {row["id"] for row in result.results}
    assert ids <= {row["id"] for row in generation.listings(sorted(theirs))}
    assert 0 < len(ids) < 400
