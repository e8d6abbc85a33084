"""Parsers for AMTA-style directories (the "Find a Massage Therapist" shape).

The format (the AMTA-style format notes; examples in tests/fixtures/amta/): a results
page of `li.find-a-mr-results-list-item` with a `rel=next` link, profile pages
at `/famt/<slug>` with an `h1.adage-heading-title`, a contact block of
`<p><span>Label:</span> value</p>` pairs and `<section>`s whose `<h2>` wording
varies, and a JSON API (`POST /api/v1/famr/getMassageResources`).

Everything here is pure: a `Selector`, `TextResponse`, HTML string or dict in,
plain values out. Values are extracted raw and faithfully (entities decoded,
white space collapsed, non-ASCII kept); phones, addresses, vocabulary and
dates are normalised later by the pipelines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree

from index.model.vocabulary import CREDENTIALS
from spiders.parse.html import (
    as_selector,
    collapse_space,
    css_xpath,
    dedupe,
    drop_non_content,
    has_class_xpath,
    is_element,
    own_text,
    split_list,
    string_value,
    text_lines,
    text_or_none,
)

__all__ = [
    "MalformedPage",
    "ResultsPage",
    "SECTION_HEADINGS",
    "api_has_more",
    "field_for_heading",
    "parse_api",
    "parse_profile",
    "parse_results",
    "slug_from_url",
    "split_name_credentials",
]


class MalformedPage(ValueError):
    """The page is not a profile this parser understands (e.g. no name)."""


# --------------------------------------------------------------------------
# Results pages
# --------------------------------------------------------------------------


@dataclass
class ResultsPage:
    profile_urls: list[str] = field(default_factory=list)  # absolute, page order, no duplicates
    next_url: str | None = None  # absolute, None on the last page


def _absolute_http(href: str | None, base_url: str) -> str | None:
    """`href` resolved against `base_url`, without fragment; None unless http(s)."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    url = urldefrag(urljoin(base_url, href))[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


# Queries are compiled once and run on lxml elements: a parsel query wraps
# every result in a Selector, which cost more than the parsing itself.
_PROFILE_LINKS = css_xpath(".find-a-mr-results-list-item-title a[href], a.find-a-mr-results-list-item-title[href]")
_NEXT_HREFS = css_xpath('a[rel~="next"]::attr(href)')
_ARROWS = css_xpath("a.pagination-arrows-item[href]")
_NEXT_LINK_HREFS = css_xpath('link[rel~="next"]::attr(href)')


def parse_results(sel: Any, base_url: str) -> ResultsPage:
    """The profile links and the next page of a results page (a profile page holds the rest)."""
    root = as_selector(sel).root
    page = ResultsPage()
    seen: set[str] = set()
    for link in _PROFILE_LINKS(root):
        url = _absolute_http(link.get("href"), base_url)
        if url is None or url in seen:
            continue
        seen.add(url)
        page.profile_urls.append(url)
    page.next_url = _next_url(root, base_url)
    return page


def _next_url(root: Any, base_url: str) -> str | None:
    candidates = list(_NEXT_HREFS(root))
    for arrow in _ARROWS(root):
        if collapse_space(string_value(arrow)).casefold() in ("next page", "next", "next ›", "next »"):
            candidates.append(arrow.get("href"))
    candidates += _NEXT_LINK_HREFS(root)
    current = urldefrag(base_url)[0]
    for href in candidates:
        url = _absolute_http(href, base_url)
        if url and url != current:
            return url
    return None


# --------------------------------------------------------------------------
# Profile pages
# --------------------------------------------------------------------------

# Credentials this format is known to use; any other upper-case token in a
# comma-separated name suffix ("M.Ed.", "PhD", "CNMT") counts too.
_NOT_CREDENTIALS = frozenset({"II", "III", "IV", "JR", "JR.", "SR", "SR."})
_CREDENTIAL_TOKEN = re.compile(r"^[A-Za-z][A-Za-z.\-]{1,11}$")


def _is_credential(token: str) -> bool:
    if token.upper() in _NOT_CREDENTIALS or not _CREDENTIAL_TOKEN.match(token):
        return False
    return token.upper() in CREDENTIALS or sum(c.isupper() for c in token) >= 2


def split_name_credentials(text: str) -> tuple[str, list[str]]:
    """"Jane Doe, LMT, BCTMB" -> ("Jane Doe", ["LMT", "BCTMB"]).

    Comma-separated trailing segments made only of credential-like tokens are
    credentials ("Jane Doe, Jr., LMT" keeps "Jr."); so are known credentials
    after the name without a comma ("Jane Doe LMT"). The first segment is
    always the name.
    """
    segments = [collapse_space(s) for s in collapse_space(text).split(",")]
    credentials: list[str] = []
    while len(segments) > 1:
        tokens = segments[-1].split()
        if tokens and all(_is_credential(t) for t in tokens):
            credentials[:0] = tokens
            segments.pop()
        elif not segments[-1]:
            segments.pop()
        else:
            break
    name = ", ".join(s for s in segments if s)
    words = name.split(" ")
    tail: list[str] = []
    while len(words) > 1 and words[-1] in CREDENTIALS:
        tail.insert(0, words.pop())
    return " ".join(words), tail + credentials


def _split_credentials(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,;/|]+", collapse_space(text)) if t]


def _by_wording(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {wording: name for name, wordings in table.items() for wording in wordings}


# Contact labels, normalised (lower case, punctuation to spaces; see `_norm_label`).
CONTACT_LABELS = _by_wording(
    {
        "business": ("business", "business name", "practice", "practice name", "company"),
        "address_raw": ("address", "office address", "location"),
        "phone_raw": ("phone", "phone number", "telephone", "tel"),
        "website": ("website", "web site", "web", "url"),
        "email": ("email", "e mail", "email address"),
        "license": ("license", "licence", "license number", "license no", "license #"),
    }
)

# For label wording not in the table; the first match wins. Only applied to a
# label in its own element (`<span>Label:</span>`), never to running text.
_LABEL_RULES = (
    (r"address", "address_raw"),
    (r"phone|mobile", "phone_raw"),
    (r"mail", "email"),
    (r"web", "website"),
    (r"licen", "license"),
    (r"business|practice", "business"),
)


def _norm_label(text: str) -> str:
    text = collapse_space(text).casefold().rstrip(":").strip()
    text = text.replace("&", " and ")
    return collapse_space(re.sub(r"[^\w#]+", " ", text))


@lru_cache(maxsize=1024)  # the same few labels on every page
def _label_field(label: str, keyword_rules: bool) -> str | None:
    norm = _norm_label(label)
    if norm in CONTACT_LABELS:
        return CONTACT_LABELS[norm]
    if keyword_rules and 0 < len(norm.split()) <= 4:
        for pattern, name in _LABEL_RULES:
            if re.search(pattern, norm):
                return name
    return None


_LABEL_TAGS = ("span", "strong", "b", "label", "em")
_TEXT_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z #.\-]{0,30}?)\s*:\s*")


def _contact_pairs(el: Any) -> tuple[str, list[Any], str] | None:
    """(field, value nodes, head text) for one `<p>` element of the contact block."""
    children = list(el)
    first = next((c for c in children if is_element(c)), None)
    if first is not None and first.tag in _LABEL_TAGS and not collapse_space(el.text):
        name = _label_field(first.text_content(), keyword_rules=True)
        if name is None:
            return None
        rest = children[children.index(first) + 1 :]
        return name, rest, re.sub(r"^\s*:", "", first.tail or "")  # "<span>Phone</span>: …"
    match = _TEXT_LABEL.match(el.text or "")
    if match:
        name = _label_field(match.group(1), keyword_rules=False)
        if name is not None:
            return name, children, (el.text or "")[match.end() :]
    return None


def _links(nodes: list[Any]) -> list[Any]:
    out = []
    for node in nodes:
        if is_element(node):
            out.extend(a for a in node.iter("a"))
    return out


def _contact_value(name: str, nodes: list[Any], head: str) -> str | None:
    lines = text_lines(nodes, head)
    text = ", ".join(line.strip(" ,") for line in lines if line.strip(" ,")) or None
    links = _links(nodes)
    link = links[0] if links else None
    href = (link.get("href") or "").strip() if link is not None else ""
    link_text = text_or_none(link.text_content()) if link is not None else None
    if name == "phone_raw":
        if link_text and (re.search(r"\d", link_text) or not href.lower().startswith("tel:")):
            return link_text  # the number as written ("Call me" gives way to the tel: href)
        if href.lower().startswith("tel:"):
            return text_or_none(unquote(href[4:]))
        return text
    if name == "email":
        mailto = next((a.get("href", "").strip() for a in links if a.get("href", "").strip().lower().startswith("mailto:")), "")
        if mailto:
            return text_or_none(unquote(mailto[7:].split("?", 1)[0]))
        return link_text or text
    if name == "website":
        if re.match(r"^https?://", href, re.I):
            return href
        return link_text or text or text_or_none(href)
    return text


# Section headings seen in this format (the format README's table), normalised
# (see `_norm_heading`).
SECTION_HEADINGS = _by_wording(
    {
        "bio": ("about me", "about", "bio"),
        "techniques_raw": ("massage techniques", "techniques", "modalities", "massage types"),
        "conditions": ("conditions treated", "areas of focus", "specialties"),
        "settings": ("practice settings", "work settings"),
        "insurance_raw": ("payment options", "insurance and payment", "insurance accepted", "payment methods"),
        "languages": ("languages", "languages spoken"),
        "gender_raw": ("gender",),
        "accepting_new_clients_raw": ("accepting new clients",),
        "hours": ("hours", "office hours"),
    }
)

# For wording never seen: the first rule whose pattern matches the
# normalised heading wins (so "Accepting New Clients" is never "about").
_HEADING_RULES = (
    (r"new (?:client|patient)|accepting (?:client|patient)", "accepting_new_clients_raw"),
    (r"\bgender", "gender_raw"),
    (r"\blanguage", "languages"),
    (r"insurance|payment", "insurance_raw"),
    (r"technique|modalit|massage type|types? of (?:massage|bodywork)|massage style", "techniques_raw"),
    (r"condition|focus|specialt|speciali", "conditions"),
    (r"\bsetting", "settings"),
    (r"\bhour", "hours"),
    (r"\babout\b|\bbio", "bio"),
)

_LIST_SECTIONS = ("techniques_raw", "conditions", "settings", "insurance_raw", "languages")
_SCALAR_SECTIONS = ("gender_raw", "accepting_new_clients_raw")


def _norm_heading(text: str) -> str:
    text = collapse_space(text).casefold().replace("&", " and ")
    return collapse_space(re.sub(r"[^\w]+", " ", text))


@lru_cache(maxsize=1024)  # the same few headings on every page
def field_for_heading(heading: str) -> str | None:
    """The listing field a section heading fills, or None for unknown sections."""
    norm = _norm_heading(heading)
    if norm in SECTION_HEADINGS:
        return SECTION_HEADINGS[norm]
    for pattern, name in _HEADING_RULES:
        if re.search(pattern, norm):
            return name
    return None


# Sections are read with lxml directly: a dozen parsel queries per section
# would cost several milliseconds a page.


def _heading(section: Any) -> Any:
    return next(section.iter("h2", "h3", "h4"), None)


def _text_without(el: Any, skip: Any) -> str:
    """An element's text content without `skip`'s subtree, scripts and styles."""
    parts = [el.text or ""]
    for child in el:
        if child is not skip and is_element(child) and child.tag not in ("script", "style"):
            parts.append(_text_without(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def _section_blocks(section: Any, heading: Any) -> tuple[str, list[str]]:
    """("list" | "table" | "text", values) of one section's content."""
    items = list(section.iter("li"))
    if items:
        return "list", [t for t in (own_text(li) for li in items) if t]
    rows = list(section.iter("tr"))
    if rows:
        out = []
        for row in rows:
            cells = [c for c in (collapse_space(td.text_content()) for td in row if td.tag in ("th", "td")) if c]
            if len(cells) >= 2:
                out.append(f"{cells[0].rstrip(':').strip()}: {' '.join(cells[1:])}")
            elif cells:
                out.append(cells[0])
        return "table", out
    paragraphs = list(section.iter("p"))
    if paragraphs:
        return "text", [line for p in paragraphs for line in text_lines(list(p), p.text)]
    text = collapse_space(_text_without(section, heading))
    return "text", [text] if text else []


def _bio_text(section: Any, heading: Any) -> str | None:
    blocks = list(section.iter("p", "li"))
    parts = [collapse_space(b.text_content()) for b in blocks] if blocks else [collapse_space(_text_without(section, heading))]
    return " ".join(p for p in parts if p) or None


_NAME = css_xpath("h1.adage-heading-title")
_CREDENTIALS = css_xpath(".famt-credentials")
_CONTACT = css_xpath("div.amta-flex-grow-5 p")
_CONTACT_FALLBACK = etree.XPath(
    f"//p[not(ancestor::section) and not({has_class_xpath('famt-updated')}) and not({has_class_xpath('famt-credentials')})]"
)
_SECTIONS = etree.XPath(f"//section | //*[not(self::section) and {has_class_xpath('famt-section')}]")
_UPDATED = css_xpath(".famt-updated")
_UPDATED_FALLBACK = etree.XPath("//p[contains(translate(., 'LASTUPDE', 'lastupde'), 'last updated')][1]")


def _first_string(elements: list[Any]) -> str | None:
    """The string value of the first element, None when there is none (parsel's `.xpath("string()").get()`)."""
    return string_value(elements[0]) if elements else None


def _updated(root: Any) -> str | None:
    text = _first_string(_UPDATED(root))
    if text is None:
        text = _first_string(_UPDATED_FALLBACK(root))
    text = collapse_space(text)
    if not text:
        return None
    match = re.search(r"updated(?:\s+on)?\s*:?\s*", text, re.I)
    if match:
        text = text[match.end() :]
    elif ":" in text:
        text = text.split(":", 1)[1]
    return text_or_none(text)


def parse_profile(sel: Any, url: str | None = None) -> dict[str, Any]:
    """Raw listing fields of a profile page, keyed by `TherapistListing` names.

    Every key is present: None for a missing scalar, [] for a missing list.
    Raises `MalformedPage` when the page has no `h1.adage-heading-title`
    name. `url` resolves relative links (a website given as a path).
    """
    root = as_selector(sel).root
    drop_non_content(root)  # a <script> inside a bio is not bio text
    heading = collapse_space(_first_string(_NAME(root)))
    if not heading:
        raise MalformedPage("no name (h1.adage-heading-title)")
    name, name_credentials = split_name_credentials(heading)
    credentials = _split_credentials(" ".join(string_value(el) for el in _CREDENTIALS(root)))

    out: dict[str, Any] = {
        "name": name,
        "credentials_raw": dedupe(credentials + name_credentials),
        "business": None,
        "address_raw": None,
        "phone_raw": None,
        "email": None,
        "website": None,
        "license": None,
        "bio": None,
        "techniques_raw": [],
        "conditions": [],
        "settings": [],
        "insurance_raw": [],
        "languages": [],
        "gender_raw": None,
        "accepting_new_clients_raw": None,
        "hours_raw": [],
        "profile_updated_raw": None,
    }

    contact = _CONTACT(root) or _CONTACT_FALLBACK(root)
    for p in contact:
        pair = _contact_pairs(p)
        if pair is None or out[pair[0]] is not None:
            continue  # unknown label, or a second one for a field already filled
        value = _contact_value(*pair)
        if pair[0] == "website" and value and url and value.startswith("/"):
            value = urljoin(url, value)
        out[pair[0]] = value

    for section in _SECTIONS(root):
        heading = _heading(section)
        name_ = field_for_heading(heading.text_content()) if heading is not None else None
        if name_ is None:
            continue
        if name_ == "bio":
            bio = _bio_text(section, heading)
            if bio:
                out["bio"] = f"{out['bio']} {bio}" if out["bio"] else bio
            continue
        kind, values = _section_blocks(section, heading)
        if name_ == "hours":
            out["hours_raw"] = dedupe(out["hours_raw"] + values)
        elif name_ in _LIST_SECTIONS:
            if kind == "text":
                values = [v for line in values for v in split_list(line)]
            out[name_] = dedupe(out[name_] + values)
        elif name_ in _SCALAR_SECTIONS and values and out[name_] is None:
            out[name_] = ", ".join(values)

    out["profile_updated_raw"] = _updated(root)
    return out


def slug_from_url(url: str) -> str:
    """The last path segment after `/famt/` (percent-decoded): the listing's key.

    Falls back to the last non-empty path segment when the URL has no
    `/famt/`; "" when there is none.
    """
    path = urlsplit(url).path
    marker = path.find("/famt/")
    if marker >= 0:
        path = path[marker + len("/famt/") :]
    segments = [s for s in path.split("/") if s]
    return unquote(segments[-1]) if segments else ""


# --------------------------------------------------------------------------
# JSON API
# --------------------------------------------------------------------------


def _api_str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return text_or_none(str(value))


def parse_api(data: dict[str, Any], base_url: str) -> list[str]:
    """The absolute profile URL of each `massageResources` entry, in order.

    The entries' other fields (name, address) are what the profile page says
    too; the profile is what the spider reads. Entries without a usable
    `urlToDetailsPage` are skipped.
    """
    resources = data.get("massageResources") if isinstance(data, dict) else None
    urls = []
    for resource in resources or []:
        if isinstance(resource, dict):
            url = _absolute_http(_api_str(resource.get("urlToDetailsPage")), base_url)
            if url is not None:
                urls.append(url)
    return urls


def api_has_more(data: dict[str, Any], page: int) -> bool:
    """Whether page `page + 1` may hold more results.

    False once a page comes back empty, or when `page` pages of `pageSize`
    (default: this page's length) reach `totalCount`.
    """
    resources = data.get("massageResources") if isinstance(data, dict) else None
    if not resources:
        return False
    total = data.get("totalCount")
    size = data.get("pageSize") or len(resources)
    if isinstance(total, int) and not isinstance(total, bool) and isinstance(size, int) and size > 0:
        return page * size < total
    return True
