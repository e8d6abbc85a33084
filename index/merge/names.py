"""People's names and streets folded to what identifies them: cheap string work, no parser.

`fold_name("Zoë M. St. James, LMT, BCTMB")` -> `Name(first="zoe", surname="stjames")`:
case, accents, punctuation, credentials (index.model.vocabulary's ids and the
usual degrees), titles, suffixes and middle names or initials set aside. A
"Last, First" name (a board roster's order) is turned round. Surname particles
("St.", "van", "de la") stay with the surname, written together, so "ST. JAMES"
and "St James" fold the same.

`first_names_compatible(a, b)`: equal, one the other's initial, nicknames of
one another (PyPI `nicknames`: "bill"/"william", "liz"/"elizabeth"), or spelled
almost the same (rapidfuzz ratio, for "sara"/"sarah", "jon"/"john").

This runs once per listing of a whole build (500,000 at national scale), so it
is plain `str` work and caches; nameparser (about 50 us a name) stays off it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import ratio

from index.model.text import fold
from index.model.vocabulary import CREDENTIALS

# Credentials and degrees people write after their names, folded; never a name.
_NOT_NAMES = frozenset({c.lower() for c in CREDENTIALS} | {
    "mt", "cnmt", "lmtp", "cmmt", "nmt", "cpt", "pt", "dpt", "pta", "rn", "lpn", "md", "do", "dc", "nd", "lac",
    "phd", "ma", "ms", "msc", "ba", "bs", "bsc", "msw", "med", "aps", "cimt", "cst", "rrpr", "lmft", "lpc", "atc",
    "cscs", "ryt", "e-ryt", "eryt", "crr", "cld", "lmbt", "lmp", "lmt", "cmp", "cmt",
    "jr", "sr", "ii", "iii", "iv", "v",  # suffixes
    "dr", "mr", "mrs", "miss", "mx", "prof",  # titles
})
_PARTICLES = frozenset({"st", "ste", "saint", "van", "von", "der", "den", "de", "del", "della", "la", "le", "da",
                        "di", "du", "dos", "das", "mac", "ten", "ter", "bin", "ibn", "al", "el"})
_PUNCT = re.compile(r"[.'’`´\"()]")


def _table() -> dict[int, str]:
    """One str.translate table: letters to lower case without accents (as index.model.text.fold
    does, for every letter up to Latin Extended-B), quotes and dots dropped, joiners to spaces."""
    table = {cp: fold(chr(cp)) for cp in range(0x41, 0x250) if chr(cp).isalpha() and fold(chr(cp)) != chr(cp)}
    table.update({ord(c): "" for c in ".'’`´\"()"})
    table.update({ord(c): " " for c in "-_/&+\t"})
    return table


_FOLD = _table()


def _fold(text: str) -> str:
    """fold() with punctuation set aside, in one C call for (almost) every name and street."""
    if max(text) < "\u0250":
        return text.translate(_FOLD)
    return _PUNCT.sub("", fold(text)).translate(_FOLD)


_ONE_NAME_RATIO = 85.0  # "sara"/"sarah", "jon"/"john", "katherine"/"catherine"


class Name(NamedTuple):
    first: str  # "" when the name has none (a practice's name is not folded as a person's)
    surname: str


@lru_cache(maxsize=200_000)
def fold_name(name: str | None) -> Name:
    """A person's name as (first name, surname), folded; ("", "") for nothing usable."""
    if not name:
        return Name("", "")
    text = _fold(name)
    if "," in text:
        parts = [p.split() for p in text.split(",")]
        parts = [p for p in parts if p and not _NOT_NAMES.issuperset(p)]
        if len(parts) == 2 and len(parts[0]) == 1:
            parts.reverse()  # "LOPEZ, MARIA" -> "maria lopez"
        words = [w for p in parts for w in p if w not in _NOT_NAMES]
    else:
        words = [w for w in text.split() if w not in _NOT_NAMES]
    if not words:
        return Name("", "")
    if len(words) == 1:
        return Name("", words[0])
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1  # "anh st james" -> surname "stjames"; "maria de la cruz" -> "delacruz"
    return Name(words[0], "".join(words[start:]))


@lru_cache(maxsize=1)
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=100_000)
def _forms(first: str) -> tuple[frozenset[str], frozenset[str]]:
    """(names this one is a nickname of or has as nickname, its canonical names)."""
    nn = _nicknamer()
    canonicals = frozenset(nn.canonicals_of(first))
    return frozenset(nn.nicknames_of(first)) | canonicals, canonicals


@lru_cache(maxsize=200_000)
def first_names_compatible(a: str, b: str) -> bool:
    """Could `a` and `b` be the same person's first name? Unknown ("") is compatible with anything."""
    if not a or not b or a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]  # an initial
    forms_a, canon_a = _forms(a)
    forms_b, canon_b = _forms(b)
    if b in forms_a or a in forms_b or canon_a & canon_b:
        return True
    # Spelling variants end alike ("jon"/"john", "katherine"/"catherine"); a different ending is
    # often another name ("christian"/"christina", "mario"/"maria"), and so is one changed letter
    # in a short name ("ann"/"anh", "tom"/"tim").
    if a[-1] != b[-1]:
        return False
    return Indel.distance(a, b) <= 1 if min(len(a), len(b)) <= 4 else ratio(a, b) >= _ONE_NAME_RATIO


_STREET_WORDS = {"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
                 "lane": "ln", "court": "ct", "place": "pl", "parkway": "pkwy", "highway": "hwy", "terrace": "ter",
                 "circle": "cir", "square": "sq", "north": "n", "south": "s", "east": "e", "west": "w",
                 "suite": "", "ste": "", "unit": "", "apt": "", "floor": "", "fl": "", "room": "", "rm": ""}
_UNIT = re.compile(r"\s*(?:,|\b(?:suite|ste|unit|apt|apartment|floor|fl|room|rm)\b|#).*$")


@lru_cache(maxsize=200_000)
def fold_street(street: str | None) -> str:
    """'181 State Street, Ste. 356' -> '181 state st': the building, without the unit or suite."""
    if not street:
        return ""
    text = _UNIT.sub("", _fold(street))
    return " ".join(_STREET_WORDS.get(w, w) for w in text.split() if _STREET_WORDS.get(w, w))


@lru_cache(maxsize=100_000)
def fold_business(name: str | None) -> str:
    """A practice's name for comparing: folded, punctuation and 'the'/'llc'/'inc' aside."""
    if not name:
        return ""
    words = _fold(name).replace(",", " ").split()
    return " ".join(w for w in words if w not in {"the", "llc", "pllc", "inc", "ltd", "co", "corp", "pc", "and"})


def forget_cached() -> None:
    """Empty this module's caches (index.merge does once a merge is done)."""
    for cached in (fold_name, _forms, first_names_compatible, fold_street, fold_business):
        cached.cache_clear()
