"""Sitemaps and robots.txt `Sitemap:` lines, read with Scrapy's own sitemap helpers (pure).

`sitemap_entries(body, url, max_size)` gives a sitemap's kind ("urlset" or
"sitemapindex") and its `<loc>` URLs, from plain or gzipped XML (a `.xml.gz`
file, or one a server sent without Content-Encoding); None when the body is
not a sitemap (an HTML 404 page answered with 200, a soft error). Parsing is
`scrapy.utils.sitemap.Sitemap` (lxml in recover mode, entities off);
`robots_sitemaps` is `scrapy.utils.sitemap.sitemap_urls_from_robots`.
`same_site(url, root)` is the one test of "this URL belongs to the site being
crawled": same scheme, host and port.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

# Where a site without a `Sitemap:` line in robots.txt usually keeps one, in the order tried.
WELL_KNOWN = ("/sitemap.xml", "/sitemap_index.xml")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class SitemapEntries:
    kind: str  # "urlset" (pages) or "sitemapindex" (more sitemaps)
    urls: list[str]


def root_of(url: str) -> str:
    """"scheme://host[:port]" of an absolute URL: the site it belongs to."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def same_site(url: str, root: str) -> bool:
    return root_of(url) == root


def robots_sitemaps(body: bytes, url: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt body, absolute, duplicates removed."""
    out: list[str] = []
    for found in sitemap_urls_from_robots(body, base_url=url):
        if found and found not in out:
            out.append(found)
    return out


def sitemap_entries(body: bytes, max_size: int) -> SitemapEntries | None:
    """The kind and `<loc>` URLs of a sitemap body; None when it is not one.

    Raises `ValueError` for a gzipped body that decompresses past `max_size` (a gzip bomb)."""
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_size)
        except (ValueError, OSError, EOFError, zlib.error) as exc:  # past max_size (a ValueError), or damaged
            raise ValueError(f"gzipped sitemap could not be read: {exc}") from None
    head = body.lstrip()[:512].lower()
    if not (head.startswith(b"<?xml") or b"<urlset" in head or b"<sitemapindex" in head):
        return None
    try:
        sitemap = Sitemap(body)
        if sitemap.type not in ("urlset", "sitemapindex"):
            return None
        return SitemapEntries(sitemap.type, _unique(entry["loc"] for entry in sitemap if entry.get("loc")))
    except (lxml.etree.LxmlError, StopIteration):  # lxml gives up even in recover mode, or no root: not a sitemap
        return None


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(u.strip() for u in urls if u.strip()))  # a sitemap holds up to 50,000
