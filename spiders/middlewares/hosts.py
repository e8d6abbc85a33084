"""Which hosts a crawl may touch: the start URLs' hosts only, for requests and for redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from spiders.middlewares.report import failed

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL; ValueError for a bad port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


class _AllowedHosts:
    """The start URLs' hosts and the spider's `allowed_domains`, with their subdomains,
    each on 80/443 or a port a start URL names."""

    def __init__(self, spider: Any):
        self.ports: dict[str, set[int | None]] = {}
        for domain in getattr(spider, "allowed_domains", None) or ():
            if domain:
                self.ports.setdefault(domain.lower(), {80, 443})
        for url in getattr(spider, "start_urls", None) or ():
            try:
                _, host, port = _origin(url)
            except ValueError:
                continue
            if host:
                self.ports.setdefault(host, {80, 443}).add(port)

    def allows(self, url: str) -> bool:
        if not self.ports:
            return True  # a spider without start URLs: nothing to restrict to
        try:
            scheme, host, port = _origin(url)
        except ValueError:
            return False
        if scheme not in _DEFAULT_PORTS:
            return False
        return any(
            (host == allowed or host.endswith("." + allowed)) and port in ports
            for allowed, ports in self.ports.items()
        )


class HostAllowListMiddleware:
    """Refuse every request to a host the crawl was not started on, `dont_filter` or not."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self._allowed: _AllowedHosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostAllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if self._allowed is None:
            self._allowed = _AllowedHosts(self.crawler.spider)
        if self._allowed.allows(request.url):
            return
        if request.meta.get("redirect_urls"):  # a meta refresh (HTTP redirects are checked earlier)
            self.stats.inc_value("knead/redirect_refused/other_host")
            failed(self.stats, request.meta["redirect_urls"][0], f"redirect refused: other host: {request.url}")
        else:
            self.stats.inc_value("knead/offsite_refused")
            failed(self.stats, request.url, "refused: not a start URL's host")
        raise IgnoreRequest(f"not on an allowed host: {request.url}")


class RedirectGuardMiddleware:
    """Refuse loops, other hosts and other schemes before RedirectMiddleware follows them."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self._allowed: _AllowedHosts | None = None

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
            scheme, _, _ = _origin(target)
        except ValueError:
            return "bad_location", location.decode("latin-1", "replace")[:200]
        if scheme not in _DEFAULT_PORTS:
            return "scheme", target[:200]
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target.split("#", 1)[0] in {u.split("#", 1)[0] for u in chain}:
            return "loop", target
        if self._allowed is None:
            self._allowed = _AllowedHosts(self.crawler.spider)
        if not self._allowed.allows(target):
            return "other_host", target
        if request.meta.get("redirect_times", 0) >= self.max_redirects:
            return "too_many", target
        return None, target
