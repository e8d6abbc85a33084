"""A tiny AMTA-style directory on 127.0.0.1 that misbehaves on request, for crawl tests.

    with FaultServer() as site:
        site.fault(site.profile_path(0), "status", status=429, headers={"Retry-After": "2"}, times=1)
        crawl(site.start_url)
        assert site.paths().count(site.profile_path(0)) == 2

The site: `/robots.txt` (allows everything), two results pages
(`/find-massage-therapist/?location=CT&keyword=&page=N`, linked by
`a[rel=next]`) listing `PROFILES` therapists, and a profile page for each at
`/famt/<slug>` in the format of the AMTA-style reference pages. Any other path
is a 404.

`fault(path, kind, times=None, **params)` makes one path (with its query) misbehave, for
its first `times` requests or for ever:

| kind | what the server does |
| --- | --- |
| `status` | answers `status` with `headers` (values may be functions, called per answer) and `body` |
| `redirect` | answers `status` (302) with `Location: location` |
| `hang` | reads the request and answers nothing for `seconds` (bounded by the server's life) |
| `slow` | sends the headers, then the page one byte every `interval` seconds |
| `truncate` | sends `Content-Length` larger than the body it sends, then closes |
| `drop` | closes the connection without a byte |
| `bad_chunked` | chunked encoding with a chunk size that is not hexadecimal |
| `gzip_bomb` | `Content-Encoding: gzip`, a small body inflating to `size` bytes |
| `huge` | a `size`-byte page (default 50 MB), streamed, with or without `length` header |
| `body` | the bytes `body` as given, with `content_type` (wrong charsets, BOMs, odd HTML) |

Every request is logged in `requests` as (monotonic time, wall time, method,
path, Host header) when it arrives, before any answer: tests measure "no
request before Retry-After" on the server's own clock.
"""

from __future__ import annotations

import gzip
import html
import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

PROFILES = 3
PER_PAGE = 2
MAX_HANG = 30.0  # no handler outlives this, whatever a test asks


@dataclass(frozen=True)
class Logged:
    at: float  # time.monotonic() on arrival
    wall: float  # time.time() on arrival
    method: str
    path: str
    host: str


@dataclass
class Fault:
    kind: str
    times: int | None = None  # None: every request
    params: dict[str, Any] = field(default_factory=dict)
    served: int = 0


def therapist(i: int) -> dict[str, Any]:
    """The i-th therapist of the site, as the profile page shows it."""
    first = ("Maria", "Tom", "Priya", "Kenji", "Grace")[i % 5]
    last = ("Lopez", "Okafor", "Shah", "Tanaka", "Levin")[i % 5]
    return {
        "slug": f"{first}-{last}-{i}".lower(),
        "name": f"{first} {last}",
        "business": f"{last} Bodywork Studio",
        "address": [f"{10 + i} Pratt St", "Hartford, CT 06103"],
        "phone": f"(860) 555-{100 + i:04d}",
        "email": f"{first.lower()}@{last.lower()}.example",
        "bio": f"I help desk workers with low back pain. Profile number {i}.",
        "techniques": ["Swedish", "Deep Tissue", "Trigger Point Therapy"],
        "languages": "English, Spanish",
    }


def profile_html(t: dict[str, Any], *, bio_html: str | None = None, charset: str | None = "utf-8") -> str:
    """A profile page; `bio_html` replaces the escaped bio paragraph as raw HTML."""
    e = html.escape
    meta = f'<meta charset="{charset}">' if charset else ""
    bio = bio_html if bio_html is not None else f"<p>{e(t['bio'])}</p>"
    techniques = "".join(f"<li>{e(x)}</li>" for x in t["techniques"])
    return f"""<!DOCTYPE html>
<html lang="en"><head>{meta}<title>{e(t['name'])} | Find a Massage Therapist</title></head>
<body><main class="famt-profile">
  <h1 class="adage-heading-title">{e(t['name'])}</h1>
  <p class="famt-credentials">LMT</p>
  <div class="amta-flex-grow-5 amta-padding-bottom-1">
    <p><span>Business:</span> {e(t['business'])}</p>
    <p><span>Address:</span> {e(t['address'][0])}<br>{e(t['address'][1])}</p>
    <p><span>Phone:</span> <a href="tel:{e(t['phone'])}">{e(t['phone'])}</a></p>
    <p><span>Email:</span> <a href="mailto:{e(t['email'])}">{e(t['email'])}</a></p>
  </div>
  <section class="famt-section"><h2>About Me</h2>{bio}</section>
  <section class="famt-section"><h2>Massage Techniques</h2><ul>{techniques}</ul></section>
  <section class="famt-section"><h2>Languages</h2><p>{e(t['languages'])}</p></section>
</main></body></html>
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    site: FaultServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "FaultServer/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        self._handle("POST")

    def _handle(self, method: str) -> None:
        site = self.server.site
        site._log(Logged(time.monotonic(), time.time(), method, self.path, self.headers.get("Host", "")))
        fault = site._take_fault(self.path)
        if fault is None:
            self._normal()
        else:
            getattr(self, f"_fault_{fault.kind}")(**fault.params)

    # -- the site as it should be ------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _normal(self) -> None:
        page = self.server.site.page(self.path)
        if page is None:
            self._send(404, b"<html><body>Not found</body></html>")
        elif self.path == "/robots.txt":
            self._send(200, page.encode(), "text/plain")
        else:
            self._send(200, page.encode("utf-8"))

    # -- faults ----------------------------------------------------------------------

    def _fault_status(self, status: int = 500, headers: dict[str, Any] | None = None, body: bytes = b"") -> None:
        # A header value may be a function, called when the answer is sent (a date "2 s from now").
        sent = {k: v() if callable(v) else v for k, v in (headers or {}).items()}
        self._send(status, body or f"<html><body>{status}</body></html>".encode(), headers=sent)

    def _fault_redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", headers={"Location": location})

    def _fault_hang(self, seconds: float = MAX_HANG) -> None:
        self.server.site._stopping.wait(min(seconds, MAX_HANG))
        self.close_connection = True

    def _fault_slow(self, interval: float = 0.5) -> None:
        body = (self.server.site.page(self.path) or "").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        for byte in body:
            if self.server.site._stopping.wait(interval):
                break
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                break
        self.close_connection = True

    def _fault_truncate(self, keep: float = 0.5) -> None:
        body = (self.server.site.page(self.path) or "").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: int(len(body) * keep)])
        self.wfile.flush()
        self.close_connection = True

    def _fault_drop(self) -> None:
        self.close_connection = True

    def _fault_bad_chunked(self) -> None:
        body = (self.server.site.page(self.path) or "").encode()
        half = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\nZZZZ\r\nnot a chunk\r\n" % (len(half), half))
        self.wfile.flush()
        self.close_connection = True

    def _fault_gzip_bomb(self, size: int = 64 * 1024 * 1024) -> None:
        self._send(200, self.server.site.gzip_bomb(size), headers={"Content-Encoding": "gzip"})

    def _fault_huge(self, size: int = 50 * 1024 * 1024, length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>"
        sent = 0
        try:
            while sent < size and not self.server.site._stopping.is_set():
                chunk = block[: size - sent]
                self.wfile.write(chunk if length else b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            if not length:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up: that is the point
            pass
        self.close_connection = True

    def _fault_body(self, body: bytes, content_type: str = "text/html") -> None:
        self._send(200, body, content_type)


class FaultServer:
    """The site on 127.0.0.1, port chosen by the OS, in a daemon thread. Use with `with`."""

    def __init__(self, profiles: int = PROFILES, *, robots: str = "User-agent: *\nAllow: /\n"):
        self.therapists = [therapist(i) for i in range(profiles)]
        self.robots = robots
        self.requests: list[Logged] = []
        self._faults: dict[str, Fault] = {}
        self._overrides: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._bombs: dict[int, bytes] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- life ----------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def start_url(self) -> str:
        return self.url + self.results_path(1)

    # -- the site ------------------------------------------------------------------

    @staticmethod
    def results_path(page: int) -> str:
        return f"/find-massage-therapist/?location=CT&keyword=&page={page}"

    def profile_path(self, i: int) -> str:
        return f"/famt/{self.therapists[i]['slug']}"

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.therapists) // PER_PAGE))

    def serve(self, path: str, page: str) -> None:
        """Serve `page` (text) at `path` instead of the generated page."""
        self._overrides[path] = page

    def page(self, path: str) -> str | None:
        if path in self._overrides:
            return self._overrides[path]
        if path == "/robots.txt":
            return self.robots
        for page in range(1, self.pages + 1):
            if path == self.results_path(page):
                return self._results_html(page)
        for i in range(len(self.therapists)):
            if path == self.profile_path(i):
                return profile_html(self.therapists[i])
        return None

    def _results_html(self, page: int) -> str:
        shown = self.therapists[(page - 1) * PER_PAGE : page * PER_PAGE]
        items = "".join(
            f'<li class="find-a-mr-results-list-item"><h3 class="find-a-mr-results-list-item-title">'
            f'<a href="/famt/{t["slug"]}">{html.escape(t["name"])}</a></h3>'
            f'<div class="find-a-mr-results-list-item-address"><p>Hartford, CT</p></div></li>'
            for t in shown
        )
        nav = ""
        if page < self.pages:
            nav = f'<nav class="pagination"><a class="pagination-arrows-item" rel="next" href="{html.escape(self.results_path(page + 1))}">Next Page</a></nav>'
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Results</title></head>'
            f'<body><main class="find-a-mr"><ul class="find-a-mr-results-list">{items}</ul>{nav}</main></body></html>'
        )

    def gzip_bomb(self, size: int) -> bytes:
        if size not in self._bombs:
            out = io.BytesIO()
            with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
                block = b"\0" * (1 << 20)
                for _ in range(size >> 20):
                    gz.write(block)
            self._bombs[size] = out.getvalue()
        return self._bombs[size]

    # -- faults and the log ----------------------------------------------------------

    def fault(self, path: str, kind: str, times: int | None = None, **params: Any) -> None:
        if not hasattr(_Handler, f"_fault_{kind}"):
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults[path] = Fault(kind, times, params)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            fault = self._faults.get(path)
            if fault is None or (fault.times is not None and fault.served >= fault.times):
                return None
            fault.served += 1
            return fault

    def _log(self, entry: Logged) -> None:
        with self._lock:
            self.requests.append(entry)

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def log(self, path: str | None = None) -> list[Logged]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]
