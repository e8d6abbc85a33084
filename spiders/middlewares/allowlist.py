"""`HostAllowListMiddleware`: only the start URLs' hosts are ever fetched, `dont_filter` or not."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest

from spiders.middlewares.hosts import AllowedHosts
from spiders.middlewares.report import failed


class HostAllowListMiddleware:
    """Refuse every request to a host the crawl was not started on, `dont_filter` or not."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self._allowed: AllowedHosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostAllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if self._allowed is None:
            self._allowed = AllowedHosts(self.crawler.spider)
        if self._allowed.allows(request.url):
            return
        if request.meta.get("redirect_urls"):  # a meta refresh (HTTP redirects are checked earlier)
            self.stats.inc_value("knead/redirect_refused/other_host")
            failed(self.stats, request.meta["redirect_urls"][0], f"redirect refused: other host: {request.url}")
        else:
            self.stats.inc_value("knead/offsite_refused")
            failed(self.stats, request.url, "refused: not a start URL's host")
        raise IgnoreRequest(f"not on an allowed host: {request.url}")
