"""`TherapistListing`: the one record every source is normalised into.

Every scalar is optional and every list defaults to empty, so a spider fills
what a page offers and the pipelines fill the rest. Each normalised value keeps
the text it came from in a `*_raw` field beside it, so nothing a directory said
is lost when normalisation fails or improves later.

Serialised as a plain dict (`asdict`) with exactly these keys: the store of
record, the index and every output format use the same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class TherapistListing:
    # Identity and provenance.
    id: str | None = None  # "<source>:<the source's own key>", stable across crawls
    source: str | None = None  # spider name, e.g. "amta"
    url: str | None = None  # the profile page
    scraped_at: str | None = None  # ISO 8601 UTC, when the page was parsed

    # Who.
    name: str | None = None
    credentials: list[str] = field(default_factory=list)  # upper-case, e.g. ["LMT", "BCTMB"]
    credentials_raw: list[str] = field(default_factory=list)
    business: str | None = None
    license: str | None = None  # as a directory page writes it
    # Licences a registry or board states: {"state": "CT", "number": "012345", "source": "nppes"}.
    # A board roster's record adds status, status_raw, issued, expires, disciplined, type (index.model.licence).
    licenses: list[dict[str, str]] = field(default_factory=list, metadata={"records": True})
    npi: str | None = None  # the National Provider Identifier (10 digits), when the registry lists them
    practice: bool | None = None  # True: a business (a registry organisation), not one therapist
    practice_id: str | None = None  # a therapist's: the id of the practice listing (same source) they work at
    # True: a roster row with no address, kept to verify licences; never indexed as a listing of its own.
    verification_only: bool | None = None
    gender: str | None = None  # "female", "male", "non-binary" or the raw value lower-cased
    gender_raw: str | None = None
    languages: list[str] = field(default_factory=list)

    # Where.
    address_raw: str | None = None  # the address as the page wrote it, lines joined with ", "
    street: str | None = None
    city: str | None = None
    state: str | None = None  # 2 letters
    zip: str | None = None  # 5 digits
    lat: float | None = None  # ZIP centroid (offline, from `zipcodes`)
    lon: float | None = None

    # Contact.
    phone: str | None = None  # E.164, e.g. "+18605550142"
    phone_raw: str | None = None
    email: str | None = None
    website: str | None = None

    # What they do.
    bio: str | None = None
    techniques: list[str] = field(default_factory=list)  # canonical ids (vocabulary.md)
    techniques_raw: list[str] = field(default_factory=list)
    insurance: list[str] = field(default_factory=list)  # canonical ids, coverage and carriers
    insurance_raw: list[str] = field(default_factory=list)
    accepts_insurance: bool | None = None  # the vocabulary's rule over `insurance`
    conditions: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    accepting_new_clients: bool | None = None  # None: the page does not say
    accepting_new_clients_raw: str | None = None
    # Opening hours in OSM opening_hours syntax (index.model.hours), "Mo-Fr 09:00-17:00; Su off", or None.
    hours: str | None = None
    hours_raw: list[str] = field(default_factory=list)  # as the page wrote them, one line or item each
    price_range: str | None = None  # as written: "$$", "$80-$150"
    profile_updated: str | None = None  # ISO date
    profile_updated_raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A shallow dict (lists are shared): `asdict` deep-copies, which costs a crawl dearly."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TherapistListing:
        """Build from a stored dict, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def license_label(record: dict[str, str]) -> str:
    """One licence as people read it: "CT 012345 (nppes)"; a board's record says what the board
    does: "TX MT104255 (roster:tx, expired 2025-04-20, board action on record)"."""
    where = " ".join(filter(None, (record.get("state"), record.get("number"))))
    said = [record.get("source")]
    if record.get("status"):
        until = {"active": "until", "expired": ""}.get(str(record["status"]))
        said.append(f"{record['status']} {until} {record['expires']}".replace("  ", " ")
                    if record.get("expires") and until is not None else str(record["status"]))
    if record.get("disciplined") is True:
        said.append("board action on record")
    said = [s for s in said if s]
    return f"{where} ({', '.join(said)})" if said else where


# Lists of strings; RECORD_FIELDS are lists of small dicts of strings (`licenses`).
RECORD_FIELDS = tuple(f.name for f in fields(TherapistListing) if f.metadata.get("records"))
LIST_FIELDS = tuple(f.name for f in fields(TherapistListing)
                    if f.default_factory is list and f.name not in RECORD_FIELDS)  # type: ignore[comparison-overlap]
FIELD_NAMES = tuple(f.name for f in fields(TherapistListing))
