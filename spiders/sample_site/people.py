"""Who is who across the bundled samples: one truth record per person (or practice).

Each bundled sample writes some people its own way (the AMTA-style directory
as profile pages, the registry in upper case with 9-digit ZIPs...). A
`Person` says which listing of which source is whom: `ids` maps a source
("amta", "nppes", and later ones) to that person's id in it (the listing id
without its `source:` prefix: an AMTA slug, an NPI). A person missing from a
source has no key for it. Later samples extend the same table: they add their
ids to existing people and append the people only they hold (`People.add`).

Used by tests and, later, by the merge issue: two listings are the same
person exactly when they share a `key`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Person:
    key: str  # stable across samples for a size and seed: "p00001" for the AMTA-style therapist 0
    name: str  # as the person writes it ("Zoë Tanaka"), or the practice's name
    state: str
    zip: str | None  # the practice's 5-digit ZIP
    phone: str | None  # E.164
    ids: dict[str, str] = field(default_factory=dict)  # source -> id in that source
    practice: bool = False  # an organisation (NPI-2), not a person
    deactivated: bool = False  # the registry holds the NPI, deactivated: no listing
    # Keys of other people easily taken for this one (same surname, same ZIP): never the same person.
    distinct_from: list[str] = field(default_factory=list)
    note: str = ""  # why a tester should care ("same surname and ZIP as p00042: a different person")

    def listing_id(self, source: str) -> str | None:
        """This person's listing id in `source` ("nppes:1234567893"), or None when not there."""
        found = self.ids.get(source)
        return f"{source}:{found}" if found and not self.deactivated else None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "state": self.state, "zip": self.zip, "phone": self.phone,
                "ids": dict(self.ids), "practice": self.practice, "deactivated": self.deactivated,
                "distinct_from": list(self.distinct_from), "note": self.note}


class People:
    """The truth table: people in order, found by key or by (source, id)."""

    def __init__(self) -> None:
        self._people: list[Person] = []
        self._by_key: dict[str, Person] = {}
        self._by_id: dict[tuple[str, str], Person] = {}

    def add(self, person: Person) -> Person:
        if person.key in self._by_key:
            raise ValueError(f"two people with key {person.key!r}")
        self._people.append(person)
        self._by_key[person.key] = person
        for source, ident in person.ids.items():
            self._by_id[(source, ident)] = person
        return person

    def link(self, person: Person, source: str, ident: str) -> None:
        """Record that `person` is `ident` in `source`."""
        person.ids[source] = ident
        self._by_id[(source, ident)] = person

    def by_key(self, key: str) -> Person:
        return self._by_key[key]

    def find(self, source: str, ident: str) -> Person | None:
        return self._by_id.get((source, ident))

    def in_sources(self, *sources: str) -> list[Person]:
        """People every one of `sources` lists (deactivated NPIs excluded)."""
        return [p for p in self._people if all(p.listing_id(s) for s in sources)]

    def only_in(self, source: str) -> list[Person]:
        """People `source` lists and no other source does."""
        return [p for p in self._people if p.listing_id(source) and set(p.ids) == {source}]

    def __iter__(self) -> Iterator[Person]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)
