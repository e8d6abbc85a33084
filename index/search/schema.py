"""The one Whoosh schema of knead's index, a comment on each field.

Lean by design (the straightforward schema costs 150 s to build and 360 MB at
100,000 listings, traps.md): one stemmed text field instead of one per listing
field (with several, each query word becomes an `Or` of posting lists, which
measured 3-4x slower to match and score); positions only there, because
quoted phrases ("low back pain", "cranio sacral") need them; no term
vectors; exact-value fields for every filter, so filters are `Term`s; no
stored field at all; and technique and insurance synonyms expanded at query
time (index.search.synonyms) rather than indexed with every listing, which had made
two thirds of the postings.

Four things deliberately live outside Whoosh, in per-generation sidecar files
written by `index.search.generations` (docnum-indexed): the listings themselves as
compressed JSON, from which every output format is rebuilt (half the size of
a Whoosh stored field, see store.py); coordinates (exact distance after the
cell prefilter); per technique and insurance id, a bitmap of the listings
that have it (a facet count over any set of matches is an AND and a popcount); and the spelling word list.
Documents are added in name order (several segments, each a contiguous
range of it, for a large build: index.search.build), so the document number *is*
the name sort key: `--sort name` needs no column.
"""

from __future__ import annotations

from typing import Any

from whoosh import fields
from whoosh.analysis import Filter, StemmingAnalyzer

from index.model.text import fold

# Bumped when the schema or the sidecars change incompatibly; written to each
# generation's meta file so a search can refuse an index it cannot read.
# 2: listing JSON stored zlib-compressed; the text field is `StemmedText`.
# 3: `stale` and `last_seen` fields.
# 4: technique and insurance spellings matched at query time (index.search.synonyms),
#    no longer indexed in the text field.
# 5: facet bitmaps per id, frequent terms as arrays (index.search.whoosh_private.hot); several segments.
# 6: the schema's field classes moved to index.search.schema (the pickled
#    schema names them); text bounds of index.model.text.
# 7: text terms and filter values accent-folded (index.model.text.fold); `accepting` field.
# 8: a manifest (sizes, CRC-32s) in the meta file; hot postings with per-term CRC-32s (format 3).
# 9: a `source` field (--source); listings carry npi, practice and licenses.
# 10: (named for the `licensed` field, which landed after 11: see 12).
# 11: `hours` one OSM opening_hours string (was a list of lines); hours_raw, price_range, practice_id.
# 12: a `licensed` field (--licensed: a board roster confirms an active licence in the listing's state).
# 13: an `open` field and the hours sidecar (--open DAY[ TIME]).
# 14: merged results (issue 15): `source` a keyword of every member's source, a `license_verified` field,
#     stored results carry sources, field_sources, practices, from_practice, alternatives, license_verified.
SCHEMA_VERSION = 14


class FoldFilter(Filter):
    """Folds each token's accents and case with `index.model.text.fold` ("García" -> "garcia"),
    the same fold the filter values, suggestions and place names get."""

    def __call__(self, tokens):
        for token in tokens:
            if not token.text.isascii():
                token.text = fold(token.text)
            yield token


def _analyzer():
    # StemmingAnalyzer's chain (tokenizer, lower case, stop words, stemmer)
    # with the fold after the lower case, so stop words and stems see folded words.
    tokenizer, lower, stop, stem = StemmingAnalyzer(minsize=2, maxsize=40).items
    return tokenizer | lower | FoldFilter() | stop | stem


# Porter stemming ("headaches" -> "headach" = "headache"), lower case, accents
# folded, English stop words. maxsize bounds a token so a pasted
# 10,000-character "word" cannot bloat the index or the query (the parser is
# quadratic on long words).
ANALYZER = _analyzer()

# The free-text field a query searches.
TEXT_FIELD = "text"

# Bounds on the caches of `StemmedText` (entries; past them lines are analysed
# uncached) and on the cache of encoded position lists. Lines are long and
# recur less than words: 50,000 of them hold ~20 MB in each writing process.
_LINE_CACHE_MAX = 50_000
_WORD_CACHE_MAX = 200_000
_POSITIONS_CACHE_MAX = 50_000


class StemmedText(fields.TEXT):
    """`TEXT` with `ANALYZER`, indexed several times faster, producing identical postings.

    Whoosh runs every token through a chain of generator filters (tokenizer,
    lower case, stop words, stemmer) and pickles every position list, which
    was half of the build time. Here the text is analysed a line at a time
    (a token never spans a newline), and a line's result is cached: most
    lines of a document (`index.search.document.to_document`) recur across
    thousands of listings (each technique's and insurance's spellings, the
    conditions, the place). Positions follow the analyzer's exactly
    (StopFilter's renumbering: the first kept word keeps its place, later
    kept words follow on without gaps), and encoded position lists are cached
    too. Queries still go through `self.analyzer`, unchanged.
    tests/test_index_document.py checks the postings equal plain TEXT's.
    This class lives in `index` because the schema is pickled into the index.
    """

    _lines: dict[str, tuple[int, int, tuple[bytes, ...]]] = {}
    _words: dict[str, bytes | None] = {}
    _encoded: dict[tuple[int, ...], bytes] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # No per-document field lengths: search weights by TF-IDF, which never
        # reads them, and writing them cost a column lookup per posting at commit.
        self.scorable = False

    def index(self, value: Any, **kwargs: Any):
        if not isinstance(value, str) or kwargs.get("mode", "index") != "index":
            return super().index(value, **kwargs)
        lines = StemmedText._lines
        poses: dict[bytes, list[int]] = {}
        offset = 0  # raw tokens (stop words included) before this line
        pos = -1  # position of the last kept token; -1: none kept yet
        for line in value.split("\n"):
            entry = lines.get(line)
            if entry is None:
                entry = self._analyse_line(line)
                if len(lines) < _LINE_CACHE_MAX:
                    lines[line] = entry
            n_raw, first, terms = entry
            if terms:
                start = offset + first if pos < 0 else pos + 1
                for i, term in enumerate(terms, start):
                    if term in poses:
                        poses[term].append(i)
                    else:
                        poses[term] = [i]
                pos = start + len(terms) - 1
            offset += n_raw
        encoded = StemmedText._encoded
        encode = self.format.encode
        boost = self.format.field_boost
        postings = []  # a list, not a generator: the writer's loop over it is the hot one
        for term, positions in poses.items():
            key = tuple(positions)
            data = encoded.get(key)
            if data is None:
                data = encode(positions)
                if len(encoded) < _POSITIONS_CACHE_MAX:
                    encoded[key] = data
            postings.append((term, len(positions), len(positions) * boost, data))
        return postings

    def _analyse_line(self, line: str) -> tuple[int, int, tuple[bytes, ...]]:
        """(raw tokens in the line, raw index of the first kept one, the kept terms in order).

        A word's fate (dropped, or which stem) depends on the word alone, so
        the analyzer runs once per distinct word.
        """
        words = StemmedText._words
        first, terms, n_raw = 0, [], 0
        for n_raw, match in enumerate(self.analyzer.items[0].expression.finditer(line), 1):
            word = match.group()
            if word in words:
                term = words[word]
            else:
                found = [t.text for t in self.analyzer(word)]
                if len(found) > 1:  # cannot happen for one tokenizer match; stay exact if it does
                    tokens = [(t.pos, t.text.encode("utf-8")) for t in self.analyzer(line, positions=True)]
                    n_all = sum(1 for _ in self.analyzer.items[0].expression.finditer(line))
                    return (n_all, tokens[0][0], tuple(t for _, t in tokens)) if tokens else (n_all, 0, ())
                term = found[0].encode("utf-8") if found else None
                if len(words) < _WORD_CACHE_MAX:
                    words[word] = term
            if term is not None:
                if not terms:
                    first = n_raw - 1
                terms.append(term)
        return n_raw, first, tuple(terms)


# Postings of filter-field values, per field instance: (id(field), value) -> postings.
_VALUE_CACHE: dict[tuple[int, str], tuple[tuple[bytes, int, float, bytes], ...]] = {}


# Per field instance, the (weight, value) of a posting of one token: the same
# for every token of a list (Whoosh takes list items as tokens, unanalysed).
_TOKEN_POSTING: dict[int, tuple[float, bytes]] = {}


class _OneTokenPostings:
    def _token_posting(self) -> tuple[float, bytes]:
        posting = _TOKEN_POSTING.get(id(self))
        if posting is None:
            ((_, _, weight, data),) = super().index(["x"])
            posting = _TOKEN_POSTING[id(self)] = (weight, data)
        return posting


class _RecurringValues(_OneTokenPostings):
    """`index()` for a filter field whose values recur (a state, a list of ids,
    a set of cells): a string value's postings computed once and reused; a
    list's items are tokens already (Whoosh does not analyse them), so each
    item's posting is the item's bytes with the field's one-token weight and
    value. Whoosh's generator analyzers were a third of `add_document`.
    Queries still go through the field's analyzer, unchanged. The caches are
    module-level, not attributes, because the schema is pickled into the index.
    """

    def index(self, value: Any, **kwargs: Any):
        if kwargs:
            return super().index(value, **kwargs)
        if isinstance(value, str):
            return self._cached(value)
        if isinstance(value, list) and len(set(value)) == len(value):  # repeated items: Whoosh counts them
            weight, data = self._token_posting()
            return [(item.encode("utf-8"), 1, weight, data) for item in value]
        return super().index(value)

    def _cached(self, value: str):
        key = (id(self), value)
        postings = _VALUE_CACHE.get(key)
        if postings is None:
            postings = tuple(super().index(value))
            if len(_VALUE_CACHE) < _WORD_CACHE_MAX:
                _VALUE_CACHE[key] = postings
        return postings


class RecurringID(_RecurringValues, fields.ID):
    """`ID` for values shared by many documents (state, city, timestamps of one crawl)."""


class RecurringKeyword(_RecurringValues, fields.KEYWORD):
    """`KEYWORD` for value lists shared by many documents (ids, cells, languages)."""


class UniqueID(_OneTokenPostings, fields.ID):
    """`ID` for a value of its own per document (the listing id): the whole
    string is the one token (IDTokenizer), so its posting is the string's
    bytes with the field's one-token weight and value; nothing to cache."""

    def index(self, value: Any, **kwargs: Any):
        if kwargs or not isinstance(value, str) or not value:
            return super().index(value, **kwargs)
        weight, data = self._token_posting()
        return [(value.encode("utf-8"), 1, weight, data)]


def build_schema() -> fields.Schema:
    return fields.Schema(
        # The listing id ("amta:123"): exact lookups and de-duplication checks.
        id=UniqueID(unique=True),
        # All free text in one field: name, business, credentials, bio,
        # conditions and the place (city, state code and name, ZIP). The
        # spellings of the listing's technique and insurance ids are not
        # here: they match at query time through the id fields below
        # (index.search.synonyms: "cranio sacral", "CST" or "Upledger" find
        # craniosacral listings, "Anthem" finds bcbs). One field, not one per
        # listing field: a query word is then one posting list, not an Or of
        # several, which is what keeps matching and scoring cheap at 100,000
        # listings. Positions are kept because quoted phrases search here.
        text=StemmedText(analyzer=ANALYZER, phrase=True),
        # Canonical technique ids (vocabulary.md), for --technique filters and
        # for the query-time synonyms of the text field.
        techniques=RecurringKeyword(commas=True),
        # Canonical insurance ids (coverage and carriers), for --insurance and synonyms.
        insurance=RecurringKeyword(commas=True),
        # Stems that several ids' spellings share ("massag", "therapi"), one
        # term each when the listing's ids contain them: a query word expands
        # to this one term rather than an Or of many id terms (index.search.synonyms).
        synonyms=RecurringKeyword(),
        # "yes" when the vocabulary's accepts-insurance rule holds, else "no".
        accepts_insurance=RecurringID(),
        # Two-letter state code, upper case.
        state=RecurringID(),
        # The sources that found the result ("amta", "nppes", "roster:tx"), lower case, one term per
        # member's source, so --source matches a merged therapist by any of them.
        source=RecurringKeyword(),
        # City, folded (index.model.text.fold) with whitespace collapsed:
        # --city is exact, any case and accents ("sao paulo" = "São Paulo").
        city=RecurringID(),
        # Credentials, upper case ("LMT", "BCTMB").
        credentials=RecurringKeyword(commas=True),
        # Languages, folded ("english", "spanish", "portugues").
        languages=RecurringKeyword(commas=True),
        # Gender as normalised by the crawl ("female", "male", "non-binary").
        gender=RecurringID(),
        # Grid cell terms at several resolutions (index.geo.cells.cell_terms): the
        # --near prefilter is an Or of a few of these.
        geo=RecurringKeyword(),
        # ISO timestamp of the first crawl that saw the listing, lexically
        # ordered: --new-since is a TermRange.
        first_seen=RecurringID(),
        # ISO timestamp of the last crawl that found the listing: --fresh-within.
        last_seen=RecurringID(),
        # "yes" when the listing says it takes new clients (accepting_new_clients
        # is true); absent when false or unknown: --accepting-new-clients.
        accepting=RecurringID(),
        # "yes" when a complete crawl of its source no longer found it: left
        # out of searches unless --include-stale (a short posting list to drop).
        stale=RecurringID(),
        # "yes" when a board roster's licence record says active (and unexpired) in the
        # listing's state (index.model.licence.board_confirmed): --licensed. Read from the
        # records, so a merged therapist (issue 15) is confirmed by the roster record it carries.
        licensed=RecurringID(),
        # "yes" when the registry or a board roster confirms a massage licence in the result's state
        # (index.search.provenance.verified): --verified.
        license_verified=RecurringID(),
        # Weekly opening hours as day and hour terms (index.search.open_hours): --open.
        open=RecurringKeyword(),
    )


SCHEMA = build_schema()
