"""The NPI registry (NPPES): one record -> a listing's raw values, for the API and the bulk file.

Pure functions, shared by the API spider (spiders.registries.nppes) and the
bulk-file import: the registry writes every value in upper case, ZIPs as 5 or
9 digits, phones as digits, and one (taxonomy, licence, state) per slot; these
helpers turn that into the values a `TherapistListing` holds. What the crawl
pipelines already normalise (phone to E.164, ZIP to coordinates, gender and
credential words, the last-updated date) is left raw here for them.

Shared helpers (the bulk file reads its columns and calls these):

- `MASSAGE_CODES`, `TAXONOMY_DESCRIPTION`, `is_massage_code(code)`
- `person_name(first, middle, last, prefix, suffix)`, `organisation_name(text)`
- `zip5(raw)`, `street(line1, line2)`, `licence(number, state)`,
  `massage_licences(slots)`, `is_valid_npi(npi)`, `is_deactivated(...)`
- `listing_id(npi)`, `registry_url(npi)`, `iso_date(raw)`
- `listing_values(...)`: the raw-listing dict from already-extracted parts.

API answers: `api_answer(data)` splits a response into results and errors;
`api_record(result)` maps one result, or returns a `Skipped` reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from nameparser import HumanName

SOURCE = "nppes"
# NUCC "Massage Therapist". The one massage code the reference names; every
# check of "is this a massage taxonomy" reads this set.
MASSAGE_CODES = frozenset({"225700000X"})
# The API's taxonomy_description takes the description, not the code (traps.md).
TAXONOMY_DESCRIPTION = "Massage Therapist"
REGISTRY_PAGE = "https://npiregistry.cms.hhs.gov/provider-view/{npi}"

# Why a registry record is not a listing (the stats key suffix under listings/dropped/).
NOT_MASSAGE = "not_massage"
DEACTIVATED = "deactivated"
NO_NPI = "no_npi"

# Entity designators an organisation's name keeps in capitals ("Still Point Therapeutics LLC").
_ENTITY_WORDS = frozenset({
    "LLC", "PLLC", "LLP", "LP", "INC", "PC", "PA", "PLC", "LTD", "DBA", "USA", "US",
    "LMT", "CMT", "LMBT", "LMP", "RMT", "II", "III", "IV",
})
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "at", "in", "on", "by"})
# The bulk file masks SSNs, ITINs and EINs typed into the licence column with runs of these.
_MASKED = re.compile(r"^[$*=_]+$")
_DASH = re.compile(r"^-+$")
_SAINT = re.compile(r"(^|\s)(st|ste)\.(?=\s)")
_US_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")


def is_massage_code(code: str | None) -> bool:
    return (code or "").strip().upper() in MASSAGE_CODES


def _clean(value: Any) -> str:
    """A registry value as text: None, "--" (the API's empty prefix) and blanks are ''."""
    text = " ".join(str(value).split()) if value is not None else ""
    return "" if _DASH.match(text) else text


def _capitalise(name: HumanName) -> str:
    name.capitalize(force=True)
    return _saints(str(name))


def _saints(text: str) -> str:
    # nameparser lower-cases "st." as a particle; as a surname's first word it is "St." (St. James).
    return _SAINT.sub(lambda m: m[1] + m[2].capitalize() + ".", text)


def person_name(first: Any = "", middle: Any = "", last: Any = "", prefix: Any = "", suffix: Any = "") -> str | None:
    """'MARIA', 'K', 'MCDONALD' -> 'Maria K. McDonald' (nameparser's casing, forced on upper case).

    A one-letter middle name gets its period, as people write an initial;
    the prefix (MS., DR.) is left out: directories do not show it.
    """
    first, middle, last, suffix = (_clean(v) for v in (first, middle, last, suffix))
    if len(middle) == 1:
        middle += "."
    if not (first or last):
        return None
    # nameparser cases each part by its role alone, so each part's casing is cached: first and
    # last names repeat (a bulk file's 30,000 therapists), a HumanName costs ~150 us.
    parts = (_cased_part(role, text) for role, text in (("first", first), ("middle", middle), ("last", last),
                                                          ("suffix", suffix)) if text)
    return _saints(" ".join(p for p in parts if p)) or None


@lru_cache(maxsize=50_000)
def _cased_part(role: str, text: str) -> str:
    """One part of a person's name (first, middle, last or suffix) as nameparser cases it in that role."""
    name = HumanName(**{role: text})
    name.capitalize(force=True)
    return str(name)


def organisation_name(text: Any) -> str | None:
    """'STILL POINT THERAPEUTICS LLC' -> 'Still Point Therapeutics LLC'."""
    text = _clean(text)
    if not text:
        return None
    words = []
    for i, word in enumerate(text.split(" ")):
        bare = word.strip(".,&()").upper()
        if bare in _ENTITY_WORDS or not any(c.isalpha() for c in word):
            words.append(word.upper())
        elif i and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            # nameparser drops punctuation around a word ("SPA,"): case the core, keep the rest.
            head, core, tail = re.fullmatch(r"(\W*)(.*?)('S|\W*)", word, re.IGNORECASE).groups()  # type: ignore[union-attr]
            tail = tail.lower()  # a possessive: "MCDONALD'S" -> "McDonald's"
            words.append(head + _cased_word(core) + tail)
    return " ".join(words)


@lru_cache(maxsize=20_000)
def _cased_word(core: str) -> str:
    """One word of an organisation's name in nameparser's casing. Cached: a HumanName costs ~200 us, and
    practices are named from a small vocabulary (MASSAGE, THERAPY, WELLNESS, SPA...) read 100,000s of times."""
    return _capitalise(HumanName(last=core)) or core


def zip5(raw: Any) -> str | None:
    """'061031604' or '06103-1604' -> '06103'; anything without 5 leading digits -> None."""
    digits = re.sub(r"[\s-]", "", _clean(raw))
    return digits[:5] if re.fullmatch(r"\d{5}(\d{4})?", digits) else None


def street(line1: Any, line2: Any = "") -> str | None:
    """'85 PRATT ST', 'SUITE 4' -> '85 Pratt St, Suite 4' (words capitalised, numbers kept)."""
    lines = [_clean(v) for v in (line1, line2)]
    lines = [" ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in line.split(" ")) for line in lines if line]
    return ", ".join(lines) or None


def city_name(raw: Any) -> str | None:
    """'WEST HARTFORD' -> 'West Hartford'."""
    text = _clean(raw)
    return " ".join(w.capitalize() for w in text.split(" ")) if text else None


def licence(number: Any, state: Any) -> dict[str, str] | None:
    """{"state", "number", "source"} for one licence; None when the number is empty or masked."""
    number, state = _clean(number), _clean(state).upper()
    if not number or _MASKED.match(number):
        return None
    return {"state": state or None, "number": number, "source": SOURCE}  # type: ignore[dict-item]


def massage_licences(slots: Iterable[tuple[Any, Any, Any]]) -> list[dict[str, str]]:
    """Every (licence, state) of a massage taxonomy among `(code, number, state)` slots, once each."""
    found: list[dict[str, str]] = []
    for code, number, state in slots:
        if not is_massage_code(code):
            continue
        item = licence(number, state)
        if item is not None and item not in found:
            found.append(item)
    return found


def is_valid_npi(npi: Any) -> bool:
    """Ten digits whose last is the Luhn check digit over '80840' + the first nine."""
    text = _clean(npi)
    if not re.fullmatch(r"\d{10}", text):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + text[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(text[9])


def iso_date(raw: Any) -> str | None:
    """'2024-05-15' (API) or '05/15/2024' (bulk file) -> '2024-05-15'."""
    text = _clean(raw)
    if not text:  # most rows' reactivation date
        return None
    # A bulk file has two dates a row (1,000,000s a file): its MM/DD/YYYY read without strptime (4x faster).
    us = _US_DATE.fullmatch(text)
    if us:
        try:
            return date(int(us[3]), int(us[1]), int(us[2])).isoformat()
        except ValueError:  # 02/30/2024, as strptime refuses it
            return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def is_deactivated(deactivation_date: Any, reactivation_date: Any = "", status: Any = "") -> bool:
    """Deactivated: status 'D', or a deactivation date with no reactivation on or after it."""
    if _clean(status).upper() == "D":
        return True
    gone, back = iso_date(deactivation_date), iso_date(reactivation_date)
    return bool(gone) and not (back and back >= gone)


def listing_id(npi: str) -> str:
    return f"{SOURCE}:{npi}"


def registry_url(npi: str) -> str:
    return REGISTRY_PAGE.format(npi=npi)


def listing_values(
    *,
    npi: str,
    organisation: bool,
    name: str | None,
    business: str | None = None,
    credential: Any = "",
    gender: Any = "",
    street_line: str | None = None,
    city: str | None = None,
    state: Any = "",
    postal_code: Any = "",
    phone: Any = "",
    licences: list[dict[str, str]] | None = None,
    last_updated: Any = "",
) -> dict[str, Any]:
    """A listing's values (TherapistListing field names) from a registry record's parts.

    Phone, gender, credentials and the date stay raw for the crawl pipelines
    (phone to E.164, gender and credential words, ISO date); the ZIP is cut to
    5 digits and the address assembled so the geocoder finds the ZIP.
    """
    zip_code = zip5(postal_code)
    state_code = _clean(state).upper() or None
    address = ", ".join(p for p in (street_line, city, " ".join(p for p in (state_code, zip_code) if p)) if p)
    licences = list(licences or [])
    credential = _clean(credential)
    updated = _clean(last_updated)
    return {
        "id": listing_id(npi),
        "source": SOURCE,
        "url": registry_url(npi),
        "npi": npi,
        "practice": organisation,
        "name": name,
        "business": business,
        "credentials_raw": [credential] if credential else [],
        "gender_raw": _clean(gender) or None,
        "address_raw": address or None,
        "street": street_line,
        "city": city,
        "state": state_code,
        "zip": zip_code,
        "phone_raw": _clean(phone) or None,
        "license": licences[0]["number"] if licences else None,
        "licenses": licences,
        "profile_updated": iso_date(updated),
        "profile_updated_raw": updated or None,
    }


# -- the API ------------------------------------------------------------------


@dataclass(frozen=True)
class ApiAnswer:
    results: list[dict[str, Any]]
    errors: list[str]  # each error's description (its field named when given)
    result_count: int


def api_answer(data: Any) -> ApiAnswer:
    """Split an API response into its results and its `Errors` descriptions; ValueError if neither."""
    if not isinstance(data, dict):
        raise ValueError("the registry answered JSON that is not an object")
    errors = data.get("Errors")
    if errors:
        described = []
        for error in errors if isinstance(errors, list) else [errors]:
            if isinstance(error, dict):
                text = _clean(error.get("description")) or "error without a description"
                field = _clean(error.get("field"))
                described.append(f"{text} ({field})" if field and field not in text else text)
            else:
                described.append(_clean(error) or "error without a description")
        return ApiAnswer([], described, 0)
    results = data.get("results")
    if results is None and "result_count" in data:
        results = []
    if not isinstance(results, list):
        raise ValueError("the registry's answer has neither results nor Errors")
    return ApiAnswer([r for r in results if isinstance(r, dict)], [], int(data.get("result_count") or len(results)))


@dataclass(frozen=True)
class Skipped:
    reason: str  # NOT_MASSAGE, DEACTIVATED or NO_NPI
    npi: str | None


def _location(addresses: Any) -> dict[str, Any]:
    """The LOCATION (practice) address; never the MAILING one, which is often a PO box."""
    for address in addresses if isinstance(addresses, list) else []:
        if isinstance(address, dict) and _clean(address.get("address_purpose")).upper() == "LOCATION":
            return address
    return {}


def api_record(result: dict[str, Any]) -> dict[str, Any] | Skipped:
    """One API result -> listing values, or why it is not a listing."""
    npi = _clean(result.get("number"))
    if not re.fullmatch(r"\d{10}", npi):
        return Skipped(NO_NPI, npi or None)
    basic = result.get("basic") if isinstance(result.get("basic"), dict) else {}
    if is_deactivated(basic.get("deactivation_date"), basic.get("reactivation_date"), basic.get("status")):
        return Skipped(DEACTIVATED, npi)
    taxonomies = [t for t in result.get("taxonomies") or [] if isinstance(t, dict)]
    if not any(is_massage_code(t.get("code")) for t in taxonomies):
        return Skipped(NOT_MASSAGE, npi)
    organisation = _clean(result.get("enumeration_type")).upper() == "NPI-2"
    if organisation:
        legal = organisation_name(basic.get("organization_name"))
        dba = next((organisation_name(o.get("organization_name")) for o in result.get("other_names") or []
                    if isinstance(o, dict) and "doing business" in _clean(o.get("type")).lower()), None)
        name, business = dba or legal, legal
    else:
        name = person_name(basic.get("first_name"), basic.get("middle_name"), basic.get("last_name"),
                           basic.get("name_prefix"), basic.get("name_suffix"))
        business = None
    where = _location(result.get("addresses"))
    return listing_values(
        npi=npi, organisation=organisation, name=name, business=business,
        credential=basic.get("credential"), gender=basic.get("gender") or basic.get("sex"),
        street_line=street(where.get("address_1"), where.get("address_2")), city=city_name(where.get("city")),
        state=where.get("state"), postal_code=where.get("postal_code"), phone=where.get("telephone_number"),
        licences=massage_licences((t.get("code"), t.get("license"), t.get("state")) for t in taxonomies),
        last_updated=basic.get("last_updated"),
    )


# -- areas: what a crawl asks the API for ------------------------------------

API_URL = "https://npiregistry.cms.hhs.gov/api/"
API_VERSION = "2.1"
# The parameters that name an area (the rest of a query: version, description, paging).
AREA_PARAMS = ("state", "city", "postal_code", "enumeration_type")


def parse_city(text: str) -> tuple[str, str]:
    """'Hartford, CT' -> ('HARTFORD', 'CT'); ValueError naming the value otherwise."""
    from index.model.states import state_code

    name, _, state = str(text).rpartition(",")
    code = state_code(state)
    if not name.strip() or not code:
        raise ValueError(f"city {text!r} is not 'NAME, ST' (for example 'Hartford, CT')")
    return " ".join(name.split()).upper(), code


def area_query(api_url: str, area: dict[str, str]) -> str:
    """The API URL asking for massage therapists in `area` (state, city, postal_code, enumeration_type)."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    params = {"version": API_VERSION, "taxonomy_description": TAXONOMY_DESCRIPTION}
    params.update((k, area[k]) for k in AREA_PARAMS if area.get(k))
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(params, safe="*"), ""))


def area_of(url: str) -> dict[str, str]:
    """The area a query URL asks for (its AREA_PARAMS), as `area_query` wrote it."""
    from urllib.parse import parse_qsl, urlsplit

    query = dict(parse_qsl(urlsplit(url).query))
    return {k: query[k] for k in AREA_PARAMS if query.get(k)}


def area_urls(api_url: str, states: Iterable[str] = (), zips: Iterable[str] = (), cities: Iterable[str] = ()) -> list[str]:
    """One start URL per area asked for; ValueError naming a bad state, ZIP or city."""
    from index.model.states import state_code

    areas: list[dict[str, str]] = []
    for state in states:
        code = state_code(state)
        if not code:
            raise ValueError(f"state {state!r} is not a US state code (for example CT)")
        areas.append({"state": code})
    for value in zips:
        if not re.fullmatch(r"\d{5}", str(value).strip()):
            raise ValueError(f"ZIP {value!r} is not 5 digits (for example 06103)")
        areas.append({"postal_code": str(value).strip()})
    for value in cities:
        name, code = parse_city(value)
        areas.append({"city": name, "state": code})
    urls = []
    for area in areas:
        url = area_query(api_url, area)
        if url not in urls:
            urls.append(url)
    return urls
