"""Generated NPPES bulk files: the monthly and weekly zips at full width, and the deactivation report.

`write_bulk_zip(path, rows=1_000_000)` writes a zip laid out like CMS's
(`npidata_pfile_<start>-<end>.csv` beside its `_fileheader.csv`), its CSV
holding every one of the 330 columns (spiders.bulk.layout), every value
quoted, `\\n` line ends, rows about as wide as the real file's (~1.2 kB). Of
the rows, `massage_share` are massage therapists (taxonomy 225700000X in some
slot, a few with a second licence in another state, some organisations),
`deactivated_share` are deactivated NPIs (nothing but the NPI and the date),
and the rest are other providers (physicians, physical therapists, dentists,
students...). The CSV is written straight into the zip, never to disk whole.

Deterministic for a seed; the returned `BulkTruth` says who is who (the
massage NPIs by state, the deactivated ones), so tests compare an import
with what the file holds. `write_deactivation_report` writes the
deactivation report's zip (an `.xlsx`, sheet `DeactivatedNPIs`, title row,
then `NPI` / `NPPES Deactivation Date`).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import zipcodes

from spiders.bulk.layout import COLUMNS, TAXONOMY_SLOTS
from spiders.sample_site.registry import (
    CREDENTIALS,
    FIRST,
    LAST,
    ORG_KINDS,
    ORG_WORDS,
    STREETS,
    npi_from,
)

MASSAGE = "225700000X"
# Other providers' taxonomies, most common first (physicians, nurses, therapists, dentists, students...).
OTHER_CODES = ("207Q00000X", "363LF0000X", "225100000X", "163W00000X", "1223G0001X", "390200000X",
               "101YM0800X", "207R00000X", "3336C0003X", "261QM1300X", "174400000X", "2084P0800X")
STATES = ("CT", "MA", "NY", "NJ", "PA", "RI", "FL", "TX", "CA", "WA", "OR", "CO", "IL", "OH", "GA", "NC")
FIRST_DATE, CUTOFF = "20050523", "20261108"  # the monthly file's span, in its member name

_INDEX = {name: i for i, name in enumerate(COLUMNS)}


@dataclass
class BulkTruth:
    """What a generated file holds: its member, rows, and the NPIs each way."""

    member: str
    rows: int = 0
    massage: dict[str, str] = field(default_factory=dict)  # NPI -> practice state
    organisations: set[str] = field(default_factory=set)  # massage NPIs that are NPI-2
    two_licences: set[str] = field(default_factory=set)  # massage NPIs licensed in two states
    deactivated: list[str] = field(default_factory=list)


def _places(seed: int) -> dict[str, list[tuple[str, str]]]:
    """A few real ZIPs (with their city) per state, so the import's geocoder finds them."""
    rng = random.Random(seed)
    out = {}
    for state in STATES:
        rows = sorted((r["zip_code"], r["city"]) for r in zipcodes.filter_by(state=state)
                      if r["active"] and r["zip_code_type"] == "STANDARD")
        out[state] = rng.sample(rows, min(12, len(rows)))
    return out


def _date(rng: random.Random, first_year: int = 2006) -> str:
    return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(first_year, 2026)}"


class _RowMaker:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.places = _places(seed)
        self.empty = [""] * len(COLUMNS)

    def _set(self, row: list[str], **values: str) -> None:
        for key, value in values.items():
            row[_INDEX[key.replace("__", " ")]] = value

    def row(self, serial: int, kind: str, state: str) -> list[str]:
        """One row: kind is "massage", "massage-org", "massage-two", "other" or "deactivated"."""
        rng = self.rng
        npi = npi_from(serial)
        row = self.empty.copy()
        row[0] = npi
        if kind == "deactivated":
            row[_INDEX["NPI Deactivation Date"]] = _date(rng, 2008)
            return row
        organisation = kind == "massage-org" or (kind == "other" and rng.random() < 0.2)
        zip_code, city = rng.choice(self.places[state])
        phone = f"{rng.choice(('860', '203', '617', '212', '415', '512', '206'))}555{rng.randrange(100, 200):04d}"
        row[1] = "2" if organisation else "1"
        street_line = f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"
        values = {
            "Provider First Line Business Practice Location Address": street_line,
            "Provider Second Line Business Practice Location Address": f"SUITE {rng.randrange(1, 400)}" if rng.random() < 0.4 else "",
            "Provider Business Practice Location Address City Name": city.upper(),
            "Provider Business Practice Location Address State Name": state,
            "Provider Business Practice Location Address Postal Code": zip_code + (f"{rng.randrange(10000):04d}" if rng.random() < 0.6 else ""),
            "Provider Business Practice Location Address Country Code (If outside U.S.)": "US",
            "Provider Business Practice Location Address Telephone Number": phone,
            "Provider Business Practice Location Address Fax Number": phone[:-1] + "9" if rng.random() < 0.3 else "",
            "Provider First Line Business Mailing Address": f"PO BOX {rng.randrange(100, 9999)}" if rng.random() < 0.3 else street_line,
            "Provider Business Mailing Address City Name": city.upper(),
            "Provider Business Mailing Address State Name": state,
            "Provider Business Mailing Address Postal Code": zip_code + f"{rng.randrange(10000):04d}",
            "Provider Business Mailing Address Country Code (If outside U.S.)": "US",
            "Provider Business Mailing Address Telephone Number": phone,
            "Provider Enumeration Date": _date(rng),
            "Last Update Date": _date(rng, 2018),
            "Certification Date": _date(rng, 2020) if rng.random() < 0.7 else "",
            "Is Sole Proprietor": "" if organisation else rng.choice("YNX"),
        }
        if organisation:
            name = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}"
            values.update({
                "Employer Identification Number (EIN)": "<UNAVAIL>",
                "Provider Organization Name (Legal Business Name)": name,
                "Provider Other Organization Name": f"{rng.choice(ORG_WORDS)} MASSAGE" if rng.random() < 0.5 else "",
                "Is Organization Subpart": "N",
                "Authorized Official Last Name": rng.choice(LAST),
                "Authorized Official First Name": rng.choice(FIRST),
                "Authorized Official Title or Position": "OWNER",
                "Authorized Official Telephone Number": phone,
            })
            if values["Provider Other Organization Name"]:
                values["Provider Other Organization Name Type Code"] = "3"
        else:
            values.update({
                "Provider Last Name (Legal Name)": rng.choice(LAST),
                "Provider First Name": rng.choice(FIRST),
                "Provider Middle Name": rng.choice("ABCDEJKLMRST") if rng.random() < 0.6 else "",
                "Provider Name Prefix Text": rng.choice(("MS.", "MR.", "", "")),
                "Provider Credential Text": rng.choice(CREDENTIALS) if kind.startswith("massage") else rng.choice(("MD", "DO", "PT", "RN", "")),
                "Provider Sex Code": rng.choice("FFM"),
            })
        for key, value in values.items():
            row[_INDEX[key]] = value
        slots = self._slots(kind, state)
        for n, (code, number, licence_state, primary) in enumerate(slots, start=1):
            base = 47 + (n - 1) * 4
            row[base:base + 4] = [code, number, licence_state, primary]
        for n in range(1, rng.choice((0, 0, 1, 1, 2, 3)) + 1):  # Medicaid and other ids
            base = 107 + (n - 1) * 4
            row[base:base + 4] = [f"{rng.randrange(10**6, 10**8)}", rng.choice(("05", "01")), state, "MEDICAID" if n == 1 else "BCBS"]
        return row

    def _slots(self, kind: str, state: str) -> list[tuple[str, str, str, str]]:
        rng = self.rng
        licence = f"{rng.randrange(1, 99999):06d}"
        if kind == "other":
            return [(rng.choice(OTHER_CODES), f"{rng.randrange(10**4, 10**6)}", state, "Y")]
        slots = [(MASSAGE, "" if kind == "massage-org" else licence, "" if kind == "massage-org" else state, "Y")]
        if kind == "massage-two":
            other = rng.choice([s for s in STATES if s != state])
            slots.append((MASSAGE, f"MA{rng.randrange(1000, 99999)}", other, "N"))
        elif kind == "massage" and rng.random() < 0.3:
            # The massage code in a later slot, behind another specialty (slots are not filled in order).
            slots.insert(0, (rng.choice(("390200000X", "225X00000X")), "", "", "N"))
        return slots[:TAXONOMY_SLOTS]


def _kinds(rng: random.Random, rows: int, massage_share: float, deactivated_share: float) -> Iterable[str]:
    for _ in range(rows):
        x = rng.random()
        if x < deactivated_share:
            yield "deactivated"
        elif x < deactivated_share + massage_share:
            y = rng.random()
            yield "massage-org" if y < 0.08 else "massage-two" if y < 0.13 else "massage"
        else:
            yield "other"



@contextmanager
def _bulk_csv(path: str | Path, member: str) -> Iterator:
    """A csv writer into `member` of a new zip at `path`, as NPPES publishes it: the CSV with its
    header row (every value quoted) and the header alone in a `_fileheader.csv` beside it."""
    header = ",".join(f'"{c}"' for c in COLUMNS) + "\n"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(member.replace(".csv", "_fileheader.csv"), header)
        with zf.open(member, "w", force_zip64=True) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            text.write(header)
            yield csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")

def write_bulk_zip(path: str | Path, rows: int, *, seed: int = 17, massage_share: float = 0.03,
                   deactivated_share: float = 0.035, first: str = FIRST_DATE, cutoff: str = CUTOFF,
                   first_serial: int = 50_000_000, states: tuple[str, ...] = STATES,
                   deactivate: Iterable[str] = ()) -> BulkTruth:
    """Write a bulk zip of `rows` rows (a weekly one when `first` is not 20050523); returns its truth.

    `deactivate`: NPIs (of an earlier file) that this one lists as deactivated, after its other rows."""
    member = f"npidata_pfile_{first}-{cutoff}.csv"
    truth = BulkTruth(member)
    maker = _RowMaker(seed)
    rng = random.Random(seed + 1)
    with _bulk_csv(path, member) as writer:
        for serial, kind in enumerate(_kinds(rng, rows, massage_share, deactivated_share), start=first_serial):
            state = states[rng.randrange(len(states))]
            row = maker.row(serial, kind, state)
            writer.writerow(row)
            truth.rows += 1
            if kind == "deactivated":
                truth.deactivated.append(row[0])
            elif kind != "other":
                truth.massage[row[0]] = state
                if kind == "massage-org":
                    truth.organisations.add(row[0])
                elif kind == "massage-two":
                    truth.two_licences.add(row[0])
        for npi in deactivate:
            row = maker.empty.copy()
            row[0], row[_INDEX["NPI Deactivation Date"]] = npi, "11/20/2026"
            writer.writerow(row)
            truth.rows += 1
            truth.deactivated.append(npi)
    return truth


def write_deactivation_report(path: str | Path, npis: Iterable[str], *, date: str = "11/09/2026") -> None:
    """The deactivation report as CMS publishes it: a zip holding one `.xlsx`."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DeactivatedNPIs")
    sheet.append([f"NPPES Deactivated Records as of {date}"])
    sheet.append(["NPI", "NPPES Deactivation Date"])
    for npi in npis:
        sheet.append([npi, date])
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = date[6:] + date[:2] + date[3:5]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"NPPES Deactivated NPI Report {stamp}.xlsx", buffer.getvalue())


def _us_date(iso: str) -> str:
    """'2024-05-15' -> '05/15/2024', as the bulk file writes dates."""
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"


def record_row(record: dict) -> list[str]:
    """One API-shaped registry record (spiders.sample_site.registry) as a full-width bulk row."""
    row = [""] * len(COLUMNS)
    basic = record["basic"]
    row[0] = record["number"]
    if basic.get("status") == "D":  # the file keeps nothing of a deactivated NPI but the number and date
        row[_INDEX["NPI Deactivation Date"]] = _us_date(basic.get("deactivation_date") or basic["last_updated"])
        return row
    organisation = record["enumeration_type"] == "NPI-2"
    row[1] = "2" if organisation else "1"
    values = {"Provider Enumeration Date": _us_date(basic["enumeration_date"]),
              "Last Update Date": _us_date(basic["last_updated"])}
    if organisation:
        values.update({
            "Provider Organization Name (Legal Business Name)": basic["organization_name"],
            "Is Organization Subpart": "N",
            "Authorized Official First Name": basic.get("authorized_official_first_name", ""),
            "Authorized Official Last Name": basic.get("authorized_official_last_name", ""),
        })
    else:
        values.update({
            "Provider Last Name (Legal Name)": basic["last_name"], "Provider First Name": basic["first_name"],
            "Provider Middle Name": basic.get("middle_name", ""), "Provider Credential Text": basic.get("credential", ""),
            "Provider Sex Code": basic.get("gender", ""), "Is Sole Proprietor": "Y",
        })
    places = {"LOCATION": "Provider {} Business Practice Location Address", "MAILING": "Provider {} Business Mailing Address"}
    for where in record["addresses"]:
        line = places[where["address_purpose"]]
        other = line.replace("Provider {} ", "Provider ")
        values.update({
            line.format("First Line"): where["address_1"], line.format("Second Line"): where["address_2"],
            f"{other} City Name": where["city"], f"{other} State Name": where["state"],
            f"{other} Postal Code": where["postal_code"], f"{other} Country Code (If outside U.S.)": "US",
            f"{other} Telephone Number": where["telephone_number"].replace("-", ""),
        })
    for key, value in values.items():
        row[_INDEX[key]] = value
    first_slot = _INDEX["Healthcare Provider Taxonomy Code_1"]
    for n, taxonomy in enumerate(record["taxonomies"][:TAXONOMY_SLOTS]):
        base = first_slot + n * 4
        row[base:base + 4] = [taxonomy["code"], taxonomy.get("license", ""), taxonomy.get("state", "") if taxonomy.get("license") else "",
                              "Y" if taxonomy.get("primary") else "N"]
    return row


def write_records_zip(path: str | Path, records: Iterable[dict], *, cutoff: str = CUTOFF) -> int:
    """A monthly bulk zip (full width) holding exactly `records` (API-shaped): the bundled
    registry sample's file. Returns the rows written."""
    member = f"npidata_pfile_{FIRST_DATE}-{cutoff}.csv"
    rows = 0
    with _bulk_csv(path, member) as writer:
        for record in records:
            writer.writerow(record_row(record))
            rows += 1
    return rows
