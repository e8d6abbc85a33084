"""Pure functions from a listing dict to what the index stores.

`clean_listing` validates and bounds a listing *before* it reaches the Whoosh
writer, because one document that fails inside `with ix.writer():` cancels the
whole batch (traps.md): wrong types are coerced where harmless and dropped
where not, strings lose control characters and lone surrogates and are cut to
a maximum length, lists are bounded. Only a listing without an id is rejected
(`InvalidListing`), and the builder counts it.

A merged result (index.merge) also keeps its provenance fields, cleaned by
`index.search.provenance`.

`to_document` turns a cleaned listing into the field values of
`index.search.schema`; `sort_key`, `facet_bits` and `spelling_words` feed the
per-generation sidecars (name order, facet bitmask, suggestion words).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from index.geo.cells import cell_terms
from index.geo.distance import valid_coordinates
from index.model import licence, vocabulary
from index.model.listing import FIELD_NAMES, LIST_FIELDS, RECORD_FIELDS
from index.model.states import STATES
from index.model.text import MAX_ID, MAX_LIST_ITEMS, bounded_text, fold, limit_for
from index.search import open_hours, provenance, synonyms

EXTRA_FIELDS = ("first_seen", "last_seen", "stale", "stale_since")  # added by the store of record
BOOL_FIELDS = ("accepts_insurance", "accepting_new_clients", "practice", "verification_only")
FLOAT_FIELDS = ("lat", "lon")

_WORD = re.compile(r"[^\W\d_]{3,}")


class InvalidListing(ValueError):
    """A listing the index cannot hold at all (no usable id)."""


def _clean_list(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for item in value[:MAX_LIST_ITEMS]:
        text = bounded_text(item)
        if text is not None and text not in out:
            out.append(text)
    return out


def _clean_records(value: object) -> list[dict[str, str]]:
    """A list of small records (a licence: state, number, source): string values, bounded, and booleans
    (a board's `disciplined`)."""
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for item in value[:MAX_LIST_ITEMS]:
        if isinstance(item, Mapping):
            record = {str(k)[:40]: text for k, v in list(item.items())[:20]
                      if (text := v if isinstance(v, bool) else bounded_text(v)) is not None}
            if record and record not in out:
                out.append(record)
    return out


# How each field is cleaned, in output order: (name, kind, length limit).
_LIST, _STALE, _BOOL, _FLOAT, _TEXT, _RECORDS = range(6)
_PLAN = tuple(
    (name,
     _RECORDS if name in RECORD_FIELDS else _LIST if name in LIST_FIELDS else _STALE if name == "stale" else _BOOL if name in BOOL_FIELDS
     else _FLOAT if name in FLOAT_FIELDS else _TEXT,
     limit_for(name))
    for name in FIELD_NAMES + EXTRA_FIELDS
)


def clean_listing(listing: Mapping[str, Any]) -> dict[str, Any]:
    """The listing with exactly the listing fields (plus first/last seen), each of its type and bounded."""
    if not isinstance(listing, Mapping):
        raise InvalidListing(f"not a mapping: {type(listing).__name__}")
    listing_id = bounded_text(listing.get("id"), MAX_ID)
    if listing_id is None:
        raise InvalidListing("listing has no id")
    out: dict[str, Any] = {}
    get = listing.get
    for name, kind, limit in _PLAN:
        value = get(name)
        if kind == _TEXT:
            out[name] = bounded_text(value, limit)
        elif kind == _LIST:
            out[name] = _clean_list(value)
        elif kind == _RECORDS:
            out[name] = _clean_records(value)
        elif kind == _STALE:
            out[name] = value is True
        elif kind == _BOOL:
            out[name] = value if isinstance(value, bool) else None
        else:
            out[name] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    out["id"] = listing_id
    if not valid_coordinates(out["lat"], out["lon"]):
        out["lat"] = out["lon"] = None
    if out["state"]:
        out["state"] = out["state"].upper()
    out["techniques"] = [t.lower() for t in out["techniques"]]
    out["insurance"] = [t.lower() for t in out["insurance"]]
    out.update(provenance.clean_merge_fields(listing))  # a merged result's sources and the like (issue 15)
    return out


def accepts_insurance(listing: Mapping[str, Any]) -> bool:
    """The vocabulary's rule over the insurance ids, or the crawl's own True."""
    return listing.get("accepts_insurance") is True or vocabulary.accepts_insurance(listing.get("insurance") or ())


def norm_source(source: str | None) -> str:
    """The exact-match form of a source name ("amta", "nppes", "roster:tx"): lower case, no spaces."""
    return "".join((source or "").split()).casefold()


def norm_city(city: str | None) -> str:
    """The exact-match form of a city: folded (case, accents), whitespace collapsed."""
    return fold(" ".join((city or "").split()))


def norm_language(language: str | None) -> str:
    """The exact-match form of a language: folded, whitespace collapsed ("Português" -> "portugues")."""
    return fold(" ".join((language or "").split()))


def norm_credential(credential: str | None) -> str:
    """The exact-match form of a credential: upper case, accents folded ("lmt" -> "LMT")."""
    return fold((credential or "").strip()).upper()


def _keywords(values: Iterable[str]) -> list[str]:
    # A list is indexed as tokens already split (index.search.schema.RecurringKeyword);
    # no comma inside a value, so a query's comma-split value finds it.
    return list(dict.fromkeys(v for v in (v.replace(",", " ").strip() for v in values if v) if v))


def vocabulary_text(listing: Mapping[str, Any]) -> str:
    """What the listing's technique and insurance ids stand for, one line per id.

    Not indexed: `index.search.synonyms` matches these words at query time through
    the id terms. The FTS5 benchmark reference indexes them as text.
    """
    lines = []
    for table, ids in ((vocabulary.TECHNIQUES, listing["techniques"]), (vocabulary.INSURANCES, listing["insurance"])):
        lines += [synonyms.vocabulary_line(table[term_id]) for term_id in ids if term_id in table]
    return "\n".join(lines)


def to_document(listing: Mapping[str, Any], spans: list[tuple[int, int]] | None = None) -> dict[str, Any]:
    """A cleaned listing -> the field values of `index.search.schema.SCHEMA`.

    `spans`: its weekly hours as `open_hours.week_spans` gives them, when the caller has them.
    """
    state = listing.get("state") or ""
    doc: dict[str, Any] = {
        "id": listing["id"],
        "text": "\n".join(filter(None, (
            # Who, what they treat, where. Not their techniques' and insurance's
            # spellings: those match at query time (index.search.synonyms).
            " ".join(filter(None, (listing.get("name"), listing.get("business"), *listing["credentials"],
                                   listing.get("npi")))),
            listing.get("bio"),
            *listing["conditions"],
            " ".join(filter(None, (listing.get("city"), state, STATES.get(state), listing.get("zip")))),
        ))),
        "techniques": _keywords(listing["techniques"]),
        "synonyms": synonyms.group_terms(listing["techniques"], listing["insurance"]),
        "insurance": _keywords(listing["insurance"]),
        "accepts_insurance": "yes" if accepts_insurance(listing) else "no",
        "credentials": _keywords(norm_credential(c) for c in listing["credentials"]),
        "languages": _keywords(norm_language(x) for x in listing["languages"]),
    }
    for name, value in (
        ("state", state),
        ("city", norm_city(listing.get("city"))),
        ("gender", (listing.get("gender") or "").casefold()),
        ("first_seen", listing.get("first_seen")),
        ("last_seen", listing.get("last_seen")),
        ("stale", "yes" if listing.get("stale") else "no"),
        ("accepting", "yes" if listing.get("accepting_new_clients") is True else ""),
        ("licensed", "yes" if licence.board_confirmed(listing) else ""),
        ("license_verified", "yes" if provenance.verified(listing) else ""),
    ):
        if value:
            doc[name] = value
    # Every member's source, so --source finds a merged therapist by any source that lists them.
    doc["source"] = _keywords(norm_source(s) for s in provenance.source_names(listing))
    doc["open"] = open_hours.open_terms(open_hours.week_spans(listing.get("hours")) if spans is None else spans)
    if listing.get("lat") is not None:
        doc["geo"] = _keywords(cell_terms(listing["lat"], listing["lon"]))
    # Whoosh rejects empty strings in some fields; leave empty fields out.
    return {k: v for k, v in doc.items() if v != "" and v != []}


ZDICT_BYTES = 32 * 1024  # zlib's window: a longer preset dictionary is not used


def dumps(listing: Mapping[str, Any]) -> bytes:
    """A cleaned listing as UTF-8 JSON (what a generation stores)."""
    # Copied: the bytes orjson returns keep its whole output buffer allocated
    # (several KB); a build holds 100,000 of them: 0.9 GB, copied 0.15 GB.
    return bytes(memoryview(orjson.dumps(listing)))


def listing_zdict(samples: Iterable[bytes]) -> bytes:
    """A zlib preset dictionary from sample listings' JSON (the last 32 KiB of them).

    Listings repeat their keys and much of their wording; compressed each on
    its own they shrink by half, with a dictionary of other listings by
    two thirds more.
    """
    return b"".join(samples)[-ZDICT_BYTES:]


class StoredCodec:
    """Listing JSON <-> the compressed bytes a generation stores (zlib with a preset dictionary)."""

    def __init__(self, zdict: bytes = b""):
        self.zdict = zdict
        # Level 3: a third less CPU than 6 for 8% more bytes (a build packs every listing).
        self._base = zlib.compressobj(3, zlib.DEFLATED, 15, 8, zdict=zdict) if zdict else None

    def pack(self, data: bytes) -> bytes:
        if self._base is None:
            return zlib.compress(data, 6)
        compressor = self._base.copy()  # the dictionary is loaded once, not per listing
        return compressor.compress(data) + compressor.flush()

    def unpack(self, blob: bytes) -> dict[str, Any]:
        if self.zdict:
            return orjson.loads(zlib.decompressobj(zdict=self.zdict).decompress(blob))
        return orjson.loads(zlib.decompress(blob))


def sort_key(listing: Mapping[str, Any]) -> tuple[int, str, str]:
    """Name order (casefolded; listings without a name last), then id: the docnum order."""
    name = (listing.get("name") or listing.get("business") or "").casefold()
    return (0 if name else 1, name, listing["id"])


def spelling_words(listing: Mapping[str, Any]) -> set[str]:
    """Unstemmed words a suggestion may offer, folded (index.model.text.fold): names,
    business, city, conditions.

    Bios are left out on purpose: they are most of the text and would make the
    build noticeably slower for little gain.
    """
    text = " ".join(filter(None, (listing.get("name"), listing.get("business"), listing.get("city"), *listing["conditions"])))
    return {fold(w) for w in _WORD.findall(text)}
