"""`nppes`: massage therapists from the NPI registry's API, area by area.

    scrapy crawl nppes -a state=CT -a api_url=http://127.0.0.1:PORT/api/
    scrapy crawl nppes -a zip=06103,06106 -a city='Hartford, CT; Boston, MA'
    knead crawl nppes --state CT

Areas (`state`, `zip`, `city` "NAME, ST"; several split at commas, `city` at
semicolons) become one start URL each (`spiders.parse.nppes.area_query`), so
the crawl's scope, and with it stale marking, is exactly the areas asked for.
`knead crawl` passes those URLs as `start_urls`.

The API answers at most 200 records a call and skips at most 1,000. When a
query's first page comes back full, its last reachable page (skip 1,000) is
asked next; when that is full too, the query is capped and is split into
narrower ones: a state into its
ZIP-3 prefixes (from the offline ZIP table, index.geo.ziptable, plus those
seen in the answers), a prefix into its ZIPs, a city into its ZIPs, a ZIP
into the cities its records name, and last into individuals and
organisations. Records are deduplicated by NPI, so the overlap between a
capped query and its pieces yields nothing twice. (Cities split a ZIP only
by the names its answers showed: the API has no "every other city" query.) A query that cannot be
split further is counted (`knead/source_capped`) and named in the log.

Counted: `pages/api`; `knead/source_errors/<description>` for each `Errors`
answer (also a failed URL, so the publish gate weighs it);
`listings/dropped/not_massage` and `listings/dropped/deactivated` for records
left out; `nppes/seen_again` for records already yielded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from spiders.directories.base import DirectorySpider
from spiders.items import TherapistListing
from spiders.middlewares.report import failed
from spiders.parse import nppes as parse

PAGE_SIZE = 200  # the API's largest page
MAX_SKIP = 1000  # the API's largest skip: one query reaches PAGE_SIZE + MAX_SKIP records


@dataclass
class Query:
    """One area query being paged, and what its answers showed (for splitting it)."""

    area: dict[str, str]
    zips: set[str] = field(default_factory=set)  # 5-digit ZIPs of its records
    cities: set[str] = field(default_factory=set)  # cities of its records, as the registry writes them

    def data(self) -> dict[str, Any]:
        """The query as its requests carry it: plain data, so a crawl spread over workers can send it
        through Redis (spiders.redis.serializer)."""
        return {"area": self.area, "zips": sorted(self.zips), "cities": sorted(self.cities)}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Query:
        return cls(dict(data["area"]), set(data.get("zips") or ()), set(data.get("cities") or ()))


def _split_list(value: Any, separators: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [str(v).strip() for v in value if str(v).strip()]
    for sep in separators[1:]:
        value = value.replace(sep, separators[0])
    return [v.strip() for v in value.split(separators[0]) if v.strip()]


class NppesSpider(DirectorySpider):
    name = "nppes"

    def __init__(self, state: Any = None, zip: Any = None, city: Any = None, api_url: str | None = None,
                 start_url: str | None = None, start_urls: Any = None, *args: Any, **kwargs: Any) -> None:
        api = parse.API_URL if api_url is None else api_url
        asked = parse.area_urls(api, _split_list(state, ", "), _split_list(zip, ", "), _split_list(city, ";"))
        if not asked and start_url is None and start_urls is None:
            raise ValueError("no area: pass -a state=CT, -a zip=06103 or -a city='Hartford, CT' (and -a api_url=URL)")
        given = [*([start_url] if start_url else []), *_split_list(start_urls, " ")]
        super().__init__(None, asked + given, *args, **kwargs)
        for url in self.start_urls:
            if not parse.area_of(url):
                raise ValueError(f"start URL {url!r} names no area (state, city or postal_code)")
        self.seen: set[str] = set()
        self._zips_by_state: dict[str, list[tuple[str, str]]] | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.page_request(url, Query(parse.area_of(url)), 0)

    def page_request(self, start_url: str, query: Query, skip: int, follow: bool = False) -> scrapy.Request:
        """One page of `query`; `follow`: ask for the next page when this one comes back full."""
        parts = urlsplit(start_url)
        params = {"version": parse.API_VERSION, "taxonomy_description": parse.TAXONOMY_DESCRIPTION,
                  **query.area, "limit": PAGE_SIZE, "skip": skip}
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params, safe="*"), ""))
        return scrapy.Request(url, callback=self.parse_page,
                              cb_kwargs={"start_url": start_url, "query": query.data(), "skip": skip, "follow": follow})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return iter(())

    def parse_page(self, response: Response, start_url: str, query: dict[str, Any], skip: int,
                   follow: bool = False) -> Iterator[Any]:
        """Listings of one page, then what to ask next.

        A full first page may hide a capped query: the last page the API
        serves (skip 1,000) is asked next. Full too: the query is capped and
        is split at once (two pages spent instead of six). Not full: the
        pages between are asked, all at once when the last one held records,
        else one after another until one is not full.
        """
        return self._page(response, start_url, Query.of(query), skip, follow)

    def _page(self, response: Response, start_url: str, query: Query, skip: int, follow: bool) -> Iterator[Any]:
        answer = self.parsed(response, "api", lambda r: parse.api_answer(json.loads(r.text)))
        if answer is None:
            return
        self.count("pages/api")
        for description in answer.errors:
            self.count(f"knead/source_errors/{description}")
            failed(self.crawler.stats, response.url, f"registry error: {description}")
            self.logger.warning("the registry answered an error for %s: %s", response.url, description)
        for result in answer.results:
            yield from self.listing(result, query)
        full = len(answer.results) >= PAGE_SIZE
        middle = range(PAGE_SIZE, MAX_SKIP, PAGE_SIZE)
        if skip == 0:
            if full:
                yield self.page_request(start_url, query, MAX_SKIP)
        elif skip == MAX_SKIP:
            pieces = self.split(query) if full else []
            if full and not pieces:
                self.count("knead/source_capped")
                self.logger.warning("%s answers more than %d records and cannot be split further: some are "
                                    "unreachable", response.url, PAGE_SIZE + MAX_SKIP)
            if pieces:
                self.count("nppes/split_queries")
                for area in pieces:
                    yield self.page_request(start_url, Query(area), 0)
            elif answer.results:
                for page in middle:
                    yield self.page_request(start_url, query, page)
            else:
                yield self.page_request(start_url, query, middle[0], follow=True)
        elif follow and full and skip + PAGE_SIZE < MAX_SKIP:
            yield self.page_request(start_url, query, skip + PAGE_SIZE, follow=True)

    def listing(self, result: dict[str, Any], query: Query) -> Iterator[TherapistListing]:
        mapped = parse.api_record(result)
        where = next((a for a in result.get("addresses") or [] if isinstance(a, dict)
                      and str(a.get("address_purpose", "")).upper() == "LOCATION"), {})
        zip5 = parse.zip5(where.get("postal_code"))
        if zip5:
            query.zips.add(zip5)
        if where.get("city"):
            query.cities.add(str(where["city"]).strip().upper())
        npi = mapped.npi if isinstance(mapped, parse.Skipped) else mapped["npi"]
        if npi in self.seen:
            self.count("nppes/seen_again")  # the overlap of a capped query and its pieces
            return
        if npi:
            self.seen.add(npi)
        if isinstance(mapped, parse.Skipped):
            self.count(f"listings/dropped/{mapped.reason}")
            return
        yield TherapistListing(scraped_at=self.now_iso(), **mapped)

    # -- splitting a capped query ------------------------------------------------

    def split(self, query: Query) -> list[dict[str, str]]:
        """Narrower areas that together cover `query`'s (empty: it cannot be split)."""
        area = query.area
        postal, state, city = area.get("postal_code", ""), area.get("state"), area.get("city")
        if "enumeration_type" in area:
            return []
        if not postal and not city and state:  # a state: its ZIP-3 prefixes
            prefixes = {z[:3] for z, _ in self.state_zips(state)} | {z[:3] for z in query.zips}
            return [{**area, "postal_code": f"{p}*"} for p in sorted(prefixes)]
        if postal.endswith("*") or (city and not postal):  # a prefix or a city: its ZIPs
            prefix = postal.rstrip("*")
            known = {z for z, c in self.state_zips(state) if not city or c == city}
            zips = {z for z in known | query.zips if z.startswith(prefix)}
            return [{**area, "postal_code": z} for z in sorted(zips)]
        if not city and len(query.cities) > 1:  # a ZIP that several city names share
            return [{**area, "city": c} for c in sorted(query.cities)]
        return [{**area, "enumeration_type": kind} for kind in ("NPI-1", "NPI-2")]

    def state_zips(self, state: str | None) -> list[tuple[str, str]]:
        """(ZIP, CITY) of every ZIP of `state` in the offline ZIP table (loaded once, from the data directory's cache)."""
        if not state:
            return []
        if self._zips_by_state is None:
            from index.geo import ziptable
            from index.records.datadir import DataDir

            table = ziptable.load(DataDir.resolve(self.settings.get("KNEAD_DATA_DIR")).root)
            by_state: dict[str, list[tuple[str, str]]] = {}
            for zip5, row in table.zips.items():
                _lat, _lon, city, code = row.split("|")
                by_state.setdefault(code, []).append((zip5, city.upper()))
            self._zips_by_state = by_state
        return self._zips_by_state.get(state.upper(), [])
