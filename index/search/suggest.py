"""Spelling suggestions: "shiatzu" -> "shiatsu".

Only on the slow path (a query word that no listing mentions, which makes the
search answer with no results). Words are compared folded (case and accents,
index.model.text.fold), as the index holds them, so "zoe" is a real match for
"Zoë" and is never "corrected" at all. A correction is the closest candidate
from two lists together: the vocabularies' spellings (technique and insurance
names are what people misspell most) and the generation's word list (names,
businesses, cities, conditions; see document.spelling_words). The closest
wins whichever list it comes from, so a suggestion is never further from the
typed word than a real indexed word is; and it is offered only if it itself
matches something.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from index.model import vocabulary
from index.model.text import fold
from index.search import synonyms
from index.search.schema import ANALYZER

# Least difflib ratio of a suggestion: vocabulary spellings, indexed words.
VOCABULARY_CUTOFF = 0.75
WORD_CUTOFF = 0.8


@lru_cache(maxsize=1)
def _vocabulary_words() -> tuple[str, ...]:
    words: set[str] = set()
    for kind in (vocabulary.TECHNIQUE, vocabulary.INSURANCE):
        for key in vocabulary.all_spellings(kind):
            words.update(fold(w) for w in key.split() if len(w) > 2)
    return tuple(sorted(words))


def _stems(word: str) -> list[str]:
    return [token.text for token in ANALYZER(word)]


def matches_anything(searcher, word: str) -> bool:
    """True when the word (as the index analyses it) matches something: in the text, or as a synonym."""
    stems = _stems(word)
    return bool(stems) and all(synonyms.doc_frequency(searcher, s) for s in stems)


def closest_word(searcher, words: list[str], word: str) -> str | None:
    """The nearest vocabulary spelling or indexed word (folded) that itself matches something."""
    key = fold(word)
    scored: dict[str, float] = {}
    for candidates, cutoff in ((_vocabulary_words(), VOCABULARY_CUTOFF), (_near_length(words, key), WORD_CUTOFF)):
        matcher = difflib.SequenceMatcher(b=key)
        for candidate in candidates:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
                ratio = matcher.ratio()
                if ratio >= cutoff and ratio > scored.get(candidate, 0.0):
                    scored[candidate] = ratio
    # Best first; equal ratios in alphabetical order, so the answer does not depend on list order.
    for candidate in sorted(scored, key=lambda c: (-scored[c], c)):
        if candidate != key and matches_anything(searcher, candidate):
            return candidate
    return None


def _near_length(words: list[str], key: str) -> list[str]:
    # difflib is slow on tens of thousands of names: only words within two
    # letters of the typed length can pass an 0.8 ratio anyway.
    return [w for w in words if abs(len(w) - len(key)) <= 2]


def suggestions(searcher, generation, text: str, unmatched: list[str]) -> list[str]:
    """The query text with each of the `unmatched` words corrected, or [] when none could be."""
    corrected, changed = text, False
    for word in unmatched:
        better = closest_word(searcher, generation.words, word)
        if better is not None:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, corrected)
            changed = True
    return [corrected] if changed else []
