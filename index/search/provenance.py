"""The merge's fields on a result, cleaned and bounded before the index stores them.

A result of the merge (index.merge, issue 15) is one therapist or practice
across sources. Beside the listing fields it carries where each value came
from; this module checks their shapes the way `document.clean_listing` checks
the listing fields (one bad document inside a Whoosh writer cancels the whole
batch, traps.md):

- `sources`: one record per member listing `{"source", "id", "url",
  "first_seen", "last_seen"}`;
- `field_sources`: a single-valued field -> the listing ids that state its
  value; a list field -> {value: [listing ids]};
- `practices`: `[{"id", "name", "url"}]`, the practices a therapist is linked to;
- `from_practice`: the fields whose values are a linked practice's;
- `alternatives`: a single-valued field -> `[{"value", "sources"}]`, the other
  values members gave;
- `license_verified`: the registry or a board roster confirms a massage licence
  in the result's state.

A listing indexed without going through the merge (a test's, a benchmark's)
carries none of these and gets none added; its `license_verified` term in the
index comes from the same rule on the listing alone (`verified`), so
`--verified` means the same thing on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from index.model import licence
from index.model.text import MAX_ID, MAX_LIST_ITEMS, MAX_TEXT, bounded_text

MERGE_FIELDS = ("sources", "field_sources", "practices", "from_practice", "alternatives", "license_verified")
_SOURCE_KEYS = ("source", "id", "url", "first_seen", "last_seen")
_PRACTICE_KEYS = ("id", "name", "url")


def verified(listing: Mapping[str, Any]) -> bool:
    """The merge's `license_verified` when it set one; otherwise the same rule on this listing alone:
    a board roster confirms an active licence in its state, or a registry licence record is in it."""
    said = listing.get("license_verified")
    if isinstance(said, bool):
        return said
    state = (listing.get("state") or "").upper()
    return licence.board_confirmed(listing) or bool(state) and any(
        isinstance(r, Mapping) and r.get("source") == "nppes" and (r.get("state") or "").upper() == state
        for r in listing.get("licenses") or ())


def _ids(value: object) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for item in value[:MAX_LIST_ITEMS]:
        text = bounded_text(item, MAX_ID)
        if text is not None and text not in out:
            out.append(text)
    return out


def _records(value: object, keys: tuple[str, ...]) -> list[dict[str, str | None]]:
    if not isinstance(value, (list, tuple)):
        return []
    out = []
    for item in value[:MAX_LIST_ITEMS]:
        if isinstance(item, Mapping) and bounded_text(item.get("id"), MAX_ID):
            out.append({k: bounded_text(item.get(k), MAX_ID if k == "id" else MAX_TEXT) for k in keys})
    return out


def _scalar(value: object) -> Any:
    """A value shown as-is: text bounded, a bool or a number kept, a flat record (an address) of those."""
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k)[:40]: _scalar(v) for k, v in list(value.items())[:20]
                if not isinstance(v, (Mapping, list, tuple))}
    return bounded_text(value)


def _field_sources(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, Any] = {}
    for name, given in list(value.items())[:MAX_LIST_ITEMS]:
        if isinstance(given, Mapping):  # a list field: value -> ids
            per_value = {text: _ids(ids) for v, ids in list(given.items())[:MAX_LIST_ITEMS]
                         if (text := bounded_text(v)) is not None}
            out[str(name)[:40]] = {v: ids for v, ids in per_value.items() if ids}
        elif ids := _ids(given):
            out[str(name)[:40]] = ids
    return out


def _alternatives(value: object) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, options in list(value.items())[:MAX_LIST_ITEMS]:
        if not isinstance(options, (list, tuple)):
            continue
        kept = [{"value": shown, "sources": _ids(o.get("sources"))} for o in options[:MAX_LIST_ITEMS]
                if isinstance(o, Mapping) and (shown := _scalar(o.get("value"))) not in (None, {})]
        if kept:
            out[str(name)[:40]] = kept
    return out


def clean_merge_fields(listing: Mapping[str, Any]) -> dict[str, Any]:
    """The merge's fields of `listing`, cleaned; none when it is not a merged result."""
    if "sources" not in listing:
        return {}
    from_practice = _ids(listing.get("from_practice"))
    return {
        "sources": _records(listing.get("sources"), _SOURCE_KEYS),
        "field_sources": _field_sources(listing.get("field_sources")),
        "practices": _records(listing.get("practices"), _PRACTICE_KEYS),
        "from_practice": from_practice,
        "alternatives": _alternatives(listing.get("alternatives")),
        "license_verified": verified(listing),
    }


def source_names(listing: Mapping[str, Any]) -> list[str]:
    """Every source a result's members came from ("amta", "nppes", "roster:tx"), in member order;
    a listing that was not merged: its own."""
    names = [s.get("source") for s in listing.get("sources") or () if isinstance(s, Mapping)]
    names = [n for n in names if n]
    return list(dict.fromkeys(names)) or [listing.get("source") or str(listing.get("id") or "").partition(":")[0]]
