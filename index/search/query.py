"""Query text to Whoosh query objects: cleaned and bounded first, then parsed.

User text is bounded before the parser sees it (the parser is quadratic in a
long word and raises on some syntax, traps.md) and parsed over the text field
with wildcards, `field:` prefixes, ranges, boosts and `*:*` left out; phrases,
parentheses and AND/OR/NOT remain. Text terms and phrases also match the
technique and insurance ids whose spellings contain them (index.search.synonyms).
"""

from __future__ import annotations

import re
import unicodedata

from whoosh import query as wq

from index.model.text import UNPRINTABLE
from index.search import synonyms
from index.search.schema import ANALYZER, TEXT_FIELD

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
MAX_WORD_CHARS = 40  # the analyzer drops longer tokens; the parser is quadratic in them

_WHITESPACE = re.compile(r"\s+")
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD_CHARS + 1))


class QueryError(ValueError):
    """Query text that cannot be searched (nothing searchable left after cleaning)."""


def clean_query(text: str | None) -> str:
    """Bounded, printable query text: no control characters or lone surrogates,
    at most MAX_QUERY_WORDS words of at most MAX_WORD_CHARS characters, in NFC
    (a decomposed "e" + accent, as some keyboards type it, would split the word)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", UNPRINTABLE.sub(" ", text[: MAX_QUERY_CHARS * 4]))
    text = _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_CHARS], text)
    words = _WHITESPACE.split(text.strip())[:MAX_QUERY_WORDS]
    return " ".join(words)[:MAX_QUERY_CHARS].strip()


def _parser(grouping: str):
    from whoosh.qparser import (
        AndGroup,
        GroupPlugin,
        OperatorsPlugin,
        OrGroup,
        PhrasePlugin,
        QueryParser,
    )

    group = AndGroup if grouping == "and" else OrGroup.factory(0.9)
    # No FieldsPlugin (no `field:`), WildcardPlugin (no `*` scans), RangePlugin
    # (`[a TO b]` raises), BoostPlugin, EveryPlugin or SingleQuotePlugin
    # (apostrophes in names are not quotes).
    from index.search.schema import SCHEMA

    return QueryParser(TEXT_FIELD, SCHEMA, plugins=[PhrasePlugin(), GroupPlugin(), OperatorsPlugin()], group=group)


def parse_query(text: str, grouping: str = "and") -> wq.Query | None:
    """Cleaned text -> a Whoosh query, or None when nothing searchable is left.

    Text terms and phrases also match the technique and insurance ids whose
    spellings contain them (index.search.synonyms).
    """
    q = _parse(text, grouping)
    return None if q is None else synonyms.expand(q)


def _parse(text: str, grouping: str = "and") -> wq.Query | None:
    try:
        q = _parser(grouping).parse(text)
    except Exception:
        # Belt and braces: whatever syntax tripped the parser, search the words.
        words = re.sub(r"[^\w\s]", " ", text)
        try:
            q = _parser(grouping).parse(words)
        except Exception:
            return None
    if q is None or q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    return q


def _required_terms(q: wq.Query) -> set[str]:
    """The analysed text terms every match of `q` must contain (a `NOT`'s never, an `OR`'s
    only those all its branches need)."""
    if isinstance(q, wq.Term):
        return {q.text} if q.fieldname == TEXT_FIELD else set()
    if isinstance(q, wq.Phrase):
        return set(q.words) if q.fieldname == TEXT_FIELD else set()
    if isinstance(q, wq.And):
        return set().union(*map(_required_terms, q.subqueries))
    if isinstance(q, wq.Or):
        parts = [_required_terms(sub) for sub in q.subqueries]
        return set.intersection(*parts) if parts else set()
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return _required_terms(q.a)
    return set()


def required_words(text: str) -> list[str]:
    """The words of cleaned query text (as typed, once each) that every match must
    contain: all words of a plain query, not the ones after NOT or in only one
    side of an OR. A search can have no results when one of them matches nothing."""
    q = _parse(text)
    required = _required_terms(q) if q is not None else set()
    out = []
    for word in dict.fromkeys(query_words(text)):
        terms = [token.text for token in ANALYZER(word)]
        if terms and all(t in required for t in terms):
            out.append(word)
    return out


def query_words(text: str) -> list[str]:
    """The searchable words of query text as typed (operators and stop words dropped)."""
    words = []
    for raw in re.findall(r"\w+", text):
        if raw in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"):
            continue
        if any(True for _ in ANALYZER(raw)):
            words.append(raw)
    return words
