"""`FailureLogMiddleware`: what finally failed, as "URL (reason)", for the crawl summary."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest

from spiders.middlewares.report import failed
from spiders.middlewares.unreachable import host_of, unreachable_reason


class FailureLogMiddleware:
    """Record each URL that finally failed, as "URL (reason)", in `knead/failed_urls`.

    A response that lost part of its body (flag `dataloss`, possible only when
    `DOWNLOAD_FAIL_ON_DATALOSS` is switched off) is failed here too, so a
    truncated page never reaches a parser.
    """

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailureLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        if "dataloss" in response.flags:
            failed(self.stats, request.url, "truncated body")
            raise IgnoreRequest(f"truncated body: {request.url}")
        # A probe (the sites spider asking for /sitemap.xml) that is not there is no failure.
        if response.status >= 400 and not request.url.endswith("/robots.txt") and not request.meta.get("knead_probe"):
            failed(self.stats, request.url, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or request.url.endswith("/robots.txt") or request.meta.get("knead_probe"):
            return
        reason = unreachable_reason(exception)
        failed(self.stats, request.url, f"{host_of(request.url)} unreachable: {reason}" if reason
               else type(exception).__name__)
        return
