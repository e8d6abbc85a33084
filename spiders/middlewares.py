"""Downloader middlewares that make knead's crawl reports honest and its robots.txt strict.

- `StrictRobotsTxtMiddleware` replaces Scrapy's: a robots.txt that answers 5xx
  or cannot be fetched means "disallow all" (RFC 9309 section 2.3.1.4) where
  Scrapy would allow everything; a 4xx still means "no rules". It also keeps
  the URLs it skipped, for the crawl summary.
- `FailureLogMiddleware` sits just outside RetryMiddleware, so it sees what
  retries gave up on (error statuses and download errors) and records the URLs.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import build_from_crawler

MAX_URLS_KEPT = 1000
_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def _remember(stats: Any, key: str, value: str) -> None:
    urls = stats.get_value(key)
    if urls is None:
        urls = []
        stats.set_value(key, urls)
    if len(urls) < MAX_URLS_KEPT:
        urls.append(value)


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def process_request_2(self, rp: Any, request: Any) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            _remember(self._stats, "knead/robots_skipped_urls", request.url)
            raise

    async def _parse_robots(self, response: Any, netloc: str, request: Any) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/unavailable_disallow_all")
            response = response.replace(body=_DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        super()._robots_error(exc, netloc)
        if isinstance(exc, IgnoreRequest):
            return
        # The fetch failed (timeout, refused): disallow everything on that host.
        self._stats.inc_value("robotstxt/unavailable_disallow_all")
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, _DISALLOW_ALL)


class FailureLogMiddleware:
    """Record each URL that finally failed, as "URL (reason)", in `knead/failed_urls`."""

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailureLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status >= 400 and not request.url.endswith("/robots.txt"):
            self.stats.inc_value("knead/failed_count")
            _remember(self.stats, "knead/failed_urls", f"{request.url} (HTTP {response.status})")
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or request.url.endswith("/robots.txt"):
            return None
        self.stats.inc_value("knead/failed_count")
        _remember(self.stats, "knead/failed_urls", f"{request.url} ({type(exception).__name__})")
        return None
