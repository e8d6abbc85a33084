"""`amta`: directories shaped like AMTA's "Find a Massage Therapist" locator.

    scrapy crawl amta -a start_url='https://site/find-massage-therapist/?location=CT'
    scrapy crawl amta -a start_url='https://site/api/v1/famr/getMassageResources'

A start URL is a results page (profiles and the next page are followed), a
profile (`/famt/<slug>`), or the JSON API endpoint (paged with POST until a
page comes back empty or `totalCount` is reached). Parsing lives in
`spiders.parse.amta`; this module only routes pages and builds items with raw
values, which the pipelines normalise.

Stats: `pages/results`, `pages/results_empty`, `pages/api`, `pages/profile`,
`listings/malformed_page`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import JsonRequest, Response, TextResponse

from spiders.directories.base import DirectorySpider
from spiders.items import TherapistListing
from spiders.parse import amta as amta_parse

API_PATH = "/api/v1/famr/getMassageResources"


class AmtaSpider(DirectorySpider):
    name = "amta"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api_seen: dict[str, tuple[str, ...]] = {}  # API URL -> the last page's profile URLs

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            path = urlsplit(url).path.rstrip("/")
            if path.endswith(API_PATH):
                yield self.api_request(url, 1)
            elif "/famt/" in path + "/":
                yield self.profile_request(url)
            else:
                yield scrapy.Request(url, callback=self.parse_results)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        return self.parse_results(response)

    def parse_results(self, response: Response) -> Iterator[scrapy.Request]:
        page = self.parsed(response, "results", lambda r: amta_parse.parse_results(r, r.url))
        if page is None:
            return
        self.count("pages/results")
        if not page.profile_urls and page.next_url is None:
            self.logger.info("results page without results or next page: %s", response.url)
            self.count("pages/results_empty")
        for url in page.profile_urls:
            yield self.profile_request(url)
        if page.next_url:
            yield scrapy.Request(page.next_url, callback=self.parse_results)

    @staticmethod
    def listing_id(url: str) -> str | None:
        slug = amta_parse.slug_from_url(url)
        return f"amta:{slug}" if slug else None

    def profile_request(self, url: str) -> scrapy.Request:
        # The listing id rides along so `--resume` can skip profiles it already has.
        return scrapy.Request(url, callback=self.parse_profile, meta={"listing_id": self.listing_id(url)})

    def api_request(self, api_url: str, page: int) -> JsonRequest:
        query = {k.casefold(): v for k, v in parse_qsl(urlsplit(api_url).query)}
        body = {
            "CurrentPage": page,
            "Location": query.get("location", ""),
            "Keyword": query.get("keyword", ""),
            "ResourceType": query.get("resourcetype", "therapist"),
        }
        return JsonRequest(api_url, data=body, callback=self.parse_api, cb_kwargs={"api_url": api_url, "page": page})

    def parse_api(self, response: Response, api_url: str, page: int) -> Iterator[scrapy.Request]:
        def parse(r: TextResponse) -> tuple[list[dict[str, Any]], bool]:
            data = json.loads(r.text)
            if not isinstance(data, dict):
                raise ValueError("the API answered JSON that is not an object")
            return amta_parse.parse_api(data, r.url), amta_parse.api_has_more(data, page)

        parsed = self.parsed(response, "api", parse)
        if parsed is None:
            return
        entries, more = parsed
        self.count("pages/api")
        urls = tuple(entries)
        if not urls and page == 1:
            self.count("pages/results_empty")
        for url in urls:
            yield self.profile_request(url)
        # A server that ignores CurrentPage repeats its page: stop there.
        if more and urls != self._api_seen.get(api_url):
            self._api_seen[api_url] = urls
            yield self.api_request(api_url, page + 1)

    def parse_profile(self, response: Response) -> Iterator[TherapistListing]:
        def parse(r: TextResponse) -> tuple[str, dict[str, Any]]:
            listing_id = self.listing_id(r.url)
            if not listing_id:
                raise amta_parse.MalformedPage("no profile slug in the URL")
            return listing_id, amta_parse.parse_profile(r, r.url)

        parsed = self.parsed(response, "profile", parse)
        if parsed is None:
            return
        listing_id, fields = parsed
        self.count("pages/profile")
        yield TherapistListing(
            id=listing_id, source=self.name, url=response.url, scraped_at=self.now_iso(), **fields
        )
