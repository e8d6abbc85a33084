"""Spelling suggestions: "shiatzu" -> "shiatsu".

Only on the slow path (a search that found nothing, or had to relax AND to
OR), and only for query words that match nothing in the text field. A
correction comes first from the vocabularies' spellings (technique and
insurance names are what people misspell most), then from the generation's
word list (names, businesses, cities, conditions; see document.spelling_words),
and is offered only if the corrected word itself matches something.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from index.model import vocabulary
from index.search import synonyms
from index.search.schema import ANALYZER


@lru_cache(maxsize=1)
def _vocabulary_words() -> tuple[str, ...]:
    words: set[str] = set()
    for kind in (vocabulary.TECHNIQUE, vocabulary.INSURANCE):
        for key in vocabulary.all_spellings(kind):
            words.update(w for w in key.split() if len(w) > 2)
    return tuple(sorted(words))


def _stems(word: str) -> list[str]:
    return [token.text for token in ANALYZER(word)]


def matches_anything(searcher, word: str) -> bool:
    """True when the word (as the index analyses it) matches something: in the text, or as a synonym."""
    stems = _stems(word)
    return bool(stems) and all(synonyms.doc_frequency(searcher, s) for s in stems)


def closest_word(searcher, words: list[str], word: str) -> str | None:
    """The nearest vocabulary spelling or indexed word that itself matches something."""
    key = word.casefold()
    for candidates, cutoff in ((_vocabulary_words(), 0.75), (_near_length(words, key), 0.8)):
        for candidate in difflib.get_close_matches(key, candidates, n=3, cutoff=cutoff):
            if candidate != key and matches_anything(searcher, candidate):
                return candidate
    return None


def _near_length(words: list[str], key: str) -> list[str]:
    # difflib is slow on tens of thousands of names: only words within two
    # letters of the typed length can pass an 0.8 ratio anyway.
    return [w for w in words if abs(len(w) - len(key)) <= 2]


def suggestions(searcher, generation, text: str) -> list[str]:
    """The query text with each unmatched word corrected, or [] when nothing could be."""
    from index.search.query import query_words

    corrected, changed = text, False
    for word in dict.fromkeys(query_words(text)):
        if matches_anything(searcher, word):
            continue
        better = closest_word(searcher, generation.words, word)
        if better is not None:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, corrected)
            changed = True
    return [corrected] if changed else []
