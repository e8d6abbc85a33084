"""`RedirectGuardMiddleware`: loops, other hosts and other schemes are refused before a redirect is followed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from spiders.middlewares.hosts import WEB_PORTS, AllowedHosts, origin
from spiders.middlewares.report import failed


class RedirectGuardMiddleware:
    """Refuse loops, other hosts and other schemes before RedirectMiddleware follows them."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self._allowed: AllowedHosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or location is None:
            return response
        if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
            return response
        reason, target = self._refusal(request, location)
        if reason is None:
            return response
        self.stats.inc_value(f"knead/redirect_refused/{reason}")
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        failed(self.stats, first, f"redirect refused: {reason.replace('_', ' ')}: {target}")
        raise IgnoreRequest(f"redirect refused ({reason}): {request.url} -> {target}")

    def _refusal(self, request: Any, location: bytes) -> tuple[str | None, str]:
        try:
            target = urljoin(request.url, safe_url_string(location.decode("latin-1").strip()))
            scheme, _, _ = origin(target)
        except ValueError:
            return "bad_location", location.decode("latin-1", "replace")[:200]
        if scheme not in WEB_PORTS:
            return "scheme", target[:200]
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target.split("#", 1)[0] in {u.split("#", 1)[0] for u in chain}:
            return "loop", target
        if self._allowed is None:
            self._allowed = AllowedHosts(self.crawler.spider)
        if not self._allowed.allows(target):
            return "other_host", target
        if request.meta.get("redirect_times", 0) >= self.max_redirects:
            return "too_many", target
        return None, target
