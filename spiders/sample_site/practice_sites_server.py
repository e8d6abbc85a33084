"""Serve the bundled practice sites on loopback: one address per site, one port for all.

127.0.0.0/8 is all loopback on Linux, so each site listens on its own address
(127.0.0.10, .11, ...) and a crawler sees as many hosts as there are sites,
each with its own robots.txt, sitemaps and politeness slot:

    with PracticeSitesServer(sites, down=["127.0.0.99"]) as server:
        crawl(server.start_urls())           # ["http://127.0.0.10:PORT/", ...]
        server.requests                      # (address, method, path) of every request, in order
        server.max_in_flight                 # the most requests one address was serving at once

All addresses share one port: the first binds any free port (or `port`), the
others take the same one; when one of them is taken the whole set is tried
again on another port. `down` names addresses left without a listener (a
crawl gets "connection refused" there), for tests of a host that is down;
`latency` makes every answer take that long, so that a polite crawler's
requests to several hosts visibly overlap while each host gets one at a time.
Pages and sitemaps are generated (spiders.sample_site.practice_sites); their
placeholders for the address and port are filled in as they are served.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .practice_sites import BASE, GZ, PORT, PracticeSite

if TYPE_CHECKING:
    from typing import Self

LAST_MODIFIED = "Sat, 14 Mar 2026 09:00:00 GMT"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: PracticeSitesServer
    site: PracticeSite


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "KneadPracticeSite/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head_only=True)

    def do_GET(self) -> None:
        self._answer(head_only=False)

    def _answer(self, head_only: bool) -> None:
        owner, site = self.server.owner, self.server.site
        owner.begin(site.address, self.command, self.path)
        try:
            if owner.latency:
                time.sleep(owner.latency)
            status, body, content_type = owner.answer(site, urlsplit(self.path).path)
            headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
            if status == 200:
                headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
                headers["Last-Modified"] = LAST_MODIFIED
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)
        finally:
            owner.end(site.address)


class PracticeSitesServer:
    """Every practice site on its own loopback address, all on one port, each in a thread."""

    def __init__(self, sites: list[PracticeSite], port: int = 0, down: Iterable[str] = (), latency: float = 0.0,
                 strict_port: bool = False):
        self.sites = list(sites)
        self.strict_port = strict_port  # `port` or nothing (the bundled samples share one port)
        self.latency = latency  # seconds each answer takes, so that requests to several hosts overlap
        self.port = port
        self.down = list(down)
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, str]] = []
        self._in_flight: Counter[str] = Counter()
        self._max_in_flight: Counter[str] = Counter()
        self._busy_hosts_max = 0

    # -- what was asked ----------------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self._requests)

    def paths(self, address: str) -> list[str]:
        """The paths asked of one site, in order."""
        return [path for host, _, path in self.requests if host == address]

    @property
    def max_in_flight(self) -> dict[str, int]:
        """Per address, the most requests it was serving at the same moment."""
        with self._lock:
            return dict(self._max_in_flight)

    @property
    def most_hosts_at_once(self) -> int:
        """The most addresses that were serving a request at the same moment."""
        with self._lock:
            return self._busy_hosts_max

    def begin(self, address: str, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((address, method, path))
            self._in_flight[address] += 1
            self._max_in_flight[address] = max(self._max_in_flight[address], self._in_flight[address])
            busy = sum(1 for n in self._in_flight.values() if n > 0)
            self._busy_hosts_max = max(self._busy_hosts_max, busy)

    def end(self, address: str) -> None:
        with self._lock:
            self._in_flight[address] -= 1

    # -- answers -----------------------------------------------------------------------

    def base(self, site: PracticeSite) -> str:
        return f"http://{site.address}:{self.port}"

    def start_urls(self) -> list[str]:
        """Every site's home page, then the `down` addresses' (nothing answers there)."""
        return [self.base(site) + "/" for site in self.sites] + [f"http://{a}:{self.port}/" for a in self.down]

    def fill(self, site: PracticeSite, text: str) -> bytes:
        return text.replace(BASE, self.base(site)).replace(PORT, str(self.port)).encode("utf-8")

    def answer(self, site: PracticeSite, path: str) -> tuple[int, bytes, str]:
        if path in site.pages:
            return 200, self.fill(site, site.pages[path]), "text/html; charset=utf-8"
        if path in site.files:
            body, content_type = site.files[path]
            data = self.fill(site, body.decode("utf-8"))
            return 200, gzip.compress(data, mtime=0) if content_type == GZ else data, content_type
        return 404, b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>\n", "text/html; charset=utf-8"

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> Self:
        if self._servers:
            return self
        for _attempt in range(20):
            try:
                self._bind_all()
                break
            except OSError:
                self._close_all()
                if self.strict_port:
                    raise
                self.port = 0  # that port is taken on one of the addresses: try another
        else:
            raise OSError("no port was free on every practice-site address")
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"practice-site-{server.site.address}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _bind_all(self) -> None:
        for site in self.sites:
            server = _Server((site.address, self.port), _Handler)
            server.owner, server.site = self, site
            self.port = server.server_address[1]
            self._servers.append(server)

    def _close_all(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers = []

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
