"""The one Whoosh schema of knead's index, a comment on each field.

Lean by design (the straightforward schema costs 150 s to build and 360 MB at
100,000 listings, traps.md): one stemmed text field instead of one per listing
field (with several, each query word becomes an `Or` of posting lists, which
measured 3-4x slower to match and score); positions only there, because
quoted phrases ("low back pain", "cranio sacral") need them; no term
vectors; exact-value fields for every filter, so filters are `Term`s; and one
stored field, the listing as JSON, from which every output format is rebuilt.

Three things deliberately live outside Whoosh, in per-generation sidecar files
written by `index.store` (docnum-indexed arrays, see `store.Sidecars`):
coordinates (exact distance after the cell prefilter), a bitmask of each
listing's technique and insurance ids (facet counts over all matches in one
pass) and the spelling word list. Documents are added in name order, so the
document number *is* the name sort key: `--sort name` needs no column.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis import StemmingAnalyzer

# Bumped when the schema or the sidecars change incompatibly; written to each
# generation's meta file so a search can refuse an index it cannot read.
SCHEMA_VERSION = 1

# Porter stemming ("headaches" -> "headach" = "headache"), lower case, English
# stop words. maxsize bounds a token so a pasted 10,000-character "word"
# cannot bloat the index or the query (the parser is quadratic on long words).
ANALYZER = StemmingAnalyzer(minsize=2, maxsize=40)

# The free-text field a query searches.
TEXT_FIELD = "text"


def build_schema() -> fields.Schema:
    return fields.Schema(
        # The listing id ("amta:123"): exact lookups and de-duplication checks.
        id=fields.ID(unique=True),
        # The whole listing as JSON (all TherapistListing fields plus
        # first_seen/last_seen): the only stored field; results are rebuilt
        # from it, so output is complete without storing each field.
        data=fields.STORED(),
        # All free text in one field: name, business, credentials, bio,
        # conditions, the labels and every spelling of the listing's technique
        # and insurance ids (synonyms at index time: "cranio sacral", "CST" or
        # "Upledger" find craniosacral listings, "Anthem" finds bcbs), and the
        # place (city, state code and name, ZIP). One field, not one per
        # listing field: a query word is then one posting list, not an Or of
        # several, which is what keeps matching and scoring cheap at 100,000
        # listings. Positions are kept because quoted phrases search here.
        text=fields.TEXT(analyzer=ANALYZER, phrase=True),
        # Canonical technique ids (vocabulary.md), for --technique filters.
        techniques=fields.KEYWORD(commas=True),
        # Canonical insurance ids (coverage and carriers), for --insurance.
        insurance=fields.KEYWORD(commas=True),
        # "yes" when the vocabulary's accepts-insurance rule holds, else "no".
        accepts_insurance=fields.ID(),
        # Two-letter state code, upper case.
        state=fields.ID(),
        # City, casefolded with whitespace collapsed: --city is exact, any case.
        city=fields.ID(),
        # Five-digit ZIP.
        zip=fields.ID(),
        # Credentials, upper case ("LMT", "BCTMB").
        credentials=fields.KEYWORD(commas=True),
        # Languages, casefolded ("english", "spanish").
        languages=fields.KEYWORD(commas=True),
        # Gender as normalised by the crawl ("female", "male", "non-binary").
        gender=fields.ID(),
        # Grid cell terms at several resolutions (index.geo.cell_terms): the
        # --near prefilter is an Or of a few of these.
        geo=fields.KEYWORD(),
        # ISO timestamp of the first crawl that saw the listing; sortable (a
        # column) and lexically ordered, for a later --new-since TermRange.
        first_seen=fields.ID(sortable=True),
    )


SCHEMA = build_schema()
