"""Text as knead keeps it: the one set of length bounds, and the two cleaning steps.

- `display_text`: what a crawl stores, the way a person reads it: HTML
  entities decoded (one level of double escaping too), Unicode NFC, control
  characters dropped, white space collapsed to single spaces, cut to a bound.
- `bounded_text`: what the index accepts from any source (the store, a test,
  an import): coerced to a string where harmless, control characters and
  lone surrogates replaced, cut to a bound. It never changes text that
  `display_text` produced.
- `fold`: the one form text is *compared* in (index terms, filter values,
  spelling suggestions, place names): case and accents folded, so "Garcia"
  finds "García" and "sao paulo" finds "São Paulo". Only for matching; what
  is shown keeps its own spelling.

The bounds are the same for both, so a crawl's cut (counted by the clean
pipeline) is the only cut a crawled listing ever gets.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from whoosh.support.charset import accent_map

MAX_ID = 300
MAX_TEXT = 500  # any one string field or list item
MAX_BIO = 5_000
MAX_LIST_ITEMS = 100  # items in any one list field

# C0/C1 control characters except tab and newline, and every surrogate code
# point (a lone surrogate is what invalid UTF-8 becomes; it cannot be encoded).
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What never belongs in displayed text (white space is collapsed separately).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def limit_for(field_name: str) -> int:
    """The length bound of one string field or list item."""
    return MAX_BIO if field_name == "bio" else MAX_TEXT


def display_text(value: object, limit: int = MAX_TEXT) -> str | None:
    """One display string: entities decoded, NFC, single spaces, at most `limit`; None when empty."""
    if value is None:
        return None
    text = str(value)
    for _ in range(2):  # at most one level of double escaping
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = " ".join(text.split())  # str.split() splits at exactly what the regex `\s` matches
    if len(text) > limit:
        text = text[:limit].rstrip()
    return text or None


def bounded_text(value: object, limit: int = MAX_TEXT) -> str | None:
    """A bounded, printable string, or None for anything empty or not text-like."""
    if type(value) is not str:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            value = str(value)
        elif not isinstance(value, str):
            return None
    # isprintable() is False for every character UNPRINTABLE matches (and for
    # tabs, newlines and other spaces): most strings skip the regex.
    if not value.isprintable():
        value = UNPRINTABLE.sub(" ", value)
    value = value.strip()[:limit]
    return value or None


@lru_cache(maxsize=50_000)
def fold(text: str) -> str:
    """`text` casefolded and without accents: "Zoë Müller-Núñez" -> "zoe muller-nunez".

    Compatibility decomposition (NFKD) splits "é" into "e" and a combining
    accent, which is dropped; Whoosh's `accent_map` then folds the letters
    that have no decomposition ("ø", "ł", "đ"). Cached: the same few thousand
    words, cities and languages recur across every listing of a build.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold().translate(accent_map)
