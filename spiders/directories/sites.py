"""`sites`: therapists' and practices' own websites, read through their schema.org markup.

    scrapy crawl sites -a start_url=https://stillpoint.example/
    scrapy crawl sites -a sitemap=https://stillpoint.example/sitemap.xml
    knead crawl sites --start-url URL... | --sitemap URL... | --from-listings

Per site (scheme, host and port of a start URL), pages are found in this order:

1. robots.txt, fetched by the spider for its `Sitemap:` lines (the robots
   middleware obeys its rules for every request, this one included);
2. without such lines, `/sitemap.xml`, then `/sitemap_index.xml`;
3. without any sitemap, the start page and the same-site pages it links to,
   `max_depth` links deep (2; `-a max_depth=N`).

Sitemap indexes are followed (`max_sitemap_depth` levels), gzipped sitemaps
read, and only URLs of the same site are requested: links and sitemap
entries elsewhere are counted (`sites/offsite_skipped`), never fetched (the
host allow-list middleware refuses any that slipped through). A start URL
whose path ends in `.xml`, `.xml.gz` or `/robots.txt`, and every `-a sitemap=`
URL, is read as a sitemap directly; a start page that turns out to be a
sitemap is read as one too.

Probes (robots.txt, the well-known sitemap paths) that answer 404 are not
failures: the request carries `meta["knead_probe"]`. A host that cannot be
reached is one counted failure (its robots.txt, refused by the robots
middleware); the other sites go on. Politeness is Scrapy's per-host download
slots: `DOWNLOAD_DELAY` and `CONCURRENT_REQUESTS_PER_DOMAIN` hold for each
host while the hosts are crawled side by side.

Each HTML page goes to `spiders.parse.schemaorg.extract_page(html, url)`;
its listings become items (id `sites:<host><path>[#<@id or position>]`), its
counts become stats `sites/<name>` (malformed blocks, types left out, ...).
Stats: `pages/sitemap`, `pages/site`, `sites/sitemaps_found`,
`sites/no_sitemap` (sites crawled by links), `sites/offsite_skipped`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError

from spiders.directories.base import (
    DirectorySpider,
    check_start_url,
    start_urls_from_args,
)
from spiders.items import TherapistListing
from spiders.parse.sitemaps import (
    WELL_KNOWN,
    robots_sitemaps,
    root_of,
    same_site,
    sitemap_entries,
)

# Answers of a probe that mean "not here" rather than "failed".
_PROBE_MISSES = [401, 403, 404, 410]
_SITEMAP_SUFFIXES = (".xml", ".xml.gz", "/robots.txt")


@dataclass
class Site:
    """One site being crawled: where it starts and how its pages were found."""

    root: str  # "scheme://host[:port]"
    start_pages: list[str] = field(default_factory=list)
    sitemaps: int = 0  # sitemap documents read


def listing_id(url: str, key: str | None = None) -> str:
    """`sites:<host><path>[#<key>]`: the host without port, so the same site served elsewhere keeps its ids."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"sites:{(parts.hostname or '').lower()}{path}" + (f"#{key}" if key else "")


class SitesSpider(DirectorySpider):
    name = "sites"
    max_depth = 2  # links followed from a start page on a site without a sitemap
    max_sitemap_depth = 3  # sitemap index -> sitemap -> ... levels read

    def __init__(self, start_url: str | None = None, start_urls: Any = None, sitemap: Any = None,
                 max_depth: Any = None, *args: Any, **kwargs: Any) -> None:
        sitemaps = [check_start_url(u) for u in _split(sitemap)]
        given = start_urls_from_args(start_url, start_urls) if (start_url or start_urls) else []
        if not given and not sitemaps:
            raise ValueError("no site: pass -a start_url=https://site/ or -a sitemap=https://site/sitemap.xml")
        super().__init__(None, given + [u for u in sitemaps if u not in given], *args, **kwargs)
        self.sitemap_urls = set(sitemaps) | {u for u in given if _looks_like_sitemap(u)}
        if max_depth is not None:
            self.max_depth = int(max_depth)
        self.sites: dict[str, Site] = {}
        for url in self.start_urls:
            site = self.sites.setdefault(root_of(url), Site(root_of(url)))
            if url not in self.sitemap_urls:
                site.start_pages.append(url)
        self._links = LinkExtractor(unique=True)

    # -- discovery -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            if url in self.sitemap_urls:
                yield self.sitemap_request(url, level=0)
        for site in self.sites.values():
            if site.start_pages:
                yield self.probe(site, f"{site.root}/robots.txt", self.parse_robots)

    def site_of(self, root: str) -> Site:
        """The site a request names by its root: requests carry plain data (a crawl spread over workers
        sends them through Redis), and every worker builds the same sites from the same start URLs."""
        return self.sites.setdefault(root, Site(root))

    def probe(self, site: Site, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A request whose 'not found' answer sends discovery on, and is no failure."""
        return scrapy.Request(url, callback=callback, errback=self.probe_failed,
                              cb_kwargs={"root": site.root, **kwargs},
                              meta={"knead_probe": True, "handle_httpstatus_list": _PROBE_MISSES})

    def parse_robots(self, response: Response, root: str) -> Iterator[scrapy.Request]:
        site = self.site_of(root)
        found = robots_sitemaps(response.body, response.url) if response.status == 200 else []
        mine = [u for u in found if self.on_site(u, site.root)]
        if mine:
            self.count("sites/sitemaps_found")
            yield from (self.sitemap_request(u, level=0, site=site) for u in mine)
            yield from self.start_page_requests(site, follow=False)
        else:
            yield self.probe(site, site.root + WELL_KNOWN[0], self.parse_well_known, tried=0)

    def parse_well_known(self, response: Response, root: str, tried: int) -> Iterator[scrapy.Request]:
        site = self.site_of(root)
        entries = self.read_sitemap(response) if response.status == 200 else None
        if entries is not None:
            self.count("sites/sitemaps_found")
            yield from self.sitemap_followups(entries, level=0, site=site)
            yield from self.start_page_requests(site, follow=False)
        elif tried + 1 < len(WELL_KNOWN):
            yield self.probe(site, site.root + WELL_KNOWN[tried + 1], self.parse_well_known, tried=tried + 1)
        else:
            self.count("sites/no_sitemap")
            yield from self.start_page_requests(site, follow=True)

    def probe_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        """A probe that failed: robots.txt refused or the host unreachable ends the site (already
        counted by the middlewares); a sitemap path that failed leaves the links to follow."""
        request = failure.request
        site = self.site_of(request.cb_kwargs["root"])
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)
        if refused or request.url.endswith("/robots.txt"):
            return
        self.count("sites/no_sitemap")
        yield from self.start_page_requests(site, follow=True)

    # -- sitemaps --------------------------------------------------------------------

    def sitemap_request(self, url: str, level: int, site: Site | None = None) -> scrapy.Request:
        root = site.root if site else self.site_of(root_of(url)).root
        return scrapy.Request(url, callback=self.parse_sitemap, cb_kwargs={"root": root, "level": level})

    def read_sitemap(self, response: Response):
        """The response's sitemap entries, or None (counted as malformed when it claims to be one)."""
        max_size = self.settings.getint("DOWNLOAD_MAXSIZE") if getattr(self, "crawler", None) else 8 << 20
        try:
            entries = sitemap_entries(response.body, max_size)
        except ValueError as exc:
            self.malformed(response, f"sitemap: {exc}")
            return None
        if entries is not None:
            self.count("pages/sitemap")
        return entries

    def parse_sitemap(self, response: Response, root: str, level: int) -> Iterator[scrapy.Request]:
        site = self.site_of(root)
        entries = self.read_sitemap(response)
        if entries is None:
            if isinstance(response, HtmlResponse):  # a start URL that is a page after all
                yield from self.parse_page(response, root=root, depth=0, follow=True)
            else:
                self.malformed(response, "sitemap: neither a urlset nor a sitemap index")
            return
        yield from self.sitemap_followups(entries, level, site)

    def sitemap_followups(self, entries: Any, level: int, site: Site) -> Iterator[scrapy.Request]:
        site.sitemaps += 1
        urls = [u for u in entries.urls if self.on_site(u, site.root)]
        if entries.kind == "sitemapindex":
            if level + 1 > self.max_sitemap_depth:
                self.logger.warning("sitemap index nested deeper than %d levels on %s: not followed",
                                    self.max_sitemap_depth, site.root)
                return
            yield from (self.sitemap_request(u, level + 1, site) for u in urls)
        else:
            yield from (self.page_request(u, site, depth=self.max_depth, follow=False) for u in urls)

    # -- pages -----------------------------------------------------------------------

    def start_page_requests(self, site: Site, follow: bool) -> Iterator[scrapy.Request]:
        for url in site.start_pages:
            yield self.page_request(url, site, depth=0, follow=follow)

    def page_request(self, url: str, site: Site, depth: int, follow: bool) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_page, cb_kwargs={"root": site.root, "depth": depth, "follow": follow})

    def parse_page(self, response: Response, root: str, depth: int, follow: bool) -> Iterator[Any]:
        site = self.site_of(root)
        if not isinstance(response, HtmlResponse):
            entries = self.read_sitemap(response) if depth == 0 else None
            if entries is not None:  # a start URL that is a sitemap after all
                yield from self.sitemap_followups(entries, 0, site)
            return
        self.count("pages/site")
        result = self.parsed(response, "site page", lambda r: _extract(r.text, r.url))
        if result is not None:
            for name, n in (getattr(result, "counts", None) or {}).items():
                if n:
                    self.count(f"sites/{name}", int(n))
            for position, found in enumerate(result.listings):
                yield self.item(found, response.url, position, len(result.listings), site)
        if follow and depth < self.max_depth:
            yield from self.follow_links(response, site, depth)

    def follow_links(self, response: Response, site: Site, depth: int) -> Iterator[scrapy.Request]:
        for link in self._links.extract_links(response):
            url = urlunsplit(urlsplit(link.url)._replace(fragment=""))
            if self.on_site(url, site.root):
                yield self.page_request(url, site, depth + 1, follow=True)

    def on_site(self, url: str, root: str) -> bool:
        if same_site(url, root):
            return True
        self.count("sites/offsite_skipped")
        return False

    def item(self, found: Any, url: str, position: int, total: int, site: Site) -> TherapistListing:
        listing = found if isinstance(found, TherapistListing) else TherapistListing.from_dict(dict(found))
        if not listing.id:
            listing.id = listing_id(url, str(position) if total > 1 else None)
        listing.source = self.name
        listing.url = listing.url or url
        listing.website = listing.website or site.root + "/"
        listing.scraped_at = listing.scraped_at or self.now_iso()
        return listing


def _extract(html: str, url: str) -> Any:
    # X's extraction package; imported here so the spider loader never depends on it being importable.
    from spiders.parse.schemaorg import extract_page

    return extract_page(html, url)


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return [str(v) for v in value]


def _looks_like_sitemap(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(_SITEMAP_SUFFIXES)
