"""`DirectorySpider`: what every knead directory spider shares.

A directory spider is declarations plus parse functions: it subclasses
`DirectorySpider`, sets `name` (which is also its module's name and the
source of its listings), writes `async def start()` yielding its first
requests, and routes each response through `parsed()` to a pure parser in
`spiders.parse`. The pipelines do the rest (clean, phone, address, geocode,
vocabulary, validate, store).

Knobs (spider arguments, `-a name=value` or `knead crawl`'s options):

- `start_url`: one URL, never split; `start_urls`: a list, or a string split
  at white space and at commas that precede another `scheme:`. Each must be
  http(s) with a host, else `ValueError` naming it. No default URL: a crawl
  only ever goes where it is told.

What the base sets and offers:

- `start_urls` (validated) and `allowed_domains` (their hosts), so the host
  allow-list (spiders.middlewares.allowlist) refuses links and redirects to
  other sites.
- `parsed(response, kind, parse)`: `parse(response)`, or None after counting
  the page as malformed; never raises, so one bad page cannot stop or clutter
  a crawl. `kind` names the page type in the warning ("profile", "results").
- `malformed(response, reason)`: log one warning line and count
  `listings/malformed_page`, for a page a callback could not use.
- `count(key, n)`: increment a crawl stat (a no-op without a crawler).
- `now_iso()`: the current UTC time, for `scraped_at`.

Conventions a subclass keeps: start requests are yielded without
`dont_filter=True` (Scrapy's default start requests carry it, which lets
redirects bypass the offsite filter); profile requests carry
`meta["listing_id"]`, so `knead crawl --resume` can skip the profiles an
interrupted crawl already has; items are `TherapistListing`s with raw values
(`*_raw`) for the pipelines to normalise, and an `id` of `<name>:<key>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

MALFORMED_PAGE = "listings/malformed_page"

T = TypeVar("T")

# Split a start_urls string at white space, or at a comma followed by a scheme.
_URL_SEPARATOR = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.\-]*:)|\s+")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$")


def check_start_url(url: str) -> str:
    """`url` stripped, or ValueError unless it is an http(s) URL with a host."""
    text = url.strip() if isinstance(url, str) else url
    if not isinstance(text, str) or not text:
        raise ValueError(f"start URL {url!r} is empty: give an http:// or https:// URL")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"start URL {url!r} is not an http:// or https:// URL")
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if not parts.hostname or not _HOST.match(host):
        raise ValueError(f"start URL {url!r} has no valid host")
    return text


def start_urls_from_args(start_url: str | None, start_urls: str | Iterable[str] | None) -> list[str]:
    """The validated start URLs from the two spider arguments, duplicates removed."""
    given: list[str] = []
    if start_url is not None:
        given.append(start_url)
    if isinstance(start_urls, str):
        parts = [p for p in _URL_SEPARATOR.split(start_urls.strip()) if p]
        given.extend(parts or [start_urls])
    elif start_urls is not None:
        given.extend(start_urls)
    if not given:
        raise ValueError("no start URL: pass -a start_url=https://… (or -a start_urls=URL,URL)")
    urls: list[str] = []
    for url in given:
        url = check_start_url(url)
        if url not in urls:
            urls.append(url)
    return urls


class DirectorySpider(scrapy.Spider):
    """Base for knead's directory spiders (see the module docstring)."""

    def __init__(self, start_url: str | None = None, start_urls: Any = None, *args: Any, **kwargs: Any) -> None:
        urls = start_urls_from_args(start_url, start_urls)
        super().__init__(*args, **kwargs)
        self.start_urls = urls
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})

    def count(self, key: str, n: int = 1) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key, n)

    def parsed(self, response: Response, kind: str, parse: Callable[[TextResponse], T]) -> T | None:
        """`parse(response)`, or None after counting a malformed page; never raises."""
        if not isinstance(response, TextResponse):
            self.malformed(response, f"{kind}: not a text response")
            return None
        try:
            return parse(response)
        except Exception as exc:  # one bad page must not stop or clutter the crawl
            self.malformed(response, f"{kind}: {type(exc).__name__}: {exc}")
            return None

    def malformed(self, response: Any, reason: str) -> None:
        self.logger.warning("malformed page %s: %s", getattr(response, "url", response), reason)
        self.count(MALFORMED_PAGE)

    @staticmethod
    def now_iso() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
