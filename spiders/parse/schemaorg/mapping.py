"""One resolved schema.org node -> a listing dict with `TherapistListing` field names.

Raw values are kept in the `*_raw` fields for the pipelines (phone, address,
vocabulary) to normalise; only what needs the node's structure is done here:
the address parts, geo (decimal commas, swapped lat/lon), hours (through
`index.model.hours`), the technique names of offers and catalogs, and the
therapists (`employee`/`founder`/`member` persons) with their credentials.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urljoin

from index.model.hours import from_specification, from_text
from index.model.states import state_code

from .graph import MAX_DEPTH, type_names
from .values import as_bool, as_list, clean_text, first_text, strip_scheme, texts

SOURCE = "sites"
PEOPLE_KEYS = ("employee", "founder", "member")


def _address(node: dict[str, Any], out: dict[str, Any]) -> None:
    address = next((a for a in as_list(node.get("address")) if isinstance(a, (dict, str))), None)
    if isinstance(address, str):
        out["address_raw"] = clean_text(address)
        return
    if not isinstance(address, dict):
        return
    street = ", ".join(texts(address.get("streetAddress")))
    zip_code = clean_text(address.get("postalCode"))
    if zip_code and zip_code.isdigit() and len(zip_code) < 5:
        zip_code = zip_code.zfill(5)  # a number in JSON lost its leading zero: 6103 -> 06103
    out["street"] = street or None
    out["city"] = clean_text(address.get("addressLocality"))
    region = clean_text(address.get("addressRegion"))
    out["state"] = state_code(region) or region
    out["zip"] = zip_code
    place = " ".join(filter(None, (out["state"], zip_code)))
    out["address_raw"] = ", ".join(filter(None, (street, out["city"], place))) or None
    if not node.get("telephone") and address.get("telephone"):
        out["phone_raw"] = first_text(address.get("telephone"))  # a common mistake: the phone inside the address


def _number(value: Any) -> float | None:
    text = clean_text(value)
    if text is None:
        return None
    try:
        return float(text.replace(",", "."))  # decimal commas
    except ValueError:
        return None


def _geo(node: dict[str, Any], out: dict[str, Any], counts: Counter) -> None:
    geo = node.get("geo")
    if not isinstance(geo, dict) and isinstance(node.get("location"), dict):
        geo = node["location"].get("geo")
    if not isinstance(geo, dict):
        return
    lat, lon = _number(geo.get("latitude")), _number(geo.get("longitude"))
    if lat is None or lon is None:
        return
    if not -90 <= lat <= 90 and -90 <= lon <= 90:
        lat, lon = lon, lat  # swapped: a latitude cannot be -122
        counts["geo/swapped"] += 1
    elif out.get("state") not in (None, "HI", "AK") and lat < 0 < lon:
        lat, lon = lon, lat  # the US has north latitudes and west longitudes
        counts["geo/swapped"] += 1
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        out["lat"], out["lon"] = lat, lon


def _offer_names(value: Any, depth: int = 0) -> list[str]:
    """Service names and types of offers, catalogs and list items, walked to MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return []
    names: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            names.extend(texts(item))
        elif isinstance(item, dict):
            types = type_names(item)
            if "service" in types:
                names.extend(texts(item.get("name")) + texts(item.get("serviceType")))
            for key in ("itemOffered", "item", "itemListElement"):
                names.extend(_offer_names(item.get(key), depth + 1))
    return names


def _techniques(node: dict[str, Any]) -> list[str]:
    found = (texts(node.get("knowsAbout")) + texts(node.get("serviceType"))
             + _offer_names(node.get("makesOffer")) + _offer_names(node.get("hasOfferCatalog")))
    return list(dict.fromkeys(found))


def _hours(node: dict[str, Any], out: dict[str, Any], counts: Counter) -> None:
    spec = [s for s in as_list(node.get("openingHoursSpecification")) if isinstance(s, dict)]
    text = texts(node.get("openingHours"))
    if spec:  # preferred when both are given
        out["hours"] = from_specification(spec)
        out["hours_raw"] = [_spec_line(s) for s in spec]
    elif text:
        out["hours"] = from_text(text)
        out["hours_raw"] = text
    if out.get("hours_raw") and out.get("hours") is None:
        counts["hours/unreadable"] += 1


def _spec_line(item: dict[str, Any]) -> str:
    """One specification item as a line people can read back: "Monday, Tuesday: 09:00-19:00"."""
    days = ", ".join(str(d).rsplit("/", 1)[-1] for d in as_list(item.get("dayOfWeek")))
    line = f"{days}: {item.get('opens', '')}-{item.get('closes', '')}"
    valid = " ".join(filter(None, (str(item.get("validFrom") or ""), str(item.get("validThrough") or ""))))
    return f"{line} ({valid})" if valid else line


def _website(value: Any, page_url: str) -> str | None:
    """`url` made absolute: "/" against the page, "www.site.com" given a scheme."""
    text = first_text(value)
    if not text:
        return None
    if text.lower().startswith("www."):
        return f"https://{text}"
    return urljoin(page_url, text)


def _common(node: dict[str, Any], url: str, counts: Counter) -> dict[str, Any]:
    out: dict[str, Any] = {"source": SOURCE, "url": url}
    _address(node, out)
    out["phone_raw"] = strip_scheme(first_text(node.get("telephone")), "tel:") or out.get("phone_raw")
    out["email"] = strip_scheme(first_text(node.get("email")), "mailto:")
    out["techniques_raw"] = _techniques(node)
    out["languages"] = texts(node.get("knowsLanguage"))
    _geo(node, out, counts)
    _hours(node, out, counts)
    return out


def business_listing(node: dict[str, Any], url: str, counts: Counter) -> dict[str, Any]:
    """A practice: name, address, contact, hours, prices, insurance, new clients, techniques."""
    out = _common(node, url, counts)
    name = first_text(node.get("name")) or first_text(node.get("legalName"))
    out.update(name=name, business=name, practice=True)
    out["website"] = _website(node.get("url"), url)
    out["bio"] = clean_text(node.get("description"))
    out["price_range"] = clean_text(node.get("priceRange"))
    payments = [p.strip() for value in texts(node.get("paymentAccepted")) for p in value.split(",") if p.strip()]
    out["insurance_raw"] = list(dict.fromkeys(texts(node.get("healthPlanNetworkId")) + payments))
    accepting = node.get("isAcceptingNewPatients")
    if accepting is not None:
        out["accepting_new_clients"] = as_bool(accepting)
        out["accepting_new_clients_raw"] = clean_text(accepting)
    return out


def _state_of(text: str | None) -> str | None:
    if not text:
        return None
    code = state_code(text)
    if code:
        return code
    words = text.split()
    for n in (2, 1, 3):  # "Oregon Licensed Massage Therapist", "New York LMT"
        for i in range(len(words) - n + 1):
            code = state_code(" ".join(words[i:i + n]))
            if code:
                return code
    return None


def _credentials(person: dict[str, Any], out: dict[str, Any], practice_state: str | None) -> None:
    raw = texts(person.get("honorificSuffix"))
    licenses = []
    for cred in as_list(person.get("hasCredential")):
        if not isinstance(cred, dict):
            raw.extend(texts(cred))
            continue
        number = clean_text(cred.get("identifier"))
        area = cred.get("validIn")
        state = _state_of(first_text(area)) or _state_of(clean_text(cred.get("name"))) \
            or _state_of(first_text(cred.get("recognizedBy"))) or (practice_state if number else None)
        if number and state:
            licenses.append({"state": state, "number": number, "source": SOURCE})
        category = (first_text(cred.get("credentialCategory")) or "").lower()
        if category != "license":
            raw.extend(texts(cred.get("name")))
    out["credentials_raw"] = list(dict.fromkeys(raw))
    out["licenses"] = licenses
    if licenses:
        out["license"] = f"{licenses[0]['state']} {licenses[0]['number']}"


def person_listing(person: dict[str, Any], url: str, counts: Counter,
                   practice: dict[str, Any] | None = None) -> dict[str, Any]:
    """A therapist; with `practice`, one who works there (its address, phone and site fill the gaps)."""
    out = _common(person, url, counts)
    given, family = first_text(person.get("givenName")), first_text(person.get("familyName"))
    out["name"] = first_text(person.get("name")) or " ".join(filter(None, (given, family))) or None
    out["website"] = _website(person.get("url"), url)
    out["bio"] = clean_text(person.get("description"))
    _credentials(person, out, practice.get("state") if practice else None)
    if practice is not None:
        # Where and how to reach them is the practice's; its hours, plans, prices and offers stay the
        # practice's own (a clinic's Saturday hours or networks need not be this therapist's).
        out["business"] = practice.get("name")
        for key in ("street", "city", "state", "zip", "address_raw", "phone_raw", "lat", "lon", "website"):
            if out.get(key) in (None, []) and practice.get(key) not in (None, []):
                out[key] = practice[key]
    return out


def people_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The Person nodes a business names as employee, founder or member (each once)."""
    people: list[dict[str, Any]] = []
    for key in PEOPLE_KEYS:
        for person in as_list(node.get(key)):
            if isinstance(person, dict) and "person" in type_names(person) and person not in people:
                people.append(person)
    return people
