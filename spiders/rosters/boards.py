"""The boards knead reads licence rosters from: one small declarative mapping each.

A `Board` names the portal and dataset, the column holding the licence type
and the type strings that mean massage (the `$where` is made from them, and
the same test selects rows of a bulk CSV export), and which column holds each
part of a listing (`Columns`). Adding a board is one more `Board(...)` here.

What is confirmed and what is not (shared/reference/socrata/README.md §7):
every portal, dataset id and column name below was read in public third-party
code calling the live API (or, for CT and CO, in their column metadata); NOT
ONE massage type string was seen in a stored copy. Each such assumption is
one line marked `# ASSUMED`, to check with the discovery query
(`spiders.rosters.soql.discovery_query`) against the live portal. Also
assumed: TX's `owner_name` as "LAST, FIRST", CT's `name` as "FIRST M LAST",
the TX city/state/ZIP string's exact format, and that massage therapists are
in the TX and CT datasets at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Columns:
    """Which dataset field holds each part of a listing. A tuple: the first non-empty value wins."""

    number: str  # the licence number as the board writes it
    key: tuple[str, ...] = ()  # columns making a row's unique licence key (default: type + number)
    first: str = ""
    middle: str = ""
    last: str = ""
    suffix: str = ""
    full_name: str = ""  # one column holding the whole name, "FIRST M LAST" or "LAST, FIRST"
    business: tuple[str, ...] = ()
    is_business: tuple[str, str] = ("", "")  # (column, value meaning the licensee is a business)
    status: str = ""  # none (TX): status follows the expiry date
    status_reason: str = ""
    issued: str = ""
    expires: str = ""
    discipline: str = ""  # a column saying an action exists
    discipline_yes: tuple[str, ...] = ()  # its values meaning yes (empty: any value at all)
    street: tuple[str, ...] = ()  # address lines, joined
    city: str = ""
    state: str = ""
    zip: str = ""
    city_state_zip: tuple[str, ...] = ()  # one string "AUSTIN TX 78704" (TX)
    phone: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """Every column this mapping reads, in a stable order (the `$select` list)."""
        found: list[str] = []
        for value in (self.number, *self.key, self.first, self.middle, self.last, self.suffix, self.full_name,
                      *self.business, self.is_business[0], self.status, self.status_reason, self.issued,
                      self.expires, self.discipline, *self.street, self.city, self.state, self.zip,
                      *self.city_state_zip, *self.phone):
            if value and value not in found:
                found.append(value)
        return found


@dataclass(frozen=True)
class Board:
    key: str  # "tx": `knead crawl roster --board tx`, listings' source "roster:tx"
    state: str  # the licensing state
    title: str
    portal: str  # https://<domain>
    dataset: str  # the dataset's 4x4 id
    type_column: str
    massage_types: tuple[str, ...]  # values of `type_column` that are massage licences
    business_types: tuple[str, ...]  # those of them that license a business (an establishment)
    columns: Columns
    order: tuple[str, ...] = field(default=(":id",))  # a unique, stable paging order
    page_size: int = 10_000  # 10,000-50,000 is the sound range (reference §6)

    def resource_url(self, base: str | None = None) -> str:
        """`<base or portal>/resource/<dataset>.json`: what the crawl pages."""
        return f"{(base or self.portal).rstrip('/')}/resource/{self.dataset}.json"

    @property
    def source(self) -> str:
        return f"roster:{self.key}"


BOARDS: dict[str, Board] = {b.key: b for b in (
    Board(
        key="il", state="IL", title="Illinois IDFPR professional licenses",
        portal="https://data.illinois.gov", dataset="pzzh-kp68",
        type_column="license_type",
        massage_types=("MASSAGE THERAPY",),  # ASSUMED (reference §7.1)
        business_types=(),
        columns=Columns(
            number="license_number", key=("license_number",),  # the profession prefix makes it unique
            first="first_name", middle="middle", last="last_name", suffix="suffix",
            business=("business_name",), is_business=("business", "Y"),
            status="license_status", issued="original_issue_date", expires="expiration_date",
            discipline="ever_disciplined", discipline_yes=("Y",),
            city="city", state="state", zip="zip",
        ),
        order=("license_number", ":id"),
    ),
    Board(
        key="tx", state="TX", title="Texas TDLR - All Licenses",
        portal="https://data.texas.gov", dataset="7358-krk7",
        type_column="license_type",
        massage_types=("Massage Therapist", "Massage Establishment"),  # ASSUMED (reference §7.2)
        business_types=("Massage Establishment",),  # ASSUMED
        columns=Columns(
            number="license_number", key=("license_number",),
            full_name="owner_name",  # ASSUMED written "LAST, FIRST"
            business=("business_name",),
            expires="license_expiration_date_mmddccyy",
            street=("business_address_line1", "business_address_line2"),
            # A therapist's own address is the mailing one: only its city and ZIP are kept.
            city_state_zip=("business_city_state_zip", "mailing_address_city_state_zip"),
            phone=("business_telephone",),
        ),
        order=("license_number", ":id"),
    ),
    Board(
        key="wa", state="WA", title="Washington DOH health care provider credentials",
        portal="https://data.wa.gov", dataset="qxh8-f4bd",
        type_column="credentialtype",
        massage_types=("Massage Therapist License",),  # ASSUMED (reference §7.3)
        business_types=(),
        columns=Columns(
            number="credentialnumber", key=("credentialnumber",),
            first="firstname", middle="middlename", last="lastname",
            status="status", issued="firstissuedate", expires="expirationdate",
            discipline="actiontaken", discipline_yes=("YES", "Y"),
        ),
        order=("credentialnumber", ":id"),
    ),
    Board(
        key="ct", state="CT", title="Connecticut state licenses and credentials",
        portal="https://data.ct.gov", dataset="ngch-56tr",
        type_column="credential",
        massage_types=("MASSAGE THERAPIST",),  # ASSUMED (reference §7.4)
        business_types=(),
        columns=Columns(
            number="fullcredentialcode", key=("fullcredentialcode",),
            full_name="name", business=("businessname", "dba"), is_business=("type", "BUSINESS"),
            status="status", status_reason="statusreason", issued="issuedate", expires="expirationdate",
            street=("address",), city="city", state="state", zip="zip",
        ),
        order=("fullcredentialcode", ":id"),
    ),
    Board(
        key="co", state="CO", title="Colorado DORA professional and occupational licenses",
        portal="https://data.colorado.gov", dataset="7s5z-vewr",
        type_column="licensetype",
        massage_types=("MT",),  # ASSUMED (reference §7.5)
        business_types=(),
        columns=Columns(
            number="licensenumber", key=("licensetype", "licensenumber"),
            first="firstname", middle="middlename", last="lastname", suffix="suffix",
            business=("entityname",),
            status="licensestatusdescription", issued="licensefirstissuedate", expires="licenseexpirationdate",
            discipline="programaction",  # one row per case: any action is discipline
            city="city", state="state",
        ),
        # One row per discipline case: rows of one licence come together and are merged.
        order=("licensetype", "licensenumber", ":id"),
    ),
)}


def board_for_dataset(dataset: str) -> Board | None:
    return next((b for b in BOARDS.values() if b.dataset == dataset), None)
