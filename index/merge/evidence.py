"""What says two listings are the same person, and what says they cannot be.

Each listing is read once into a `Profile` (folded name, licences, contact
keys, place). `blocking_keys(profile)` gives the cheap keys under which
candidates meet, by kind, strongest first:

- STRONG: the same licence in the same state (`("lic", state, number)`), the same NPI;
  the same digits with and without the board's letters ("MT104255", "104255") with the same name;
- CONTACT: the same E.164 phone, the same email, the same website host;
- PLACE: the same folded surname and ZIP, or surname and street (with the state); for
  practices, the same street and ZIP;
- BOARD: the same surname in the same state, for a board roster's rows, which
  give nothing else to go by (a Washington row is a name and a licence).

Only listings inside one block are ever compared, so the work grows with the
listings, not their pairs. A block bigger than `MAX_BLOCK` is a key too common
to mean anything (a big chain's phone, "smith" in one ZIP of a city): skipped
and counted. An email or website host that people of several surnames share
(a booking platform, "info@" of a shared mailbox) is not evidence either; a
phone they share (a group practice's front desk) joins only names given in full.

Pair rules (`same_person`): STRONG evidence merges unless a veto; CONTACT
merges people with the same surname and compatible first names (a website
host only in one state: a solo practice's site serves one place); practices
join on a contact or address with alike names; PLACE and BOARD need the same
surname and first names both given and compatible, and a roster row joins
only the one cluster of its state with that name (index.merge.clusters). A
"practice" named exactly as the person at its phone is that person's own
site (`own_name_practices`). Vetoes (`Traits.veto`, checked between whole
clusters so that a chain A-B, B-C cannot join two people): different NPIs;
different licence numbers of the same state *written alike* (same letters
around the digits, as many digits: a registry's self-reported "044682" says
nothing against a board's "MT100000"); clearly different first names; a
person and a practice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz.fuzz import token_set_ratio

from index.merge.names import (
    first_names_compatible,
    fold_business,
    fold_name,
    fold_street,
)

MAX_BLOCK = 200  # a key this many listings share says nothing about identity
STRONG, CONTACT, PLACE, BOARD = "strong", "contact", "place", "board"
# Within a kind, the stronger keys first: a phone before an email before a website host.
KEY_ORDER = {"lic": 0, "npi": 1, "licd": 2, "tel": 0, "mail": 1, "host": 2, "sz": 0, "ss": 1, "ps": 2, "sn": 0}
KINDS = (STRONG, CONTACT, PLACE, BOARD)  # the order clusters are built in
_BUSINESS_ALIKE = 90.0  # token_set_ratio of folded practice names: "Still Point Therapeutics" ~ "Still Point"
_DIGITS = re.compile(r"\D")
_LICENCE = re.compile(r"^([A-Z]*)0*(\d+)([A-Z]*)$")


@dataclass(slots=True)
class Profile:
    """One listing as the merge sees it."""

    index: int
    practice: bool
    board: bool  # a state board roster's row
    first: str
    surname: str
    business: str  # folded, practices only
    state: str
    zip: str
    street: str  # folded, without the unit
    phone: str
    email: str
    host: str
    npi: str
    licences: tuple[tuple[str, str, tuple[str, int]], ...]  # (state, number, shape): see `licence`


@lru_cache(maxsize=200_000)
def licence(raw: str) -> tuple[str, tuple[str, int]]:
    """(number, shape): 'MT-012345' -> ('MT12345', ('MT#', 6)), '044682' -> ('44682', ('#', 6)).

    The number leaves spacing, dashes and leading zeros aside, so one licence written two ways is
    equal; the shape (letters around the digits, how many digits as written) says which numbers are
    written alike, and only those are compared for a veto."""
    text = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    found = _LICENCE.match(text)
    if not found:
        return text, (text, -1)
    digits = found[2].lstrip("0") or "0"
    return f"{found[1]}{digits}{found[3]}", (f"{found[1]}#{found[3]}", len(found[2]))


@lru_cache(maxsize=200_000)
def _host(website: str | None) -> str:
    if not website:
        return ""
    try:
        host = urlsplit(website if "//" in website else "//" + website).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def profile(index: int, listing: Mapping[str, Any]) -> Profile:
    get = listing.get  # half a million listings: every attribute lookup shows
    practice = bool(get("practice"))
    records = get("licenses")
    licences = tuple(sorted({((r.get("state") or "").upper(), *licence(str(r.get("number"))))
                             for r in records if r.get("state") and r.get("number")})) if records else ()
    if practice:
        first, surname, business = "", "", fold_business(get("business") or get("name"))
    else:
        (first, surname), business = fold_name(get("name")), ""
    email = get("email")
    return Profile(index, practice, (get("source") or "").startswith("roster"), first, surname, business,
                   (get("state") or "").upper(), (get("zip") or "")[:5], fold_street(get("street")),
                   get("phone") or "", email.strip().lower() if email else "", _host(get("website")),
                   str(get("npi") or ""), licences)


def own_name_practices(profiles: list[Profile], listings: Sequence[Mapping[str, Any]]) -> int:
    """A "practice" named exactly as a person at its phone is that person's own: a solo therapist's
    site marked up as a business named "Jordan O'Connor". Read as that person (in place); how many."""
    people_at: dict[str, set[tuple[str, str]]] = {}
    for p in profiles:
        if not p.practice and p.phone and p.first:
            people_at.setdefault(p.phone, set()).add((p.first, p.surname))
    turned = 0
    for p in profiles:
        if p.practice and p.phone in people_at and not p.npi:
            name = fold_name(listings[p.index].get("name"))
            if name.first and (name.first, name.surname) in people_at[p.phone]:
                p.practice, p.first, p.surname, p.business = False, name.first, name.surname, ""
                turned += 1
    return turned


def blocking_keys(p: Profile) -> list[tuple[str, tuple]]:
    """(kind, key) pairs this listing is found under."""
    keys: list[tuple[str, tuple]] = [(STRONG, ("lic", state, number)) for state, number, _ in p.licences]
    # The registry often has the board's number without its letters ("104255" for "MT104255").
    keys += [(STRONG, ("licd", state, digits)) for state, number, _ in p.licences
             if (digits := _DIGITS.sub("", number)) != number and len(digits) >= 4]
    keys += [(STRONG, ("licd", state, number)) for state, number, _ in p.licences if number.isdigit()]
    if p.npi:
        keys.append((STRONG, ("npi", p.npi)))
    if p.phone:
        keys.append((CONTACT, ("tel", p.phone)))
    if p.email:
        keys.append((CONTACT, ("mail", p.email)))
    if p.host:
        keys.append((CONTACT, ("host", p.host)))
    if p.practice and p.street and p.zip:
        keys.append((PLACE, ("ps", p.street, p.zip)))
    if p.surname and not p.practice:
        if p.zip:
            keys.append((PLACE, ("sz", p.surname, p.zip)))
        if p.street and p.state:
            keys.append((PLACE, ("ss", p.surname, p.street, p.state)))
        if p.state:
            keys.append((BOARD, ("sn", p.surname, p.state)))
    return keys


def shared_contact(members: list[Profile]) -> bool:
    """A phone, email or host people of several surnames give: a front desk or a platform, not one
    person's. A couple's practice phone (two surnames) is not shared: the first names keep them apart."""
    surnames = {p.surname for p in members if not p.practice and p.surname}
    return len(surnames) > 2


def _names_agree(a: Profile, b: Profile, need_first: bool) -> bool:
    if not a.surname or a.surname != b.surname:
        return False
    if need_first and not (a.first and b.first):
        return False
    return first_names_compatible(a.first, b.first)


def same_person(kind: str, a: Profile, b: Profile, tag: str = "", shared: bool = False) -> bool:
    """Does evidence of `kind` that `a` and `b` share (under a key tagged `tag`: "tel", "host"...)
    make them one (vetoes aside)? `shared`: the key is a shared contact (`shared_contact`)."""
    if a.practice != b.practice:
        return False
    if kind == STRONG:  # the same digits with and without the board's letters: and the same name
        return tag != "licd" or a.practice or _names_agree(a, b, need_first=False)
    if a.practice:  # two practice listings: a shared contact or address and alike names
        return bool(a.business) and token_set_ratio(a.business, b.business) >= _BUSINESS_ALIKE
    if kind == CONTACT:
        if shared:  # a front desk's phone still joins one name given in full; a platform's host or mailbox never
            return tag == "tel" and _names_agree(a, b, need_first=True)
        # A solo practice's own site serves one place.
        return (tag != "host" or a.state == b.state) and _names_agree(a, b, need_first=False)
    if kind == PLACE:
        return _names_agree(a, b, need_first=True)
    return a.board != b.board and _names_agree(a, b, need_first=True)  # BOARD: a roster row and a listing


@dataclass(slots=True)
class Traits:
    """What a whole cluster says about who it is: checked before two clusters join."""

    practice: bool
    npis: set[str] = field(default_factory=set)
    licences: dict[str, set[tuple[str, tuple[str, int]]]] = field(default_factory=dict)  # state -> (number, shape)
    firsts: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, p: Profile) -> Traits:
        licences: dict[str, set[tuple[str, tuple[str, int]]]] = {}
        for state, number, shape in p.licences:
            licences.setdefault(state, set()).add((number, shape))
        return cls(p.practice, {p.npi} if p.npi else set(), licences, {p.first} if p.first else set())

    def veto(self, other: Traits) -> str | None:
        """Why the two clusters cannot be one person (or practice), or None."""
        if self.practice != other.practice:
            return "person-practice"
        if self.npis and other.npis and self.npis != other.npis:
            return "npi"
        for state, numbers in self.licences.items():
            theirs = other.licences.get(state)
            if theirs and any(a[0] != b[0] and a[1] == b[1] for a in numbers for b in theirs):
                return "licence"
        if any(not first_names_compatible(a, b) for a in self.firsts for b in other.firsts):
            return "first-name"
        return None

    def absorb(self, other: Traits) -> None:
        self.npis |= other.npis
        for state, numbers in other.licences.items():
            self.licences.setdefault(state, set()).update(numbers)
        self.firsts |= other.firsts


def forget_cached() -> None:
    """Empty this module's caches (index.merge does once a merge is done)."""
    for cached in (licence, _host):
        cached.cache_clear()
