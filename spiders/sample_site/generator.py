"""Generate the bundled sample directory: deterministic therapists and their truth.

`generate(size, seed)` draws each therapist's core (name, city, real ZIP,
slug, hidden/duplicate flags) up front from one `random.Random(seed)`: a few
draws each, so 100,000 therapists take about a second. Everything else (contact
details, techniques, sections and how the page lays them out) is drawn lazily
from a per-therapist RNG seeded with (seed, index) the first time a page or a
truth record needs it, and kept in a bounded cache. Same size and seed, same
site, byte for byte; and a therapist's details do not depend on `size`.

Each truth record is a plain dict saying exactly what the therapist's pages
show (see `TRUTH_FIELDS`). Values the page does not show are None or [].
Hidden therapists (about 1%) sit behind robots.txt: their result items link to
`/members/famt/<slug>` and they have no public profile.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterator, Sequence
from typing import Any

import zipcodes

from . import words as W
from .profile import build_profile, slugify

HIDDEN_RATE = 0.01  # share of therapists only members can see
DUPLICATE_RATE = 0.03  # share that show up a second time on a later results page
PAGE_SIZE = 10

TRUTH_FIELDS = (
    "slug", "url_path", "hidden", "name", "credentials", "business", "street",
    "city", "state", "zip", "location_zip", "address_raw", "phone", "phone_display",
    "email", "website", "license", "bio", "techniques", "techniques_raw",
    "insurance", "insurance_raw", "accepts_insurance", "conditions", "settings",
    "languages", "gender", "gender_raw", "accepting_new_clients",
    "accepting_new_clients_raw", "hours", "profile_updated", "profile_updated_raw",
)


@functools.cache
def city_zips() -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per city of `words.CITIES`: its active STANDARD ZIPs as (zip, area code), sorted."""
    out = []
    for city, state, _ in W.CITIES:
        found = sorted(
            (r["zip_code"], (r["area_codes"] or ["860"])[0])
            for r in zipcodes.filter_by(city=city, state=state)
            if r["active"] and r["zip_code_type"] == "STANDARD"
        )
        if not found:
            raise RuntimeError(f"zipcodes has no active STANDARD ZIP for {city}, {state}")
        out.append(tuple(found))
    return tuple(out)


class TruthRecords(Sequence):
    """The therapists' truth records, built on access (a fresh dict each time)."""

    def __init__(self, directory: SampleDirectory):
        self._directory = directory

    def __len__(self) -> int:
        return self._directory.size

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        truth = self._directory.profile(index)[0]
        return {k: list(v) if isinstance(v, list) else v for k, v in truth.items()}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]


class SampleDirectory:
    """A generated directory: therapists' cores, lazy profiles and result listings.

    `therapists` is a lazy sequence of truth dicts; `profile(i)` gives
    (truth, layout) for the renderer; `entries(location, keyword)` the result
    order for a search, hidden therapists and duplicate items included.
    """

    def __init__(self, size: int, seed: int):
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self.seed = seed
        self.cities = tuple((c, s) for c, s, _ in W.CITIES)
        self.states = tuple(sorted({s for _, s in self.cities}))
        zips = city_zips()
        rng = random.Random(seed)
        cum, total = [], 0
        for _, _, weight in W.CITIES:
            total += weight
            cum.append(total)
        n_first, n_last = len(W.FIRST_NAMES), len(W.LAST_NAMES)
        self._city: list[int] = []
        self._zip: list[str] = []
        self._area: list[str] = []
        self._names: list[tuple[int, int]] = []
        self.slugs: list[str] = []
        self._slug_index: dict[str, int] = {}
        self.hidden: set[int] = set()
        self.duplicated: set[int] = set()
        city_slugs = [slugify(c) for c, _ in self.cities]
        name_slugs: dict[tuple[int, int], str] = {}
        for i in range(size):
            c = rng.choices(range(len(cum)), cum_weights=cum)[0]
            zip_code, area = rng.choice(zips[c])
            names = (rng.randrange(n_first), rng.randrange(n_last))
            roll = rng.random()
            if roll < HIDDEN_RATE:
                self.hidden.add(i)
            elif roll < HIDDEN_RATE + DUPLICATE_RATE:
                self.duplicated.add(i)
            base = name_slugs.get(names)
            if base is None:
                base = name_slugs[names] = slugify(f"{W.FIRST_NAMES[names[0]]} {W.LAST_NAMES[names[1]]}")
            slug = f"{base}-{city_slugs[c]}"
            if slug in self._slug_index:
                n = 2
                while f"{slug}-{n}" in self._slug_index:
                    n += 1
                slug = f"{slug}-{n}"
            self._slug_index[slug] = i
            self.slugs.append(slug)
            self._city.append(c)
            self._zip.append(zip_code)
            self._area.append(area)
            self._names.append(names)
        self._haystacks: list[str] | None = None
        self.therapists = TruthRecords(self)
        self.profile = functools.lru_cache(maxsize=8192)(self._build_profile)
        self.entries = functools.lru_cache(maxsize=128)(self._entries)

    def index_of(self, slug: str) -> int | None:
        """The therapist index for a slug, or None."""
        return self._slug_index.get(slug)

    def name_parts(self, i: int) -> tuple[str, str]:
        """(first name, last name) of therapist `i`, as their pages write them."""
        first, last = self._names[i]
        return W.FIRST_NAMES[first], W.LAST_NAMES[last]

    def _build_profile(self, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        city, state = self.cities[self._city[i]]
        first, last = self._names[i]
        core = {
            "slug": self.slugs[i],
            "hidden": i in self.hidden,
            "first": W.FIRST_NAMES[first],
            "last": W.LAST_NAMES[last],
            "city": city,
            "state": state,
            "zip": self._zip[i],
            "area": self._area[i],
        }
        return build_profile(random.Random(self.seed * 1_000_003 + i), core)

    def _matches_location(self, location: str) -> list[int] | None:
        """Indices whose place matches a location query; None when the query is empty."""
        loc = " ".join(location.split())
        if not loc:
            return None
        if re.fullmatch(r"\d{5}", loc):
            return [i for i, z in enumerate(self._zip) if z == loc]
        if re.fullmatch(r"[A-Za-z]{2}", loc) and loc.upper() in self.states:
            wanted = {c for c, (_, s) in enumerate(self.cities) if s == loc.upper()}
        else:
            city, _, state = loc.partition(",")
            city, state = city.strip().lower(), state.strip().upper()
            wanted = {
                c for c, (name, s) in enumerate(self.cities)
                if name.lower() == city and (not state or s == state)
            }
        return [i for i, c in enumerate(self._city) if c in wanted]

    def _entries(self, location: str = "", keyword: str = "") -> tuple[int, ...]:
        """Result order for a search: matching therapists plus a few duplicate items.

        `keyword` is a case-insensitive substring of the name, business, city,
        techniques or conditions a therapist's pages show.
        """
        matched = self._matches_location(location)
        indices = range(self.size) if matched is None else matched
        kw = " ".join(keyword.split()).lower()
        if kw:
            if self._haystacks is None:  # built once: a keyword query reads every profile
                self._haystacks = [self._haystack(i) for i in range(self.size)]
            indices = [i for i in indices if kw in self._haystacks[i]]
        out: list[int] = []
        pending: dict[int, list[int]] = {}
        for i in indices:
            out.append(i)
            if i in self.duplicated:
                # The same therapist again, about a page later (the ordering shifted).
                pending.setdefault(len(out) + PAGE_SIZE + i % 5, []).append(i)
            while len(out) in pending:
                out.extend(pending.pop(len(out)))
        return tuple(out)

    def _haystack(self, i: int) -> str:
        t = self.profile(i)[0]
        parts = [t["name"], t["business"] or "", t["city"] or "", *t["techniques_raw"], *t["conditions"]]
        return " | ".join(parts).lower()


def generate(size: int = 1200, seed: int = 7) -> SampleDirectory:
    """A deterministic sample directory of `size` therapists."""
    return SampleDirectory(size, seed)
