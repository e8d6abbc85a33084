"""robots.txt that answers 5xx or cannot be fetched disallows the host (RFC 9309).

A host that cannot be reached at all (DNS failure, refused connection, TLS
handshake failure: spiders.middlewares.unreachable) is not a robots.txt
decision: its URLs are counted as failed, "HOST unreachable: REASON", not as
skipped for robots.txt, and are not requested again.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from spiders.middlewares.report import failed, remember
from spiders.middlewares.unreachable import unreachable_reason

_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._unreachable: dict[str, str] = {}  # netloc -> why

    def process_request_2(self, rp: Any, request: Any) -> None:
        netloc = urlparse_cached(request).netloc
        reason = self._unreachable.get(netloc)
        if reason:
            failed(self._stats, request.url, f"{netloc} unreachable: {reason}")
            raise IgnoreRequest(f"{netloc} unreachable: {reason}")
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            remember(self._stats, "knead/robots_skipped_urls", request.url)
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
        reason = unreachable_reason(exc)
        if reason:
            self._unreachable[netloc] = reason
            self._stats.inc_value("knead/unreachable_hosts")
        # The fetch failed (timeout, refused): disallow everything on that host.
        self._stats.inc_value("robotstxt/unavailable_disallow_all")
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, _DISALLOW_ALL)
