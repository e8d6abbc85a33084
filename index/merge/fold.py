"""The form two sources' values are compared in when their listings are combined.

Two members of one result often say the same thing in different ways: the
registry writes "MARIA LOPEZ" where the directory writes "Maria Lopez", a
ZIP+4 where a page gives five digits, a website with or without its scheme.
`fold_value(field, value)` reduces a value to what it means, so that such
pairs count as one value (with both listings as its sources) and only real
disagreements reach a result's `alternatives`:

- text: case and accents folded, apostrophes dropped, other punctuation and
  runs of white space read as one space ("St. James" = "st james");
- phone: its digits, a US country code aside ("+18605550142" = "860-555-0142");
- street: text folding, the usual street words abbreviated and unit words
  dropped, the unit number kept ("181 State Street, Suite 356" = "181 State St #356");
- ZIP: the first five digits ("06103-1234" = "06103");
- website: no scheme, no "www.", no trailing slash, lower case;
- email and state: lower / upper case; licence numbers: letters and digits only;
- anything that is not a string (booleans, numbers) as it is.

Only for comparing: what a result shows keeps the chosen member's spelling.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from index.model import text as model_text

# Apostrophes vanish ("O'Neil" = "ONeil"); every other ASCII punctuation mark separates words.
_PUNCTUATION = str.maketrans({**{c: " " for c in string.punctuation}, "'": None, "\u2019": None})
# Above this length a string is a bio or the like: folded without a cache, which
# holds short recurring words and would only be flushed by one-off long texts.
_CACHED_UP_TO = 80


def fold_text(value: str) -> str:
    """'Zoë  St. James' -> 'zoe st james'."""
    return _fold_short(value) if len(value) <= _CACHED_UP_TO else _fold_text(value)


def _fold_text(value: str) -> str:
    if value.isascii():
        folded = value.lower()
    elif len(value) <= _CACHED_UP_TO:
        folded = model_text.fold(value)
    else:
        bare = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
        folded = bare.casefold()
    return " ".join(folded.translate(_PUNCTUATION).split())


# Names, cities, languages and conditions recur across a whole build.
_fold_short = lru_cache(maxsize=100_000)(_fold_text)


# Street words written in full or abbreviated; unit words say nothing once the number is kept.
_STREET_WORDS = {"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
                 "lane": "ln", "court": "ct", "place": "pl", "parkway": "pkwy", "highway": "hwy",
                 "north": "n", "south": "s", "east": "e", "west": "w",
                 "suite": "", "ste": "", "unit": "", "apt": "", "apartment": "", "no": ""}


def fold_street(value: str) -> str:
    """'181 State Street, Suite 356' -> '181 state st 356'."""
    return " ".join(w for w in (_STREET_WORDS.get(w, w) for w in fold_text(value).split()) if w)


def fold_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits[0] == "1" else digits


def fold_zip(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())[:5] or value.strip().lower()


def fold_website(value: str) -> str:
    site = value.strip().lower()
    for prefix in ("https://", "http://", "//", "www."):
        site = site.removeprefix(prefix)
    return site.rstrip("/")


def fold_licence_number(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum()).upper()


def _lower(value: str) -> str:
    return value.strip().lower()


def _upper(value: str) -> str:
    return value.strip().upper()


def _exact(value: str) -> str:
    return value


_FOLDERS: dict[str, Callable[[str], str]] = {
    "phone": fold_phone,
    "zip": fold_zip,
    "street": fold_street,
    "website": fold_website,
    "email": _lower,
    "state": _upper,
    "license": fold_licence_number,
    "credentials": _upper,
    # Canonical ids already: compared as they are.
    "techniques": _exact,
    "insurance": _exact,
}


def folder(field: str) -> Callable[[str], str]:
    """The fold of one field's string values (text folding unless the field has its own)."""
    return _FOLDERS.get(field, fold_text)


def fold_value(field: str, value: Any) -> Any:
    """`value` in the form it is compared in; non-strings unchanged."""
    return _FOLDERS.get(field, fold_text)(value) if isinstance(value, str) else value


def forget_cached() -> None:
    """Empty this module's caches (index.merge does once a merge is done)."""
    for cached in (_fold_short,):
        cached.cache_clear()
