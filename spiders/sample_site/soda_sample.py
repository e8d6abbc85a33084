"""The bundled licence rosters: a TX-style and a WA-style roster for the sample's therapists.

`sample_rosters(size, seed)` draws, for the bundled AMTA-style directory of
the same size and seed (spiders.sample_site.generator), one roster row for
most of its Texas and Washington therapists (same names, cities and ZIPs),
written the way each board writes rows (reference §7.2, §7.3), plus licensees
the directory does not list. Among them: expired licences, inactive and
suspended ones (WA), disciplinary actions (WA), a Texas establishment. Each
row is deterministic for (size, seed); `roster_truth` says who is who.

Served by `SodaSite(sample_rosters(...), columns=COLUMNS)` (spiders.sample_site.soda), and
crawled with `knead crawl roster --board tx --url <its URL>`.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from spiders.rosters.boards import BOARDS
from spiders.sample_site.generator import SampleDirectory, generate

TX, WA = BOARDS["tx"], BOARDS["wa"]
LISTED_RATE = 0.8  # share of the directory's TX/WA therapists the board lists
UNLISTED = {"TX": 12, "WA": 10}  # licensees the directory does not list
# Each dataset's columns, as the portals' schemas have them (a row leaves its nulls out).
COLUMNS = {
    TX.dataset: ["license_type", "license_number", "license_subtype", "business_name", "business_county",
                 "business_address_line1", "business_address_line2", "business_city_state_zip", "business_telephone",
                 "license_expiration_date_mmddccyy", "owner_name", "owner_telephone", "mailing_address_line1",
                 "mailing_address_line2", "mailing_address_city_state_zip", "mailing_address_county",
                 "continuing_education_flag"],
    WA.dataset: ["credentialnumber", "lastname", "firstname", "middlename", "credentialtype", "status", "birthyear",
                 "firstissuedate", "lastissuedate", "expirationdate", "actiontaken"],
}
UNLISTED_NAMES = (("Rosalind", "Achebe"), ("Tomas", "Lindqvist"), ("Imani", "Okoro"), ("Wes", "Halvorsen"),
                  ("Dana", "Whitcombe"), ("Farah", "Nasser"), ("Ezra", "Blackwood"), ("Marisol", "Quintero"),
                  ("Nils", "Ostrowski"), ("Opal", "Fairweather"), ("Reza", "Kazemi"), ("Greta", "Vance"))


@dataclass(frozen=True)
class RosterEntry:
    board: str  # "tx", "wa"
    key: str  # the licence key: the listing is "roster:<board>:<key>"
    name: str  # as the directory writes it
    slug: str | None  # the AMTA listing's slug; None: the directory does not list them
    status: str  # what knead should make of it: active, expired, inactive, suspended
    disciplined: bool

    @property
    def listing_id(self) -> str:
        return f"roster:{self.board}:{self.key}"


def _when(rng: random.Random, today: date, expired: bool) -> tuple[date, date]:
    """(issued, expires): expired ones a year or two back, current ones up to two years ahead."""
    expires = today - timedelta(days=rng.randint(60, 700)) if expired else today + timedelta(days=rng.randint(30, 720))
    return expires - timedelta(days=365 * rng.randint(2, 12)), expires


def _people(directory: SampleDirectory, state: str, rng: random.Random) -> list[dict[str, Any]]:
    found = []
    for i, truth in enumerate(directory.therapists):
        if truth["state"] == state and not truth["hidden"] and rng.random() < LISTED_RATE:
            first, last = directory.name_parts(i)
            found.append({"first": first, "last": last, "name": truth["name"], "city": truth["city"],
                          "zip": truth["location_zip"] or truth["zip"], "street": truth["street"], "slug": truth["slug"]})
    cities = sorted({(p["city"], p["zip"]) for p in found}) or [("Austin" if state == "TX" else "Seattle",
                                                                  "78701" if state == "TX" else "98101")]
    for first, last in UNLISTED_NAMES[:UNLISTED[state]]:
        city, zip_code = rng.choice(cities)
        found.append({"first": first, "last": last, "name": f"{first} {last}", "city": city, "zip": zip_code,
                      "street": f"{rng.randint(100, 9999)} Main St", "slug": None})
    return found


def _tx_rows(people: list[dict[str, Any]], rng: random.Random, today: date) -> tuple[list[dict], list[RosterEntry]]:
    rows, truth = [], []
    for n, p in enumerate(people):
        expired = n % 8 == 3  # every case in even a small sample
        _issued, expires = _when(rng, today, expired)
        number = f"MT{100000 + n * 37:06d}"
        rows.append({
            "license_type": TX.massage_types[0], "license_number": number,
            "owner_name": f"{p['last']}, {p['first']}".upper(),
            "mailing_address_line1": p["street"].upper() if p["street"] else None,
            "mailing_address_city_state_zip": f"{p['city'].upper()} TX {p['zip']}",
            "license_expiration_date_mmddccyy": expires.strftime("%m/%d/%Y"),
            "continuing_education_flag": rng.choice(("Y", "N")),
        })
        truth.append(RosterEntry("tx", number, p["name"], p["slug"], "expired" if expired else "active", False))
    # An establishment, and a licence type that is not massage (left out by $where).
    rows.append({"license_type": TX.massage_types[1], "license_number": "ME098765",
                 "business_name": "RIVERSIDE BODYWORK STUDIO", "business_address_line1": "1200 S LAMAR BLVD",
                 "business_address_line2": "UNIT 5", "business_city_state_zip": "AUSTIN, TX 78704-1234",
                 "business_telephone": "5125550187", "owner_name": "RIVERA, DIEGO",
                 "license_expiration_date_mmddccyy": (today + timedelta(days=400)).strftime("%m/%d/%Y")})
    truth.append(RosterEntry("tx", "ME098765", "Riverside Bodywork Studio", None, "active", False))
    rows.append({"license_type": "A/C Technician", "license_number": "TACLA12345", "owner_name": "BOBS, BOBBY",
                 "mailing_address_city_state_zip": "AUSTIN TX 78704",
                 "license_expiration_date_mmddccyy": "12/31/2027"})
    return rows, truth


# By position, so that even a small sample has every case: 7 in 10 active, then expired, inactive, suspended.
_WA_STATUSES = (*[("Active", "active")] * 7, ("Expired", "expired"), ("Inactive", "inactive"), ("Suspended", "suspended"))


def _wa_rows(people: list[dict[str, Any]], rng: random.Random, today: date) -> tuple[list[dict], list[RosterEntry]]:
    rows, truth = [], []
    for n, p in enumerate(people):
        raw, status = _WA_STATUSES[n % len(_WA_STATUSES)]
        issued, expires = _when(rng, today, status == "expired")
        disciplined = status == "suspended" or n % 13 == 5
        number = f"MA6{n * 7919 % 10_000_000:07d}"
        row = {"credentialnumber": number, "lastname": p["last"], "firstname": p["first"],
               "credentialtype": WA.massage_types[0], "status": raw, "birthyear": str(rng.randint(1960, 2000)),
               "firstissuedate": issued.strftime("%m/%d/%Y"), "lastissuedate": issued.strftime("%m/%d/%Y"),
               "expirationdate": expires.strftime("%m/%d/%Y"), "actiontaken": "Yes" if disciplined else "No"}
        if rng.random() < 0.3:
            row["middlename"] = rng.choice("ABCDEJKLMR")
        rows.append(row)
        truth.append(RosterEntry("wa", number, p["name"], p["slug"], status, disciplined))
    rows.append({"credentialnumber": "MD.MD.00012345", "lastname": "Lee", "firstname": "Ann",
                 "credentialtype": "Physician And Surgeon License", "status": "Active",
                 "expirationdate": "11/19/2027", "actiontaken": "No"})
    return rows, truth


def _build(size: int, seed: int, today: date | None) -> tuple[dict[str, list[dict]], list[RosterEntry]]:
    directory = generate(size, seed)
    today = today or date.today()
    rng = random.Random(f"rosters-{seed}")
    tx_rows, tx_truth = _tx_rows(_people(directory, "TX", rng), rng, today)
    wa_rows, wa_truth = _wa_rows(_people(directory, "WA", rng), rng, today)
    for rows in (tx_rows, wa_rows):
        # The portal's own row order is not the licence order: paging must send $order.
        random.Random(seed).shuffle(rows)
    return {TX.dataset: tx_rows, WA.dataset: wa_rows}, tx_truth + wa_truth


def sample_rosters(size: int = 1200, seed: int = 7, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """{dataset id: rows} for the TX and WA rosters (expiry dates relative to `today`)."""
    return _build(size, seed, today)[0]


@functools.lru_cache(maxsize=4)
def served_rosters(size: int, seed: int, today: date) -> dict[str, list[dict[str, Any]]]:
    """`sample_rosters`, built once per (size, seed, day): what the bundled sample server answers from."""
    return sample_rosters(size, seed, today)


def roster_truth(size: int = 1200, seed: int = 7, today: date | None = None) -> list[RosterEntry]:
    """Who each massage row is, and what knead should make of it."""
    return _build(size, seed, today)[1]


def link_roster_people(people: Any, size: int, seed: int) -> None:
    """Put the rosters' rows into the people truth table (spiders.sample_site.people): a row of a
    directory therapist under "roster:<board>", licensees only a roster lists as people of their own
    (an establishment as a practice). Who is who does not depend on the day, only the dates do."""
    from .people import Person

    for entry in roster_truth(size, seed):
        person = people.find("amta", entry.slug) if entry.slug else None
        if person is None:
            state = "TX" if entry.board == "tx" else "WA"
            person = people.add(Person(f"p{len(people) + 1:05d}", entry.name, state, None, None,
                                       practice=entry.key.startswith("ME")))
        people.link(person, f"roster:{entry.board}", entry.key)
