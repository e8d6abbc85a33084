"""Technique and insurance synonyms, applied at query time.

A listing's text field holds what the listing itself says; its technique and
insurance ids are indexed once each, as exact terms of the `techniques` and
`insurance` fields. What a query word would have matched in the listing's
*vocabulary text* (each id's words, label and every spelling: "cranio
sacral", "CST", "Upledger" for craniosacral, "Anthem" for bcbs) is added to
the query instead: `expand` turns each text `Term` into an `Or` of that term
and the id terms whose vocabulary text contains it, and each `Phrase` into an
`Or` of the phrase and the ids whose vocabulary text (one id's line, as the
analyzer reads it) contains it as a phrase.

A stem that several ids share ("massag" is in 18 ids' lines, "therapi" in 9)
would make a wide `Or` that costs a Python call per matching listing per
branch; instead each listing gets one *group term* per such stem its ids
contain, in the `synonyms` field (`group_terms`), and the stem expands to that
one term. A few postings a listing, against ~50 for every spelling.

For words this matches exactly the listings that indexing every spelling
with every listing matched (a listing's text contains a stem iff its own
text does or one of its ids' lines does), at a fraction of the postings:
those spellings were about two thirds of all postings and of the build time.
The one difference: a phrase no longer matches across the boundary between
two lines (the end of one id's spellings and the start of the next line).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from functools import lru_cache

from whoosh import query as wq

from index.model import vocabulary
from index.search.schema import ANALYZER, TEXT_FIELD

# The field of the group terms (shared stems, see above).
SYNONYM_FIELD = "synonyms"
# The listing fields holding each vocabulary's ids, and the vocabularies.
FIELDS = (("techniques", vocabulary.TECHNIQUES), ("insurance", vocabulary.INSURANCES))


def vocabulary_line(term: vocabulary.Term) -> str:
    """The text an id stands for: its words, its label, every other spelling."""
    return " ".join((term.id.replace("-", " "), term.label, *term.spellings))


@lru_cache(maxsize=1)
def _lines() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(field, id, the line's terms as the text field's analyzer gives them) per id."""
    return tuple((fieldname, term.id, tuple(t.text for t in ANALYZER(vocabulary_line(term))))
                 for fieldname, table in FIELDS for term in table.values())


@lru_cache(maxsize=1)
def _by_stem() -> dict[str, tuple[tuple[str, str], ...]]:
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for fieldname, term_id, terms in _lines():
        for text in dict.fromkeys(terms):
            found[text].append((fieldname, term_id))
    return {text: tuple(ids) for text, ids in found.items()}


def ids_for_term(text: str) -> tuple[tuple[str, str], ...]:
    """(field, id) pairs whose vocabulary line contains the analysed term `text`."""
    return _by_stem().get(text, ())


@lru_cache(maxsize=1)
def _groups() -> dict[tuple[str, str], tuple[str, ...]]:
    """(field, id) -> the shared stems (those of more than one id) in its line."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for text, ids in _by_stem().items():
        if len(ids) > 1:
            for pair in ids:
                found[pair].append(text)
    return {pair: tuple(texts) for pair, texts in found.items()}


def group_terms(techniques: list[str], insurance: list[str]) -> str:
    """The `synonyms` field of a listing: the shared stems its ids' lines contain."""
    groups = _groups()
    found: dict[str, None] = {}
    for fieldname, ids in (("techniques", techniques), ("insurance", insurance)):
        for term_id in ids:
            found.update(dict.fromkeys(groups.get((fieldname, term_id), ())))
    return " ".join(found)


def ids_for_phrase(words: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """(field, id) pairs whose vocabulary line contains the analysed `words` in a row."""
    words = tuple(words)
    n = len(words)
    return [(fieldname, term_id) for fieldname, term_id, terms in _lines()
            if any(terms[i:i + n] == words for i in range(len(terms) - n + 1))]


def _rewrite(node: wq.Query) -> wq.Query:
    if isinstance(node, wq.Term) and node.fieldname == TEXT_FIELD:
        ids = ids_for_term(node.text)
    elif isinstance(node, wq.Phrase) and node.fieldname == TEXT_FIELD and node.slop == 1:
        ids = ids_for_phrase(node.words)
    else:
        return node
    if not ids:
        return node
    if isinstance(node, wq.Term) and len(ids) > 1:
        return wq.Or([node, wq.Term(SYNONYM_FIELD, node.text)])
    return wq.Or([node, *(wq.Term(fieldname, term_id) for fieldname, term_id in ids)])


def expand(q: wq.Query) -> wq.Query:
    """The parsed text query with every text term and phrase also matching the ids it names."""
    if isinstance(q, wq.CompoundQuery):
        # A copy, not `accept()`: that rebuilds an Or without its `scale`
        # (the relaxed search's coordination bonus).
        out = copy.copy(q)
        out.subqueries = [expand(sub) for sub in q.subqueries]
        return out
    if q.is_leaf():
        return _rewrite(q)
    return q.apply(expand)


def doc_frequency(searcher, text: str) -> int:
    """How many listings an analysed term could match at most: in their text or through an id."""
    return searcher.doc_frequency(TEXT_FIELD, text) + sum(
        searcher.doc_frequency(fieldname, term_id) for fieldname, term_id in ids_for_term(text))
