"""Which hosts a crawl may touch: the start URLs' hosts only (shared by the allow-list and the redirect guard)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

WEB_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL; ValueError for a bad port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or WEB_PORTS.get(scheme)


class AllowedHosts:
    """The start URLs' hosts and the spider's `allowed_domains`, with their subdomains,
    each on 80/443 or a port a start URL names."""

    def __init__(self, spider: Any):
        self.ports: dict[str, set[int | None]] = {}
        for domain in getattr(spider, "allowed_domains", None) or ():
            if domain:
                self.ports.setdefault(domain.lower(), {80, 443})
        for url in getattr(spider, "start_urls", None) or ():
            try:
                _, host, port = origin(url)
            except ValueError:
                continue
            if host:
                self.ports.setdefault(host, {80, 443}).add(port)

    def allows(self, url: str) -> bool:
        if not self.ports:
            return True  # a spider without start URLs: nothing to restrict to
        try:
            scheme, host, port = origin(url)
        except ValueError:
            return False
        if scheme not in WEB_PORTS:
            return False
        return any(
            (host == allowed or host.endswith("." + allowed)) and port in ports
            for allowed, ports in self.ports.items()
        )
