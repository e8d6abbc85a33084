"""`extract_page(html, url)`: the listings a practice's page describes in schema.org data.

extruct reads JSON-LD, microdata and RDFa in one call (each of the latter two
only when the page has its attributes: RDFa parsing is slow); when it cannot (one
JSON-LD block is not JSON even to its forgiving reader), each syntax is read on
its own and the JSON-LD blocks one at a time (`jsonld.read_blocks`), so a broken
block costs only itself. Nodes of all three are joined into one graph (`@id`
references resolved), business nodes of knead's types become practice
listings, their employee/founder persons therapist listings (`practice_id` =
the practice's id); a Person with no business on the page is the listing
itself (a one-therapist site). JSON-LD wins over microdata and RDFa: a business
read from several syntaxes (same name) is listed once.

Counters (`PageResult.counts`, for the spider to add to its crawl stats):
`jsonld/malformed` blocks skipped, `jsonld/lenient` pages read block by block,
`syntax/failed/<name>`, `nodes/not_massage` businesses of other kinds skipped,
`hours/unreadable`, `geo/swapped`, `listings/found`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import extruct
from extruct.utils import parse_html
from lxml import etree

from . import jsonld
from .graph import (
    BUSINESS_TYPES,
    NOT_MASSAGE_TYPES,
    PAGE_TYPES,
    PERSON,
    Graph,
    compact_rdfa,
    type_names,
)
from .mapping import SOURCE, business_listing, people_of, person_listing
from .values import as_list, strip_scheme

# Attributes without which a page has no microdata or RDFa items (`property=` alone is OpenGraph's too).
_MICRODATA = re.compile(r"\bitemscope\b", re.IGNORECASE)
_RDFA = re.compile(r"\b(typeof|vocab)\s*=", re.IGNORECASE)
_CANONICAL = etree.XPath('//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href')
_TEL = etree.XPath('//a[starts-with(translate(@href, "TEL", "tel"), "tel:")]/@href')
_MAILTO = etree.XPath('//a[starts-with(translate(@href, "MAILTO", "mailto"), "mailto:")]/@href')


@dataclass
class PageResult:
    listings: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def canonical_url(tree: Any, url: str) -> str:
    """The page's `<link rel=canonical>` (resolved), else its URL without query and fragment."""
    for href in _CANONICAL(tree):
        if href and href.strip():
            found = urljoin(url, href.strip())
            if urlsplit(found).scheme in ("http", "https"):
                return found
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def listing_key(canonical: str) -> str:
    """`sites:<host><path>` of the canonical URL ("sites:harborline.example.com/")."""
    parts = urlsplit(canonical)
    return f"{SOURCE}:{(parts.hostname or '').lower()}{parts.path or '/'}"


def _syntaxes(html: str) -> list[str]:
    """The syntaxes a page may hold: RDFa costs ~12 ms a page even when absent, microdata ~2.5 ms."""
    wanted = ["json-ld"]
    if _MICRODATA.search(html):
        wanted.append("microdata")
    if _RDFA.search(html):
        wanted.append("rdfa")
    return wanted


def _extract(html: str, tree: Any, url: str, counts: Counter) -> tuple[list[Any], list[Any]]:
    """(JSON-LD objects, microdata and RDFa nodes) of the page."""
    # extruct gets the text, not the tree: its RDFa reader (pyRdfa) cannot take an lxml tree.
    syntaxes = _syntaxes(html)
    try:
        data = extruct.extract(html, base_url=url, syntaxes=syntaxes, uniform=True)
    except Exception:  # noqa: BLE001 - one unreadable block makes extruct drop the call: read each syntax alone
        data = {}
        for syntax in syntaxes[1:]:
            try:
                data.update(extruct.extract(html, base_url=url, syntaxes=[syntax], uniform=True))
            except Exception:  # noqa: BLE001 - lxml, rdflib and html5lib errors alike: counted, never fatal
                counts[f"syntax/failed/{syntax}"] += 1
        try:
            data.update(extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=True))
        except Exception:  # noqa: BLE001 - extruct's JSON readers raise several types
            counts["jsonld/lenient"] += 1
            data["json-ld"], bad = jsonld.read_blocks(tree)
            if bad:
                counts["jsonld/malformed"] += bad
    return data.get("json-ld", []), data.get("microdata", []) + compact_rdfa(data.get("rdfa", []))


def _kind(node: Any) -> str | None:
    types = type_names(node)
    if not types or types & PAGE_TYPES and not types & BUSINESS_TYPES:
        return None
    if types & NOT_MASSAGE_TYPES:
        return "other"
    if types & BUSINESS_TYPES:
        # The unofficial MassageTherapist type is put on people too: a job title or a given name says so.
        person_like = any(node.get(k) for k in ("jobTitle", "givenName", "familyName", "honorificSuffix"))
        return "person" if types & BUSINESS_TYPES == {"massagetherapist"} and person_like else "business"
    return "person" if PERSON in types else None


def extract_page(html: str, url: str) -> PageResult:
    """The listings (plain dicts, TherapistListing field names) a page's schema.org data gives."""
    result = PageResult()
    counts = result.counts
    if not html or not html.strip():
        return result
    tree = parse_html(html.encode("utf-8"), "UTF-8")
    canonical = canonical_url(tree, url)
    json_ld, other = _extract(html, tree, url, counts)
    businesses: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    linked: list[Any] = []  # people a business names, so they are not listed twice
    names: set[str] = set()
    for objects in (json_ld, other):  # JSON-LD first: it wins over microdata and RDFa
        graph = Graph(objects, url)
        for node in graph.nodes:
            kind = _kind(node)
            if kind == "other":
                counts["nodes/not_massage"] += 1
            if kind not in ("business", "person"):
                continue
            resolved = graph.resolve(node)
            if kind == "business":
                name = str(resolved.get("name") or "").strip().lower()
                if name and name in names:
                    continue
                names.add(name)
                businesses.append(resolved)
                linked.extend(p.get("@id") or p.get("name") for p in people_of(resolved))
            elif (resolved.get("@id") or resolved.get("name")) not in [p.get("@id") or p.get("name") for p in persons]:
                persons.append(resolved)

    built: list[tuple[dict[str, Any], str]] = []  # (listing, the @id or position suffix)
    practices: dict[str, dict[str, Any]] = {}  # business @id -> its listing, for people who point to it
    for business in businesses:
        practice = business_listing(business, canonical, counts)
        built.append((practice, business.get("@id") or ""))
        if business.get("@id"):
            practices[urljoin(url, business["@id"])] = practice
        for person in people_of(business):
            therapist = person_listing(person, canonical, counts, practice)
            therapist["_practice"] = practice
            built.append((therapist, person.get("@id") or ""))
    for person in persons:
        if (person.get("@id") or person.get("name")) in linked:
            continue
        works_at = next((practices[urljoin(url, w["@id"])] for key in ("worksFor", "memberOf", "affiliation")
                         for w in as_list(person.get(key))
                         if isinstance(w, dict) and isinstance(w.get("@id"), str)
                         and urljoin(url, w["@id"]) in practices), None)
        therapist = person_listing(person, canonical, counts, works_at)
        if works_at is not None:
            therapist["_practice"] = works_at
        built.append((therapist, person.get("@id") or ""))

    key = listing_key(canonical)
    for position, (listing, node_id) in enumerate(built, 1):
        fragment = urlsplit(node_id).fragment if node_id and not node_id.startswith("_:") else ""
        listing["id"] = key if len(built) == 1 else f"{key}#{fragment or position}"
    for listing, _ in built:
        practice = listing.pop("_practice", None)
        if practice is not None:
            listing["practice_id"] = practice["id"]
    _page_links(tree, [listing for listing, _ in built])
    result.listings = [listing for listing, _ in built]
    counts["listings/found"] += len(result.listings)
    return result


def _page_links(tree: Any, listings: list[dict[str, Any]]) -> None:
    """The page's first tel: and mailto: links where the markup gave no phone or email."""
    phone = next((strip_scheme(h, "tel:") for h in _TEL(tree) if strip_scheme(h, "tel:")), None)
    email = next((strip_scheme(h, "mailto:") for h in _MAILTO(tree) if strip_scheme(h, "mailto:")), None)
    for listing in listings:
        if not listing.get("phone_raw") and phone:
            listing["phone_raw"] = phone
        if not listing.get("email") and email:
            listing["email"] = email
