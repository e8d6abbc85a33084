"""Serve a sample directory on loopback with the standard library.

`SampleSite` runs a `ThreadingHTTPServer` (HTTP/1.1, keep-alive, every answer
with a Content-Length) in a background thread:

    with SampleSite(size=1200, seed=7) as site:
        crawl(site.start_url)
        assert not any(p.startswith("/members/") for _, p in site.requests)

Routes: `/` (home), `/find-massage-therapist/?location=&keyword=&page=`
(results), `/famt/<slug>` (profiles), `POST /api/v1/famr/getMassageResources`
(JSON), `/robots.txt`, `/members/...` (disallowed: login wall), and the other
bundled stand-ins under their prefixes (`/nppes/api/`: the NPI registry's API;
spiders.sample_site.bundled); anything else 404. Paths in `fail_once` answer 503 the first time they are requested.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from . import pages
from .bundled import SAMPLES, BundledData, mounted
from .generator import SampleDirectory, generate

# One fixed date: the sample directory's pages never change for a given size and seed.
LAST_MODIFIED = "Sat, 14 Mar 2026 09:00:00 GMT"

if TYPE_CHECKING:
    from typing import Self

API_PATH = "/api/v1/famr/getMassageResources"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of ~16 concurrent connections without refusals
    site: SampleSite


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response sets Content-Length
    server: _Server
    server_version = "KneadSample/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8",
              head_only: bool = False, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        headers = dict(headers or {})
        if status == 200 and self.command in ("GET", "HEAD"):
            # Validators, as real directories send them, so recrawls can revalidate (304).
            headers["ETag"] = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
            headers["Last-Modified"] = LAST_MODIFIED
            if headers["ETag"] in (self.headers.get("If-None-Match") or ""):
                status, data = 304, b""
        self.server.site.record_status(self.path, status)
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head_only and data:
            self.wfile.write(data)

    def _base_url(self) -> str:
        host = self.headers.get("Host") or f"{self.server.site.host}:{self.server.server_address[1]}"
        return f"http://{host}"

    def _route(self, method: str) -> None:
        site = self.server.site
        site.record(method, self.path)
        head_only = method == "HEAD"
        body_len = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(body_len) if body_len else b""
        if site.should_fail(self.path):
            self._send(503, "Service temporarily unavailable\n", "text/plain; charset=utf-8",
                       head_only, {"Retry-After": "0"})
            return
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        directory = site.directory
        sample = mounted(path)
        if sample is not None and sample.answer is not None:
            # Another bundled stand-in (the registry API...), served from the same port.
            if method == "POST":
                self._send(405, "Use GET\n", "text/plain; charset=utf-8", headers={"Allow": "GET, HEAD"})
                return
            status, body_text, content_type = sample.answer(site.bundled, path, parts.query)
            self._send(status, body_text, content_type, head_only)
            return
        if path == API_PATH:
            if method != "POST":
                self._send(405, "Use POST\n", "text/plain; charset=utf-8", head_only, {"Allow": "POST"})
                return
            try:
                body = json.loads(payload or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._send(400, '{"error": "invalid JSON body"}', "application/json")
                return
            answer = pages.api_page(directory, body, self._base_url())
            self._send(200, json.dumps(answer, ensure_ascii=False, indent=2), "application/json; charset=utf-8")
            return
        if method == "POST":
            self._send(405, "Method not allowed\n", "text/plain; charset=utf-8", headers={"Allow": "GET, HEAD"})
            return
        if path == "/":
            self._send(200, pages.home_page(), head_only=head_only)
        elif path == "/robots.txt":
            self._send(200, pages.ROBOTS_TXT, "text/plain; charset=utf-8", head_only)
        elif path in (pages.SEARCH_PATH, pages.SEARCH_PATH.rstrip("/")):
            try:
                page = max(1, int(query.get("page", ["1"])[0]))
            except ValueError:
                page = 1
            location, keyword = query.get("location", [""])[0], query.get("keyword", [""])[0]
            html = pages.results_page(directory, location, keyword, page, self._base_url())
            self._send(200, html, head_only=head_only)
        elif path.startswith("/famt/"):
            index = directory.index_of(path[len("/famt/"):].rstrip("/"))
            if index is None or index in directory.hidden:
                self._send(404, pages.not_found_page(path), head_only=head_only)
            else:
                self._send(200, pages.profile_page(directory, index), head_only=head_only)
        elif path.startswith("/members/"):
            login = path.rstrip("/") == "/members/login"
            self._send(200 if login else 403, pages.members_page(login), head_only=head_only)
        else:
            self._send(404, pages.not_found_page(path), head_only=head_only)

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")


class SampleSite:
    """A sample directory served on `host:port` (port 0: any free port) in a thread."""

    def __init__(self, directory: SampleDirectory | None = None, size: int = 1200, seed: int = 7,
                 host: str = "127.0.0.1", port: int = 0, fail_once: Iterable[str] = ()):
        self.directory = directory if directory is not None else generate(size, seed)
        self.bundled = BundledData(self.directory)  # the other stand-ins' data, built when first asked for
        self.host = host
        self.port = port
        self._fail_pending = set(fail_once)
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str]] = []
        self._arrivals: list[float] = []  # time.monotonic() of each request in `requests` (politeness tests)
        self._statuses: list[tuple[str, int]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("SampleSite is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def start_url(self) -> str:
        return f"{self.url}{pages.search_url('', '', 1)}"

    def sample_urls(self) -> dict[str, list[str]]:
        """Each bundled sample's start URLs on this server, by source (spiders.sample_site.bundled)."""
        return {sample.source: sample.start_urls(self.url, self.bundled) for sample in SAMPLES}

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request served so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def arrivals(self) -> list[float]:
        """When each request of `requests` arrived (time.monotonic()), in the same order."""
        with self._lock:
            return list(self._arrivals)

    @property
    def statuses(self) -> list[tuple[str, int]]:
        """(path with query, status) of every answer, in order (304 for a revalidated page)."""
        with self._lock:
            return list(self._statuses)

    def record_status(self, path: str, status: int) -> None:
        with self._lock:
            self._statuses.append((path, status))

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((method, path))
            self._arrivals.append(time.monotonic())

    def should_fail(self, target: str) -> bool:
        """True (once) when `target`, or its path without the query, is in fail_once."""
        with self._lock:
            for key in (target, urlsplit(target).path):
                if key in self._fail_pending:
                    self._fail_pending.discard(key)
                    return True
        return False

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.site = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sample-site-{self.port}", daemon=True)
        self._thread.start()
        try:  # the stand-ins with listeners of their own (practice sites on 127.0.0.x), on this port
            self._others = [sample.serve(self.bundled, self.port) for sample in SAMPLES if sample.serve]
        except OSError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for other in getattr(self, "_others", []):
            other.stop()
        self._others = []
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
