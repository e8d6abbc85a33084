"""`knead crawl sites`: --start-url, --sitemap and --from-listings made start URLs, and the summary's lines.

Practice websites are crawled from a site's address (its robots.txt and
sitemaps are found from there), from a sitemap given directly, or from every
`website` the listings already in the store of record point to. At least one
of the three is needed; --sitemap and --from-listings belong to `sites` alone.
A sitemap is passed to the spider as a start URL: the spider reads a start
URL ending in `.xml`, `.xml.gz` or `/robots.txt` (or one that answers with a
sitemap) as a sitemap (spiders.directories.sites).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from index.records.datadir import DataDir

SOURCE = "sites"
NEEDS = "--start-url URL, --sitemap URL or --from-listings"


def start_urls(source: str | None, given_urls, sitemaps, from_listings: bool, data_dir: DataDir) -> list[str] | None:
    """The start URLs of a `sites` crawl; None for other sources. UsageError for --sitemap or
    --from-listings with another source, or a `sites` crawl with none of the three."""
    if source != SOURCE:
        if sitemaps or from_listings:
            raise click.UsageError("--sitemap and --from-listings are for `knead crawl sites` "
                                   "(practice websites), e.g. `knead crawl sites --from-listings`.")
        return None
    if not (given_urls or sitemaps or from_listings):
        raise click.UsageError(f"`knead crawl sites` needs at least one of {NEEDS}.")
    urls = list(dict.fromkeys([*given_urls, *sitemaps]))
    if from_listings:
        websites = listing_websites(data_dir)
        if not websites and not urls:
            raise click.ClickException("No listing in the store of record names a website; crawl a directory "
                                       "first (`knead crawl`), or give --start-url or --sitemap.")
        urls += [u for u in websites if u not in urls]
    return urls


def listing_websites(data_dir: DataDir) -> list[str]:
    """Every distinct http(s) `website` of the listings in the store, as a site's home page URL."""
    from index.records.store import RecordStore

    if not data_dir.records_path.exists():
        return []
    found: dict[str, None] = {}
    with RecordStore(data_dir.records_path) as store:
        for listing in store.listings(include_stale=False):
            url = home_page(listing.get("website"))
            if url:
                found[url] = None
    return sorted(found)


def home_page(website: object) -> str | None:
    """"www.stillpoint.example/about" -> "http://www.stillpoint.example/": the site, not the page; None
    when it names no http(s) host."""
    if not isinstance(website, str) or not website.strip():
        return None
    text = website.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/"


def report_lines(report) -> list[str]:
    """What a `sites` crawl adds to the summary: sitemaps found, sites crawled by links, markup counts."""
    if report.source != SOURCE:
        return []
    stats = report.stats

    def n(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    lines = [(f"  sites:                {n('sites/sitemaps_found')} with a sitemap, {n('sites/no_sitemap')} "
              f"crawled by their links, {n('pages/site')} pages read, {n('sites/offsite_skipped')} off-site links "
              "not followed")]
    skipped = [(n("sites/jsonld/malformed"), "malformed JSON-LD blocks skipped"),
               (n("sites/nodes/not_massage"), "businesses that are not massage left out"),
               (n("sites/hours/unreadable"), "opening hours unreadable")]
    shown = [f"{count} {what}" for count, what in skipped if count]
    if shown:
        lines.append("  structured data:      " + ", ".join(shown))
    return lines
