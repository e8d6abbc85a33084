"""The options `knead crawl` shares with `knead enqueue` and `knead publish --redis`, defined once.

- `source_options`: what to crawl (--start-url, --sitemap, --from-listings,
  --state, --zip, --city, --api-url, --board, --url, --file), and
  `start_urls()`, which checks them against the source and makes them the
  crawl's start URLs (search_cli.crawl_areas, crawl_sites, crawl_roster): a
  crawl seeded in Redis starts, and is scoped, as `knead crawl SOURCE` with
  the same options.
- `accept_drop_option`, `stale_days_option`, `no_index_option`: how a
  finished crawl is published, by `knead crawl` or `knead publish --redis`.
- `HttpUrl`: the click type of every URL option.

Imports neither Scrapy nor a spider (the help of `knead crawl` stays fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from index.records.datadir import DataDir
from search_cli import crawl_areas, crawl_roster, crawl_sites
from search_cli.options import StateType

STALE_DAYS = 90  # days a listing complete crawls have missed before it is dropped


class HttpUrl(click.ParamType):
    """An absolute http(s) URL; anything else (file:, ftp:, a bare host) is a usage error."""

    name = "URL"

    def convert(self, value, param, ctx):
        parts = urlsplit(str(value).strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            self.fail(f"{value!r} is not an http(s) URL (for example https://directory.example/find-massage-therapist/)", param, ctx)
        return parts.geturl()


_SOURCE_OPTIONS = (
    click.option("--start-url", "start_urls", multiple=True, type=HttpUrl(), help="A results page (or the JSON API) to start from; repeat for several."),
    click.option("--sitemap", "sitemaps", multiple=True, type=HttpUrl(), help="sites: a sitemap (or sitemap index) to crawl the pages of; repeat for several."),
    click.option("--from-listings", is_flag=True, help="sites: crawl the website of every listing already in the store."),
    click.option("--state", "states", multiple=True, type=StateType(), help="nppes: a state to crawl the NPI registry for; repeat for several."),
    click.option("--zip", "zips", multiple=True, type=crawl_areas.ZipType(), help="nppes: a ZIP code to crawl; repeat for several."),
    click.option("--city", "cities", multiple=True, type=crawl_areas.CityType(), help='nppes: a city to crawl, "NAME, ST"; repeat for several.'),
    click.option("--api-url", type=HttpUrl(), default=None, help="nppes: the registry API's address (default: the public NPI registry)."),
    click.option("--board", type=crawl_roster.BoardType(), default=None, help="roster: the state board whose licence roster to crawl."),
    click.option("--url", "roster_url", type=HttpUrl(), default=None, help="roster: the portal's base URL (default: the board's own portal)."),
    click.option("--file", "roster_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="roster: read the board's bulk CSV export instead of its portal."),
)
# The parameters `source_options` adds, by name (what a worker refuses: they are given to `knead enqueue`).
SOURCE_PARAMS = ("start_urls", "sitemaps", "from_listings", "states", "zips", "cities", "api_url", "board",
                 "roster_url", "roster_file")

accept_drop_option = click.option("--accept-drop", is_flag=True, help="Publish even if the crawl found under 80% of the listings of the last published one.")
stale_days_option = click.option("--stale-days", type=click.FloatRange(min=0), default=STALE_DAYS, show_default=True, help="Drop listings that complete crawls have not found for this many days.")
no_index_option = click.option("--no-index", is_flag=True, help="Publish to the store of record only; do not rebuild the index.")


def source_options(command):
    """Add the options that say what to crawl, in `knead crawl`'s order."""
    for option in reversed(_SOURCE_OPTIONS):
        command = option(command)
    return command


def start_urls(source: str | None, data_dir: DataDir, *, start_urls, sitemaps, from_listings: bool, states, zips,
               cities, api_url: str | None, board: str | None, roster_url: str | None, roster_file: Path | None,
               command: str = "crawl") -> tuple[tuple[str, ...], dict[str, Any]]:
    """(start URLs, extra Scrapy settings) of a crawl of `source` from `source_options`' values.

    A registry's areas, a roster's board and the sites' sitemaps and listings
    become start URLs; UsageError for options that do not go with the source,
    or a source given nothing to start from."""
    area_urls = crawl_areas.start_urls(source, states, zips, cities, api_url, start_urls)
    if area_urls:
        start_urls = tuple(area_urls)
    site_urls = crawl_sites.start_urls(source, start_urls, sitemaps, from_listings, data_dir)
    start_urls = tuple(site_urls) if site_urls else tuple(start_urls)
    roster_urls, roster_settings = crawl_roster.start_urls(source, board, roster_url, roster_file, start_urls)
    start_urls = tuple(roster_urls) if roster_urls else start_urls
    if source is None and start_urls:
        raise click.UsageError(f"--start-url needs a SOURCE, e.g. `knead {command} amta --start-url URL`.")
    if source is not None and not start_urls:
        raise click.UsageError(f"`knead {command} {source}` needs at least one --start-url.")
    return start_urls, roster_settings
