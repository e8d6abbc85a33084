"""The bundled registry sample: the NPI registry's view of the AMTA-style sample's people.

`registry_sample(directory, people)` writes registry records (the API's shape,
`spiders.sample_site.registry.record`) for:

- most AMTA-style therapists whose page shows a practice ZIP and a phone
  (`IN_REGISTRY_RATE`): the same person at the same ZIP and phone, written
  the registry's way: upper case, accents dropped, a middle initial for
  some, a 9-digit ZIP, the unit (or a suite) in the second address line,
  digits-and-dashes phone, a massage licence in their state;
- therapists only the registry has (`REGISTRY_ONLY_RATE` as many), at the
  sample's cities;
- for `SAME_SURNAME_PAIRS` of the people in both, a registry-only person with
  the same surname at the same ZIP: two different people, a trap for merging;
- a few organisations (NPI-2) and one deactivated NPI per state.

Every record's person is in `people` (spiders.sample_site.people) with the
NPI under `ids["nppes"]`. Deterministic for the directory's size and seed;
drawing it never changes the AMTA-style pages.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

from . import registry as R
from .generator import SampleDirectory, city_zips
from .people import People, Person
from .profile import LETTER_FOLD

IN_REGISTRY_RATE = 0.7  # of the AMTA-style therapists with a shown ZIP and phone
REGISTRY_ONLY_RATE = 0.2  # registry-only individuals, per AMTA-style person in the registry
SAME_SURNAME_PAIRS = 2
ORGANISATIONS_PER_STATE = 2
DEACTIVATED_PER_STATE = 1
_LETTERS = str.maketrans(LETTER_FOLD)
FIRST_SERIAL = 60_000_000  # NPIs 16000000xx..., apart from the bulk generator's


def registry_case(text: str) -> str:
    """'Zoë St. James' -> 'ZOE ST. JAMES': upper case without accents, as the registry writes names."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.translate(_LETTERS)) if not unicodedata.combining(c))
    return folded.upper()


def registry_phone(e164: str) -> str:
    """'+18605550128' -> '860-555-0128'."""
    digits = e164[-10:]
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


class _Writer:
    """Draws records in one fixed order from one RNG, numbering NPIs as it goes."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed * 1_000_003 + 1207)
        self.serial = FIRST_SERIAL
        self.records: list[dict[str, Any]] = []

    def next_npi(self) -> str:
        self.serial += self.rng.randrange(1, 40)
        return R.npi_from(self.serial)

    def updated(self) -> str:
        rng = self.rng
        return f"20{rng.randrange(18, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"

    def individual(self, *, first: str, last: str, credential: str, gender: str, line1: str, line2: str,
                   city: str, state: str, zip9: str, phone: str, licence: str, deactivated: bool = False) -> str:
        rng = self.rng
        npi, updated = self.next_npi(), self.updated()
        basic: dict[str, Any] = {
            "enumeration_date": "2012-04-02", "last_updated": updated, "status": "D" if deactivated else "A",
            "first_name": registry_case(first), "last_name": registry_case(last),
            "middle_name": chr(ord("A") + rng.randrange(26)) if rng.random() < 0.6 else "",
            "credential": credential, "gender": gender, "sole_proprietor": "YES", "name_prefix": "--", "name_suffix": "--",
        }
        if deactivated:
            basic["deactivation_date"] = updated
        taxonomies = [{"code": "225700000X", "taxonomy_group": "", "desc": "Massage Therapist", "state": state,
                       "license": licence, "primary": True}]
        self._add(npi, False, basic, taxonomies, line1, line2, city, state, zip9, phone)
        return npi

    def organisation(self, *, name: str, official: tuple[str, str], line1: str, line2: str, city: str, state: str,
                     zip9: str, phone: str) -> str:
        npi = self.next_npi()
        basic = {"enumeration_date": "2014-09-15", "last_updated": self.updated(), "status": "A",
                 "organization_name": name, "organizational_subpart": "NO",
                 "authorized_official_first_name": official[0], "authorized_official_last_name": official[1]}
        taxonomies = [{"code": "225700000X", "taxonomy_group": "", "desc": "Massage Therapist", "state": state,
                       "license": "", "primary": True}]
        self._add(npi, True, basic, taxonomies, line1, line2, city, state, zip9, phone)
        return npi

    def _add(self, npi: str, organisation: bool, basic: dict[str, Any], taxonomies: list[dict[str, Any]],
             line1: str, line2: str, city: str, state: str, zip9: str, phone: str) -> None:
        mailing = (f"PO BOX {self.rng.randrange(100, 9999)}", "") if self.rng.random() < 0.4 else (line1, line2)
        addresses = [R.address("LOCATION", line1, line2, city, state, zip9, phone),
                     R.address("MAILING", *mailing, city, state, zip9, phone)]
        self.records.append(R.record(npi, organisation, basic, taxonomies, addresses))

    def street(self) -> tuple[str, str]:
        rng = self.rng
        return (f"{rng.randrange(1, 2000)} {rng.choice(R.STREETS)}",
                f"SUITE {rng.randrange(1, 400)}" if rng.random() < 0.4 else "")

    def zip9(self, zip5: str) -> str:
        return f"{zip5}{self.rng.randrange(10000):04d}"


def _practice_lines(street: str | None, w: _Writer) -> tuple[str, str]:
    """The AMTA-style street ('12 Elm St, Suite 4') as the registry's two lines."""
    if not street:
        return w.street()
    line1, _, unit = street.partition(", ")
    if not unit and w.rng.random() < 0.5:
        unit = f"Suite {w.rng.randrange(1, 400)}"
    return registry_case(line1), registry_case(unit)


def registry_sample(directory: SampleDirectory, people: People) -> list[dict[str, Any]]:
    """The registry records of the bundled sample, sorted by NPI; links each to its person in `people`
    (which must hold the AMTA-style therapists already, keyed as `amta_people` makes them)."""
    w = _Writer(directory.seed)
    rng = w.rng
    in_both: list[Person] = []
    for i in range(directory.size):
        truth = directory.therapists[i]
        person = people.find("amta", truth["slug"])
        if person is None or truth["hidden"] or not (truth["zip"] and truth["phone"]):
            continue
        if rng.random() >= IN_REGISTRY_RATE:
            continue
        first, last = directory.name_parts(i)
        line1, line2 = _practice_lines(truth["street"], w)
        gender = {"male": "M", "female": "F"}.get(truth["gender"] or "", rng.choice("FFM"))
        credential = ", ".join(truth["credentials"]) or rng.choice(R.CREDENTIALS)
        licence = f"{rng.randrange(1, 99999):06d}"
        npi = w.individual(first=first, last=last, credential=credential, gender=gender, line1=line1, line2=line2,
                           city=truth["city"], state=truth["state"], zip9=w.zip9(truth["zip"]),
                           phone=registry_phone(truth["phone"]), licence=licence)
        people.link(person, "nppes", npi)
        in_both.append(person)

    n = len(people)
    cities = [(c, s, zips) for (c, s), zips in zip(directory.cities, city_zips())]
    for k in range(round(len(in_both) * REGISTRY_ONLY_RATE)):
        city, state, zips = rng.choice(cities)
        zip5, area = rng.choice(zips)
        first, last = rng.choice(R.FIRST), rng.choice(R.LAST)
        phone = f"{area}-555-02{rng.randrange(100):02d}"  # 02xx: apart from the AMTA-style sample's 01xx lines
        npi = w.individual(first=first, last=last, credential=rng.choice(R.CREDENTIALS), gender=rng.choice("FFM"),
                           **_lines(w), city=city, state=state, zip9=w.zip9(zip5), phone=phone,
                           licence=f"{rng.randrange(1, 99999):06d}")
        n += 1
        people.add(Person(f"p{n:05d}", _written(first, last), state, zip5, "+1" + phone.replace("-", ""),
                          {"nppes": npi}))

    for twin in rng.sample(in_both, min(SAME_SURNAME_PAIRS, len(in_both))):
        index = directory.index_of(twin.ids["amta"])
        assert index is not None
        twin_first, last = directory.name_parts(index)
        first = rng.choice([f for f in R.FIRST if f != registry_case(twin_first)])
        phone = f"{(twin.phone or '+1860')[2:5]}-555-03{rng.randrange(100):02d}"
        npi = w.individual(first=first, last=last, credential="LMT", gender=rng.choice("FM"), **_lines(w),
                           city=directory.therapists[index]["city"], state=twin.state, zip9=w.zip9(twin.zip or ""),
                           phone=phone, licence=f"{rng.randrange(1, 99999):06d}")
        n += 1
        other = people.add(Person(f"p{n:05d}", f"{_written(first, '')} {last}", twin.state, twin.zip,
                                  "+1" + phone.replace("-", ""), {"nppes": npi}))
        for a, b in ((other, twin), (twin, other)):
            a.distinct_from.append(b.key)
            a.note = f"same surname and ZIP as {b.key}: a different person"

    for state in directory.states:
        state_cities = [(c, zips) for c, s, zips in cities if s == state]
        for _ in range(ORGANISATIONS_PER_STATE):
            city, zips = rng.choice(state_cities)
            zip5, area = rng.choice(zips)
            name = f"{rng.choice(R.ORG_WORDS)} {rng.choice(R.ORG_KINDS)}"
            phone = f"{area}-555-04{rng.randrange(100):02d}"
            npi = w.organisation(name=name, official=(rng.choice(R.FIRST), rng.choice(R.LAST)), **_lines(w),
                                 city=city, state=state, zip9=w.zip9(zip5), phone=phone)
            n += 1
            people.add(Person(f"p{n:05d}", name, state, zip5, "+1" + phone.replace("-", ""), {"nppes": npi},
                              practice=True))
        for _ in range(DEACTIVATED_PER_STATE):
            city, zips = rng.choice(state_cities)
            zip5, area = rng.choice(zips)
            first, last = rng.choice(R.FIRST), rng.choice(R.LAST)
            phone = f"{area}-555-05{rng.randrange(100):02d}"
            npi = w.individual(first=first, last=last, credential="LMT", gender="F", **_lines(w), city=city,
                               state=state, zip9=w.zip9(zip5), phone=phone, licence="", deactivated=True)
            n += 1
            people.add(Person(f"p{n:05d}", _written(first, last), state, zip5, "+1" + phone.replace("-", ""),
                              {"nppes": npi}, deactivated=True))
    return sorted(w.records, key=lambda r: r["number"])


def amta_people(directory: SampleDirectory) -> People:
    """The truth table's first rows: every AMTA-style therapist, keyed p00001... in page order."""
    people = People()
    for i, truth in enumerate(directory.therapists):
        people.add(Person(f"p{i + 1:05d}", truth["name"], truth["state"], truth["location_zip"], truth["phone"],
                          {"amta": truth["slug"]}))
    return people


def _lines(w: _Writer) -> dict[str, str]:
    line1, line2 = w.street()
    return {"line1": line1, "line2": line2}


def _written(first: str, last: str) -> str:
    """'MARIA', "O'NEIL" -> "Maria O'Neil": the name as the person writes it (for the truth table)."""
    from nameparser import HumanName

    name = HumanName(first=first or None, last=last or None)
    name.capitalize(force=True)
    return str(name)
