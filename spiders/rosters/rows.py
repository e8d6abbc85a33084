"""One roster row -> a listing's raw values, by a board's mapping (spiders.rosters.boards).

Pure: a row is a dict of field name -> value as SODA's JSON gives it (a null
field is simply missing) or as the portal's bulk CSV gives it once its human
column names are turned into field names (`field_name`). The pipelines do
the rest (phone to E.164, ZIP to coordinates).

A row becomes a listing of source `roster:<board>`, id
`roster:<board>:<licence key>`, with one `licenses` record carrying what the
board says (index.model.licence): status normalised and raw, issue and expiry
dates as ISO dates (from `MM/DD/YYYY` text or floating timestamps), whether
the board reports an action, and the licence type as written. A row with no
place at all (Washington's roster) is `verification_only`: kept to verify
licences, never a listing of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from nameparser import HumanName

from index.model.licence import normalise_status
from spiders.parse.nppes import city_name, organisation_name, person_name, street, zip5
from spiders.rosters.boards import Board

_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m%d%Y")
_CITY_STATE_ZIP = re.compile(r"^\s*(?P<city>.*?[^\s,])\s*,?\s+(?P<state>[A-Za-z]{2})\s+(?P<zip>\d{5})(?:-?\d{4})?\s*$")


def field_name(column: str) -> str:
    """A bulk CSV's human column name as SODA's field name:
    'LICENSE EXPIRATION DATE (MMDDCCYY)' -> 'license_expiration_date_mmddccyy'."""
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_")


def text(row: Mapping[str, Any], *columns: str) -> str:
    """The first non-empty value of `columns`, whitespace collapsed ('' when none). A `url`
    value (an object in JSON) gives its url."""
    for column in columns:
        if not column:
            continue
        value = row.get(column)
        if isinstance(value, Mapping):
            value = value.get("url")
        value = " ".join(str(value).split()) if value is not None else ""
        if value:
            return value
    return ""


def iso_date(raw: Any) -> str | None:
    """'12/31/2026', '2026-12-31T00:00:00.000' or '2026-12-31' -> '2026-12-31'; else None."""
    value = " ".join(str(raw or "").split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def is_massage(board: Board, row: Mapping[str, Any]) -> bool:
    """The row's licence type is one of the board's massage types (what `$where` selects)."""
    return text(row, board.type_column) in board.massage_types


def licence_key(board: Board, row: Mapping[str, Any]) -> str:
    """The row's unique licence key ('MT123456'; CO's 'MT-0012345'), '' without a number."""
    cols = board.columns
    if not text(row, cols.number):
        return ""
    parts = [text(row, c) for c in (cols.key or (board.type_column, cols.number))]
    return "-".join(re.sub(r"[^A-Za-z0-9.]+", "", p) for p in parts if p)


def disciplined(board: Board, row: Mapping[str, Any]) -> bool:
    cols = board.columns
    value = text(row, cols.discipline).upper()
    if not cols.discipline or not value:
        return False
    return value in cols.discipline_yes if cols.discipline_yes else True


def status(board: Board, row: Mapping[str, Any], expires: str | None, today: date) -> tuple[str | None, str | None]:
    """(normalised, raw). A board without a status column (TX lists current licences) is
    active until its expiry date."""
    cols = board.columns
    if not cols.status:
        if not expires:
            return None, None
        return ("active" if expires >= today.isoformat() else "expired"), None
    raw = text(row, cols.status)
    reason = text(row, cols.status_reason)
    normalised = normalise_status(raw)
    if normalised == "inactive" and reason and normalise_status(reason) == "expired":
        normalised = "expired"  # CT: INACTIVE, "LAPSED DUE TO NON-RENEWAL"
    return normalised, (f"{raw} ({reason})" if raw and reason else raw) or None


def _name(board: Board, row: Mapping[str, Any]) -> str | None:
    cols = board.columns
    if cols.full_name:
        whole = text(row, cols.full_name)
        if not whole:
            return None
        parsed = HumanName(whole)  # reads "LAST, FIRST" (TX) and "FIRST M LAST" (CT) alike
        return person_name(parsed.first, parsed.middle, parsed.last, suffix=parsed.suffix)
    return person_name(text(row, cols.first), text(row, cols.middle), text(row, cols.last), suffix=text(row, cols.suffix))


def _place(board: Board, row: Mapping[str, Any]) -> dict[str, str | None]:
    cols = board.columns
    city, state, zip_code = text(row, cols.city), text(row, cols.state), zip5(text(row, cols.zip))
    one = text(row, *cols.city_state_zip)
    if one and not city:
        match = _CITY_STATE_ZIP.match(one)
        if match:
            city, state, zip_code = match["city"], match["state"].upper(), match["zip"]
    only_business_street = bool(text(row, *cols.city_state_zip[:1])) if cols.city_state_zip else True
    lines = [text(row, c) for c in cols.street] if only_business_street else []
    return {"street": street(*lines[:2]) if any(lines) else None, "city": city_name(city),
            "state": (state or "").upper() or None, "zip": zip_code}


def row_url(board: Board, row: Mapping[str, Any], base: str | None = None) -> str:
    """A SODA query answering exactly this row: the listing's provenance."""
    number = text(row, board.columns.number)
    return f"{board.resource_url(base)}?{urlencode({board.columns.number: number})}"


def listing_values(board: Board, row: Mapping[str, Any], *, base: str | None = None,
                   today: date | None = None) -> dict[str, Any] | None:
    """The listing's raw values for one massage row; None when it has no licence number or no name."""
    cols = board.columns
    key = licence_key(board, row)
    licence_type = text(row, board.type_column)
    business_flag = cols.is_business[0] and text(row, cols.is_business[0]).upper() == cols.is_business[1]
    business = organisation_name(text(row, *cols.business))
    practice = bool(business_flag or licence_type in board.business_types)
    name = business if practice and business else _name(board, row)
    if not key or not name:
        return None
    issued, expires = iso_date(text(row, cols.issued)), iso_date(text(row, cols.expires))
    normalised, raw = status(board, row, expires, today or date.today())
    place = _place(board, row)
    state = place["state"] or board.state
    record: dict[str, Any] = {"state": board.state, "number": text(row, cols.number), "source": board.source,
                              "status": normalised, "status_raw": raw, "issued": issued, "expires": expires,
                              "disciplined": disciplined(board, row), "type": licence_type or None}
    return {
        "id": f"{board.source}:{key}",
        "source": board.source,
        "url": row_url(board, row, base),
        "name": name,
        "business": business if business and business != name else None,
        "practice": practice,
        "license": text(row, cols.number),
        "licenses": [{k: v for k, v in record.items() if v is not None}],
        "street": place["street"],
        "city": place["city"],
        "state": state,
        "zip": place["zip"],
        "phone_raw": text(row, *cols.phone) or None,
        # Nowhere to place it (WA): it verifies a licence, it is not a listing to show.
        "verification_only": True if not (place["city"] or place["zip"]) else None,
    }


def merge_rows(board: Board, first: dict[str, Any], again: dict[str, Any]) -> dict[str, Any]:
    """Two rows of one licence (CO: one row per discipline case): the first, disciplined if either is."""
    if again["licenses"][0].get("disciplined"):
        first["licenses"][0]["disciplined"] = True
    return first
