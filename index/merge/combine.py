"""One cluster of listings -> one result, every value with the listings it came from.

`combine(result_id, members, practices)` takes the listings of one therapist
(or one practice) as the store of record yields them, and the already combined
results of the practices the therapist is linked to. The result has every
listing field under its own name, each filled by one rule:

- techniques, insurance, languages, conditions, settings, credentials: the
  union, in the order first met (members taken in SOURCE_ORDER: amta, sites,
  nppes, roster), one value per spelling once folded; the spellings as written
  (`*_raw`) are unioned beside them. A linked practice's insurance networks
  are added after the therapist's own (then "insurance" is in `from_practice`).
- phone, email, website: each from the most recently updated member that has
  one (`profile_updated`, else when knead last saw the listing; same day: the
  member first in SOURCE_ORDER).
- the address as one unit (street, city, state, zip, lat, lon, address_raw):
  from the most recently updated member that gives a street; when none does,
  one that gives a ZIP, then a city, so a roster's bare "Austin 78704" never
  replaces a directory's street address.
- name, bio, gender, business, licence as written: from the first member in
  SOURCE_ORDER that has one (directories write names the way people do, the
  registry in upper case).
- licences: every member's records (boards and the registry carry their own
  source and status); npi: the registry's.
- hours, accepting new clients, price range: the most recently updated
  member's; when no member says, the linked practice's (named in `from_practice`).
- accepts_insurance: the vocabulary's rule over the combined insurance;
  `license_verified`: a board roster (an active, unexpired licence) or the
  registry (a licence record from "nppes") in the result's state; where the
  board's roster lists the therapist in that state, its word decides (an
  expired board licence is not verified by the registry); a licence in
  another state verifies nothing.
- first_seen the earliest, last_seen the latest; stale only when every member
  is; verification_only only when every member is.

Beside the fields: `sources` (one per member, in SOURCE_ORDER), `field_sources`
(a field -> the ids of the listings stating the value shown; a list field ->
{value: ids}; identity fields, `*_raw` companions, `licenses` and the computed
flags have none), `practices` ([{id, name, url}]), `from_practice` and
`alternatives` ({field: [{value, sources}]}: what other members say where they
disagree, compared folded as index.merge.fold says; for the fields a reader
compares, not coordinates, raw addresses or dates).

Runs once per result of a whole build: no copies of the members' values (a
result shares their strings and, for a one-listing result, their lists: treat
results as read-only) and no folding at all for a result of one listing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from index.merge.clusters import SOURCE_ORDER, source_family
from index.merge.fold import folder
from index.model import licence, vocabulary
from index.model.listing import FIELD_NAMES, LIST_FIELDS

Row = Mapping[str, Any]

IDENTITY = ("id", "source", "url", "scraped_at")
UNIONS = ("techniques", "insurance", "languages", "conditions", "settings", "credentials")
RAW_UNIONS = ("techniques_raw", "insurance_raw", "credentials_raw")
CONTACT = ("phone", "email", "website")
ADDRESS = ("street", "city", "state", "zip", "lat", "lon", "address_raw")
OWN_OR_PRACTICE = ("hours", "accepting_new_clients", "price_range")
# Fields that travel with another: the text a value was normalised from, from the same member.
COMPANIONS = {"phone": ("phone_raw",), "gender": ("gender_raw",), "hours": ("hours_raw",),
              "accepting_new_clients": ("accepting_new_clients_raw",), "profile_updated": ("profile_updated_raw",)}
_COMPANION_NAMES = frozenset(n for names in COMPANIONS.values() for n in names)
_SPECIAL = frozenset((*IDENTITY, *UNIONS, *RAW_UNIONS, *CONTACT, *ADDRESS, *OWN_OR_PRACTICE, *_COMPANION_NAMES,
                      "licenses", "npi", "practice", "verification_only", "accepts_insurance", "profile_updated"))
# Everything else (name, bio, gender, business, license, practice_id and fields added later):
# the first member in SOURCE_ORDER that has a value; a list field added later is a plain union.
BY_ORDER = tuple(n for n in FIELD_NAMES if n not in _SPECIAL and n not in LIST_FIELDS)
_OTHER_LISTS = tuple(n for n in FIELD_NAMES if n not in _SPECIAL and n in LIST_FIELDS)
# Single-valued fields whose disagreements a reader is shown.
ALTERNATIVE_FIELDS = frozenset(("name", "business", "bio", "gender", "license", "npi", "practice_id",
                                "phone", "email", "website", "street", "city", "state", "zip",
                                "hours", "accepting_new_clients", "price_range"))
# Vocabulary ids: compared as they are.
_CANONICAL = frozenset(("techniques", "insurance"))
# What the store of record adds to every listing.
RECORD_FIELDS = ("first_seen", "last_seen", "stale", "stale_since")
_EMPTY = dict.fromkeys((*FIELD_NAMES, *RECORD_FIELDS))
# The fields whose value shown gets its sources (the unions and a business's `practice` too).
_SOURCED = (*BY_ORDER, "npi", *CONTACT, *ADDRESS, *OWN_OR_PRACTICE, "profile_updated")


def _rank(row: Row) -> tuple[int, str]:
    family = source_family(row.get("source") or "")
    return (SOURCE_ORDER.index(family) if family in SOURCE_ORDER else len(SOURCE_ORDER), row["id"])


def _has(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _updated(row: Row) -> str:
    """The day a member was last updated: its profile's date, else the day knead last saw it."""
    stated = row.get("profile_updated")
    if isinstance(stated, str) and len(stated) >= 10 and stated[4] == "-":
        return stated[:10]
    return (row.get("last_seen") or row.get("scraped_at") or "")[:10]


class _Result:
    """A result of several members under construction: its fields, their sources, the disagreements."""

    def __init__(self, ordered: Sequence[Row]):
        self.ordered = ordered  # in SOURCE_ORDER
        self.out: dict[str, Any] = {}
        self.field_sources: dict[str, Any] = {}
        self.alternatives: dict[str, list[dict[str, Any]]] = {}
        self.lists: dict[tuple[str, ...], list[str]] = {}

    def shared(self, ids: list[str]) -> list[str]:
        """One list object for each set of sources: most fields name the same one or two listings."""
        return self.lists.setdefault(tuple(ids), ids)

    def pick(self, name: str, order: Sequence[Row], companions: Sequence[str] = ()) -> None:
        """Show the value of the first member in `order` that has one (see `show`)."""
        chosen = value = None
        for row in order:
            other = row.get(name)
            if other is None or other == "" or other == []:
                continue
            if chosen is not None:  # a second member says something too: compare them all
                self.show(name, chosen, companions)
                return
            chosen, value = row, other
        self.out[name] = value
        for companion in companions:
            self.out[companion] = chosen.get(companion) if chosen is not None else None
        if chosen is not None:
            self.field_sources[name] = self.shared([chosen["id"]])

    def show(self, name: str, row: Row | None, companions: Sequence[str] = ()) -> None:
        """Show `row`'s value of `name` (None when no row has one), with its sources and the others."""
        value = row.get(name) if row is not None else None
        self.out[name] = value
        for companion in companions:
            self.out[companion] = row.get(companion) if row is not None else None
        if value is None or value == "" or value == []:
            return
        ids = []
        for member in self.ordered:
            other = member.get(name)
            if other == value:
                ids.append(member["id"])
            elif other is not None and other != "" and other != []:
                break  # a different spelling at least: fold and group below
        else:
            self.field_sources[name] = self.shared(ids)  # every member that says anything says the same
            return
        if name not in ALTERNATIVE_FIELDS:  # coordinates, raw text, dates: the same value or not
            self.field_sources[name] = self.shared([m["id"] for m in self.ordered if m.get(name) == value])
            return
        fold: Callable[[str], str] | None = folder(name) if isinstance(value, str) else None
        groups: dict[Any, tuple[Any, list[str]]] = {}
        for member in self.ordered:
            other = member.get(name)
            if not _has(other):
                continue
            key = fold(other) if fold is not None and isinstance(other, str) else other
            group = groups.get(key)
            if group is None:
                groups[key] = group = (other, [])
            group[1].append(member["id"])
        shown = fold(value) if fold is not None else value
        self.field_sources[name] = self.shared(groups[shown][1])
        if len(groups) > 1:
            self.alternatives[name] = [{"value": v, "sources": ids} for key, (v, ids) in groups.items()
                                       if key != shown]

    def union(self, name: str) -> None:
        """Every member's values of a list field, once each (folded), in the order first met."""
        giving = [member for member in self.ordered if member.get(name)]
        if len(giving) < 2:  # most lists come from one source (the registry lists no techniques)
            values = giving[0][name] if giving else []
            self.out[name] = values
            if values:
                self.field_sources[name] = dict.fromkeys(values, self.shared([giving[0]["id"]]))
            return
        fold = None if name in _CANONICAL else folder(name)
        shown: dict[Any, tuple[Any, list[str]]] = {}
        for member in giving:
            for value in member.get(name) or ():
                key = fold(value) if fold is not None and isinstance(value, str) else value
                entry = shown.get(key)
                if entry is None:
                    shown[key] = entry = (value, [])
                if member["id"] not in entry[1]:
                    entry[1].append(member["id"])
        self.out[name] = [value for value, _ in shown.values()]
        if shown:
            self.field_sources[name] = {value: self.shared(ids) for value, ids in shown.values()}


def _first(rows: Sequence[Row], name: str) -> Row | None:
    for row in rows:
        value = row.get(name)
        if value is not None and value != "" and value != []:
            return row
    return None


def _raw_union(rows: Sequence[Row], name: str) -> list[Any]:
    return list(dict.fromkeys(v for row in rows for v in row.get(name) or ()))


def _address_row(recent: Sequence[Row]) -> Row | None:
    for name in ("street", "zip", "city", "state"):
        found = _first(recent, name)
        if found is not None:
            return found
    return None


def _licences(rows: Sequence[Row]) -> list[Any]:
    """Every record once (the same record twice: one member stated it in two listings)."""
    seen: dict[Any, Any] = {}
    for row in rows:
        for record in row.get("licenses") or ():
            key = tuple(record.items()) if isinstance(record, Mapping) else repr(record)
            seen.setdefault(key, record)
    return list(seen.values())


def _from_practices(out: dict[str, Any], field_sources: dict[str, Any], practices: Sequence[Row]) -> list[str]:
    """The practice's hours, new clients, price range (when no member says) and insurance networks."""
    used: list[str] = []
    for name in OWN_OR_PRACTICE:
        if _has(out.get(name)):
            continue
        practice = _first(practices, name)
        if practice is None:
            continue
        out[name] = practice[name]
        for companion in COMPANIONS.get(name, ()):
            out[companion] = practice.get(companion)
        field_sources[name] = (practice.get("field_sources") or {}).get(name) or [practice["id"]]
        used.append(name)
    for practice in practices:
        new = [v for v in practice.get("insurance") or () if v not in out["insurance"]]
        if not new:
            continue
        if "insurance" not in used:  # a new list and dict: a one-listing result shares its member's
            out["insurance"], out["insurance_raw"] = list(out["insurance"]), list(out["insurance_raw"])
            field_sources["insurance"] = dict(field_sources.get("insurance") or {})
            used.append("insurance")
        theirs = (practice.get("field_sources") or {}).get("insurance") or {}
        for value in new:
            out["insurance"].append(value)
            field_sources["insurance"][value] = theirs.get(value) or [practice["id"]]
        out["insurance_raw"] += [v for v in practice.get("insurance_raw") or () if v not in out["insurance_raw"]]
    return used


def license_verified(result: Row) -> bool:
    """A board roster or the registry confirms a massage licence in the result's own state.

    The board has the last word: where its roster holds a record in that state,
    only an active, unexpired one verifies (a registry licence beside an
    expired board licence does not); the registry verifies where no board of
    that state says anything.
    """
    state = (result.get("state") or "").upper()
    if not state or not result.get("licenses"):
        return False
    if licence.board_confirmed(result):
        return True
    in_state = [r for r in result.get("licenses") or ()
                if isinstance(r, Mapping) and (r.get("state") or "").upper() == state]
    if any(licence.is_roster(r) for r in in_state):
        return False
    return any(source_family(r.get("source") or "") == "nppes" for r in in_state)


def _alone(result_id: str, row: Row) -> tuple[dict[str, Any], dict[str, Any]]:
    """A result of one listing (most results): its values as they are, each sourced to it.

    What the rules give for one member, without running them: a sixth of the cost.
    """
    out = {**_EMPTY, **row}
    out["id"] = result_id
    ids = [row["id"]]
    get = row.get  # _has() inlined: this line is most of a one-listing result's cost
    field_sources: dict[str, Any] = {name: ids for name in _SOURCED
                                     if (value := get(name)) is not None and value != "" and value != []}
    if row.get("practice") is True:
        field_sources["practice"] = ids
    for name in UNIONS:
        if row.get(name):
            field_sources[name] = dict.fromkeys(row[name], ids)
        elif row.get(name) is None:
            out[name] = []
    for name in (*RAW_UNIONS, *_OTHER_LISTS, "licenses"):
        if out[name] is None:
            out[name] = []
    out["verification_only"] = True if row.get("verification_only") else None
    out["stale"] = bool(row.get("stale"))
    if not out["stale"]:
        out["stale_since"] = None
    out["sources"] = [{"source": row.get("source"), "id": row["id"], "url": row.get("url"),
                       "first_seen": row.get("first_seen"), "last_seen": row.get("last_seen")}]
    out["alternatives"] = {}
    return out, field_sources


def combine(result_id: str, members: Sequence[Row], practices: Sequence[Row] = ()) -> dict[str, Any]:
    """The result `result_id` made of `members` (listings), linked to `practices` (combined results)."""
    practices = sorted(practices, key=_rank) if len(practices) > 1 else practices
    if len(members) == 1:
        out, field_sources = _alone(result_id, members[0])
        out["field_sources"] = field_sources
        out["from_practice"] = _from_practices(out, field_sources, practices) if practices else []
        out["practices"] = [{"id": p["id"], "name": p.get("name"), "url": p.get("url")} for p in practices]
        out["accepts_insurance"] = vocabulary.accepts_insurance(out["insurance"])
        out["license_verified"] = license_verified(out)
        return out
    ordered = sorted(members, key=_rank)
    # Stable sort: members updated the same day stay in SOURCE_ORDER.
    recent = sorted(ordered, key=_updated, reverse=True)
    anchor = next((row for row in ordered if row["id"] == result_id), ordered[0])
    result = _Result(ordered)
    out = result.out
    out.update(_EMPTY)  # the listing's field order, whatever order the rules fill them in

    out["id"] = result_id
    out["source"] = anchor.get("source")
    out["url"] = anchor.get("url")
    for name in BY_ORDER:
        result.pick(name, ordered, COMPANIONS.get(name, ()))
    registry = [row.get("source") == "nppes" for row in ordered]  # the registry's npi before any other's
    result.pick("npi", [row for row, ours in zip(ordered, registry) if ours] + [
        row for row, ours in zip(ordered, registry) if not ours] if any(registry) else ordered)
    for name in CONTACT:
        result.pick(name, recent, COMPANIONS.get(name, ()))
    address = _address_row(recent)
    for name in ADDRESS:
        result.show(name, address)
    for name in OWN_OR_PRACTICE:
        result.pick(name, recent, COMPANIONS.get(name, ()))
    dated = [row for row in ordered if isinstance(row.get("profile_updated"), str)]
    result.show("profile_updated", max(dated, key=_updated) if dated else None, COMPANIONS["profile_updated"])
    # A business whenever any member says so (with the ones that do as its sources).
    result.show("practice", next((row for row in ordered if row.get("practice") is True), None))
    if out["practice"] is None and any(row.get("practice") is False for row in ordered):
        out["practice"] = False

    for name in UNIONS:
        result.union(name)
    for name in (*RAW_UNIONS, *_OTHER_LISTS):
        out[name] = _raw_union(ordered, name)
    out["licenses"] = _licences(ordered)
    from_practice = _from_practices(out, result.field_sources, practices) if practices else []
    out["accepts_insurance"] = vocabulary.accepts_insurance(out["insurance"])

    # One pass for the record of the member listings: earliest, latest, all stale, all verification only.
    scraped, first, last, stale_since, stale, hidden = [], [], [], [], True, True
    for row in ordered:
        scraped.append(row.get("scraped_at") or "")
        first.append(row.get("first_seen") or "~")
        last.append(row.get("last_seen") or "")
        stale_since.append(row.get("stale_since") or "")
        stale = stale and bool(row.get("stale"))
        hidden = hidden and bool(row.get("verification_only"))
    out["scraped_at"] = max(scraped) or None
    out["first_seen"] = None if min(first) == "~" else min(first)
    out["last_seen"] = max(last) or None
    out["stale"] = stale
    out["stale_since"] = (max(stale_since) or None) if stale else None  # when its last member went stale
    out["verification_only"] = True if hidden else None

    out["sources"] = [{"source": row.get("source"), "id": row["id"], "url": row.get("url"),
                       "first_seen": row.get("first_seen"), "last_seen": row.get("last_seen")} for row in ordered]
    out["field_sources"] = result.field_sources
    out["practices"] = [{"id": p["id"], "name": p.get("name"), "url": p.get("url")} for p in practices]
    out["from_practice"] = from_practice
    out["alternatives"] = result.alternatives
    out["license_verified"] = license_verified(out)
    return out
