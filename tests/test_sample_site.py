"""The bundled sample directory: generation, truth records and the loopback server.

The server tests fetch with urllib from a real `SampleSite` on 127.0.0.1 and
read the pages with small `html.parser` readers written here, independent of
the spider's parsers, so the truth records are checked against the pages.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import zipcodes

from spiders.sample_site import SampleDirectory, SampleSite, generate, pages
from spiders.sample_site.generator import TRUTH_FIELDS
from spiders.sample_site.vocabulary import ABBREVIATIONS, INSURANCE, TECHNIQUES
from spiders.sample_site.words import UNMAPPED_PAYMENTS, UNMAPPED_TECHNIQUES

API = "/api/v1/famr/getMassageResources"

# The amta-style README's heading table, lower-cased.
HEADING_FIELDS = {
    **dict.fromkeys(["about me", "about", "bio"], "bio"),
    **dict.fromkeys(["massage techniques", "techniques", "modalities", "massage types"], "techniques"),
    **dict.fromkeys(["conditions treated", "areas of focus", "specialties"], "conditions"),
    **dict.fromkeys(["practice settings", "work settings"], "settings"),
    **dict.fromkeys(["payment options", "insurance & payment", "insurance accepted", "payment methods"], "insurance"),
    **dict.fromkeys(["languages", "languages spoken"], "languages"),
    "gender": "gender",
    "accepting new clients": "accepting",
    **dict.fromkeys(["hours", "office hours"], "hours"),
}


def fetch(url: str, data: bytes | None = None, method: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def api(site: SampleSite, body: dict) -> dict:
    status, text = fetch(site.url + API, json.dumps(body).encode())
    assert status == 200
    return json.loads(text)


def squash(text: str) -> str:
    return " ".join(text.split())


class ProfileReader(HTMLParser):
    """Reads a profile page into h1, credentials line, contact pairs, sections."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = self.credentials = self.updated = None
        self.contact: dict[str, dict] = {}
        self.sections: list[dict] = []
        self._capture: str | None = None
        self._buffer: list[str] = []
        self._in_contact = False
        self._pair: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        css = attrs.get("class") or ""
        if tag == "h1" and "adage-heading-title" in css:
            self._start("h1")
        elif tag == "p" and "famt-credentials" in css:
            self._start("credentials")
        elif tag == "p" and "famt-updated" in css:
            self._start("updated")
        elif tag == "div" and "amta-flex-grow-5" in css and "amta-padding-bottom-1" in css:
            self._in_contact = True
        elif tag == "p" and self._in_contact:
            self._pair = {"label": "", "text": [], "href": None}
        elif tag == "span" and self._pair is not None:
            self._start("label")
        elif tag == "a" and self._pair is not None:
            self._pair["href"] = attrs.get("href")
        elif tag == "br" and self._pair is not None:
            self._pair["text"].append("\n")
        elif tag == "section":
            self.sections.append({"heading": "", "li": [], "p": [], "rows": []})
        elif self.sections and tag in ("h2", "li", "p", "th", "td"):
            self._start(tag)

    def _start(self, what: str) -> None:
        self._capture, self._buffer = what, []

    def handle_data(self, data):
        if self._capture:
            self._buffer.append(data)
        elif self._pair is not None:
            self._pair["text"].append(data)

    def handle_endtag(self, tag):
        if self._capture and tag in ("h1", "p", "span", "h2", "li", "th", "td"):
            text, what = "".join(self._buffer), self._capture
            self._capture = None
            if what == "label":
                self._pair["label"] = text.strip().rstrip(":")
                return
            if what in ("h1", "credentials", "updated"):
                setattr(self, what, text)
                return
            section = self.sections[-1]
            if what == "h2":
                section["heading"] = text
            elif what in ("li", "p"):
                section[what].append(text)
            elif what == "th":
                section["rows"].append([text])
            else:
                section["rows"][-1].append(text)
        elif tag == "p" and self._pair is not None:
            lines = "".join(self._pair["text"]).split("\n")
            self.contact[self._pair["label"]] = {
                "text": ", ".join(squash(line) for line in lines), "href": self._pair["href"]}
            self._pair = None
        elif tag == "div" and self._in_contact and self._pair is None:
            self._in_contact = False


def read_profile(page: str) -> dict:
    """What a careful reader gets from a profile page, in truth-record terms."""
    reader = ProfileReader()
    reader.feed(page)
    h1 = squash(reader.h1)
    name, _, suffix = h1.partition(", ")
    credentials = [c for c in suffix.split(", ") if c]
    for c in (reader.credentials or "").split(", "):
        if c and c not in credentials:
            credentials.append(c)
    contact = reader.contact
    out = {
        "name": name, "credentials": credentials,
        "business": contact.get("Business", {}).get("text"),
        "address_raw": contact.get("Address", {}).get("text"),
        "phone_display": contact.get("Phone", {}).get("text"),
        "email": contact.get("Email", {}).get("text"),
        "website": contact.get("Website", {}).get("href"),
        "license": contact.get("License", {}).get("text"),
        "bio": None, "techniques_raw": [], "insurance_raw": [], "conditions": [], "settings": [],
        "languages": [], "gender_raw": None, "accepting_new_clients_raw": None, "hours": [],
        "profile_updated_raw": None,
    }
    place = re.search(r"(?:^|, )([^,]+), ([A-Z]{2})(?: (\d{5}))?$", out["address_raw"])
    out["city"], out["state"], out["zip"] = place.groups()
    if reader.updated:
        prefix = r"^(Profile last updated:|Last updated on|Last updated:|Updated)\s*"
        out["profile_updated_raw"] = re.sub(prefix, "", squash(reader.updated))
    for section in reader.sections:
        field = HEADING_FIELDS[section["heading"].strip().lower()]
        values = section["li"] or [v for p in section["p"] for v in p.split(", ")]
        if field == "bio":
            out["bio"] = squash(" ".join(section["p"]))
        elif field in ("techniques", "insurance"):
            out[f"{field}_raw"] = [squash(v) for v in values]
        elif field == "gender":
            out["gender_raw"] = squash(section["p"][0])
        elif field == "accepting":
            out["accepting_new_clients_raw"] = squash(section["p"][0])
        elif field == "hours":
            out["hours"] = [f"{squash(day)}: {squash(when)}" for day, when in section["rows"]]
        else:
            out[field] = [squash(v) for v in values]
    return out


def result_links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(
        r'class="find-a-mr-results-list-item-title"><a href="([^"]+)"', page)]


def next_link(page: str) -> str | None:
    found = re.search(r'<a class="pagination-arrows-item" rel="next" href="([^"]+)">Next Page</a>', page)
    return html.unescape(found.group(1)) if found else None


def walk_results(site: SampleSite, url: str) -> tuple[list[str], list[str]]:
    """Follow Next Page from `url`: (every item link, absolute, in order; pages fetched)."""
    links, pages_seen = [], []
    while url:
        status, page = fetch(url)
        assert status == 200
        pages_seen.append(page)
        links.extend(urljoin(url, href) for href in result_links(page))
        url = urljoin(url, next_link(page)) if next_link(page) else None
    return links, pages_seen


@pytest.fixture(scope="module")
def directory() -> SampleDirectory:
    return generate()


@pytest.fixture(scope="module")
def site(directory):
    with SampleSite(directory) as running:
        yield running


# --- generation --------------------------------------------------------------------


def test_generation_is_deterministic():
    a, b = generate(300, seed=11), generate(300, seed=11)
    assert list(a.therapists) == list(b.therapists)
    for i in range(300):
        assert pages.profile_page(a, i) == pages.profile_page(b, i)
    for n in (1, 2, 31):
        assert pages.results_page(a, "", "", n, "http://h") == pages.results_page(b, "", "", n, "http://h")
    assert list(generate(300, seed=12).therapists) != list(a.therapists)


def test_default_size_and_spread(directory):
    truths = list(directory.therapists)
    assert len(truths) == 1200
    assert len({t["state"] for t in truths}) >= 5
    assert len({(t["city"], t["state"]) for t in truths}) >= 30
    assert all(tuple(t) == TRUTH_FIELDS for t in truths)
    hidden = [t for t in truths if t["hidden"]]
    assert 1 <= len(hidden) <= 0.03 * len(truths)
    assert len({t["slug"] for t in truths}) == len(truths)
    names = " ".join(t["name"] for t in truths)
    assert "O'" in names and any(ord(c) > 127 for c in names)


def test_every_zip_is_real_and_in_its_city_state(directory):
    records = {r["zip_code"]: r for r in zipcodes.list_all()}
    for t in directory.therapists:
        record = records[t["location_zip"]]
        assert (record["state"], record["city"]) == (t["state"], t["city"])
        assert record["zip_code_type"] == "STANDARD" and record["active"]
        assert t["zip"] in (None, t["location_zip"])
    assert all(zipcodes.is_real(z) for z in {t["location_zip"] for t in directory.therapists[:50]})


def _norm(s: str) -> str:
    return squash(s.lower().replace("&", " and ").replace("-", " "))


NORMALISED = {id(table): {vid: {_norm(s) for s in spellings} for vid, spellings in table.items()}
              for table in (TECHNIQUES, INSURANCE)}


def _spelling_ids(raw: str, table: dict) -> set[str]:
    """Ids whose spellings match `raw` (case, &/and, hyphens, "(ABBR)", "a / b")."""
    def ids_of(part: str) -> set[str]:
        part = re.sub(r"\s*\(([A-Z]+)\)$", lambda m: "" if m.group(1) in ABBREVIATIONS.values() else m.group(0), part)
        return {vid for vid, spellings in NORMALISED[id(table)].items() if _norm(part) in spellings}

    whole = ids_of(raw)
    if whole or " / " not in raw:
        return whole
    parts = [ids_of(p) for p in raw.split(" / ")]
    return set.intersection(*parts) if all(parts) else set()


def test_truth_ids_are_what_the_raw_values_spell(directory):
    for t in directory.therapists:
        techniques = [_spelling_ids(r, TECHNIQUES) for r in t["techniques_raw"]]
        assert [ids for ids in techniques if len(ids) > 1] == []
        assert [next(iter(ids)) for ids in techniques if ids] == t["techniques"]
        assert [r for r, ids in zip(t["techniques_raw"], techniques) if not ids] == [
            r for r in t["techniques_raw"] if r in UNMAPPED_TECHNIQUES]
        insurance = [_spelling_ids(r, INSURANCE) for r in t["insurance_raw"]]
        assert [next(iter(ids)) for ids in insurance if len(ids) == 1] == t["insurance"]
        assert all(ids or r in UNMAPPED_PAYMENTS for r, ids in zip(t["insurance_raw"], insurance))
        assert all("," not in v for v in t["techniques_raw"] + t["insurance_raw"] + t["conditions"])


def test_generates_100000_therapists():
    big = generate(100_000, seed=3)
    assert len(big.therapists) == 100_000
    assert len(set(big.slugs)) == 100_000
    last = big.therapists[-1]
    assert last["slug"] == big.slugs[-1] and zipcodes.is_real(last["location_zip"])


# --- the server --------------------------------------------------------------------


def test_pagination_reaches_every_visible_therapist_via_next_page(site, directory):
    links, seen = walk_results(site, site.start_url)
    truths = list(directory.therapists)
    total = int(re.search(r"of (\d+) massage therapists", seen[0]).group(1))
    assert len(links) == total == len(directory.entries("", ""))
    assert len(seen) == -(-total // 10) and next_link(seen[-1]) is None
    paths = [urlsplit(link).path for link in links]
    public = [p for p in paths if p.startswith("/famt/")]
    assert set(public) == {t["url_path"] for t in truths if not t["hidden"]}
    assert len(public) > len(set(public))  # a therapist shows up on two pages
    members = {p for p in paths if not p.startswith("/famt/")}
    assert members == {f"/members/famt/{t['slug']}" for t in truths if t["hidden"]}
    assert {urlsplit(link).netloc for link in links} == {urlsplit(site.url).netloc}
    assert any(re.search(r'<a href="http://127\.0\.0\.1:\d+/famt/', p) for p in seen)
    assert 'href="/members/login"' in seen[0]
    by_path = {t["url_path"]: t for t in truths}
    for page in seen:  # what an item shows agrees with its profile's truth
        for item in re.findall(r'<li class="find-a-mr-results-list-item">(.*?)</li>', page, re.DOTALL):
            t = by_path[urlsplit(html.unescape(re.search(r'href="([^"]+)"', item).group(1))).path]
            block = re.search(r'list-item-address">(.*?)</div>', item, re.DOTALL)
            if block:
                lines = [html.unescape(x) for x in re.findall(r"<p>(.*?)</p>", block.group(1))]
                assert lines[-1] == f"{t['city']}, {t['state']}" + (f" {t['zip']}" if t["zip"] else "")
                assert lines[:-1] in ([t["street"]], [t["business"], t["street"]], [t["business"]], [])
                assert None not in lines
            techs = re.search(r'list-item-techniques">(.*?)</p>', item)
            if techs:
                assert html.unescape(techs.group(1)).split(", ") == t["techniques_raw"][:4]
    assert not [p for _, p in site.requests if p.startswith("/members/")]


def test_location_filters(site, directory):
    for location, check in (
        ("CT", lambda t: t["state"] == "CT"),
        ("Hartford, CT", lambda t: (t["city"], t["state"]) == ("Hartford", "CT")),
        ("boston", lambda t: t["city"] == "Boston"),
        (directory.therapists[0]["location_zip"], lambda t, z=directory.therapists[0]["location_zip"]: t["location_zip"] == z),
    ):
        url = site.url + pages.search_url(location, "", 1)
        links, seen = walk_results(site, url)
        slugs = {urlsplit(link).path.rsplit("/", 1)[1] for link in links}
        expected = {t["slug"] for t in directory.therapists if check(t)}
        assert slugs == expected and expected
        assert f"near {location}" in seen[0]
    status, page = fetch(site.url + pages.search_url("Atlantis", "", 1))
    assert status == 200 and "No massage therapists found" in page and not result_links(page)


def test_keyword_filter(site, directory):
    links, _ = walk_results(site, site.url + pages.search_url("", "sciatica", 1))
    expected = {t["slug"] for t in directory.therapists if "Sciatica" in t["conditions"]}
    assert expected and {urlsplit(link).path.rsplit("/", 1)[1] for link in links} == expected


def test_robots_txt(site):
    status, text = fetch(site.url + "/robots.txt")
    assert status == 200
    assert text.splitlines()[:2] == ["User-agent: *", "Disallow: /members/"]


def test_profiles_show_exactly_the_truth(site, directory):
    keys = ("name", "credentials", "business", "address_raw", "city", "state", "zip", "phone_display", "email", "website",
            "license", "bio", "techniques_raw", "insurance_raw", "conditions", "settings", "languages",
            "gender_raw", "accepting_new_clients_raw", "hours", "profile_updated_raw")
    checked = 0
    for truth in directory.therapists[:250]:
        if truth["hidden"]:
            continue
        status, page = fetch(site.url + truth["url_path"])
        assert status == 200
        assert read_profile(page) == {k: truth[k] for k in keys}, truth["slug"]
        checked += 1
    assert checked > 200


def test_profile_page_variations(directory):
    layouts = [directory.profile(i)[1] for i in range(400) if i not in directory.hidden]
    body = "".join(pages.profile_page(directory, i) for i in range(400) if i not in directory.hidden)
    assert {lay["cred_place"] for lay in layouts} >= {"suffix", "line", "both", None}
    assert any(lay["sparse"] for lay in layouts) and any(lay["entities"] for lay in layouts)
    for needle in ("&iacute;", "&amp;", "MASSAGE TECHNIQUES", "<h2>Modalities</h2>", 'href="tel:',
                   'href="mailto:', "<br>", "famt-updated", "<table>", "Waitlist only"):
        assert needle in body, needle
    phones = {re.sub(r"\d", "9", t["phone_display"]) for t in directory.therapists if t["phone_display"]}
    assert phones == {"(999) 999-9999", "999.999.9999", "999-999-9999", "+9 999 999 9999",
                      "9999999999", "9-999-999-9999"}


def test_hidden_therapists_have_no_public_profile(site, directory):
    hidden = [t for t in directory.therapists if t["hidden"]]
    assert fetch(site.url + f"/famt/{hidden[0]['slug']}")[0] == 404
    assert fetch(site.url + hidden[0]["url_path"])[0] == 403
    assert fetch(site.url + "/members/login")[0] == 200


def test_api_pages_list_the_same_entries(site, directory):
    first = api(site, {"CurrentPage": 1, "Location": "", "Keyword": "", "ResourceType": "therapist"})
    assert (first["currentPage"], first["pageSize"]) == (1, 10)
    total, urls, page = first["totalCount"], [], 1
    while True:
        answer = api(site, {"CurrentPage": page, "Location": "", "Keyword": "", "ResourceType": "therapist"})
        if not answer["massageResources"]:
            break
        for item in answer["massageResources"]:
            assert {"resourceName", "officeAddressLine1", "urlToDetailsPage", "city", "state"} <= set(item)
            path = urlsplit(item["urlToDetailsPage"]).path
            t = directory.therapists[directory.index_of(path.rsplit("/", 1)[1])]
            assert (item["city"], item["state"], item["officeAddressLine1"]) == (t["city"], t["state"], t["street"] or "")
            assert item.get("zip", "") in ("", t["zip"]) and item.get("businessName") in (None, t["business"])
            assert item["resourceName"].startswith(t["name"])
            urls.append(path)
        page += 1
    assert len(urls) == total == len(directory.entries("", ""))
    assert urls == [directory.therapists[i]["url_path"] for i in directory.entries("", "")]
    ct = api(site, {"CurrentPage": 1, "Location": "CT", "Keyword": "", "ResourceType": "therapist"})
    assert ct["massageResources"] and all(r["state"] == "CT" for r in ct["massageResources"])
    assert fetch(site.url + API, b"not json")[0] == 400
    assert fetch(site.url + API)[0] == 405


def test_unknown_paths_are_404(site):
    for path in ("/nope", "/famt/no-such-therapist", "/famt/", "/api/v2/other"):
        assert fetch(site.url + path)[0] == 404, path
    assert fetch(site.url + "/")[0] == 200


def test_fail_once_answers_503_then_recovers(directory):
    slug = directory.therapists[0]["url_path"]
    with SampleSite(directory, fail_once=["/robots.txt", slug]) as failing:
        assert fetch(failing.url + "/robots.txt")[0] == 503
        assert fetch(failing.url + "/robots.txt")[0] == 200
        assert fetch(failing.url + slug)[0] == 503
        assert fetch(failing.url + slug)[0] == 200
        assert fetch(failing.url + "/")[0] == 200
        assert failing.requests == [("GET", "/robots.txt")] * 2 + [("GET", slug)] * 2 + [("GET", "/")]


def test_keep_alive_and_concurrency(site, directory, capfd):
    host, port = urlsplit(site.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    for path in ("/robots.txt", directory.therapists[1]["url_path"], "/nope"):
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert int(response.headers["Content-Length"]) == len(body)
        assert not response.will_close
    connection.close()
    urls = [site.url + pages.search_url("", "", n) for n in range(1, 65)]
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda u: fetch(u)[0], urls))
    assert statuses == [200] * 64
    assert capfd.readouterr().err == ""
