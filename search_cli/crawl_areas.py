"""`knead crawl nppes`'s areas: --state, --zip, --city and --api-url, checked and made start URLs.

A registry is crawled by area, not from a start URL: each area given becomes
one API query URL (spiders.parse.nppes.area_urls), which is also what the
crawl's scope (and so its stale marking) is made of. A ZIP or city the offline
ZIP table does not know is a usage error naming the closest city, before
anything is fetched.
"""

from __future__ import annotations

import click

from index.records.datadir import DataDir

# Sources crawled by area rather than from start URLs.
AREA_SOURCES = ("nppes",)


def _resolve(value: str, ctx) -> None:
    """ValueError (naming the closest city) unless the ZIP table knows the ZIP or "City, ST"."""
    from index.geo.places import resolve_near

    data_dir = ctx.find_object(DataDir) if ctx is not None else None
    resolve_near(value, data_dir.root if data_dir else None)


class ZipType(click.ParamType):
    """A 5-digit US ZIP code the ZIP table knows."""

    name = "ZIP"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not (len(text) == 5 and text.isdigit()):
            self.fail(f"'{value}' is not a 5-digit ZIP code (for example 06103).", param, ctx)
        try:
            _resolve(text, ctx)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return text


class CityType(click.ParamType):
    """"NAME, ST": a city the ZIP table knows, in a US state."""

    name = '"NAME, ST"'

    def convert(self, value, param, ctx):
        from index.geo.places import split_city_state

        found = split_city_state(str(value)) if "," in str(value) else None
        if not found:
            self.fail(f"'{value}' is not \"NAME, ST\" (for example \"Hartford, CT\").", param, ctx)
        try:
            _resolve(f"{found[0]}, {found[1]}", ctx)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return f"{found[0]}, {found[1]}"


def start_urls(source: str | None, states, zips, cities, api_url: str | None, given_urls) -> list[str] | None:
    """The start URLs of an area source's crawl; None for other sources. UsageError for a
    combination that cannot work (areas for another source, none for an area source)."""
    has_areas = bool(states or zips or cities or api_url)
    if source not in AREA_SOURCES:
        if has_areas:
            raise click.UsageError("--state, --zip, --city and --api-url are for `knead crawl nppes` "
                                   "(the NPI registry), e.g. `knead crawl nppes --state CT`.")
        return None
    if given_urls:
        raise click.UsageError(f"`knead crawl {source}` takes areas (--state, --zip, --city), not --start-url.")
    if not (states or zips or cities):
        raise click.UsageError(f"`knead crawl {source}` needs an area: --state CT, --zip 06103 or --city \"Hartford, CT\".")
    from spiders.parse import nppes

    return nppes.area_urls(api_url or nppes.API_URL, states, zips, cities)
