"""A stand-in for the NPI registry's API (NPPES), generated and served on loopback.

`generate_registry({"CT": 3000}, seed=11)` draws registry records the
registry's way (upper case, 9-digit ZIPs for about half, a middle initial, a
suite in the second address line, a PO box as the MAILING address), at real
ZIPs of each state, deterministic for a seed. Besides massage therapists
(NPI-1) it holds organisations (NPI-2), a few deactivated NPIs and a few
records whose taxonomy is not massage (students), so a crawl has each case to
handle. `answer(records, query)` is the API: pure, a dict in and out;
`RegistrySite` serves it over HTTP for tests:

    with RegistrySite(generate_registry({"CT": 3000})) as site:
        crawl(site.api_url)          # http://127.0.0.1:PORT/api/
        site.requests                # every query asked, in order

The API's rules as the stand-in keeps them (shared/reference/nppes/README.md):
`limit` 1-200 (default 10), `skip` 0-1000, a `postal_code` ending in `*`
matches a prefix (two characters at least before it), `city`, `state`,
`enumeration_type`, `taxonomy_description` (matched in any taxonomy's
description, ignoring case); a query with no criterion but `state` is
refused; every error is `{"Errors": [...]}` with HTTP 200. `errors` maps a
query parameter ("postal_code=063*") to a description the server answers
with instead of results, for tests of error answers.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import zipcodes

if TYPE_CHECKING:
    from typing import Self

API_PATH = "/api/"
MAX_LIMIT, MAX_SKIP = 200, 1000
STATE_ONLY = "No valid search criteria: state cannot be the only criterion"

FIRST = ("MARIA", "JAMES", "SARAH", "DAVID", "EMILY", "MICHAEL", "JESSICA", "KEVIN", "ASHLEY", "ANH",
         "PRIYA", "OMAR", "YUKI", "SIOBHAN", "LAUREN", "CARLOS", "MEGAN", "DMITRI", "GRACE", "TERESA")
LAST = ("LOPEZ", "MCDONALD", "O'NEIL", "SMITH", "NGUYEN", "GARCIA", "MACKENZIE", "KOWALSKI", "TANAKA",
        "OKAFOR", "ROSSI", "LEVIN", "PARK", "SILVA", "BROWN", "D'ANGELO", "FITZGERALD", "WASHINGTON",
        "ST. JAMES", "VAN DYKE")
STREETS = ("MAIN ST", "PRATT ST", "ELM ST", "FARMINGTON AVE", "CHAPEL ST", "WASHINGTON BLVD",
           "OAK RD", "MAPLE AVE", "HIGH ST", "CHURCH ST", "PARK RD", "BROAD ST")
ORG_WORDS = ("STILL POINT", "HEALING HANDS", "BODYWORKS", "RESTORE", "TRANQUIL TOUCH", "CORE BALANCE")
ORG_KINDS = ("THERAPEUTICS LLC", "MASSAGE THERAPY PLLC", "WELLNESS CENTER INC", "MASSAGE & SPA LLC")
CREDENTIALS = ("LMT", "L.M.T.", "LMT, CMT", "CMT", "", "LMBT")

# Shares of each state's records (the rest are individual massage therapists).
ORGANISATION_RATE, DEACTIVATED_RATE, NOT_MASSAGE_RATE = 0.05, 0.02, 0.01


def npi_from(serial: int) -> str:
    """A 10-digit NPI starting with 1, with its Luhn check digit over '80840' + the first nine."""
    body = f"1{serial:08d}"
    total = 0
    for i, ch in enumerate(reversed("80840" + body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _zips(state: str) -> list[dict[str, Any]]:
    rows = [r for r in zipcodes.filter_by(state=state) if r["active"] and r["zip_code_type"] == "STANDARD"]
    if not rows:
        raise ValueError(f"no ZIP codes for state {state!r}")
    return sorted(rows, key=lambda r: r["zip_code"])


def address(purpose: str, line1: str, line2: str, city: str, state: str, postal_code: str, phone: str) -> dict[str, Any]:
    """One of a record's addresses ("LOCATION" or "MAILING"), as the API writes it."""
    return {
        "country_code": "US", "country_name": "United States", "address_purpose": purpose, "address_type": "DOM",
        "address_1": line1, "address_2": line2, "city": city.upper(), "state": state,
        "postal_code": postal_code, "telephone_number": phone,
    }


def record(npi: str, organisation: bool, basic: dict[str, Any], taxonomies: list[dict[str, Any]],
           addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """One API result from its parts (the bundled sample builds its people's records with this too)."""
    return {
        "created_epoch": "1262304000000", "enumeration_type": "NPI-2" if organisation else "NPI-1",
        "last_updated_epoch": "1715731200000", "number": npi,
        "addresses": addresses, "practiceLocations": [], "basic": basic, "taxonomies": taxonomies,
        "identifiers": [], "endpoints": [], "other_names": [],
    }


def _address(rng: random.Random, purpose: str, zip_row: dict[str, Any], phone: str) -> dict[str, Any]:
    zip_code = zip_row["zip_code"] + (f"{rng.randrange(10000):04d}" if rng.random() < 0.5 else "")
    if purpose == "MAILING":
        line1, line2 = f"PO BOX {rng.randrange(100, 9999)}", ""
    else:
        line1 = f"{rng.randrange(1, 2000)} {rng.choice(STREETS)}"
        line2 = f"SUITE {rng.randrange(1, 400)}" if rng.random() < 0.4 else ""
    return address(purpose, line1, line2, zip_row["city"], zip_row["state"], zip_code, phone)


def _record(rng: random.Random, serial: int, state: str, zip_row: dict[str, Any]) -> dict[str, Any]:
    npi = npi_from(serial)
    kind = rng.random()
    organisation = kind < ORGANISATION_RATE
    area = (zip_row.get("area_codes") or ["860"])[0]
    phone = f"{area}-555-01{rng.randrange(100):02d}"
    updated = f"20{rng.randrange(18, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    basic: dict[str, Any] = {"enumeration_date": "2010-01-01", "last_updated": updated, "status": "A"}
    if organisation:
        basic.update(organization_name=f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}", organizational_subpart="NO",
                     authorized_official_first_name=rng.choice(FIRST), authorized_official_last_name=rng.choice(LAST))
    else:
        basic.update(first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                     middle_name=chr(ord("A") + rng.randrange(26)) if rng.random() < 0.6 else "",
                     credential=rng.choice(CREDENTIALS), gender=rng.choice("FFFM"), sole_proprietor="YES",
                     name_prefix="--", name_suffix="--")
    taxonomies = [{"code": "225700000X", "taxonomy_group": "", "desc": "Massage Therapist", "state": state,
                   "license": f"{rng.randrange(1, 99999):06d}", "primary": True}]
    if rng.random() < 0.1:  # licensed in a neighbouring state too
        other = rng.choice([s for s in ("NY", "MA", "RI", "NJ", "PA") if s != state])
        taxonomies.append({**taxonomies[0], "state": other, "license": f"MT{rng.randrange(1, 99999):05d}", "primary": False})
    if rng.random() < 0.05:
        taxonomies.append({"code": "225100000X", "taxonomy_group": "", "desc": "Physical Therapist", "state": state,
                           "license": f"PT{rng.randrange(1, 9999):04d}", "primary": False})
    if organisation:
        for taxonomy in taxonomies:
            taxonomy["license"] = ""  # organisations carry no licence number
    if ORGANISATION_RATE <= kind < ORGANISATION_RATE + DEACTIVATED_RATE:
        basic.update(status="D", deactivation_date=updated)
    elif ORGANISATION_RATE + DEACTIVATED_RATE <= kind < ORGANISATION_RATE + DEACTIVATED_RATE + NOT_MASSAGE_RATE:
        # A student of massage: found by the description, but no massage taxonomy of their own.
        taxonomies = [{"code": "390200000X", "taxonomy_group": "", "state": state, "license": "", "primary": True,
                       "desc": "Student in an Organized Health Care Education/Training Program - Massage Therapist"}]
    addresses = [_address(rng, "LOCATION", zip_row, phone), _address(rng, "MAILING", zip_row, phone)]
    return record(npi, organisation, basic, taxonomies, addresses)


def generate_registry(counts: Mapping[str, int], seed: int = 11,
                      only_zips: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
    """`counts[state]` registry records per state, at that state's real ZIPs (or only at
    `only_zips[state]`, to crowd one place past the API's cap), sorted by NPI."""
    rng = random.Random(seed)
    records = []
    serial = 1
    for state in sorted(counts):
        zips = _zips(state)
        if only_zips and state in only_zips:
            wanted = set(only_zips[state])
            zips = [r for r in zips if r["zip_code"] in wanted]
        for _ in range(counts[state]):
            serial += rng.randrange(1, 40)
            records.append(_record(rng, serial, state, rng.choice(zips)))
    return sorted(records, key=lambda r: r["number"])


def _errors(*descriptions: str, field: str = "") -> dict[str, Any]:
    return {"Errors": [{"description": d, "field": field, "number": "04"} for d in descriptions]}


def _location(record: dict[str, Any]) -> dict[str, Any]:
    return next((a for a in record["addresses"] if a["address_purpose"] == "LOCATION"), {})


def _matches(record: dict[str, Any], criteria: dict[str, str]) -> bool:
    where = _location(record)
    if "state" in criteria and where.get("state", "").upper() != criteria["state"].upper():
        return False
    if "city" in criteria and where.get("city", "").upper() != criteria["city"].upper():
        return False
    if "postal_code" in criteria:
        wanted, code = criteria["postal_code"], where.get("postal_code", "")
        if not (code.startswith(wanted[:-1]) if wanted.endswith("*") else code[:len(wanted)] == wanted):
            return False
    if "enumeration_type" in criteria and record["enumeration_type"] != criteria["enumeration_type"].upper():
        return False
    if "taxonomy_description" in criteria:
        wanted = criteria["taxonomy_description"].casefold()
        if not any(wanted in (t.get("desc") or "").casefold() for t in record["taxonomies"]):
            return False
    return True


def answer(records: list[dict[str, Any]], query: Mapping[str, str], errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The registry's answer to `query` (its parameters as strings), with its caps and errors."""
    for param, description in (errors or {}).items():
        key, _, value = param.partition("=")
        if query.get(key) == value:
            return _errors(description, field=key)
    try:
        limit, skip = int(query.get("limit") or 10), int(query.get("skip") or 0)
    except ValueError:
        return _errors("limit and skip must be numbers", field="limit")
    if not 1 <= limit <= MAX_LIMIT:
        return _errors(f"Field limit must be between 1 and {MAX_LIMIT}", field="limit")
    if not 0 <= skip <= MAX_SKIP:
        return _errors(f"Field skip must be between 0 and {MAX_SKIP}", field="skip")
    keys = ("state", "city", "postal_code", "enumeration_type", "taxonomy_description")
    criteria = {k: query[k].strip() for k in keys if (query.get(k) or "").strip()}
    if not criteria:
        return _errors("No valid search criteria: give at least one criterion")
    if set(criteria) == {"state"}:
        return _errors(STATE_ONLY, field="state")
    postal = criteria.get("postal_code", "")
    if postal.endswith("*") and len(postal) < 3:
        return _errors("Field postal_code requires at least two characters before the wildcard", field="postal_code")
    found = [r for r in records if _matches(r, criteria)]
    page = found[skip: skip + limit]
    return {"result_count": len(page), "results": page}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KneadRegistry/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        site.record(self.path)
        if parts.path == "/robots.txt":
            self._send(200, "User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
        elif parts.path.rstrip("/") == API_PATH.rstrip("/"):
            body = answer(site.records, dict(parse_qsl(parts.query)), site.errors)
            self._send(200, json.dumps(body, indent=1), "application/json")
        else:
            self._send(404, "Not found\n", "text/plain; charset=utf-8")

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: RegistrySite


class RegistrySite:
    """The registry stand-in served on `host:port` (0: any free port) in a thread."""

    def __init__(self, records: Iterable[dict[str, Any]], host: str = "127.0.0.1", port: int = 0,
                 errors: Mapping[str, str] | None = None):
        self.records = list(records)
        self.errors = dict(errors or {})
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._requests: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PATH}"

    @property
    def requests(self) -> list[str]:
        """The path and query of every request served so far, in order."""
        with self._lock:
            return list(self._requests)

    def record(self, path: str) -> None:
        with self._lock:
            self._requests.append(path)

    def start(self) -> Self:
        if self._server is None:
            server = _Server((self.host, self.port), _Handler)
            server.site = self
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
