"""Listings of one population as four kinds of source list them, with the truth of who is who.

    merge_corpus(size, seed) -> MergeCorpus   # exactly `size` listings, deterministic for (size, seed)

What the store of record yields after crawls of an AMTA-style directory, the
NPI registry, practice websites and state licence rosters (every
`TherapistListing` field plus `first_seen`, `last_seen`, `stale`,
`stale_since`), drawn directly (no pages, no pipelines: 500,000 listings in
well under a minute). The shares follow the bundled
samples (spiders.sample_site), scaled up:

- the directory lists most people; 70% of its therapists are in the registry
  too, and registry-only people are 20% as many as those in both
  (registry_sample's IN_REGISTRY_RATE, REGISTRY_ONLY_RATE);
- the registry writes a person its own way: upper case without accents (or
  re-cased the way the registry parser's nameparser does it), a middle
  initial for 60%, the legal first name where the directory shows a nickname
  ("Mike" / "MICHAEL J"), the street without the unit or with its own suite,
  the ZIP cut to 5 digits as the pipelines do, an NPI and the state licence
  number (in another format for some: "MT104255" / "104255");
- state boards (TX and NC rosters with a ZIP, WA and NY verification-only
  rows with a name and licence only) list 80% of the licensees of their
  state, plus people no other source has; some rows give a home ZIP;
- group practices (a fifth of the locations, 2-4 therapists) share the
  practice's phone and address: a trap for the merge, since the phone links
  each therapist to the practice and never merges them; some partners share
  a surname too. A practice appears as a website business (with employee
  nodes pointing at it by `practice_id`), a registry organisation (NPI-2)
  and a Texas establishment licence;
- a solo therapist's own site gives the business (a practice), the person as
  an employee of it, or just the person;
- movers: the registry still has the old address and phone;
- traps: a registry-only person with the same surname at the same ZIP, and
  one with the same full name in another state (own licence).

`MergeCorpus.truth` maps every listing id to its entity key ("p000001": a
person, "g000001": a practice); `cases` tags people with the hard cases they
carry, `distinct` lists trap pairs, `practice_of` each person's practice, so
tests/benchmarks/merge_quality.py can score a merge at any size.
"""

from __future__ import annotations

import functools
import gc
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from index.model import vocabulary
from index.model.listing import FIELD_NAMES, LIST_FIELDS, RECORD_FIELDS
from spiders.sample_site import words as W
from spiders.sample_site.registry import npi_from
from spiders.sample_site.registry_sample import registry_case

DIRECTORY_SHARE = 1 / 1.14  # people the directory lists: registry-only = 0.2 x (0.7 x listed)
IN_REGISTRY_RATE = 0.7  # of the directory's therapists
GROUP_RATE = 0.2  # locations that are a group practice of 2-4 therapists
GROUP_SIZES = (2, 2, 2, 3, 3, 4)
COUPLE_RATE = 0.15  # two-person groups whose partners share a surname
SOLO_SITE_RATE = 0.2  # solo therapists showing a website whose site was crawled
GROUP_SITE_RATE, GROUP_NPI2_RATE, GROUP_ESTABLISHMENT_RATE = 0.5, 0.4, 0.3
EMPLOYEE_NODE_RATE = 0.6  # a group site's therapists named on it, each pointing at the practice
ROSTERS = {"TX": ("tx", True), "NC": ("nc", True), "WA": ("wa", False), "NY": ("ny", False)}  # board, has an address
ROSTER_RATE = 0.8  # licensees of a roster state its board lists
ROSTER_ONLY_RATE = 0.05  # roster-only licensees, per rostered person
HOME_ZIP_RATE = 0.3  # roster rows that give the licensee's home ZIP, not the practice's
NICKNAME_RATE = 0.35  # directory names that use the nickname of the legal first name
REGISTRY_UPPER_RATE = 0.5  # registry names left in upper case (the rest re-cased, as the parser does)
MIDDLE_INITIAL_RATE = 0.6
MOVER_RATE = 0.06  # of people in both: the registry keeps the old address and phone
LICENCE_FORMAT_RATE = 0.1  # registry licence numbers written without the board's prefix or zeros
SAME_SURNAME_RATE = 0.01  # of people in both: a registry-only namesake (other first name) at the same ZIP
SAME_NAME_OTHER_STATE_RATE = 0.005  # of people in both: the same full name in another state
STALE_RATE = 0.03
NICKNAMES = {"Michael": "Mike", "Robert": "Bob", "Daniel": "Dan", "Matthew": "Matt", "Andrew": "Andy",
             "Steven": "Steve", "Christina": "Tina", "Jessica": "Jess", "Kimberly": "Kim", "James": "Jim",
             "David": "Dave", "Nicole": "Nikki", "Amanda": "Mandy", "Megan": "Meg"}
LEGAL = {"Chris": "Christopher", "Alex": "Alexander", "Sam": "Samuel"}  # directory first names that are nicknames
SEEN = {"amta": "2026-11-02T10:00:00+00:00", "nppes": "2026-11-03T09:00:00+00:00",
        "sites": "2026-11-04T11:00:00+00:00", "roster": "2026-11-05T08:00:00+00:00"}
TEMPLATE = {name: None for name in FIELD_NAMES}
LISTS = (*LIST_FIELDS, *RECORD_FIELDS)


@dataclass
class MergeCorpus:
    listings: list[dict[str, Any]]
    truth: dict[str, str]  # listing id -> entity key ("p...": a person, "g...": a practice)
    practices: set[str] = field(default_factory=set)  # entity keys that are practices
    practice_of: dict[str, str] = field(default_factory=dict)  # person key -> their practice's key
    cases: dict[str, list[str]] = field(default_factory=dict)  # person key -> hard cases it carries
    distinct: list[tuple[str, str, str]] = field(default_factory=list)  # (trap kind, key, key): never one result

    def counts(self) -> dict[str, int]:
        return dict(Counter(row["source"] for row in self.listings))


def merge_corpus(size: int, seed: int = 7) -> MergeCorpus:
    """Exactly `size` listings (the last location drawn is cut short), the same for a size and seed."""
    draw = _Draw(seed)
    collecting = gc.isenabled()
    gc.disable()  # the cyclic collector would walk every listing drawn so far, again and again
    try:
        while len(draw.listings) < size:
            draw.location()
    finally:
        if collecting:
            gc.enable()
    corpus = draw.corpus
    corpus.listings = draw.listings[:size]
    kept = {row["id"] for row in corpus.listings}
    corpus.truth = {k: v for k, v in corpus.truth.items() if k in kept}
    return corpus


def _fold(text: str) -> str:
    """'Zoë St. James' -> 'ZOE ST. JAMES', as the registry writes names."""
    return registry_case(text)


@functools.cache
def _cities() -> list[tuple[str, str, int, list[tuple[str, str, float | None, float | None]]]]:
    """(city, state, weight, [(ZIP, area code, lat, lon)]) for the sample directory's cities."""
    from index.geo import ziptable
    from spiders.sample_site.generator import city_zips

    table = ziptable.build()
    cities = []
    for (city, state, weight), zips in zip(W.CITIES, city_zips(), strict=True):
        rows = []
        for z, area in zips:
            info = table.zip_info(z)
            rows.append((z, area, info.lat if info else None, info.lon if info else None))
        cities.append((city, state, weight, rows))
    return cities


class _Draw:
    """One RNG, drawn in one fixed order: locations, their people, then each person's listings."""

    def __init__(self, seed: int):
        self.W = W
        self.rng = random.Random(f"merge-corpus-{seed}")
        self.cities = _cities()
        self.cum_weights = list(itertools.accumulate(c[2] for c in self.cities))
        self.states = sorted({c[1] for c in self.cities})
        self.techniques = [(t, term.label) for t, term in vocabulary.TECHNIQUES.items()]
        self.insurance = [(t, term.label) for t, term in vocabulary.INSURANCES.items()]
        self.listings: list[dict[str, Any]] = []
        self.corpus = MergeCorpus([], {})
        self.people = self.groups = self.serial = self.locations = 0
        self.licence_serial: Counter[str] = Counter()

    # -- places and names ---------------------------------------------------------------

    def place(self, state: str | None = None) -> dict[str, Any]:
        rng = self.rng
        if state is None:
            city, state, _, zips = rng.choices(self.cities, cum_weights=self.cum_weights)[0]
        else:
            city, state, _, zips = rng.choice([c for c in self.cities if c[1] == state])
        zip5, area, lat, lon = rng.choice(zips)
        unit = rng.choice(self.W.UNIT_FORMATS).format(n=rng.randrange(1, 500)) if rng.random() < 0.4 else None
        return {"city": city, "state": state, "zip": zip5, "area": area, "lat": lat, "lon": lon,
                "street": f"{rng.randrange(1, 3000)} {rng.choice(self.W.STREET_NAMES)}", "unit": unit,
                "phone": self.phone(area)}

    def phone(self, area: str) -> str:
        # Drawn over a whole area code (not 555-01xx): a phone shared by chance would be a false lead.
        return f"+1{area}{self.rng.randrange(200, 1000)}{self.rng.randrange(10000):04d}"

    def person(self, state: str, last: str | None = None, first: str | None = None) -> dict[str, Any]:
        rng, W = self.rng, self.W
        self.people += 1
        first = first or rng.choice(W.FIRST_NAMES)
        key = f"p{self.people:06d}"
        self.corpus.cases[key] = []  # filled as the person's listings are drawn
        return {"key": key, "first": LEGAL.get(first, first),
                "nick": first if first in LEGAL else (NICKNAMES.get(first) if rng.random() < NICKNAME_RATE else None),
                "last": last or rng.choice(W.LAST_NAMES), "middle": rng.choice("ABCDEFGHJKLMNPRSTW"),
                "gender": rng.choice(("female", "female", "female", "male", "non-binary")),
                "licence": self.licence(state), "cases": self.corpus.cases[key]}

    def licence(self, state: str) -> str:
        self.licence_serial[state] += self.rng.randrange(1, 30)
        n = self.licence_serial[state]
        return {"TX": f"MT{100000 + n:06d}", "WA": f"MA{60000000 + n:08d}"}.get(state, f"{n:06d}")

    # -- one location and everyone at it ------------------------------------------------

    def location(self) -> None:
        rng = self.rng
        at = self.place()
        size = rng.choice(GROUP_SIZES) if rng.random() < GROUP_RATE else 1
        people = [self.person(at["state"])]
        for _ in range(size - 1):
            couple = size == 2 and rng.random() < COUPLE_RATE
            people.append(self.person(at["state"], last=people[0]["last"] if couple else None))
        W = self.W
        business = rng.choice(W.BUSINESS_FORMATS).format(
            Last=people[0]["last"], First=people[0]["first"], City=at["city"], Word=rng.choice(W.BUSINESS_WORDS))
        at["business"] = business if size > 1 or rng.random() < 0.6 else None
        self.locations += 1
        at["domain"] = "".join(c for c in _fold(business).lower() if c.isalnum()) + f"{self.locations}.example"
        practice = None
        if size > 1:
            self.groups += 1
            practice = f"g{self.groups:06d}"
            self.corpus.practices.add(practice)
            if size == 2 and people[0]["last"] == people[1]["last"]:
                for p in people:
                    p["cases"].append("couple-sharing-practice")
                self.corpus.distinct.append(("couple sharing a practice", people[0]["key"], people[1]["key"]))
            else:
                for p in people:
                    p["cases"].append("shared-practice-phone")
        for p in people:
            self.one_person(p, at, group=size > 1)
        if practice:
            self.group_practice(practice, people, at)
        elif people[0].get("website") and rng.random() < SOLO_SITE_RATE:
            self.solo_site(people[0], at)

    def one_person(self, p: dict[str, Any], at: dict[str, Any], group: bool) -> None:
        rng = self.rng
        p["listed"] = rng.random() < DIRECTORY_SHARE
        if p["listed"]:
            # A therapist in a group gives the practice's phone most of the time, their own cell otherwise.
            phone = at["phone"] if not group or rng.random() < 0.8 else self.phone(at["area"])
            self.directory(p, at, phone)
            if rng.random() < IN_REGISTRY_RATE:
                p["cases"].append("in-registry")
                if p["nick"]:
                    p["cases"].append("nickname")
                old = at
                if rng.random() < MOVER_RATE:
                    old = self.place(at["state"])
                    p["cases"].append("mover")
                self.registry(p, old, phone if old is at else old["phone"], older=old is not at)
                if rng.random() < SAME_SURNAME_RATE:
                    other = self.person(at["state"], last=p["last"],
                                        first=rng.choice([f for f in self.W.FIRST_NAMES if f != p["first"]]))
                    near = dict(self.place(at["state"]), city=at["city"], zip=at["zip"], lat=at["lat"], lon=at["lon"])
                    self.registry(other, near, self.phone(at["area"]))
                    self.corpus.distinct.append(("same surname, same ZIP", p["key"], other["key"]))
                if rng.random() < SAME_NAME_OTHER_STATE_RATE:
                    state = rng.choice([s for s in self.states if s != at["state"]])
                    other = self.person(state, last=p["last"], first=p["first"])
                    where = self.place(state)
                    self.registry(other, where, where["phone"])
                    self.corpus.distinct.append(("same name, other state", p["key"], other["key"]))
        else:
            p["cases"].append("registry-only")
            self.registry(p, at, at["phone"] if group else self.phone(at["area"]))
        if at["state"] in ROSTERS and rng.random() < ROSTER_RATE:
            self.roster(p, at)
            while rng.random() < ROSTER_ONLY_RATE:
                other = self.person(at["state"])
                other["cases"].append("roster-only")
                self.roster(other, self.place(at["state"]))

    # -- listings, one source each ------------------------------------------------------

    def emit(self, key: str, source: str, ident: str, **values: Any) -> dict[str, Any]:
        rng = self.rng
        row = dict(TEMPLATE)
        for name in LISTS:
            row[name] = []
        family = source.split(":")[0]
        seen = SEEN[family]
        stale = rng.random() < STALE_RATE
        row.update(id=f"{source}:{ident}", source=source, scraped_at=seen, first_seen="2026-06-01T00:00:00+00:00",
                   last_seen=seen, stale=stale, stale_since="2026-11-20T00:00:00+00:00" if stale else None)
        row.update(values)
        self.listings.append(row)
        self.corpus.truth[row["id"]] = key
        return row

    def written_name(self, p: dict[str, Any]) -> str:
        return f"{p['nick'] or p['first']} {p['last']}"

    def directory(self, p: dict[str, Any], at: dict[str, Any], phone: str) -> None:
        rng, W = self.rng, self.W
        self.serial += 1
        name = self.written_name(p)
        shown_zip = rng.random() < 0.7
        street = (f"{at['street']}, {at['unit']}" if at["unit"] else at["street"]) if rng.random() < 0.7 else None
        techniques = rng.sample(self.techniques, rng.randrange(2, 8))
        insurance = rng.sample(self.insurance, rng.randrange(0, 5))
        creds = list(W.STATE_CREDENTIALS.get(at["state"], ("LMT",))[:1]) + rng.sample(W.NATIONAL_CREDENTIALS, rng.randrange(0, 2))
        bio = " ".join(filter(None, (
            rng.choice(W.BIO_OPENERS).format(clients=rng.choice(W.BIO_CLIENTS), conds=rng.choice(W.BIO_CONDITIONS),
                                             year=rng.randrange(1998, 2024)),
            rng.choice(W.BIO_MIDDLES).format(tech=techniques[0][1].lower()), rng.choice(W.BIO_CLOSERS))))
        website = f"https://{at['domain']}/" if rng.random() < 0.45 else None
        p["website"] = website
        email_user = rng.choice((p["first"].lower(), f"{p['first'][0]}{p['last']}".lower(), "info", "hello"))
        slug = "".join(c if c.isalnum() else "-" for c in _fold(name).lower())
        self.emit(p["key"], "amta", f"{slug}-{at['city'].lower().replace(' ', '-')}-{self.serial}",
                  url=f"http://127.0.0.1:8000/famt/{self.serial}", name=name, credentials=creds, credentials_raw=creds,
                  business=at["business"] if rng.random() < 0.8 else None,
                  license=rng.choice(("{s} LMT #{n}", "License #{n}", "{n}")).format(s=at["state"], n=p["licence"])
                  if rng.random() < 0.5 else None,
                  gender=p["gender"], gender_raw=p["gender"].title(),
                  languages=["English", *rng.sample(W.LANGUAGES, rng.randrange(0, 3))],
                  address_raw=", ".join(filter(None, (street, at["city"], f"{at['state']} {at['zip'] if shown_zip else ''}".strip()))),
                  street=street, city=at["city"], state=at["state"], zip=at["zip"] if shown_zip else None,
                  lat=at["lat"], lon=at["lon"], **({"phone": phone, "phone_raw": phone} if rng.random() < 0.92 else {}),
                  email=f"{email_user}@{at['domain']}" if rng.random() < 0.5 else None, website=website, bio=bio,
                  techniques=[t for t, _ in techniques], techniques_raw=[label for _, label in techniques],
                  insurance=[t for t, _ in insurance], insurance_raw=[label for _, label in insurance],
                  accepts_insurance=vocabulary.accepts_insurance(t for t, _ in insurance),
                  conditions=rng.sample(W.CONDITIONS, rng.randrange(1, 6)),
                  settings=rng.sample(W.SETTINGS, rng.randrange(1, 3)),
                  accepting_new_clients=rng.choice((True, False, None)),
                  hours="Mo-Fr 09:00-17:00" if rng.random() < 0.3 else None,
                  profile_updated=f"20{rng.randrange(19, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                  if rng.random() < 0.6 else None)

    def registry(self, p: dict[str, Any], at: dict[str, Any], phone: str, older: bool = False) -> None:
        rng = self.rng
        self.serial += 1
        npi = npi_from(70_000_000 + self.serial)
        middle = f" {p['middle']}." if rng.random() < MIDDLE_INITIAL_RATE else ""
        name = f"{p['first']}{middle} {p['last']}"
        upper = rng.random() < REGISTRY_UPPER_RATE
        name = _fold(name) if upper else _fold(name).title()
        unit = at["unit"] if rng.random() < 0.5 else (f"Suite {rng.randrange(1, 400)}" if rng.random() < 0.4 else None)
        street = f"{at['street']}, {unit}" if unit else at["street"]
        street = street.upper() if upper else street
        if upper or middle:
            p["cases"].append("registry-upper-case" if upper else "registry-middle-initial")
        number = p["licence"]
        if rng.random() < LICENCE_FORMAT_RATE:
            number = number.lstrip("MTA").lstrip("0") or number
            p["cases"].append("licence-format")
        self.emit(p["key"], "nppes", npi, url=f"https://npiregistry.cms.hhs.gov/provider-view/{npi}", name=name,
                  credentials=["LMT"], credentials_raw=["LMT"], license=number,
                  licenses=[{"state": at["state"], "number": number, "source": "nppes"}], npi=npi, practice=False,
                  gender=p["gender"] if p["gender"] != "non-binary" else None, street=street, city=at["city"],
                  state=at["state"], zip=at["zip"], lat=at["lat"], lon=at["lon"],
                  address_raw=f"{street}, {at['city']}, {at['state']} {at['zip']}", phone=phone, phone_raw=phone,
                  accepts_insurance=False,
                  profile_updated=f"20{rng.randrange(12, 18) if older else rng.randrange(18, 27)}-0{rng.randrange(1, 10)}-15")

    def roster(self, p: dict[str, Any], at: dict[str, Any]) -> None:
        rng = self.rng
        board, has_address = ROSTERS[at["state"]]
        expired = rng.random() < 0.12
        record = {"state": at["state"], "number": p["licence"], "source": f"roster:{board}",
                  "status": "expired" if expired else "active",
                  "expires": f"{2025 if expired else 2028}-0{rng.randrange(1, 10)}-10",
                  "disciplined": rng.random() < 0.02, "type": "Massage Therapist"}
        p["cases"].append(f"roster-{'address' if has_address else 'verification-only'}")
        values: dict[str, Any] = {"name": f"{p['first']} {p['last']}", "license": p["licence"], "licenses": [record],
                                  "practice": False, "state": at["state"], "accepts_insurance": False,
                                  "url": f"http://127.0.0.1:8000/soda/resource/{board}.json?n={p['licence']}"}
        if has_address:
            home = self.place(at["state"]) if rng.random() < HOME_ZIP_RATE else at
            values.update(city=home["city"], zip=home["zip"], lat=home["lat"], lon=home["lon"])
        else:
            values["verification_only"] = True
            if rng.random() < 0.3:
                values["name"] = f"{p['first']} {p['middle']}. {p['last']}"
        self.emit(p["key"], f"roster:{board}", p["licence"], **values)

    # -- practices ----------------------------------------------------------------------

    def practice_values(self, at: dict[str, Any], name: str) -> dict[str, Any]:
        rng = self.rng
        insurance = rng.sample(self.insurance, rng.randrange(0, 4))
        return {"name": name, "business": name, "practice": True, "street": at["street"], "city": at["city"],
                "state": at["state"], "zip": at["zip"], "lat": at["lat"], "lon": at["lon"], "phone": at["phone"],
                "phone_raw": at["phone"], "address_raw": f"{at['street']}, {at['city']}, {at['state']} {at['zip']}",
                "accepts_insurance": vocabulary.accepts_insurance(t for t, _ in insurance)}

    def site_values(self, at: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        insurance = rng.sample(self.insurance, rng.randrange(0, 4))
        return {"url": f"https://{at['domain']}/", "website": f"https://{at['domain']}/",
                "hours": rng.choice(("Mo-Fr 09:00-17:00", "Tu-Sa 10:00-19:00; Su off", None)),
                "insurance": [t for t, _ in insurance], "insurance_raw": [label for _, label in insurance],
                "accepting_new_clients": rng.choice((True, False, None)), "price_range": rng.choice(("$$", "$80-$150", None))}

    def group_practice(self, key: str, people: list[dict[str, Any]], at: dict[str, Any]) -> None:
        rng = self.rng
        for p in people:
            self.corpus.practice_of[p["key"]] = key
        if rng.random() < GROUP_SITE_RATE:
            business = self.emit(key, "sites", f"{at['domain']}/#practice", **self.practice_values(at, at["business"]),
                                 **self.site_values(at))
            for n, p in enumerate(people, 1):
                if rng.random() < EMPLOYEE_NODE_RATE:
                    self.emit(p["key"], "sites", f"{at['domain']}/team/#{n}", name=self.written_name(p),
                              business=at["business"], practice_id=business["id"], url=business["url"],
                              street=at["street"], city=at["city"], state=at["state"], zip=at["zip"], lat=at["lat"],
                              lon=at["lon"], phone=at["phone"], phone_raw=at["phone"], accepts_insurance=False)
        if rng.random() < GROUP_NPI2_RATE:
            self.serial += 1
            npi = npi_from(70_000_000 + self.serial)
            self.emit(key, "nppes", npi, **self.practice_values(at, f"{at['business']} LLC"), npi=npi,
                      url=f"https://npiregistry.cms.hhs.gov/provider-view/{npi}")
        if at["state"] == "TX" and rng.random() < GROUP_ESTABLISHMENT_RATE:
            number = f"ME{100000 + self.groups:06d}"
            self.emit(key, "roster:tx", number, **self.practice_values(at, at["business"].upper()), license=number,
                      licenses=[{"state": "TX", "number": number, "source": "roster:tx", "status": "active",
                                 "expires": "2028-01-09", "disciplined": False, "type": "Massage Establishment"}])

    def solo_site(self, p: dict[str, Any], at: dict[str, Any]) -> None:
        rng = self.rng
        shape = rng.random()
        name = at["business"] or f"{self.written_name(p)} Massage"
        if shape < 0.75:  # the business; in 40 of 75, the therapist as its employee too
            self.groups += 1
            key = f"g{self.groups:06d}"
            self.corpus.practices.add(key)
            self.corpus.practice_of[p["key"]] = key
            business = self.emit(key, "sites", f"{at['domain']}/#practice", **self.practice_values(at, name),
                                 **self.site_values(at))
            p["cases"].append("site-business")
            if shape < 0.4:
                p["cases"].append("site-employee")
                self.emit(p["key"], "sites", f"{at['domain']}/#therapist", name=self.written_name(p), business=name,
                          practice_id=business["id"], url=business["url"], website=business["website"],
                          street=at["street"], city=at["city"], state=at["state"], zip=at["zip"], lat=at["lat"],
                          lon=at["lon"], phone=at["phone"], phone_raw=at["phone"], accepts_insurance=False)
        else:  # a site about the person, no business named
            p["cases"].append("site-person")
            values = self.practice_values(at, self.written_name(p))
            del values["business"], values["practice"]
            self.emit(p["key"], "sites", f"{at['domain']}/", **values, **self.site_values(at))

