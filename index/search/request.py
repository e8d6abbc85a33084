"""What a search is asked and what it answers: `SearchRequest` and `SearchResult`.

Plain dataclasses, apart from the engine (index.search.engine) so that the
click layer can build a request, and know the sorts, without loading Whoosh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.geo.places import DEFAULT_RADIUS_MILES

SORTS = ("relevance", "distance", "name")
DEFAULT_LIMIT = 20


@dataclass
class SearchRequest:
    query: str | None = None
    techniques: tuple[str, ...] = ()  # canonical ids; acupressure includes shiatsu
    insurance: tuple[str, ...] = ()  # canonical ids
    accepts_insurance: bool = False
    near: tuple[float, float] | None = None  # (lat, lon)
    radius_miles: float = DEFAULT_RADIUS_MILES
    # Each of these: any of the values (OR'ed); a single string is taken as one value.
    state: tuple[str, ...] = ()  # two-letter codes
    city: tuple[str, ...] = ()  # any case or accents
    language: tuple[str, ...] = ()
    credential: tuple[str, ...] = ()
    source: tuple[str, ...] = ()  # "amta", "nppes", "roster:tx"
    gender: str | None = None  # female, male or non-binary
    accepting_new_clients: bool = False  # only listings that say they take new clients
    # (weekday 0 = Monday, minute of the day or None): only listings whose weekly hours say open then.
    open_at: tuple[int, int | None] | None = None
    licensed: bool = False  # only listings a board roster confirms (index.model.licence.board_confirmed)
    verified: bool = False  # only results the registry or a board confirms (index.search.provenance.verified)
    sort: str | None = None  # relevance | distance | name; None: the default
    limit: int | None = DEFAULT_LIMIT  # None: every match
    new_since: str | None = None  # ISO 8601 UTC timestamp: only listings first seen at or after it
    fresh_since: str | None = None  # ISO 8601 UTC timestamp: only listings last seen at or after it
    include_stale: bool = False  # also listings a complete crawl no longer found (marked "stale")

    def __post_init__(self):
        for name in ("state", "city", "language", "credential", "source"):
            value = getattr(self, name)
            setattr(self, name, (value,) if isinstance(value, str) else tuple(value or ()))


@dataclass
class SearchResult:
    total: int
    results: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]
    suggestions: list[str] = field(default_factory=list)
    sort: str = "name"
    relaxed: bool = False  # no listing matched every word; OR'ed instead
    generation: int = 0
    unmatched: list[str] = field(default_factory=list)  # query words (as typed) no listing mentions: no results
    without_hours: int | None = None  # with open_at: matches left out because they give no weekly hours
