"""A SODA-compatible stand-in for Socrata portals, served on loopback.

`SodaSite({"7358-krk7": rows, ...})` serves each dataset at
`/resource/<id>.json` with the parts of SODA 2.1 that knead's roster crawl
uses (shared/reference/socrata/README.md):

- `$select`: column names, or `count(*) AS n` (the count as a string);
- `$where`: `col = 'x'` and `col IN ('x', 'y')` joined by AND (quotes doubled inside);
- `$order`: columns (`:id` is the row's position), each optionally DESC;
- `$limit` (default 1,000) and `$offset`;
- null fields left out of each row object; `X-SODA2-Fields` / `X-SODA2-Types`
  headers naming the selected fields; a column the dataset does not have
  (in any parameter) is a 400 `query.soql.no-such-column` in the 2.1 error
  shape (`errorCode`, `message`, `data.column`).

For tests of what goes wrong: `columns` gives a dataset's columns (default:
every key its rows use), so a test can leave one out; `count_extra` adds to a
dataset's `count(*)` (a dataset that changed between the count and the
pages); `lenient_select` leaves unknown `$select` columns out instead of a 400; `faults` is a queue of answers `(status, headers, body)` served instead
of the next resource requests (a 429 with Retry-After, a 500). `served` lists
(path, status) of every answer, in order.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from typing import Self

DEFAULT_LIMIT = 1000
_RESOURCE = re.compile(r"^/resource/([a-z0-9]{4}-[a-z0-9]{4})\.json$")
_COUNT = re.compile(r"^count\(\*\)\s+AS\s+(\w+)$", re.IGNORECASE)
_CONDITION = re.compile(r"^\s*([:\w]+)\s*(=|IN)\s*(.+?)\s*$", re.IGNORECASE | re.DOTALL)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


class SoqlError(Exception):
    def __init__(self, code: str, message: str, column: str | None = None):
        super().__init__(message)
        self.code, self.message, self.column = code, message, column

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "errorCode": self.code, "data": {"column": self.column} if self.column else {}}


def _split_and(text: str) -> list[str]:
    """`a = 'x' AND b IN ('y')` -> its conditions (an AND inside a quoted literal is kept)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(text):
        if text[i] == "'":
            quoted = not quoted  # a doubled quote toggles twice
        if not quoted and text[i:i + 5].upper() == " AND ":
            parts.append(current)
            current, i = "", i + 5
            continue
        current += text[i]
        i += 1
    parts.append(current)
    return [p for p in parts if p.strip()]


def answer(rows: list[dict[str, Any]], columns: list[str], query: Mapping[str, str], count_extra: int = 0,
           lenient_select: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """(answer rows, their field names) for one query; SoqlError for what SODA refuses.
    `lenient_select`: unknown `$select` columns are left out, not refused (then only
    X-SODA2-Fields tells a client one is missing)."""
    known = set(columns) | {":id"}

    def check(column: str) -> str:
        if column not in known:
            raise SoqlError("query.soql.no-such-column", f"No such column: {column}", column)
        return column

    matched = list(enumerate(rows))
    for condition in _split_and(query.get("$where", "")) if query.get("$where", "").strip() else []:
        found = _CONDITION.match(condition)
        if not found:
            raise SoqlError("query.compiler.malformed", f"Could not parse SoQL query \"{condition}\"")
        column, op = check(found[1]), found[2].upper()
        values = {v.replace("''", "'") for v in _LITERAL.findall(found[3])}
        matched = [(i, r) for i, r in matched if str(r.get(column, "")) in values] if values else []
        if op == "=" and len(values) != 1:
            raise SoqlError("query.compiler.malformed", f"Could not parse SoQL query \"{condition}\"")
    select = query.get("$select", "").strip()
    counted = _COUNT.match(select)
    if counted:
        return [{counted[1]: str(len(matched) + count_extra)}], [counted[1]]
    for part in reversed([p.strip() for p in query.get("$order", "").split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        check(name)
        matched.sort(key=lambda pair: pair[0] if name == ":id" else str(pair[1].get(name, "")),
                     reverse=direction.strip().upper() == "DESC")
    try:
        offset, limit = int(query.get("$offset", 0)), int(query.get("$limit", DEFAULT_LIMIT))
    except ValueError:
        raise SoqlError("query.compiler.malformed", "$limit and $offset must be integers") from None
    asked = [c.strip() for c in select.split(",")] if select else list(columns)
    fields = [c for c in asked if c in known] if lenient_select else [check(c) for c in asked]
    page = [{f: r[f] for f in fields if r.get(f) not in (None, "")} for _, r in matched[offset:offset + limit]]
    return page, fields


def respond(datasets: Mapping[str, list[dict[str, Any]]], columns: Mapping[str, list[str]], path: str, query: str,
            count_extra: Mapping[str, int] | None = None, lenient_select: bool = False) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body, headers) for a GET of `path?query` (a path under the portal's root)."""
    found = _RESOURCE.match(path)
    if not found or found[1] not in datasets:
        return 404, {"message": f"Dataset not found: {path}", "errorCode": "not_found"}, {}
    dataset = found[1]
    try:
        rows, fields = answer(datasets[dataset], columns[dataset], dict(parse_qsl(query)),
                              (count_extra or {}).get(dataset, 0), lenient_select)
    except SoqlError as exc:
        return 400, exc.body(), {}
    return 200, rows, {"X-SODA2-Fields": json.dumps(fields), "X-SODA2-Types": json.dumps(["text"] * len(fields))}


def columns_of(datasets: Mapping[str, Iterable[dict[str, Any]]],
               given: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Each dataset's columns: as given, else every key its rows use."""
    return {k: list((given or {}).get(k) or dict.fromkeys(c for r in rows for c in r)) for k, rows in datasets.items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KneadSoda/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8" if not isinstance(body, str)
                         else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Socrata-RequestId", f"knead{len(self.server.site.served):06d}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.server.site.record(self.path, status, dict(self.headers))

    def do_GET(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            self._send(200, "User-agent: *\nAllow: /\n")
            return
        fault = site.next_fault() if _RESOURCE.match(parts.path) else None
        if fault is not None:
            self._send(*fault)
            return
        self._send(*respond(site.datasets, site.columns, parts.path, parts.query, site.count_extra,
                            site.lenient_select))

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SodaSite


class SodaSite:
    """Datasets served on `host:port` (0: any free port) in a thread; a context manager."""

    def __init__(self, datasets: Mapping[str, Iterable[dict[str, Any]]], host: str = "127.0.0.1", port: int = 0,
                 columns: Mapping[str, list[str]] | None = None, count_extra: Mapping[str, int] | None = None,
                 faults: Iterable[tuple[int, dict[str, str], Any]] = (), lenient_select: bool = False):
        self.datasets = {k: list(v) for k, v in datasets.items()}
        self.lenient_select = lenient_select
        self.columns = columns_of(self.datasets, columns)
        self.count_extra = dict(count_extra or {})
        self.faults = list(faults)
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self.served: list[tuple[str, int]] = []
        self.request_headers: list[dict[str, str]] = []
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def next_fault(self) -> tuple[int, dict[str, str], Any] | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def record(self, path: str, status: int, headers: dict[str, str]) -> None:
        with self._lock:
            self.served.append((path, status))
            self.request_headers.append(headers)

    def start(self) -> Self:
        if self._server is None:
            server = _Server((self.host, self.port), _Handler)
            server.site = self
            self.port = server.server_address[1]
            self._server = server
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
