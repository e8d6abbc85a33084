"""Searching one index generation: query objects in, listing dicts out.

How a search runs (each step chosen to keep per-query work small):

1. Options become a *filter* of Whoosh query objects (`build_filter`): the
   values of one option are OR'ed, options are AND'ed, `--near` is an `Or` of
   a few grid-cell terms (index.geo.cells). User options never become query text.
2. Query text is cleaned and bounded (`clean_query`) and parsed over the text
   field with wildcards, `field:` prefixes, ranges, boosts and `*:*` removed;
   phrases, parentheses and AND/OR/NOT remain; accents and case are folded
   by the analyzer, as in the index. Words are AND'ed: a listing must match
   every word. A word that no listing mentions at all (in its text or
   through a technique or insurance spelling) answers with no results at
   once, and `SearchResult.unmatched` names it (with a spelling suggestion):
   widening to OR would only hide the typo. If every word matches something
   but no listing matches them all, the search is relaxed to OR, which still
   ranks listings matching more words first, and `SearchResult.relaxed` says so.
3. The matching document numbers (the filter's, through index.search.whoosh_private.evaluate);
   `--near` then keeps those within the radius by exact great-circle distance
   from the coordinates sidecar. `total` and the facet counts are over this
   full set (facets from per-id document bitmaps: an AND and a popcount per
   id, no Whoosh categorizer per document).
4. With query text, one scoring pass over every match scores them (and gives
   the set of step 3), a posting list at a time (index.search.whoosh_private.evaluate), frequent
   terms read from plain arrays (index.search.whoosh_private.hot); without, no scoring at all.
   The matches are put in order (by relevance, distance or document number,
   which is the name order; ties in name order) and only the page is loaded.
   Relevance with `--near` is *nearest first, by distance band*: matches
   within 2 miles, then within 5, 10 and 25 miles, then farther, and by
   relevance within a band (`DISTANCE_BANDS`), so a good match a mile away
   never sits below an equally good one 25 miles away.

One fresh searcher per search, always in `with`; never `Searcher.refresh()`.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import query as wq
from whoosh import scoring

from index.geo import distance
from index.geo.cells import covering_cells
from index.model import vocabulary
from index.search import nearby, open_hours, suggest
from index.search.document import norm_city, norm_credential, norm_language, norm_source
from index.search.facets import facet_counts, facet_counts_all_but
from index.search.query import QueryError, clean_query, parse_query, required_words
from index.search.request import SORTS, SearchRequest, SearchResult
from index.search.served import Generation, open_generation
from index.search.whoosh_private import evaluate

# Relevance with --near ranks these bands (miles) first, relevance within
# each: people compare "walking distance", "across town", "a drive", not
# decimals, and a text score says little about which of two close matches is better.
DISTANCE_BANDS = (2.0, 5.0, 10.0, 25.0)
# TF-IDF, not Whoosh's default BM25F: BM25F reads each matching document's
# field length from a column, which made common-word queries about 3x slower;
# listings are short and similar in length, so length normalisation buys little.
WEIGHTING = scoring.TF_IDF()


def build_filter(request: SearchRequest) -> wq.Query | None:
    """The options as one filter query (None when there are no filters)."""
    parts: list[wq.Query] = []

    def any_of(fieldname: str, values) -> None:
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            parts.append(wq.Or([wq.Term(fieldname, v) for v in values]) if len(values) > 1 else wq.Term(fieldname, values[0]))

    any_of("techniques", [t for tech in request.techniques for t in vocabulary.expand_technique(tech)])
    any_of("insurance", request.insurance)
    if request.accepts_insurance:
        parts.append(wq.Term("accepts_insurance", "yes"))
    any_of("state", [s.strip().upper() for s in request.state])
    any_of("city", [norm_city(c) for c in request.city])
    any_of("languages", [norm_language(x) for x in request.language])
    any_of("gender", [vocabulary.gender(request.gender) or (request.gender or "").strip().casefold()])
    any_of("credentials", [norm_credential(c) for c in request.credential])
    any_of("source", [norm_source(s) for s in request.source])
    if request.accepting_new_clients:
        parts.append(wq.Term("accepting", "yes"))
    if request.licensed:
        parts.append(wq.Term("licensed", "yes"))
    if request.verified:
        parts.append(wq.Term("license_verified", "yes"))
    if request.near is not None:
        any_of("geo", covering_cells(request.near[0], request.near[1], request.radius_miles))
    if request.new_since:  # first_seen is ISO 8601 UTC, so lexical order is time order
        parts.append(wq.TermRange("first_seen", request.new_since, None))
    if request.fresh_since:
        parts.append(wq.TermRange("last_seen", request.fresh_since, None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


# The filters checked against the values the index holds: request field ->
# (index field, the exact-match form of a value).
CHECKED_FILTERS = {
    "city": ("city", norm_city),
    "language": ("languages", norm_language),
    "credential": ("credentials", norm_credential),
    "source": ("source", norm_source),
}


class UnknownFilterValue(ValueError):
    """A --city, --language or --credential value that no listing in the index has."""

    def __init__(self, name: str, value: str, close: list[str]):
        super().__init__(f"No listing has {name} {value!r}")
        self.name = name  # the SearchRequest field: city, language, credential or source
        self.value = value  # as given
        self.close = close  # up to three closest values the index holds (folded), best first


def check_filter_values(reader, request: SearchRequest) -> None:
    """Raise UnknownFilterValue for the first city, language, credential or source value no listing has.

    One document frequency per value (no posting list read); only for a value
    no listing has is the field's lexicon read, for the "did you mean".
    """
    for name, (fieldname, norm) in CHECKED_FILTERS.items():
        for value in getattr(request, name):
            key = norm(value)
            if key and reader.doc_frequency(fieldname, key):
                continue
            import difflib  # only on this error path

            known = [term.decode("utf-8") for term in reader.lexicon(fieldname)]
            raise UnknownFilterValue(name, value, difflib.get_close_matches(key, known, n=3, cutoff=0.6) if key else [])


def resolve_sort(request: SearchRequest, has_text: bool) -> str:
    if request.sort is None:
        return "relevance" if has_text else ("distance" if request.near is not None else "name")
    if request.sort not in SORTS:
        raise ValueError(f"unknown sort {request.sort!r}: expected one of {', '.join(SORTS)}")
    if request.sort == "distance" and request.near is None:
        raise ValueError("sorting by distance needs a --near location")
    return request.sort


def search(index_root: str | Path, request: SearchRequest) -> SearchResult:
    """Run `request` against the published generation under `index_root`.

    Raises generations.IndexMissing when nothing was built, QueryError for query
    text with nothing searchable in it, UnknownFilterValue for a city, language
    or credential no listing has, ValueError for an impossible sort.
    """
    text = clean_query(request.query)
    q = parse_query(text) if text else None
    if text and q is None:
        raise QueryError(f"Nothing to search for in {text!r}: use words or \"quoted phrases\".")
    sort = resolve_sort(request, q is not None)
    for attempt in range(3):
        generation = open_generation(index_root)
        try:
            return _search(generation, request, text, q, sort)
        except FileNotFoundError:
            # The generation resolved above was pruned by two rebuilds in a
            # row while we opened it: resolve CURRENT again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _search(gen: Generation, request: SearchRequest, text: str, q: wq.Query | None, sort: str) -> SearchResult:
    fq = build_filter(request)
    relaxed = False
    scores: dict[int, float] = {}
    unmatched: list[str] = []
    with gen.index.searcher(weighting=WEIGHTING) as searcher:
        check_filter_values(searcher.reader(), request)
        # Stale listings are few: dropping their short posting list afterwards
        # is cheaper than a filter that every query would have to intersect.
        stale = set() if request.include_stale else _filtered(searcher, gen, wq.Term("stale", "yes"))
        if q is not None:
            # A document frequency per word: no posting list is read.
            unmatched = [w for w in required_words(text) if not suggest.matches_anything(searcher, w)]
        distance_terms: dict[int, float] = {}
        without_hours = None
        if q is None and fq is None and request.open_at is None:
            # Every document but the stale ones: counted and paged without listing
            # them all (a list of 100,000 document numbers alone costs milliseconds).
            n = searcher.doc_count_all()
            total, facets = n - len(stale), facet_counts_all_but(gen, stale)
            shown = n if request.limit is None else min(n, request.limit + len(stale))
            page = _all_but(shown, stale)[:request.limit]  # documents were added in name order
        else:
            if q is None:
                matched = _filtered(searcher, gen, fq) if fq is not None else set(range(searcher.doc_count_all()))
                docs = list(matched - stale if stale else matched)
            elif unmatched:
                docs = []
            else:
                scores = _scored(searcher, gen, q, fq, stale)
                if not scores and isinstance(q, wq.And):
                    q_or = parse_query(text, "or")
                    if q_or is not None:
                        scores = _scored(searcher, gen, q_or, fq, stale)
                        relaxed = bool(scores)
                docs = list(scores)
            # Every match's exact distance only where every match is ordered by it.
            every_term = (sort == "relevance" and q is not None) or request.open_at is not None or request.limit is None
            if request.near is not None:
                found = nearby.within(gen.coords, docs, request.near, request.radius_miles, every_term)
                docs, distance_terms = found.docs, found.terms
            if request.open_at is not None:
                docs, without_hours = _open_at(searcher, gen, docs, *request.open_at)
            total, facets = len(docs), facet_counts(gen, docs)
            if sort == "relevance" and q is not None and request.near is not None:
                band = _band_of(distance_terms)
                page = _first(request.limit, docs, lambda d: (band(d), -scores[d]))
            elif sort == "relevance" and q is not None:
                page = _first(request.limit, docs, scores.__getitem__, reverse=True)
            elif sort == "distance" and not every_term:
                page, distance_terms = nearby.nearest(gen.coords, found, request.near, request.limit)
            elif sort == "distance":
                page = _first(request.limit, docs, distance_terms.__getitem__)
            else:  # name: documents were added in name order
                page = _first(request.limit, docs)
        if request.near is not None and not all(d in distance_terms for d in page):
            distance_terms = nearby.terms_of(gen.coords, page, request.near)
        results = []
        for docnum, listing in zip(page, gen.listings(page)):
            listing["score"] = round(scores[docnum], 4) if docnum in scores else None
            if request.near is not None:
                listing["distance_miles"] = round(distance.miles_from_term(distance_terms[docnum]), 2)
            results.append(listing)
        suggestions = suggest.suggestions(searcher, gen, text, unmatched) if unmatched else []
    return SearchResult(total, results, facets, suggestions, sort, relaxed, gen.number, unmatched, without_hours)


def _open_at(searcher, gen: Generation, docs: list[int], day: int, minute: int | None) -> tuple[list[int], int]:
    """The matches open on `day` (at `minute`), and how many were left out for giving no weekly hours.

    Applied after the other filters (and `--near`) so the count is of what the
    search would otherwise have shown. Exact to the minute: see index.search.open_hours.
    """
    def term(text: str) -> set[int]:
        return _filtered(searcher, gen, wq.Term("open", text))

    with_hours = term(open_hours.ANY)
    without = sum(1 for d in docs if d not in with_hours)
    if minute is None:
        is_open = term(open_hours.day_term(day))
        return [d for d in docs if d in is_open], without
    hour = minute // 60
    full = term(open_hours.hour_term(day, hour))
    part = term(open_hours.hour_term(day, hour, part=True)) - full
    kept = []
    if part:
        offsets, spans = gen.hours
        at = day * 24 * 60 + minute
    for d in docs:
        if d in full or (d in part and open_hours.is_open_at(spans[offsets[d]:offsets[d + 1]], at)):
            kept.append(d)
    return kept, without


def _band_of(distance_terms: dict[int, float]):
    """docnum -> its distance band (0: within DISTANCE_BANDS[0] miles, ...), from its haversine term."""
    from bisect import bisect_left

    bounds = [distance.term_bound(miles) for miles in DISTANCE_BANDS]
    return lambda docnum: bisect_left(bounds, distance_terms[docnum])


def _all_but(n: int, left_out: set[int]) -> list[int]:
    """Documents 0 to n - 1 but `left_out`, in order (a few `range`s, extended in C)."""
    docs: list[int] = []
    start = 0
    for d in sorted(d for d in left_out if d < n):
        docs.extend(range(start, d))
        start = d + 1
    docs.extend(range(start, n))
    return docs


def _first(limit: int | None, docs: list[int], key=None, reverse: bool = False) -> list[int]:
    """The first `limit` of `docs` (all when None) by `key`, ties in document (name) order.

    Two sorts in C (by document, then stably by key) beat a heap whose key is
    a Python function: 3-4 ms instead of ~20 for 17,000 matches.
    """
    ordered = sorted(docs)
    if key is not None:
        ordered.sort(key=key, reverse=reverse)  # stable, also reversed: ties keep document order
    return ordered if limit is None else ordered[:limit]


def _scored(searcher, gen: Generation, q: wq.Query, fq: wq.Query | None, drop: set[int]) -> dict[int, float]:
    """Every match's score (docnum -> score).

    The total and the facet set need every match anyway, so every match is
    scored: by `index.search.whoosh_private.evaluate` a posting list at a time where it can (several
    times faster than Whoosh's document-at-a-time matchers), else by Whoosh.
    """
    # The filter first: the text's posting lists are then read only in the
    # blocks holding documents it lets through.
    allowed = None if fq is None else _filtered(searcher, gen, fq)
    scores = evaluate.scored_matches(searcher, q, None if allowed is None else sorted(allowed), gen)
    if scores is None:
        hits = searcher.search(q, filter=fq, limit=None, terms=False)
        scores = dict(hits.items())
    elif allowed is not None:
        scores = {d: s for d, s in scores.items() if d in allowed}
    if drop:
        scores = {d: s for d, s in scores.items() if d not in drop}
    return scores


def _filtered(searcher, gen: Generation, fq: wq.Query) -> set[int]:
    """The documents the filter lets through."""
    docs = evaluate.matching_docs(searcher, fq, gen)
    return set(searcher.docs_for_query(fq)) if docs is None else docs
