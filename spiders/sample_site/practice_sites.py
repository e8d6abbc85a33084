"""The bundled practice websites: therapists' own sites, generated with their truth.

`generate_sites(directory, count, seed)` draws `count` small websites, one per
loopback address (127.0.0.10, .11, ...), for therapists of the AMTA-style
sample (`directory`) and, given `registry_people`, a few the registry alone
lists: the same person and ZIP, written the way real sites differ from a
directory (another phone format, the suite left out, the business's name
where the directory shows the person's). Deterministic for a directory and seed.

Each site varies along two axes, so every combination a crawler meets occurs:

- how its pages are found (`FINDING`): a `Sitemap:` line in robots.txt to a
  sitemap index (one child gzipped), to a plain urlset, or to a gzipped
  urlset; `/sitemap.xml` or `/sitemap_index.xml` without a `Sitemap:` line;
  or no sitemap at all (pages found by links: / -> /about/ -> /about/team/
  -> /about/team/history/, the last three links deep);
- how it is marked up (`SHAPES`, spiders.sample_site.practice_sites_markup):
  a JSON-LD `@graph` of the practice and its therapist joined by `@id`, one
  JSON-LD business, microdata, RDFa, a malformed JSON-LD block beside
  microdata, two businesses on one page, and a nail salon (not a listing).

Every site's robots.txt disallows `/private/`, which its home page links to
and its sitemap lists; the home page also links to another practice site
and to a social network (off-site). `PracticeSite.truth` holds the listings
the site's pages show (`ListingTruth`: name, ZIP, phone, hours as a
canonical OpenStreetMap string, insurance ids, accepting new clients), so a
crawl's coverage and field accuracy can be measured.
"""

from __future__ import annotations

import itertools
import random
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from index.model import vocabulary

from . import practice_sites_markup as M
from .generator import SampleDirectory

FIRST_ADDRESS = 10  # 127.0.0.10 is the first site; .1 is the sample directory's
FINDING = ("robots-index", "robots-urlset", "well-known-urlset", "well-known-index", "robots-gz", "links")
SHAPES = ("graph", "single", "microdata", "rdfa", "malformed", "two", "graph", "single", "nail-salon")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# Weekly hours the generator draws from: day -> spans; "off" days are stated as closed.
HOURS_PATTERNS: tuple[dict[str, Any], ...] = (
    {d: [("09:00", "17:00")] for d in DAYS[:5]},
    {"Mo": [("10:00", "19:00")], "We": [("10:00", "19:00")], "Fr": [("10:00", "19:00")],
     "Sa": [("09:00", "13:00")], "Su": "off"},
    {"Tu": [("11:00", "20:00")], "We": [("09:00", "12:00"), ("14:00", "19:00")], "Th": [("11:00", "20:00")],
     "Sa": [("10:00", "16:00")], "Su": "off", "Mo": "off"},
    {"Mo": [("08:00", "12:00")], "Tu": [("08:00", "12:00")], "Th": [("13:00", "21:00")],
     "Fr": [("18:00", "24:00")], "Sa": [("18:00", "02:00")]},
    {d: [("09:30", "18:30")] for d in DAYS[:6]},
    {},  # no hours on the site
)
# Placeholders in generated pages and files for what is known only when served.
BASE, PORT = "__BASE__", "__PORT__"
PAGES = ("/", "/about/", "/services/", "/contact/", "/about/team/", "/about/team/history/", "/private/notes/")


@dataclass
class ListingTruth:
    """One listing a site's pages show, as the generator put it there."""

    page: str  # the path of the page that carries it
    name: str
    zip: str
    phone: str | None  # E.164
    hours: str | None  # canonical OpenStreetMap form (index.model.hours), None: the page gives none
    insurance: list[str]  # vocabulary ids of what the page lists
    accepting_new_clients: bool | None
    person_key: str | None = None  # spiders.sample_site.people key, when the person is in another sample
    practice: bool = False  # a business node rather than the therapist
    node: str = ""  # "#practice", "#2": the listing id's suffix when the page holds several listings

    def listing_id(self, address: str) -> str:
        """The id a crawl gives this listing: `sites:<host><path>[#<@id or position>]`."""
        return f"sites:{address}{self.page}{self.node}"


@dataclass
class PracticeSite:
    number: int  # 0, 1, ...: the site's place in the list
    address: str  # "127.0.0.10"
    domain: str  # the name it would have on the web ("thenorthstarroom.example"), shown on its pages
    finding: str  # one of FINDING
    shape: str  # one of SHAPES
    pages: dict[str, str] = field(default_factory=dict)  # path -> HTML
    # path -> (body, content type): robots.txt and sitemaps; a GZ body is gzipped as it is served
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    truth: list[ListingTruth] = field(default_factory=list)

    def url(self, port: int, path: str = "/") -> str:
        return f"http://{self.address}:{port}{path}"


def osm_hours(week: dict[str, Any]) -> str | None:
    """The canonical form of a generated week: days with the same spans grouped, in day order."""
    if not week:
        return None
    from index.model.hours import parse_hours

    rules = [f"{d} {'off' if v == 'off' else ','.join(f'{o}-{c}' for o, c in v)}" for d, v in
             ((d, week[d]) for d in DAYS if d in week)]
    parsed = parse_hours("; ".join(rules))
    from index.model.hours import format_hours

    return format_hours(parsed)


def _therapists(directory: SampleDirectory, count: int) -> list[tuple[int, dict[str, Any]]]:
    """AMTA-style therapists with a street, ZIP, phone and website: the ones with a site of their own."""
    out = []
    for i in range(len(directory.therapists)):
        t = directory.therapists[i]
        if not t["hidden"] and t["website"] and t["street"] and t["zip"] and t["phone"]:
            out.append((i, t))
            if len(out) == count:
                break
    return out


def _phone_as_site_writes(rng: random.Random, e164: str) -> str:
    d = e164[-10:]
    return rng.choice((f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}.{d[3:6]}.{d[6:]}", f"+1-{d[:3]}-{d[3:6]}-{d[6:]}",
                       f"tel:+1{d}"))


def _without_suite(street: str) -> str:
    return street.split(",")[0].strip()


def _site_person(rng: random.Random, index: int, t: dict[str, Any]) -> dict[str, Any]:
    """What a therapist's own site says about them (differing from the directory as real sites do)."""
    insurance_raw = list(t["insurance_raw"])
    return {
        "key": f"p{index + 1:05d}", "name": t["name"], "credentials": list(t["credentials"]),
        "business": t["business"], "street": _without_suite(t["street"]) if rng.random() < 0.5 else t["street"],
        "city": t["city"], "state": t["state"], "zip": t["zip"], "phone": t["phone"],
        "phone_text": _phone_as_site_writes(rng, t["phone"]),
        "insurance_raw": insurance_raw, "techniques_raw": list(t["techniques_raw"]),
        "accepting": t["accepting_new_clients"], "domain": (t["website"] or "").split("//")[-1].strip("/").removeprefix("www."),
    }


def _registry_person(rng: random.Random, person: Any, record: dict[str, Any]) -> dict[str, Any]:
    where = next(a for a in record["addresses"] if a["address_purpose"] == "LOCATION")
    street = " ".join(w.capitalize() for w in where["address_1"].split())
    phone = person.phone or ("+1" + where["telephone_number"].replace("-", ""))
    city = " ".join(w.capitalize() for w in where["city"].split())
    slug = "".join(c for c in person.name.lower() if c.isalpha())
    return {
        "key": person.key, "name": person.name, "credentials": ["LMT"], "business": None, "street": street,
        "city": city, "state": where["state"], "zip": where["postal_code"][:5], "phone": phone,
        "phone_text": _phone_as_site_writes(rng, phone), "insurance_raw": rng.sample(
            ["Aetna", "Cigna", "Blue Cross Blue Shield", "Medicare", "Auto insurance (PIP)", "Cash"], 2),
        "techniques_raw": ["Swedish massage", "Deep tissue"], "accepting": rng.choice((True, False, None)),
        "domain": f"{slug}massage.example",
    }


def generate_sites(directory: SampleDirectory, count: int = 36, seed: int = 13,
                   registry_people: list[tuple[Any, dict[str, Any]]] = ()) -> list[PracticeSite]:
    """`count` practice sites (at most 240: the addresses 127.0.0.10-249), deterministic for the inputs.

    `registry_people`: (spiders.sample_site.people.Person, registry record) pairs of people only the
    registry lists; one site in six is one of theirs while they last."""
    if not 1 <= count <= 240:
        raise ValueError("count must be between 1 and 240")
    rng = random.Random(seed)
    found = _therapists(directory, count * 2)
    if not found:
        return []
    amta = itertools.cycle(found)  # a small directory lends its therapists more than one site
    registry = list(registry_people)
    sites: list[PracticeSite] = []
    for n in range(count):
        finding = FINDING[n % len(FINDING)]
        shape = SHAPES[(n // len(FINDING) + n) % len(SHAPES)]
        if registry and n % 6 == 5:
            person, record = registry.pop(0)
            who = _registry_person(rng, person, record)
        else:
            index, t = next(amta)
            who = _site_person(rng, index, t)
        other = None
        if shape == "two":
            index, t = next(amta)
            other = _site_person(rng, index, t)
            # A second practice in the same building: its own business, no one of the other samples.
            other.update(zip=who["zip"], city=who["city"], state=who["state"], street=who["street"], key=None,
                         business=f"{who['city']} Bodywork Collective")
        site = PracticeSite(n, f"127.0.0.{FIRST_ADDRESS + n}", who["domain"] or f"site{n}.example", finding, shape)
        week = rng.choice(HOURS_PATTERNS)
        _build(site, rng, who, other, week, count)
        sites.append(site)
    return sites


def _truth(page: str, who: dict[str, Any], name: str, week: dict[str, Any], practice: bool,
           node: str = "") -> ListingTruth:
    insurance, _ = vocabulary.map_insurance(who["insurance_raw"])
    return ListingTruth(page, name, who["zip"], who["phone"], osm_hours(week), insurance, who["accepting"],
                        who["key"], practice, node)


def _build(site: PracticeSite, rng: random.Random, who: dict[str, Any], other: dict[str, Any] | None,
           week: dict[str, Any], count: int) -> None:
    """Pages, robots.txt, sitemaps and truth of one site."""
    neighbour = f"127.0.0.{FIRST_ADDRESS + (site.number + 1) % count}"
    listing_page = "/" if site.number % 2 == 0 else "/about/"
    if site.finding == "links":
        listing_page = "/about/team/" if site.number % 3 == 0 else "/about/"  # two and one links deep
    title = who["business"] or who["name"]
    bodies: dict[str, list[str]] = {p: [] for p in PAGES}
    if site.shape == "nail-salon":
        bodies[listing_page].append(M.nail_salon(who, rng))
    elif site.shape == "two":
        assert other is not None
        bodies[listing_page].append(M.two_businesses(who, other, week, rng))
        for position, person in enumerate((who, other), 1):
            site.truth.append(_truth(listing_page, person, person["business"] or person["name"], week, True,
                                     f"#{position}"))
    else:
        bodies[listing_page].append(M.markup(site.shape, who, week, rng))
        if site.shape == "graph" and who["business"]:
            site.truth.append(_truth(listing_page, who, who["business"], week, True, "#practice"))
            # The therapist's own node states no hours, plans or new-client answer: those are the
            # practice's (the therapist's listing points to it by practice_id).
            site.truth.append(ListingTruth(listing_page, who["name"], who["zip"], who["phone"], None, [], None,
                                           who["key"], False, "#therapist"))
        else:
            site.truth.append(_truth(listing_page, who, who["business"] or who["name"], week, bool(who["business"])))
    if site.number % 4 == 1:
        bodies["/"].append(M.seo_website_node(title, site.domain))
    links = {
        "/": [("/about/", "About"), ("/services/", "Services"), ("/contact/", "Contact"),
              ("/private/notes/", "Client notes"), (f"http://{neighbour}:{PORT}/", "A colleague's practice"),
              ("https://www.facebook.example/" + site.domain.split(".")[0], "Facebook")],
        "/about/": [("/", "Home"), ("/about/team/", "Our team")],
        "/about/team/": [("/about/", "About"), ("/about/team/history/", "Our history")],
        "/about/team/history/": [("/", "Home")],
        "/services/": [("/", "Home"), ("/contact/", "Book")], "/contact/": [("/", "Home")],
        "/private/notes/": [("/", "Home")],
    }
    for path in PAGES:
        site.pages[path] = M.page(title, path, links[path], bodies[path], who)
    _finding(site)


def _urlset(urls: list[str]) -> bytes:
    rows = "".join(f"  <url><loc>{u}</loc><lastmod>2026-03-14</lastmod></url>\n" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</urlset>\n").encode()


def _index(urls: list[str]) -> bytes:
    rows = "".join(f"  <sitemap><loc>{u}</loc></sitemap>\n" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</sitemapindex>\n").encode()


XML, GZ, TEXT = "application/xml", "application/x-gzip", "text/plain; charset=utf-8"


def _finding(site: PracticeSite) -> None:
    """robots.txt and sitemaps. Absolute URLs hold the placeholders BASE and PORT, replaced by the
    server's address and port when served (the same site on another port stays the same site)."""
    base = BASE
    every = [base + p for p in PAGES]  # the private page too: robots.txt must keep it out
    robots = "User-agent: *\nDisallow: /private/\n"
    f = site.finding
    if f == "robots-index":
        robots += f"Sitemap: {base}/sitemap_index.xml\n"
        site.files["/sitemap_index.xml"] = (_index([f"{base}/sitemap-pages.xml", f"{base}/sitemap-team.xml.gz"]), XML)
        site.files["/sitemap-pages.xml"] = (_urlset(every[:4] + every[6:]), XML)
        site.files["/sitemap-team.xml.gz"] = (_urlset(every[4:6]), GZ)
    elif f == "robots-urlset":
        robots += f"Sitemap: {base}/site-map.xml\n"
        site.files["/site-map.xml"] = (_urlset(every), XML)
    elif f == "robots-gz":
        robots += f"Sitemap: {base}/sitemap.xml.gz\n"
        site.files["/sitemap.xml.gz"] = (_urlset(every), GZ)
    elif f == "well-known-urlset":
        site.files["/sitemap.xml"] = (_urlset(every), XML)
    elif f == "well-known-index":
        site.files["/sitemap_index.xml"] = (_index([f"{base}/post-sitemap.xml"]), XML)
        site.files["/post-sitemap.xml"] = (_urlset(every), XML)
    site.files["/robots.txt"] = (robots.encode(), TEXT)


# -- the bundled sample ----------------------------------------------------------------

BUNDLED_COUNT = 36  # sites in the bundled sample: six of each way of finding pages
_BUNDLED: weakref.WeakKeyDictionary[Any, list[PracticeSite]] = weakref.WeakKeyDictionary()
_BUNDLED_LOCK = threading.Lock()


def bundled_sites(data: Any) -> list[PracticeSite]:
    """The bundled practice sites of a `spiders.sample_site.bundled.BundledData` (built once per data):
    sites of its AMTA-style therapists and of a few people only its registry lists, each person's
    listing ids recorded under "sites" in the people truth table."""
    with _BUNDLED_LOCK:
        if data in _BUNDLED:
            return _BUNDLED[data]
        people = data.people
        records = {r["number"]: r for r in data.registry_records}
        registry_only = [(p, records[p.ids["nppes"]]) for p in people.only_in("nppes")
                         if not p.practice and p.ids["nppes"] in records]
        sites = generate_sites(data.directory, BUNDLED_COUNT, registry_people=registry_only[:BUNDLED_COUNT // 6])
        for site in sites:
            for truth in site.truth:
                if truth.person_key and not truth.practice:
                    people.link(people.by_key(truth.person_key), "sites",
                                truth.listing_id(site.address).removeprefix("sites:"))
        _BUNDLED[data] = sites
        return sites
